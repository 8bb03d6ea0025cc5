"""Google API resources (Calendar's `events()`, Drive's `files()`...), made once per
container and shared by every host.

google-api-python-client builds a service by parsing its bundled discovery document
(Calendar v3's is 135 KB: about 1.6 ms of CPU), and each resource accessor
(`service.events()`) makes its methods anew (about 2 ms more). A Lambda container
answers many requests, each with its own adapter, so paying both per adapter billed
them on every push notification, booking check and calendar job. A resource here holds
no host's credentials: its transport refuses to send anything, and each request is
executed with the host's own authorised transport (`host_transport`, given to
`HttpRequest.execute(http=...)`), so one resource serves every host, from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httplib2
from google.auth.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build


class HostToken(Credentials):
    """The host's access token as Penny stores it; AuthorizedHttp asks again after a 401."""

    def __init__(self, source: Callable[[bool], str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._source = source

    def refresh(self, request: Any) -> None:
        # First use: the stored token; after a 401: a forced refresh.
        self.token = self._source(self.token is not None)


def host_transport(token: Callable[[bool], str], timeout: float) -> AuthorizedHttp:
    """What a host's requests are executed with: its token on each (refreshed once after a
    401), and Penny's timeout (httplib2 waits for ever unless told otherwise)."""
    return AuthorizedHttp(HostToken(token), http=httplib2.Http(timeout=timeout),
                          max_refresh_attempts=1)


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
