"""An HTTP client for msal (an object with `get`/`post`, like requests.Session) that sends
each request for a real vendor origin to the base URL it is mapped to, with a timeout.

msal refuses a non-https authority, so Penny keeps the real one
(`https://login.microsoftonline.com/<tenant>`) and hands msal this client, mapping
`https://login.microsoftonline.com` and `https://graph.microsoft.com` to the provider
sandbox. With no mapping it is the plain client with a timeout (msal's default has none
unless told). `route()` does the same for a URL Penny sends the browser to (msal's
`auth_uri`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests


class RoutingHttpClient:
    def __init__(self, routes: Mapping[str, str], timeout: float,
                 session: requests.Session | None = None) -> None:
        # Longest origin first, so a more specific mapping wins.
        self._routes = sorted(((origin.rstrip("/"), base.rstrip("/"))
                               for origin, base in routes.items()),
                              key=lambda route: len(route[0]), reverse=True)
        self._timeout = timeout
        self._session = session or requests.Session()

    def route(self, url: str) -> str:
        """`url` with its origin replaced by the mapped base URL (unchanged if unmapped)."""
        for origin, base in self._routes:
            if url == origin or url.startswith((origin + "/", origin + "?")):
                return base + url[len(origin):]
        return url

    def get(self, url: str, params: Any = None, headers: Any = None,
            **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.get(self.route(url), params=params, headers=headers, **kwargs)

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None,
             **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.post(self.route(url), params=params, data=data, headers=headers,
                                  **kwargs)

    def close(self) -> None:
        self._session.close()
