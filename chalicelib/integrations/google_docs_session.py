"""One host's calls to Google Docs v1 and Drive v3 through google-api-python-client
(google_docs_notes.py's wire): one token for both APIs, refreshed once on a 401
(google_calendar_calls.py's token source), and each error answer as the NotesProvider
port names it. Only google_docs_notes.py and google_docs_doc_writer.py import this.

One request, one answer (`num_retries=0`, an explicit timeout). 429, 5xx and timeouts
are ProviderUnavailableError; any other refusal is what google_docs_wire.refusal says.
A call given `gone` raises what it says on a 404 instead (the caller knows what a
missing doc or folder means); a batchUpdate refused for the revision it named is
StaleRevision, for the writer to read the doc again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.errors import HttpError

from chalicelib.domain.errors import ProviderError, ProviderUnavailableError
from chalicelib.integrations import google_docs_wire as wire
from chalicelib.integrations.google_calendar_calls import TRANSPORT_ERRORS
from chalicelib.integrations.google_docs_wire import PROVIDER
from chalicelib.integrations.google_services import host_transport, resource
from chalicelib.provider_settings import OAuthApp

DOCS_ROOT = "https://docs.googleapis.com/"
DRIVE_ROOT = "https://www.googleapis.com/drive/v3/"


class StaleRevision(Exception):
    """Google refused a batchUpdate for the revision it named (the doc changed)."""


class GoogleDocsSession:
    """The Docs and Drive resources and the host's token. `token(False)` is the stored
    access token, `token(True)` a forced refresh, asked after Google answers 401."""

    def __init__(self, entry: OAuthApp, token: Callable[[bool], str],
                 timeout: float) -> None:
        base = entry.base_url
        self._docs_root = f"{base}/" if base else DOCS_ROOT
        self._drive_root = f"{base}/drive/v3/" if base else DRIVE_ROOT
        self._token, self.timeout = token, timeout

    @cached_property
    def _http(self) -> AuthorizedHttp:
        # One token for both APIs: a refresh on one serves the other.
        return host_transport(self._token, self.timeout)

    @property
    def drive(self) -> Any:
        return resource("drive", "v3", self._drive_root, "files")

    @property
    def docs(self) -> Any:
        return resource("docs", "v1", self._docs_root, "documents")

    def call(self, request: Any, doing: str,
             gone: Callable[[], ProviderError] | None = None) -> dict[str, Any]:
        try:
            answer = request.execute(http=self._http, num_retries=0)
        except HttpError as exc:
            status = int(exc.resp.status)
            if status == 404 and gone is not None:
                raise gone() from exc
            if wire.stale_revision(status, exc.content):
                raise StaleRevision(doing) from exc
            raise wire.refusal(status, exc.resp, exc.content, doing) from exc
        except TRANSPORT_ERRORS as exc:
            raise ProviderUnavailableError(
                PROVIDER, f"Google Docs did not answer ({type(exc).__name__}) while {doing}; "
                          "try again later") from exc
        return answer if isinstance(answer, dict) else {}
