"""A thin layer over Chalice routes: parse, authenticate, map errors, describe for OpenAPI.

`api_route` registers a Chalice route whose view receives typed arguments (path
parameters, a validated body and query model, the authenticated host id) and returns
a pydantic model, a dict or a Chalice Response. Models are named as strings and
resolved on first use, so importing app.py does not import pydantic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint, Chalice, Response

from chalicelib.domain.errors import (
    AuthenticationError,
    NotFoundError,
    PennyError,
    ValidationError,
)
from chalicelib.functions.errors import error_response, from_exception
from chalicelib.services.access_tokens import AccessClaims

_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    name: str
    summary: str
    tag: str
    status: int = 200
    body: str | None = None
    query: str | None = None
    response: str | None = None
    auth: bool = False
    headers: tuple[str, ...] = ()
    produces: str = "application/json"
    errors: tuple[int, ...] = field(default=(400, 404))
    # Security schemes (openapi.py) that must all be present, for routes that read
    # credentials themselves; `auth` routes get bearer-or-cookie without naming them.
    security: tuple[str, ...] = ()
    # The response holds a credential (tokens, a secret link's content): "Cache-Control:
    # no-store" on every answer, errors included (RFC 6749 §5.1). `auth` routes get it too.
    no_store: bool = False
    # An `auth` view that also takes `session_id`: the caller's login, bound to the token
    # (the cookie session's `sid`) or not (an API client's `lid`), so that what it starts
    # (a realtime ticket, an OAuth round trip) ends with that login. None only for a token
    # that names no login.
    session: bool = False


OPERATIONS: list[Operation] = []
# Ids and slugs are short; anything else cannot name a resource (and a DynamoDB key
# over 2 KB would be refused by the service rather than simply not found).
PATH_PARAMETER = re.compile(r"^[^/]{1,100}$")


def _model(name: str) -> Any:
    from chalicelib.functions import schemas

    return getattr(schemas, name)


def _plain(error: Any) -> str:
    """pydantic's message for one error, in words for people (no regexes, no jargon)."""
    from chalicelib.functions.schemas import PATTERN_MESSAGES

    kind, message = error["type"], str(error["msg"])
    if kind == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(error.get("ctx", {}).get("pattern"), "is not in the "
                                    "expected format")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this request"
    # "String should have at least 3 characters" -> "should have ...", said of the field.
    # pydantic's " after validation" (a list's length) is its own business, not the caller's.
    for noun in ("String ", "Input ", "Value ", "List ", "Dictionary ", "Object "):
        if message.startswith(noun + "should"):
            said = message.removeprefix(noun).replace(" after validation", "")
            if kind in ("too_long", "too_short") and isinstance(error.get("input"), str):
                # A length checked after a validator is told in a list's words ("items"):
                # a string's is in characters.
                said = said.replace(" items", " characters").replace(" item", " character")
            return said
    # Our own validators' messages, without pydantic's "Value error, " in front.
    return message.removeprefix("Value error, ")


def _validation_error(exc: Any) -> ValidationError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or None
    message = _plain(first)
    if where is None:
        return ValidationError(message)
    joined = " " if message.startswith(("must", "should", "is ")) else ": "
    return ValidationError(f"{where}{joined}{message}", where)


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKeyError(key)
        seen[key] = value
    return seen


def _refuse_duplicate_keys(raw: bytes) -> None:
    """JSON with a key twice is ambiguous (parsers disagree on which wins): refuse it."""
    try:
        json.loads(raw, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as exc:
        raise MalformedJsonError(f"request body repeats the key {str(exc)!r}") from exc
    except RecursionError as exc:
        raise MalformedJsonError("request body is nested too deeply") from exc
    except ValueError:
        pass  # not JSON at all: pydantic says where, below


def parse_body(raw: bytes, model: str, limit: int) -> Any:
    from pydantic import ValidationError as PydanticError

    if len(raw) > limit:
        raise PayloadTooLargeError(f"request body exceeds {limit} bytes")
    if not raw.strip() or raw.strip() == b"null":
        raise MalformedJsonError("request body must be a JSON object")
    _refuse_duplicate_keys(raw)
    try:
        return _model(model).model_validate_json(raw)
    except PydanticError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":  # also bounds nesting depth: no RecursionError
            raise MalformedJsonError(f"request body is not valid JSON: {first['msg']}") from exc
        raise _validation_error(exc) from exc


def parse_query(params: Mapping[str, str] | None, model: str) -> Any:
    from pydantic import ValidationError as PydanticError

    try:
        return _model(model).model_validate(dict(params or {}))
    except PydanticError as exc:
        raise _validation_error(exc) from exc


class MalformedJsonError(ValidationError):
    """The body is not JSON."""

    code = "malformed_json"


class PayloadTooLargeError(ValidationError):
    """The body is over the size limit."""

    code = "payload_too_large"


def base_path(request: Any) -> str:
    """The prefix before the matched route: the request's path minus the route's segments."""
    context = getattr(request, "context", None) or {}
    full = [p for p in str(context.get("path") or "").split("/") if p]
    route = [p for p in str(context.get("resourcePath") or "").split("/") if p]
    prefix = full[: len(full) - len(route)]
    if not all(_PATH_SEGMENT.fullmatch(p) for p in prefix):
        return ""
    return "".join(f"/{p}" for p in prefix)


def request_body(request: Any) -> bytes:
    """The body exactly as sent: Chalice undoes the front door's base64 (`isBase64Encoded`,
    whatever the content type, so `app.api.binary_types` need not list it: that list
    governs responses) and hands a text body back as its UTF-8 bytes, `\r\n` and all."""
    try:
        raw = request.raw_body or b""
    except AttributeError:  # no body at all, as Chalice's local front door passes it
        return b""
    return raw.encode() if isinstance(raw, str) else bytes(raw)


def source_ip(request: Any) -> str | None:
    """The client's address as the front door saw it (REST and Function URL alike)."""
    context = getattr(request, "context", None) or {}
    ip = (context.get("identity") or {}).get("sourceIp")
    return str(ip) if ip else None


def bearer_token(headers: Any) -> str:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send 'Authorization: Bearer <access token>'")
    return token.strip()


def _to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(body="", status_code=204)
    body = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
    return Response(body=json.dumps(body), status_code=status,
                    headers={"Content-Type": "application/json"})


def api_route(app: Chalice | Blueprint, authenticate: Callable[[Any], AccessClaims],
              body_limit: Callable[[], int],
              operation: Operation) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`authenticate(request)` returns who calls an `auth` route (host, login), or raises."""
    OPERATIONS.append(operation)

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        def view(**path: str) -> Response:
            request = app.current_request
            assert request is not None  # Chalice sets it before calling a view
            try:
                kwargs: dict[str, Any] = dict(path)
                if any(not PATH_PARAMETER.match(value) for value in path.values()):
                    raise NotFoundError("no such resource")
                if operation.auth:
                    caller = authenticate(request)
                    kwargs["host_id"] = caller.host_id
                    if operation.session:
                        kwargs["session_id"] = caller.login
                if operation.body:
                    raw = request_body(request)
                    kwargs["body"] = parse_body(raw, operation.body, body_limit())
                if operation.query:
                    kwargs["query"] = parse_query(request.query_params, operation.query)
                response = _to_response(fn(**kwargs), operation.status)
            except PayloadTooLargeError as exc:
                response = error_response(413, exc.code, exc.message)
            except PennyError as exc:
                response = from_exception(exc)
            except Exception as exc:  # a bug: logged, answered in the error shape
                response = from_exception(exc)
            if operation.auth or operation.no_store:
                response.headers.setdefault("Cache-Control", "no-store")
            return response

        view.__name__ = operation.name
        view.__doc__ = operation.summary
        app.route(operation.path, methods=[operation.method], name=operation.name)(view)
        return fn

    return register
