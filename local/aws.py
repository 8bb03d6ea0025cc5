"""An embedded AWS for the local stack: moto's server, in-process, on 127.0.0.1.

The Lambda code talks to it exactly as to AWS (boto3 / PynamoDB over HTTP, pointed here by
AWS_ENDPOINT_URL_DYNAMODB), so `make run` exercises the same request path as production.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.common_models import BaseModel
from moto.core.model_instances import reset_model_data
from moto.dynamodb.models.table import StreamRecord
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from local.outbox import OutboxPages

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]


def lighten_moto() -> None:
    """What the embedded AWS changes in moto, for this process: see the two below."""
    untrack_model_instances()
    share_stream_records()


def untrack_model_instances() -> None:
    """Stop moto keeping every model object it ever made.

    moto's `BaseModel.__new__` appends each instance to its class's `instances_tracked`,
    for moto's own dashboard (`/moto-api/`, which nothing in Penny reads, and which now
    lists no models) and its reset (which the local stack never calls). Every
    TransactWriteItems deep-copies the table (its items and stream records) to roll back
    with, so each copy was kept for good: a host's 60 bookings grew the local stack from
    170 MB to almost 1 GB, each booking more than the one before. Models are made as
    before, only not listed; what is listed now is forgotten.
    """

    def new(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
        return super(BaseModel, cls).__new__(cls)

    BaseModel.__new__ = staticmethod(new)  # type: ignore[method-assign]
    reset_model_data()


def share_stream_records() -> None:
    """Let a table's copy share its stream records with the table.

    moto deep-copies a table before each TransactWriteItems, to put back if the
    transaction fails, and the copy took every stream record the table ever had (two
    images each): over half of a booking's time in the local stack once a host had 60
    bookings, and more with each one. A record never changes once written, so the copy's
    list can hold the same records: a rolled-back transaction still leaves the stream as
    it was before, since the list itself is copied.
    """

    def shared(record: StreamRecord, memo: dict[int, Any]) -> StreamRecord:
        return record

    StreamRecord.__deepcopy__ = shared  # type: ignore[attr-defined]


class SerializedApp:
    """Lets one request at a time into the wrapped WSGI app.

    Real DynamoDB is linearizable per item: a conditional or transactional write checks
    and writes atomically. moto's in-memory DynamoDB is not atomic across concurrent
    requests (two threads can both pass a condition before either writes), which would
    make the local stack double-book where production cannot. Serializing requests gives
    back the guarantee Penny relies on; one request at a time is plenty for a laptop.
    """

    def __init__(self, app: WSGIApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> list[bytes]:
        with self._lock:
            result = self._app(environ, start_response)
            try:
                # Produce the whole body under the lock: a lazy iterable would otherwise
                # read backend state after another request has started changing it.
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


class _QuietRequestHandler(MotoRequestHandler):
    """moto's handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class EmbeddedAWS:
    """moto's server on a daemon thread; `port=0` picks a free port. Its SES keeps what
    Penny sends, listed at /_outbox (local/outbox.py)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = "us-east-1") -> None:
        lighten_moto()
        # The outbox (what SES was asked to send) answers beside AWS's own endpoints.
        app = OutboxPages(SerializedApp(DomainDispatcherApplication(create_backend_app)),
                          region)
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-aws", daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self.port}"

    def start(self) -> EmbeddedAWS:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests and release the port."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
