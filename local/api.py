"""Serves the Chalice app over HTTP, as Penny's deployed Lambda Function URL does.

chalice's own local server (`chalice.local`, threaded), with its gateway replaced: each
request becomes the Function URL's payload 2.0 event (lower-case headers, cookies apart,
the raw path and query string) and goes to the app's handler exactly as Lambda calls it
in production, through the same route matching (`chalicelib/functions/function_url.py`);
the answer's cookies become Set-Cookie headers again. A body over 1 MiB is refused before
it is read, so a stray upload cannot make the laptop buffer it (the app itself refuses
anything over 64 KiB); the Function URL's own limit is 6 MB.
"""

from __future__ import annotations

import base64
import functools
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from chalice import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
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


class FunctionUrlGateway(LocalGateway):
    """Requests as a Function URL sends them: payload 2.0 events, to the app's handler."""

    def handle_request(self, method: str, path: str, headers: HeaderType,
                       body: bytes | None) -> dict[str, Any]:
        response = self._app_object(function_url_event(method, path, headers, body),
                                    self._generate_lambda_context())
        return {
            "statusCode": response["statusCode"],
            "headers": dict(response.get("headers") or {}),
            "multiValueHeaders": (
                {"Set-Cookie": list(response["cookies"])} if response.get("cookies") else {}),
            "body": response.get("body"),
            "isBase64Encoded": response.get("isBase64Encoded", False),
        }


def function_url_event(method: str, path: str, headers: HeaderType,
                       body: bytes | None) -> dict[str, Any]:
    url = urlsplit(path)
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    text: str | None = None
    encoded = False
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": url.path or "/",
        "rawQueryString": url.query, "headers": lowered,
        "requestContext": {
            "accountId": "anonymous", "apiId": "local", "domainName": lowered.get("host", ""),
            "domainPrefix": "local",
            "http": {"method": method, "path": url.path or "/", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": lowered.get("user-agent", "")},
            "requestId": uuid.uuid4().hex, "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000)},
        "isBase64Encoded": encoded,
    }
    if text is not None:
        event["body"] = text
    if cookies:
        event["cookies"] = cookies
    return event


class PennyRequestHandler(ChaliceRequestHandler):
    """chalice's request handler, with the Function URL gateway and a body guard."""

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
        self.local_gateway = FunctionUrlGateway(app_object, config)
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
        # Any other method (TRACE, QUERY, ...) goes to the app too, which answers in the
        # error shape; http.server would send a bare 501.
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
