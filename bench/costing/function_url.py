"""HTTP as the Function URL sends it: a payload 2.0 event to the app's handler, with a
browser's headers, and the answer's bytes out counted as sent (gzipped or not), with the
headers the Function URL adds."""

from __future__ import annotations

import json
from typing import Any

from bench.costing.lambdas import Invocations

HOST_HEADER = "penny.example"
# What a browser sends: every page, script, stylesheet and JSON answer may come gzipped.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
# Date, Content-Length, Connection, x-amzn-RequestId, X-Amzn-Trace-Id: added to every answer.
FUNCTION_URL_HEADER_BYTES = 160


class FunctionUrl:
    """The harness's HTTP requests, through the Function URL."""

    invocations: Invocations
    app: Any
    routes: set[str]
    last_cookies: list[str]

    def http(self, method: str, path: str, *, token: str | None = None,
             body: Any = None, headers: dict[str, str] | None = None,
             accept_encoding: str | None = BROWSER_ENCODINGS
             ) -> tuple[int, dict[str, str], str]:
        import base64
        import gzip

        from chalicelib.functions.function_url import match_route
        from local.api import function_url_event
        from local.lambda_runtime import LambdaContext

        sent = {"host": HOST_HEADER, "accept": "*/*", "user-agent": "penny-cost-model",
                **({"accept-encoding": accept_encoding} if accept_encoding else {}),
                **(headers or {})}
        data = None
        if body is not None:
            sent["content-type"] = "application/json"
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if token:
            sent["authorization"] = f"Bearer {token}"
        event = function_url_event(method, path, sent, data)
        matched = match_route(self.routes, path.split("?")[0])
        label = f"{method} {matched[0] if matched else path}"
        response = self.invocations.invoke("api_handler", label, self.app, event,
                                           LambdaContext("api_handler"))
        text = response.get("body") or ""
        raw = base64.b64decode(text) if response.get("isBase64Encoded") else text.encode()
        out_headers = dict(response.get("headers") or {})
        self.last_cookies = list(response.get("cookies") or []) + [
            v for k, v in out_headers.items() if k.lower() == "set-cookie"]
        plain = gzip.decompress(raw) if out_headers.get("Content-Encoding") == "gzip" else raw
        head = header_bytes(int(response["statusCode"]), out_headers,
                            response.get("cookies") or [])
        self.invocations.amend(bytes_out=head + len(raw), bytes_identity=head + len(plain))
        return (int(response["statusCode"]), out_headers,
                plain.decode("utf-8", "replace"))

    def http_json(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, _, text = self.http(method, path, **kwargs)
        return status, json.loads(text) if text else None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        status, body = self.http_json(method, path, **kwargs)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {body}")
        return body

    def connect(self, provider: str, token: str, features: list[str],
                account: str | None = None) -> None:
        """The host connects `provider` for `features` the way a browser does: Connect,
        the sandbox's consent page (as `account`, or its first), Penny's callback."""
        from urllib.parse import urlsplit

        from sandbox.testing import consent

        status, _, body = self.http("POST", f"/me/connections/{provider}", token=token,
                                    body={"features": features})
        if status != 200:
            raise RuntimeError(f"connecting {provider}: {status} {body[:200]}")
        binding = binding_from(self.last_cookies)
        back = urlsplit(consent(json.loads(body)["authorize_url"], account=account))
        status, _, body = self.http("GET", f"{back.path}?{back.query}",
                                    headers={"cookie": binding})
        if status >= 400:
            raise RuntimeError(f"connecting {provider}: {status} {body[:200]}")


def binding_from(cookies: list[str]) -> str:
    """The OAuth round trip's binding cookie (`name=value`) among the Set-Cookie values a
    Connect answered, as the browser sends it back to the callback."""
    from chalicelib.functions.connections import BINDING

    return next(c.split(";")[0] for c in cookies
                if c.split("=", 1)[0].removeprefix("__Host-").startswith(f"{BINDING}_"))


def header_bytes(status: int, headers: dict[str, str], cookies: list[str]) -> int:
    """An HTTP/1.1 answer's status line and headers as sent, with those the Function URL
    adds (HTTP/2's header compression would make them smaller: this errs high)."""
    lines = [f"HTTP/1.1 {status} OK", *(f"{k}: {v}" for k, v in headers.items()),
             *(f"Set-Cookie: {c}" for c in cookies)]
    return sum(len(line.encode()) + 2 for line in lines) + 2 + FUNCTION_URL_HEADER_BYTES
