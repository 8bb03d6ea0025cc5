"""One host's calls to Notion through notion-client (notion_notes.py's wire): the access
token kept and refreshed once when Notion refuses it, and each error answer as the
NotesProvider port names it. Only notion_notes.py imports this.

A 401 refreshes the token once and retries; a second 401 is ConnectionBrokenError, as
is a 403 (a capability withdrawn). 429, 5xx, 409 (Notion's "try again") and timeouts are
ProviderUnavailableError, after notion-client's own retries (429 on any call, 5xx on GET
and DELETE, each wait capped at MAX_RETRY_DELAY_MS so a Lambda does not sleep its time
away); any other 4xx is ProviderRejectedError. A call given `gone` raises what it says
on a 404 instead (the caller knows what a missing object means).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import httpx
from notion_client import (
    APIResponseError,
    Client,
    RequestTimeoutError,
    RetryOptions,
    UnknownHTTPResponseError,
)

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.provider_settings import OAuthApp

NOTION_API = "https://api.notion.com"
NOTION_VERSION = "2025-09-03"
PROVIDER = "notion"
MAX_RETRY_DELAY_MS = 2_000

# What a call answers on a 404, when the caller says (None: the 404 as any other 4xx).
Gone = Callable[[], ProviderError] | None


class _Refused(Exception):
    """Notion answered 401 to the token used."""


class NotionSession:
    """notion-client's Client and the host's token. `token(False)` is the current access
    token, asked on the first call and kept; `token(True)` a forced refresh, asked when
    Notion refuses the token (Notion rotates the refresh token: the old one dies)."""

    def __init__(self, entry: OAuthApp, token: Callable[[bool], str], timeout: float,
                 retries: int, logger: logging.Logger) -> None:
        self._token = token
        self._access: str | None = None
        self._refreshing = threading.Lock()
        self.timeout = timeout
        # No client-wide token: each call names its own, so a refreshed one takes over.
        self.client = Client(
            base_url=(entry.base_url or NOTION_API).rstrip("/"), notion_version=NOTION_VERSION,
            timeout_ms=max(1, round(timeout * 1000)), logger=logger,
            retry=RetryOptions(max_retries=retries, initial_retry_delay_ms=250,
                               max_retry_delay_ms=MAX_RETRY_DELAY_MS))

    def call(self, method: Callable[..., Any], *args: Any, gone: Gone = None,
             **kwargs: Any) -> dict[str, Any]:
        with self._refreshing:
            used = self._access = self._access or self._token(False)
        try:
            return self._send(method, args, kwargs, used, gone)
        except _Refused:
            pass
        try:
            return self._send(method, args, kwargs, self._refreshed(used), gone)
        except _Refused as exc:
            raise ConnectionBrokenError(PROVIDER, "Notion refused a freshly refreshed token: "
                                        "reconnect Notion") from exc

    def _refreshed(self, refused: str) -> str:
        with self._refreshing:
            # Another thread's refresh already replaced the refused token: use its result.
            fresh = self._access
            if fresh is None or fresh == refused:
                fresh = self._access = self._token(True)
            return fresh

    def _send(self, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
              token: str, gone: Gone) -> dict[str, Any]:
        try:
            answer = method(*args, auth=token, **kwargs)
        except APIResponseError as exc:
            if exc.status == 401:
                raise _Refused from exc
            if exc.status == 404 and gone is not None:
                raise gone() from exc
            raise _error(exc.status, str(exc.code.value), str(exc), exc.headers) from exc
        except UnknownHTTPResponseError as exc:
            raise _error(exc.status, "unknown", str(exc), exc.headers) from exc
        except RequestTimeoutError as exc:
            raise ProviderUnavailableError(PROVIDER, "Notion did not answer within "
                                           f"{self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(PROVIDER, "Notion could not be reached "
                                           f"({type(exc).__name__})") from exc
        return answer if isinstance(answer, dict) else {}


def _error(status: int, code: str, message: str, headers: httpx.Headers) -> ProviderError:
    what = f"Notion answered {status} ({code}): {message}"
    if status in (409, 429) or status >= 500:
        after = headers.get("retry-after")
        return ProviderUnavailableError(PROVIDER, f"{what} (Retry-After: {after} s)" if after
                                        else what)
    if status == 403:
        return ConnectionBrokenError(PROVIDER, f"{what}; reconnect Notion with the access "
                                     "Penny needs")
    return ProviderRejectedError(PROVIDER, what)
