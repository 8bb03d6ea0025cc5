"""Microsoft Graph's HTTP, for the Outlook adapter (graph_calendar.py): the host's token
and its one refresh, the adapter's timeout, a listing's pages, and what an error answer
means.

Every request sends `Prefer: outlook.timezone="UTC"`, so times come back in UTC rather
than in the mailbox's zone.

Errors say what happens next: 401 refreshes the token once and retries (a second 401,
or a 403, breaks the connection: AccessDeniedError, which the adapter asks about first
when it is one calendar's: graph_calendar.py); 429, 5xx, timeouts and refused connections are
ProviderUnavailableError; any other 4xx is ProviderRejectedError. Nothing is retried
here beyond the one refresh: the caller's job runner owns retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.integrations.graph_calendar_wire import PROVIDER
from chalicelib.integrations.http_routing import RoutingHttpClient

GRAPH = "https://graph.microsoft.com"
API = f"{GRAPH}/v1.0"
PREFER_UTC = 'outlook.timezone="UTC"'


class TimeZoneRefusedError(ProviderRejectedError):
    """Graph answered 400 TimeZoneNotSupportedException: the mailbox's server does not
    know the zone an event was written in (a Windows name newer than it)."""


class AccessDeniedError(ConnectionBrokenError):
    """Graph answered 403 (ErrorAccessDenied): consent withdrawn, or, for one calendar
    shared with the host, its owner stopped sharing it (the adapter tells them apart)."""


class GraphClient:
    """Held by GraphCalendar (integrations/graph_calendar.py), which makes these fields."""

    token: Callable[[bool], str]
    timeout: float
    http: RoutingHttpClient
    _session: requests.Session
    _refreshing: threading.Lock

    def _pages(self, url: str, params: Mapping[str, Any], gone_ok: bool = False,
               gone: type[ProviderRejectedError] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a listing, its pages read within the adapter's timeout all
        together (not each): a push notification's sync must end before Graph's 3 s,
        and a long calendar is several pages. With `gone_ok`, a listing of something
        Graph does not know (404) is empty; with `gone`, that is raised for it."""
        until = time.monotonic() + self.timeout
        page = self._call("GET", url, params=params, until=until, gone_ok=gone_ok, gone=gone)
        while True:
            yield from page.get("value") or []
            link = page.get("@odata.nextLink")
            if not link:
                return
            # The link holds the query; routed as sent.
            page = self._call("GET", str(link), until=until)

    def _call(self, method: str, url: str, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None, gone_ok: bool = False,
              until: float | None = None, gone: type[ProviderRejectedError] | None = None
              ) -> dict[str, Any]:
        """Graph's JSON answer ({} for none, or for a 404 when `gone_ok`; `gone` raised
        for a 404 when given); `until`: the monotonic instant the whole operation must end
        by."""
        used = self.token(False)
        answer = self._send(method, url, params, body, used, until)
        if answer.status_code == 401:
            answer = self._send(method, url, params, body, self._refreshed(used), until)
            if answer.status_code == 401:
                raise ConnectionBrokenError(PROVIDER, "Microsoft refused a freshly refreshed "
                                            "token: reconnect Outlook")
        if answer.status_code == 404 and gone_ok:
            return {}
        _raise_for(answer, gone)
        if not answer.content:
            return {}
        try:
            found = answer.json()
        except ValueError as exc:
            raise ProviderUnavailableError(PROVIDER, f"Microsoft Graph answered {method} with "
                                           "something other than JSON") from exc
        return found if isinstance(found, dict) else {}

    def _refreshed(self, refused: str) -> str:
        with self._refreshing:
            current = self.token(False)
            # Another thread's refresh already replaced the refused token: use its result.
            return current if current != refused else self.token(True)

    def _send(self, method: str, url: str, params: Mapping[str, Any] | None,
              body: Mapping[str, Any] | None, token: str,
              until: float | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Prefer": PREFER_UTC,
                   "Accept": "application/json"}
        timeout = self.timeout
        if until is not None:
            timeout = min(timeout, until - time.monotonic())
            if timeout <= 0:
                raise ProviderUnavailableError(PROVIDER, "Microsoft Graph did not finish the "
                                               f"listing within {self.timeout:g} s")
        try:
            return self._session.request(method, self.http.route(url), params=params,
                                         json=body, headers=headers, timeout=timeout)
        except requests.Timeout as exc:
            raise ProviderUnavailableError(PROVIDER, f"Microsoft Graph did not answer {method} "
                                           f"within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailableError(PROVIDER, "Microsoft Graph could not be reached "
                                           f"({type(exc).__name__})") from exc


def _raise_for(answer: requests.Response,
               gone: type[ProviderRejectedError] | None = None) -> None:
    status = answer.status_code
    if status < 400:
        return
    try:
        error = answer.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    what = (f"Microsoft Graph answered {status} {error.get('code') or ''}: "
            f"{error.get('message') or answer.reason}")
    if status == 429 or status >= 500:
        after = answer.headers.get("Retry-After")
        raise ProviderUnavailableError(PROVIDER, f"{what} (Retry-After: {after} s)" if after
                                       else what)
    if status == 403:
        raise AccessDeniedError(PROVIDER, f"{what}; Penny lacks consent for this: "
                                "reconnect Outlook")
    if status == 400 and error.get("code") == "TimeZoneNotSupportedException":
        raise TimeZoneRefusedError(PROVIDER, what)
    raise (gone if gone is not None and status == 404 else ProviderRejectedError)(
        PROVIDER, what)
