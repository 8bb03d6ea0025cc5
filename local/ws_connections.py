"""The local WebSocket gateway's client connections, each driven through the app's routes.

A WebSocket upgrade on any path gets an API Gateway-style id and invokes `$connect` with
the upgrade request's headers and query string before the handshake completes: a non-2xx
`statusCode` refuses the handshake with that status, a handler that raises with 502 (what
API Gateway answers when the integration fails). A subprotocol is agreed only if
`$connect` returns it in a `Sec-WebSocket-Protocol` header, as in AWS. Each message
invokes `$default` (its return value is not sent back: API Gateway only does that with a
route response, which Penny does not configure); closing invokes `$disconnect` when the
app has that route (Penny has not: API Gateway then runs nothing either). The open
connections are kept by id for the management API (local/ws_management.py).

The app is synchronous, so every handler runs in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from local.lambda_runtime import LambdaHandler, invoke_lambda
from local.ws_events import (
    Api,
    connect_event,
    disconnect_event,
    epoch_ms,
    message_event,
    new_id,
    proxy_response,
)

log = logging.getLogger(__name__)

# API Gateway's quota for a WebSocket message, and for a post_to_connection payload.
MAX_MESSAGE_BYTES = 128 * 1024


@dataclass
class Connection:
    id: str
    socket: web.WebSocketResponse
    connected_at: int  # epoch milliseconds, as API Gateway reports it
    source_ip: str
    user_agent: str
    last_active_at: float = field(default_factory=time.time)
    closed_by_gateway: int | None = None  # the code, when the gateway ended the connection
    # Set once the handshake is answered (or failed): the management API waits for it.
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    async def close(self, code: int, message: bytes = b"") -> None:
        self.closed_by_gateway = code
        await self.socket.close(code=code, message=message)


class Connections:
    """The open connections by id, each served through the app's route handlers."""

    def __init__(self, api: Api, region: str) -> None:
        self.api = api
        self.region = region
        self.handlers: dict[str, LambdaHandler] = {}
        self._open: dict[str, Connection] = {}

    @property
    def ids(self) -> list[str]:
        return list(self._open)

    def get(self, connection_id: str) -> Connection | None:
        return self._open.get(connection_id)

    async def close_all(self) -> None:
        await asyncio.gather(
            *(c.close(WSCloseCode.GOING_AWAY, b"Going away") for c in list(self._open.values())),
            return_exceptions=True,
        )

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """One client's connection, from its upgrade request to `$disconnect`."""
        connection = Connection(
            id=new_id(),
            socket=web.WebSocketResponse(),  # replaced once $connect has agreed
            connected_at=epoch_ms(),
            source_ip=request.remote or "127.0.0.1",
            user_agent=request.headers.get("User-Agent", ""),
        )
        refusal, protocol = await self._connect(request, connection)
        if refusal is not None:
            return refusal
        ws = web.WebSocketResponse(
            protocols=(protocol,) if protocol else (), max_msg_size=MAX_MESSAGE_BYTES
        )
        connection.socket = ws
        # Registered before the handshake is answered: a client that sees its 101 (and the
        # app, which stored the id in $connect) must find the connection here, however
        # late this loop resumes after sending it.
        self._open[connection.id] = connection
        try:
            # $connect has accepted: from here on $disconnect follows, whatever happens.
            try:
                await ws.prepare(request)
            finally:
                connection.opened.set()
            log.debug("ws %s connected", connection.id)
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._message(connection, message.data, is_base64=False)
                elif message.type == WSMsgType.BINARY:
                    await self._message(connection, _b64(message.data), is_base64=True)
        finally:
            # Gone from here on: a post during $disconnect is 410, as in AWS.
            self._open.pop(connection.id, None)
            code = connection.closed_by_gateway or ws.close_code or WSCloseCode.ABNORMAL_CLOSURE
            await self._disconnect(connection, int(code))
        return ws

    async def _connect(
        self, request: web.Request, connection: Connection
    ) -> tuple[web.Response | None, str | None]:
        """Invoke $connect; return a refusal, or the subprotocol the handler agreed."""
        handler = self.handlers.get("$connect")
        if handler is None:
            return None, None  # API Gateway accepts every connection without the route
        query = {k: request.query.getall(k) for k in request.query}
        event = connect_event(self.api, connection, request.headers.items(), query)
        try:
            response = await self._invoke(handler, event, "$connect")
        except Exception:
            log.exception("ws $connect handler failed; refusing %s", connection.id)
            return error_response(HTTPStatus.BAD_GATEWAY, "", "Internal server error"), None
        status, response_headers, body = proxy_response(response)
        if not 200 <= status < 300:
            log.debug("ws $connect refused %s with %d", connection.id, status)
            return _refusal(status, body), None
        protocol = next(
            (v for k, v in response_headers.items() if k.lower() == "sec-websocket-protocol"),
            None,
        )
        return None, protocol

    async def _message(self, connection: Connection, body: str, *, is_base64: bool) -> None:
        connection.last_active_at = time.time()
        event = message_event(self.api, connection, body, is_base64=is_base64)
        request_id = event["requestContext"]["requestId"]
        handler = self.handlers.get("$default")
        if handler is None:
            await _tell_client(connection, "Forbidden", request_id)
            return
        try:
            await self._invoke(handler, event, "$default")
        except Exception:
            log.exception("ws $default handler failed on %s", connection.id)
            await _tell_client(connection, "Internal server error", request_id)

    async def _disconnect(self, connection: Connection, code: int) -> None:
        log.debug("ws %s disconnected (%d)", connection.id, code)
        handler = self.handlers.get("$disconnect")
        if handler is None:
            return
        event = disconnect_event(self.api, connection, code)
        try:
            await self._invoke(handler, event, "$disconnect")
        except Exception:
            log.exception("ws $disconnect handler failed on %s", connection.id)

    async def _invoke(self, handler: LambdaHandler, event: dict[str, Any], route: str) -> Any:
        name = f"penny-local-ws-{route.lstrip('$')}"
        return await asyncio.to_thread(
            invoke_lambda, handler, event, function_name=name, region=self.region
        )


async def _tell_client(connection: Connection, message: str, request_id: str) -> None:
    # What API Gateway sends a client whose message no route or integration took.
    error = {"message": message, "connectionId": connection.id, "requestId": request_id}
    if not connection.socket.closed:
        with contextlib.suppress(ConnectionError):
            await connection.socket.send_json(error)


def is_upgrade(request: web.Request) -> bool:
    """A well-formed WebSocket handshake, checked before $connect runs (aiohttp's
    can_prepare() would also log a warning for each subprotocol a client offers)."""
    headers = request.headers
    connection = {token.strip().lower() for token in headers.get("Connection", "").split(",")}
    return (
        headers.get("Upgrade", "").lower() == "websocket"
        and "upgrade" in connection
        and headers.get("Sec-WebSocket-Version") == "13"
        and bool(headers.get("Sec-WebSocket-Key"))
    )


def error_response(status: int, code: str, message: str) -> web.Response:
    """API Gateway's error: a JSON message, and its type in `x-amzn-ErrorType` if any."""
    headers = {"x-amzn-ErrorType": code} if code else {}
    return web.json_response({"message": message}, status=status, headers=headers)


def _refusal(status: int, body: str) -> web.Response:
    if not body:
        try:
            body = HTTPStatus(status).phrase
        except ValueError:
            body = "Refused"
        return web.json_response({"message": body}, status=status)
    return web.Response(status=status, text=body, content_type="application/json")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
