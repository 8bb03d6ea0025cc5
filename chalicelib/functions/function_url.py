"""Requests through the Lambda Function URL, answered by the same Chalice routes.

A Function URL costs nothing beyond the Lambda invocation, where API Gateway REST costs
$3.50 per million requests: at Penny's traffic (page views, slot lookups) REST would be
most of the bill. Function URLs send the HTTP API "2.0" payload; Chalice's router reads
API Gateway's REST "1.0" proxy event. So the request is matched to a route here (a
literal path segment beats a `{parameter}`, as in API Gateway), turned into the event
Chalice expects, and the response turned back (cookies apart, as 2.0 wants them).
The body passes through untouched, base64 and its `isBase64Encoded` flag included, so
Chalice's `raw_body` is the exact bytes sent: what webhook signatures are computed over
(functions/edge.py).
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

# Worth compressing: text that shrinks 3-5x. Below this size the gzip header and the
# base64 the Function URL needs for a binary body eat the gain.
COMPRESSIBLE = ("text/html", "text/css", "text/javascript", "application/javascript",
                "application/json", "image/svg+xml", "text/calendar")
MIN_COMPRESS_BYTES = 1024
GZIP_LEVEL = 6  # zlib's default: most of level 9's gain for a third of its CPU


def match_route(routes: Iterable[str], path: str) -> tuple[str, dict[str, str]] | None:
    """The route pattern `path` falls under and its captured parameters, if any."""
    parts = path.split("/")
    best: tuple[tuple[bool, ...], str, dict[str, str]] | None = None
    for route in routes:
        pattern = route.split("/")
        if len(pattern) != len(parts):
            continue
        captured: dict[str, str] = {}
        for segment, part in zip(pattern, parts, strict=True):
            if segment.startswith("{") and segment.endswith("}"):
                if not part:
                    break
                captured[segment[1:-1]] = unquote(part)
            elif segment != part:
                break
        else:
            rank = tuple(not s.startswith("{") for s in pattern)
            if best is None or rank > best[0]:
                best = (rank, route, captured)
    return None if best is None else (best[1], best[2])


def to_rest_event(event: Mapping[str, Any], resource: str, parameters: dict[str, str],
                  method: str | None = None) -> dict[str, Any]:
    """The REST proxy event for `event`, matched to `resource`; `method` overrides the
    request's own (a HEAD is answered by the GET route)."""
    http = {**event["requestContext"]["http"]}
    if method is not None:
        http["method"] = method
    headers = dict(event.get("headers") or {})
    if event.get("cookies"):
        headers["cookie"] = "; ".join(event["cookies"])
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(event.get("rawQueryString") or "", keep_blank_values=True):
        query.setdefault(name, []).append(value)
    context = event["requestContext"]
    return {
        "resource": resource,
        "path": event["rawPath"],
        "httpMethod": http["method"],
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource, "httpMethod": http["method"], "path": event["rawPath"],
            "stage": context.get("stage", "$default"), "requestId": context.get("requestId"),
            "domainName": context.get("domainName"),
            "identity": {"sourceIp": http.get("sourceIp"), "userAgent": http.get("userAgent")},
        },
        "body": event.get("body"),
        "isBase64Encoded": bool(event.get("isBase64Encoded")),
    }


def to_function_url_response(response: Mapping[str, Any]) -> dict[str, Any]:
    headers = dict(response.get("headers") or {})
    cookies: list[str] = []
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            cookies.extend(values)
        else:
            headers[name] = ", ".join(values)
    out = {"statusCode": response["statusCode"], "headers": headers,
           "body": response.get("body", ""),
           "isBase64Encoded": bool(response.get("isBase64Encoded"))}
    if cookies:
        out["cookies"] = cookies
    return out


def without_body(response: dict[str, Any]) -> dict[str, Any]:
    """A HEAD answer: the GET's status and headers, no body."""
    return {**response, "body": "", "isBase64Encoded": False}


def not_found(method: str, path: str) -> dict[str, Any]:
    # What the REST stage answers for an unknown route or method (infra/template.py gives
    # API Gateway's answer this shape), so both front doors agree.
    from chalicelib.functions.errors import error_body

    body = error_body("not_found", f"No route matches {method} {path}")
    return {"statusCode": 404, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body), "isBase64Encoded": False}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether the request's Accept-Encoding allows gzip (q=0 refuses it)."""
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def compressed(response: dict[str, Any], accept_encoding: str | None) -> dict[str, Any]:
    """The response gzip-encoded, when the client accepts gzip and the body is text worth
    compressing. A Function URL does not compress (API Gateway REST can, a CloudFront
    distribution would): at Penny's traffic the pages, scripts and slots JSON are most of
    the bytes sent out, and data transfer out is billed per GB. Brotli would shrink text
    ~15% more but needs a compiled package; gzip is in the standard library. A strong
    ETag becomes weak (the bytes differ from the identity encoding's; RFC 9110 8.8.1),
    and `Vary: Accept-Encoding` tells caches the answer depends on the request."""
    headers = dict(response.get("headers") or {})
    body = response.get("body") or ""
    kind = (_header(headers, "content-type") or "").split(";")[0].strip().lower()
    if (response.get("isBase64Encoded") or not isinstance(body, str)
            or kind not in COMPRESSIBLE or _header(headers, "content-encoding")
            or not accepts_gzip(accept_encoding)):
        return response
    raw = body.encode("utf-8")
    if len(raw) < MIN_COMPRESS_BYTES:
        return response
    packed = gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)
    headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length",)}
    headers["Content-Encoding"] = "gzip"
    vary = _header(headers, "vary")
    headers = {k: v for k, v in headers.items() if k.lower() != "vary"}
    headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    etag = _header(headers, "etag")
    if etag and not etag.startswith("W/"):
        headers = {k: v for k, v in headers.items() if k.lower() != "etag"}
        headers["ETag"] = f"W/{etag}"
    return {**response, "headers": headers,
            "body": base64.b64encode(packed).decode("ascii"), "isBase64Encoded": True}
