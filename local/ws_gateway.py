"""A WebSocket gateway for the local stack that behaves like API Gateway's WebSocket API.

`chalice local` has no WebSockets, so this serves, on one port (8001 by default):

- WebSocket upgrades on any path (`ws://127.0.0.1:8001/?token=...`). Each connection gets
  an API Gateway-style id and invokes the app's `$connect` handler with the upgrade
  request's headers and query string before the handshake completes: a non-2xx
  `statusCode` refuses the handshake with that status, a handler that raises with 502
  (what API Gateway answers when the integration fails). A subprotocol is agreed only if
  `$connect` returns it in a `Sec-WebSocket-Protocol` header, as in AWS. Each message
  invokes `$default` (its return value is not sent back: API Gateway only does that with
  a route response, which Penny does not configure); closing invokes `$disconnect`.
- The management API the app posts to, as `apigatewaymanagementapi` calls it (optionally
  under a stage prefix, `/local/@connections/{id}`):
  `POST /@connections/{id}` sends the body to the client, `DELETE` closes the
  connection, `GET` describes it. An unknown or closed connection is 410 with
  `x-amzn-ErrorType: GoneException`, which botocore raises as `GoneException` and chalice's
  `websocket_api.send` turns into `WebsocketDisconnectedError`.

The server is aiohttp on its own event loop in a daemon thread; the app is synchronous, so
every handler runs in a worker thread (`asyncio.to_thread`). A handler that posts back to
this gateway does so over HTTP, so it never touches the loop from another thread.
Not modelled: SigV4 on the management API, idle (10 min) and maximum (2 h) connection
lifetimes, route selection expressions other than `$default`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from chalice import Chalice

from local.pollers import LambdaHandler, invoke_lambda

log = logging.getLogger(__name__)

DEFAULT_PORT = 8001
STAGE = "local"
API_ID = "pennylocal"  # API Gateway ids are 10 lowercase letters and digits
# API Gateway's quota for a WebSocket message, and for a post_to_connection payload.
MAX_MESSAGE_BYTES = 128 * 1024
ROUTES = ("$connect", "$default", "$disconnect")

_MANAGEMENT_PATH = re.compile(r"(?:/[^/@][^/]*)?/@connections/(?P<id>[^/]+)")


def websocket_handlers(app: Chalice) -> dict[str, LambdaHandler]:
    """The app's WebSocket Lambda entry points, by route key.

    `app.websocket_handlers[route].handler_function` is the user's function, which takes
    chalice's WebsocketEvent; the Lambda entry point (event, context), which configures
    `app.websocket_api` from the event, is `app.handler_map[name]`.
    """
    return {
        route: app.handler_map[config.name] for route, config in app.websocket_handlers.items()
    }


@dataclass
class _Connection:
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


class WebSocketGateway:
    """The gateway on a daemon thread; binds at construction, so `port=0` gives a real port.

    Binding comes first because the app's environment (PENNY_WEBSOCKET_ENDPOINT) must hold
    the port before the app is imported.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        stage: str = STAGE,
        api_id: str = API_ID,
        region: str = "us-east-1",
    ) -> None:
        self._socket = socket.create_server((host, port), backlog=128)
        self._address: tuple[str, int] = self._socket.getsockname()[:2]
        self.stage = stage
        self.api_id = api_id
        self.region = region
        self._handlers: dict[str, LambdaHandler] = {}
        self._connections: dict[str, _Connection] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ws-gateway", daemon=True)

    @property
    def host(self) -> str:
        return str(self._address[0])

    @property
    def port(self) -> int:
        return int(self._address[1])

    @property
    def domain_name(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The management API's base: what PENNY_WEBSOCKET_ENDPOINT holds."""
        return f"http://{self.domain_name}"

    @property
    def ws_url(self) -> str:
        """Where clients connect."""
        return f"ws://{self.domain_name}"

    @property
    def connection_ids(self) -> list[str]:
        return list(self._connections)

    def use(self, handlers: Chalice | Mapping[str, LambdaHandler]) -> WebSocketGateway:
        """Route to an app's WebSocket handlers (or a {route key: handler} mapping)."""
        found = websocket_handlers(handlers) if isinstance(handlers, Chalice) else handlers
        unknown = set(found) - set(ROUTES)
        if unknown:
            raise ValueError(f"unsupported WebSocket routes {sorted(unknown)}; use {ROUTES}")
        self._handlers = dict(found)
        return self

    def start(
        self, handlers: Chalice | Mapping[str, LambdaHandler] | None = None
    ) -> WebSocketGateway:
        if handlers is not None:
            self.use(handlers)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every connection (invoking `$disconnect`) and release the port."""
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout)
        self._socket.close()

    # ---- the server thread -------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        # Handlers block on the app (and on the embedded AWS); give them room.
        executor = ThreadPoolExecutor(32, thread_name_prefix="ws-lambda")
        loop.set_default_executor(executor)
        runner: web.AppRunner | None = None
        try:
            application = web.Application(client_max_size=4 * MAX_MESSAGE_BYTES)
            application.router.add_route("*", "/{tail:.*}", self._dispatch)
            application.on_shutdown.append(self._close_all)
            runner = web.AppRunner(
                application, handle_signals=False, access_log=None, shutdown_timeout=5.0
            )
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, self._socket).start())
            self._loop = loop
        except BaseException as exc:
            self._startup_error = exc
        finally:
            self._ready.set()
        if self._startup_error is None:
            loop.run_forever()
        try:
            if runner is not None:
                loop.run_until_complete(runner.cleanup())
        except Exception:
            log.exception("ws gateway: shutting down failed")
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
            loop.close()

    async def _close_all(self, _: web.Application) -> None:
        await asyncio.gather(
            *(
                c.close(WSCloseCode.GOING_AWAY, b"Going away")
                for c in list(self._connections.values())
            ),
            return_exceptions=True,
        )

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        management = _MANAGEMENT_PATH.fullmatch(request.path)
        if management is not None:
            return await self._manage(request, management["id"])
        if request.method == "GET" and _is_upgrade(request):
            return await self._serve_connection(request)
        return _error(HTTPStatus.UPGRADE_REQUIRED, "", "Upgrade Required")

    # ---- client connections ------------------------------------------------------------

    async def _serve_connection(self, request: web.Request) -> web.StreamResponse:
        connected_at = _epoch_ms()
        connection = _Connection(
            id=_connection_id(),
            socket=web.WebSocketResponse(),  # replaced once $connect has agreed
            connected_at=connected_at,
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
        self._connections[connection.id] = connection
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
            self._connections.pop(connection.id, None)
            code = connection.closed_by_gateway or ws.close_code or WSCloseCode.ABNORMAL_CLOSURE
            await self._disconnect(connection, int(code))
        return ws

    async def _connect(
        self, request: web.Request, connection: _Connection
    ) -> tuple[web.Response | None, str | None]:
        """Invoke $connect; return a refusal, or the subprotocol the handler agreed."""
        handler = self._handlers.get("$connect")
        if handler is None:
            return None, None  # API Gateway accepts every connection without the route
        headers, multi_headers = _headers(request)
        event: dict[str, Any] = {
            "headers": {
                **headers,
                "X-Forwarded-For": connection.source_ip,
                "X-Forwarded-Port": str(self.port),
                "X-Forwarded-Proto": "http",
            },
            "multiValueHeaders": {
                **multi_headers,
                "X-Forwarded-For": [connection.source_ip],
                "X-Forwarded-Port": [str(self.port)],
                "X-Forwarded-Proto": ["http"],
            },
            "requestContext": self._context(connection, "$connect", "CONNECT"),
            "isBase64Encoded": False,
        }
        if request.query:
            # As in AWS, the keys are there only when the URL has a query string.
            event["queryStringParameters"] = {k: request.query.getall(k)[-1] for k in request.query}
            event["multiValueQueryStringParameters"] = {
                k: request.query.getall(k) for k in request.query
            }
        try:
            response = await self._invoke(handler, event, "$connect")
        except Exception:
            log.exception("ws $connect handler failed; refusing %s", connection.id)
            return _error(HTTPStatus.BAD_GATEWAY, "", "Internal server error"), None
        status, response_headers, body = _proxy_response(response)
        if not 200 <= status < 300:
            log.debug("ws $connect refused %s with %d", connection.id, status)
            return _refusal(status, body), None
        protocol = next(
            (v for k, v in response_headers.items() if k.lower() == "sec-websocket-protocol"),
            None,
        )
        return None, protocol

    async def _message(self, connection: _Connection, body: str, *, is_base64: bool) -> None:
        connection.last_active_at = time.time()
        context = self._context(connection, "$default", "MESSAGE")
        context["messageId"] = _connection_id()
        handler = self._handlers.get("$default")
        if handler is None:
            await self._tell_client(connection, "Forbidden", context)
            return
        event = {"requestContext": context, "body": body, "isBase64Encoded": is_base64}
        try:
            await self._invoke(handler, event, "$default")
        except Exception:
            log.exception("ws $default handler failed on %s", connection.id)
            await self._tell_client(connection, "Internal server error", context)

    async def _tell_client(
        self, connection: _Connection, message: str, context: dict[str, Any]
    ) -> None:
        # What API Gateway sends a client whose message no route or integration took.
        error = {
            "message": message,
            "connectionId": connection.id,
            "requestId": context["requestId"],
        }
        if not connection.socket.closed:
            with contextlib.suppress(ConnectionError):
                await connection.socket.send_json(error)

    async def _disconnect(self, connection: _Connection, code: int) -> None:
        log.debug("ws %s disconnected (%d)", connection.id, code)
        handler = self._handlers.get("$disconnect")
        if handler is None:
            return
        headers = {"Host": self.domain_name, "x-api-key": "", "X-Forwarded-For": "",
                   "x-restapi": ""}
        context = self._context(connection, "$disconnect", "DISCONNECT")
        context["disconnectStatusCode"] = code
        context["disconnectReason"] = _DISCONNECT_REASONS.get(code, "")
        event = {
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "requestContext": context,
            "isBase64Encoded": False,
        }
        try:
            await self._invoke(handler, event, "$disconnect")
        except Exception:
            log.exception("ws $disconnect handler failed on %s", connection.id)

    def _context(self, connection: _Connection, route: str, event_type: str) -> dict[str, Any]:
        now = _epoch_ms()
        request_id = _connection_id()
        return {
            "routeKey": route,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": datetime.fromtimestamp(now / 1000, UTC).strftime(
                "%d/%b/%Y:%H:%M:%S +0000"
            ),
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": connection.connected_at,
            "requestTimeEpoch": now,
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            "requestId": request_id,
            "domainName": self.domain_name,
            "connectionId": connection.id,
            "apiId": self.api_id,
        }

    async def _invoke(self, handler: LambdaHandler, event: dict[str, Any], route: str) -> Any:
        name = f"penny-local-ws-{route.lstrip('$')}"
        return await asyncio.to_thread(
            invoke_lambda, handler, event, function_name=name, region=self.region
        )

    # ---- the management API ------------------------------------------------------------

    async def _manage(self, request: web.Request, connection_id: str) -> web.StreamResponse:
        connection = self._connections.get(connection_id)
        if request.method not in ("POST", "DELETE", "GET"):
            return _error(HTTPStatus.FORBIDDEN, "ForbiddenException", "Forbidden")
        if connection is None:
            return _gone()
        # A post may come between $connect's answer and the handshake (the app stored the
        # id in $connect); it is delivered once the socket is open, as in AWS.
        await connection.opened.wait()
        if connection.socket.closed or not connection.socket.prepared:
            return _gone()
        if request.method == "GET":
            return web.json_response(
                {
                    "connectedAt": _iso(connection.connected_at / 1000),
                    "identity": {
                        "sourceIp": connection.source_ip,
                        "userAgent": connection.user_agent,
                    },
                    "lastActiveAt": _iso(connection.last_active_at),
                }
            )
        if request.method == "DELETE":
            await connection.close(WSCloseCode.OK)
            return web.Response(status=HTTPStatus.NO_CONTENT)
        data = await request.read()
        if len(data) > MAX_MESSAGE_BYTES:
            return _error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "PayloadTooLargeException", "Message too long"
            )
        try:
            try:
                await connection.socket.send_str(data.decode("utf-8"))
            except UnicodeDecodeError:
                await connection.socket.send_bytes(data)
        except (ConnectionError, RuntimeError):  # closed between the check and the send
            return _gone()
        return web.Response(status=HTTPStatus.OK)


_DISCONNECT_REASONS = {
    1000: "Connection closed normally",
    1001: "Going away",
    1005: "Client-side close frame status not set",
    1006: "Connection closed abnormally",
}


def _is_upgrade(request: web.Request) -> bool:
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


def _headers(request: web.Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in request.headers.items():  # keeps the client's spelling
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _proxy_response(response: Any) -> tuple[int, dict[str, str], str]:
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


def _refusal(status: int, body: str) -> web.Response:
    if not body:
        try:
            body = HTTPStatus(status).phrase
        except ValueError:
            body = "Refused"
        return web.json_response({"message": body}, status=status)
    return web.Response(status=status, text=body, content_type="application/json")


def _error(status: int, code: str, message: str) -> web.Response:
    headers = {"x-amzn-ErrorType": code} if code else {}
    return web.json_response({"message": message}, status=status, headers=headers)


def _gone() -> web.Response:
    return _error(HTTPStatus.GONE, "GoneException", "The connection is gone")


def _connection_id() -> str:
    # 11 random bytes in base64: 16 characters ending in "=", like "Lr8dhd7ZoAMCJ8A=".
    # URL-safe letters, so an id always fits in a /@connections/{id} path segment.
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _epoch_ms() -> int:
    return int(time.time() * 1000)


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )

