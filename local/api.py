"""Serves the Chalice app over HTTP, answering like Penny's deployed API Gateway would.

This is chalice's own local gateway (`chalice.local`) on its threaded HTTP server, with
the two differences that matter to clients:

- an unmatched route or method is API Gateway's "403 Missing Authentication Token",
  which the deployed API's GatewayResponse turns into Penny's 404 `not_found` error;
- a body over 1 MiB is refused before it is read, so a stray upload cannot make the
  laptop buffer it (the app itself refuses anything over 64 KiB).
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from chalice import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    EventType,
    HeaderType,
    LocalChalice,
    LocalGateway,
    LocalGatewayException,
    ThreadedHTTPServer,
)

MAX_BODY_BYTES = 1024 * 1024
# After refusing a body, discard what the client still sends for this long, so it reads
# our answer instead of a connection reset (the "lingering close" of nginx and Apache).
_LINGER_SECONDS = 2.0


class GatewayError(LocalGatewayException):
    """An error answered by the gateway itself, in Penny's JSON error shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message, "field": None}}).encode()
        super().__init__({"Content-Type": "application/json"}, body)
        self.CODE = status


class PennyGateway(LocalGateway):
    """chalice's LocalGateway with API Gateway's "no such route" answered as a 404."""

    def _generate_lambda_event(
        self, method: str, path: str, headers: HeaderType, body: bytes | None
    ) -> EventType:
        try:
            event = super()._generate_lambda_event(method, path, headers, body)
        except ValueError:  # chalice's RouteMatcher: no resource matches the path
            raise _no_route(method, path) from None
        # API Gateway also says "Missing Authentication Token" when the resource exists
        # but the method does not; the app would say 405, so answer here as prod does.
        methods = self._app_object.routes[event["requestContext"]["resourcePath"]]
        if method != "OPTIONS" and method not in methods:
            raise _no_route(method, path)
        return event


def _no_route(method: str, path: str) -> GatewayError:
    return GatewayError(404, "not_found", f"No route matches {method} {urlsplit(path).path}")


class PennyRequestHandler(ChaliceRequestHandler):
    """chalice's request handler, with PennyGateway and a guard on the request body."""

    def __init__(
        self,
        request: socket.socket,
        client_address: tuple[str, int],
        server: ThreadedHTTPServer,
        app_object: Chalice,
        config: Config,
    ) -> None:
        # ChaliceRequestHandler.__init__ would build a plain LocalGateway and then serve
        # the request at once, so set ours first and go straight to the base class.
        self.local_gateway = PennyGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def _guarded_handle(self) -> None:
        refusal = self._refuse_body()
        if refusal is None:
            self._generic_handle()
            return
        # The body was not read, so this connection cannot carry another request.
        self.close_connection = True
        refusal.headers["Connection"] = "close"
        self._send_error_response(refusal)
        self.wfile.flush()
        self._linger()

    def handle_expect_100(self) -> bool:
        # "Expect: 100-continue" asks before sending the body: refuse without the 100.
        return self._refuse_body() is not None or super().handle_expect_100()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _guarded_handle

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY, ...) goes through the gateway too, which answers
        # 404 in the error shape as API Gateway does; http.server would send a bare 501.
        if name.startswith("do_"):
            return self._guarded_handle
        raise AttributeError(name)

    def _refuse_body(self) -> GatewayError | None:
        if "transfer-encoding" in self.headers:
            # chalice only reads Content-Length bodies: a chunked one would be parsed as
            # the next request on the connection.
            return GatewayError(411, "length_required", "Send the body with a Content-Length")
        length = self.headers.get("content-length", "0")
        if not length.isdigit():
            return GatewayError(400, "bad_request", "Content-Length is not a number")
        if int(length) > MAX_BODY_BYTES:
            return GatewayError(
                413, "payload_too_large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes"
            )
        return None

    def _linger(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            deadline = time.monotonic() + _LINGER_SECONDS
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass
        except OSError:
            pass  # the client hung up or went quiet: either way we are done


class _GatewayHTTPServer(ThreadedHTTPServer):
    # API Gateway accepts a burst of simultaneous connections; the stdlib's default
    # listen backlog of 5 would reset the sixth concurrent client before any thread runs.
    request_queue_size = 128


class ApiServer:
    """The API on a daemon thread; binds at construction, so `port=0` gives a real port.

    Binding comes before the app is imported because the app's settings need the public
    URL, which holds the port.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._httpd = _GatewayHTTPServer((host, port), BaseHTTPRequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    def serve(self, app: Chalice, config: Config) -> ApiServer:
        _thread_local_requests(app)
        handler: Any = functools.partial(PennyRequestHandler, app_object=app, config=config)
        self._httpd.RequestHandlerClass = handler
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="api", daemon=True)
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop accepting requests and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()


def _thread_local_requests(app: Chalice) -> None:
    # What chalice's create_local_server does: on a threaded server `app.current_request`
    # must be per thread, or one request's view would read another's headers and body.
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, type(app))
        app.__class__ = CustomLocalChalice
