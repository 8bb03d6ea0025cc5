"""One call to Google Calendar v3, for the adapter (google_calendar.py) and its parts:
the host's authorised transport, a shared resource, and the answer or the provider
error of domain/errors.py that Google's refusal means.

One request, one answer: no retries here (`num_retries=0`; Penny's jobs decide when to
try again), except that a 401 gets the host's token refreshed once and the call repeated
(google_services.host_transport). What an error body means is google_calendar_wire.py's.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Collection
from functools import cached_property
from typing import Any

import httplib2
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.errors import HttpError

from chalicelib.domain.errors import ProviderRejectedError, ProviderUnavailableError
from chalicelib.integrations.google_calendar_wire import PROVIDER, refusal
from chalicelib.integrations.google_services import host_transport, resource

TRANSPORT_ERRORS = (OSError, httplib2.HttpLib2Error, http.client.HTTPException)


class GoogleCalendarCalls:
    """Held by GoogleCalendar (integrations/google_calendar.py), which makes these fields."""

    _root: str
    _token: Callable[[bool], str]
    _timeout: float
    _page_size: int

    @cached_property
    def _http(self) -> AuthorizedHttp:
        return host_transport(self._token, self._timeout)

    def _api(self, name: str) -> Any:
        return resource("calendar", "v3", self._root, name)

    def _call(self, request: Any, doing: str, tolerate: Collection[int] = (),
              gone: type[ProviderRejectedError] | None = None) -> Any:
        """The answer (a dict; {} when empty), or None when its status is in `tolerate`;
        `gone` raised for a 404 or 410 when given."""
        try:
            answer = request.execute(http=self._http, num_retries=0)
        except HttpError as exc:
            if exc.resp.status in tolerate:
                return None
            if gone is not None and exc.resp.status in (404, 410):
                raise gone(PROVIDER, f"Google Calendar refused {doing} (HTTP "
                                     f"{exc.resp.status}: it was deleted)") from exc
            raise refusal(int(exc.resp.status), exc.resp, exc.content, doing) from exc
        except TRANSPORT_ERRORS as exc:
            raise ProviderUnavailableError(
                PROVIDER, f"Google Calendar did not answer ({type(exc).__name__}) while "
                          f"{doing}; try again later") from exc
        return answer if isinstance(answer, dict) else {}
