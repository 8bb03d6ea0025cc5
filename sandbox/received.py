"""The bytes of each request the sandbox receives, as its client sent them: the request
line, every header line, the blank line and the body. The cost model (bench/costing/)
counts them as data Penny sends out of AWS to the vendors' APIs."""

from __future__ import annotations

import threading
from typing import Any

# What WSGI keeps of a request's headers outside HTTP_*: their names as sent.
_UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


def request_bytes(environ: dict[str, Any]) -> int:
    """A request's size on the wire (HTTP/1.1, as the WSGI server parsed it): a header's
    name keeps its length in WSGI's HTTP_NAME_WITH_UNDERSCORES form."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI") or (
        environ.get("PATH_INFO", "/") + (f"?{environ['QUERY_STRING']}"
                                         if environ.get("QUERY_STRING") else ""))
    size = len(f"{environ.get('REQUEST_METHOD', 'GET')} {target} "
               f"{environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}\r\n".encode())
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[len("HTTP_"):]
        elif key in _UNPREFIXED and value:
            name = _UNPREFIXED[key]
        else:
            continue
        size += len(name) + 2 + len(str(value).encode("latin-1", "replace")) + 2
    size += 2  # the blank line
    length = environ.get("CONTENT_LENGTH")
    return size + (int(length) if length and str(length).isdigit() else 0)


class ReceivedBytes:
    """A running total of every request's bytes (the server answers on many threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self.requests = 0

    def add(self, environ: dict[str, Any]) -> None:
        size = request_bytes(environ)
        with self._lock:
            self.total += size
            self.requests += 1
