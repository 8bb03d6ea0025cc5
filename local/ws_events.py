"""API Gateway's WebSocket events, as the local gateway hands them to the app's routes.

Pure shapes, no I/O: the request context every event carries, the `$connect`, `$default`
and `$disconnect` events, the ids API Gateway makes, and how a `$connect` handler's proxy
response is read. The gateway (local/ws_connections.py) decides when each is sent.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol

ROUTES = ("$connect", "$default", "$disconnect")

DISCONNECT_REASONS = {
    1000: "Connection closed normally",
    1001: "Going away",
    1005: "Client-side close frame status not set",
    1006: "Connection closed abnormally",
}


@dataclass(frozen=True)
class Api:
    """What every event says about the API it came through."""

    stage: str
    api_id: str
    domain_name: str  # host:port
    port: int


class Caller(Protocol):
    """The connection an event is about, as API Gateway describes it."""

    @property
    def id(self) -> str: ...
    @property
    def connected_at(self) -> int: ...  # epoch milliseconds
    @property
    def source_ip(self) -> str: ...
    @property
    def user_agent(self) -> str: ...


def connect_event(api: Api, caller: Caller, headers: Iterable[tuple[str, str]],
                  query: dict[str, list[str]]) -> dict[str, Any]:
    """The `$connect` event for an upgrade request's headers and query string."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:  # keeps the client's spelling
        single[name] = value
        multi.setdefault(name, []).append(value)
    event: dict[str, Any] = {
        "headers": {
            **single,
            "X-Forwarded-For": caller.source_ip,
            "X-Forwarded-Port": str(api.port),
            "X-Forwarded-Proto": "http",
        },
        "multiValueHeaders": {
            **multi,
            "X-Forwarded-For": [caller.source_ip],
            "X-Forwarded-Port": [str(api.port)],
            "X-Forwarded-Proto": ["http"],
        },
        "requestContext": request_context(api, caller, "$connect", "CONNECT"),
        "isBase64Encoded": False,
    }
    if query:
        # As in AWS, the keys are there only when the URL has a query string.
        event["queryStringParameters"] = {k: values[-1] for k, values in query.items()}
        event["multiValueQueryStringParameters"] = dict(query)
    return event


def message_event(api: Api, caller: Caller, body: str, *, is_base64: bool) -> dict[str, Any]:
    """The `$default` event for one message (binary frames arrive in base64)."""
    context = request_context(api, caller, "$default", "MESSAGE")
    context["messageId"] = new_id()
    return {"requestContext": context, "body": body, "isBase64Encoded": is_base64}


def disconnect_event(api: Api, caller: Caller, code: int) -> dict[str, Any]:
    """The `$disconnect` event, with the close code and API Gateway's reason for it."""
    headers = {"Host": api.domain_name, "x-api-key": "", "X-Forwarded-For": "",
               "x-restapi": ""}
    context = request_context(api, caller, "$disconnect", "DISCONNECT")
    context["disconnectStatusCode"] = code
    context["disconnectReason"] = DISCONNECT_REASONS.get(code, "")
    return {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def request_context(api: Api, caller: Caller, route: str, event_type: str) -> dict[str, Any]:
    now = epoch_ms()
    request_id = new_id()
    return {
        "routeKey": route,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": datetime.fromtimestamp(now / 1000, UTC).strftime(
            "%d/%b/%Y:%H:%M:%S +0000"
        ),
        "messageDirection": "IN",
        "stage": api.stage,
        "connectedAt": caller.connected_at,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": caller.source_ip, "userAgent": caller.user_agent},
        "requestId": request_id,
        "domainName": api.domain_name,
        "connectionId": caller.id,
        "apiId": api.api_id,
    }


def proxy_response(response: Any) -> tuple[int, dict[str, str], str]:
    """statusCode, headers and body of a Lambda proxy response (a bare value is 200)."""
    if not isinstance(response, dict):
        return 200, {}, ""
    try:
        status = int(response.get("statusCode", 200))
    except (TypeError, ValueError):
        status = int(HTTPStatus.BAD_GATEWAY)
    headers = response.get("headers") or {}
    body = response.get("body")
    return status, {str(k): str(v) for k, v in headers.items()}, "" if body is None else str(body)


def new_id() -> str:
    """A connection, request or message id as API Gateway makes them."""
    # 11 random bytes in base64: 16 characters ending in "=", like "Lr8dhd7ZoAMCJ8A=".
    # URL-safe letters, so an id always fits in a /@connections/{id} path segment.
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode("ascii")


def epoch_ms() -> int:
    return int(time.time() * 1000)
