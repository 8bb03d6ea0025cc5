"""A push receiver for the notification tests: a pytest-httpserver handler that records
what the sandbox POSTs and lets a test wait for it, with a deadline instead of a sleep."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response


@dataclass(frozen=True)
class Received:
    path: str
    args: dict[str, str]
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, echo_validation: bool = True) -> None:
        self._echo = echo_validation
        self._seen: list[Received] = []
        self._changed = threading.Condition()

    def handler(self, request: Request) -> Response:
        token = request.args.get("validationToken")
        if token is not None:  # Graph's handshake: echo the token as text/plain
            if not self._echo:
                return Response("ok", status=200, mimetype="text/plain")
            return Response(token, status=200, mimetype="text/plain")
        with self._changed:
            self._seen.append(Received(request.path, dict(request.args.items()),
                                       dict(request.headers.items()), request.get_data()))
            self._changed.notify_all()
        return Response(status=202)

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        """The first `count` notifications, once they have arrived (AssertionError at the
        deadline)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._seen) >= count, timeout):
                raise AssertionError(f"{len(self._seen)} of {count} notifications arrived")
            return list(self._seen[:count])
