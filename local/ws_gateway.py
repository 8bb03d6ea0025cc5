"""A WebSocket gateway for the local stack that behaves like API Gateway's WebSocket API.

`chalice local` has no WebSockets, so this serves, on one port (8001 by default), client
connections through whichever of the app's `$connect` / `$default` / `$disconnect`
handlers it has (Penny has no `$disconnect`; local/ws_connections.py, with events shaped
by local/ws_events.py) and the `@connections` management API the app posts to
(local/ws_management.py). This module is the server's lifecycle: binding, the event
loop's thread, routing a request to one or the other, and closing every connection on
the way out.

The server is aiohttp on its own event loop in a daemon thread; the app is synchronous, so
every handler runs in a worker thread. A handler that posts back to this gateway does so
over HTTP, so it never touches the loop from another thread.
Not modelled: SigV4 on the management API, idle (10 min) and maximum (2 h) connection
lifetimes, route selection expressions other than `$default`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

from aiohttp import web
from chalice import Chalice

from local.lambda_runtime import LambdaHandler
from local.ws_connections import MAX_MESSAGE_BYTES, Connections, error_response, is_upgrade
from local.ws_events import ROUTES, Api
from local.ws_management import MANAGEMENT_PATH, manage

log = logging.getLogger(__name__)

DEFAULT_PORT = 8001
STAGE = "local"
API_ID = "pennylocal"  # API Gateway ids are 10 lowercase letters and digits


def websocket_handlers(app: Chalice) -> dict[str, LambdaHandler]:
    """The app's WebSocket Lambda entry points, by route key.

    `app.websocket_handlers[route].handler_function` is the user's function, which takes
    chalice's WebsocketEvent; the Lambda entry point (event, context), which configures
    `app.websocket_api` from the event, is `app.handler_map[name]`.
    """
    return {
        route: app.handler_map[config.name] for route, config in app.websocket_handlers.items()
    }


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
        self._clients = Connections(Api(stage, api_id, self.domain_name, self.port), region)
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
        return self._clients.ids

    def use(self, handlers: Chalice | Mapping[str, LambdaHandler]) -> WebSocketGateway:
        """Route to an app's WebSocket handlers (or a {route key: handler} mapping)."""
        found = websocket_handlers(handlers) if isinstance(handlers, Chalice) else handlers
        unknown = set(found) - set(ROUTES)
        if unknown:
            raise ValueError(f"unsupported WebSocket routes {sorted(unknown)}; use {ROUTES}")
        self._clients.handlers = dict(found)
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
        """Close every connection (invoking `$disconnect`, if routed) and release the port."""
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
        await self._clients.close_all()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        management = MANAGEMENT_PATH.fullmatch(request.path)
        if management is not None:
            return await manage(request, self._clients.get(management["id"]))
        if request.method == "GET" and is_upgrade(request):
            return await self._clients.serve(request)
        return error_response(HTTPStatus.UPGRADE_REQUIRED, "", "Upgrade Required")
