"""Google API resources (Calendar's `events()`, Drive's `files()`...), made once per
container and shared by every host.

google-api-python-client builds a service by parsing its bundled discovery document
(Calendar v3's is 135 KB: about 1.6 ms of CPU), and each resource accessor
(`service.events()`) makes its methods anew (about 2 ms more). A Lambda container
answers many requests, each with its own adapter, so paying both per adapter billed
them on every push notification, booking check and calendar job. A resource here holds
no host's credentials: its transport refuses to send anything, and each request is
executed with the host's own authorised transport (`HttpRequest.execute(http=...)`),
so one resource serves every host, from any thread.
"""

from __future__ import annotations

import threading
from typing import Any

from googleapiclient.discovery import build


class NoTransport:
    """The shared services' own transport: a request must name the host's."""

    timeout = None
    redirect_codes: frozenset[int] = frozenset()

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a shared Google resource sends only with a host's transport: "
                           "execute(http=...)")


_made: dict[tuple[str, str, str, str], Any] = {}
_lock = threading.Lock()


def resource(api: str, version: str, root: str, name: str) -> Any:
    """`build(api, version).<name>()` at `root`, made on first use."""
    key = (api, version, root, name)
    found = _made.get(key)
    if found is None:
        with _lock:
            found = _made.get(key)
            if found is None:
                service = build(api, version, http=NoTransport(), static_discovery=True,
                                client_options={"api_endpoint": root})
                found = _made[key] = getattr(service, name)()
    return found
