"""Client notes in the host's Google Docs (the NotesProvider port), through
google-api-python-client's Docs v1 and Drive v3 with the scopes `documents` and
`drive.file` (Penny sees only the files it made). Only the notes worker imports this.

Where docs go. One Google Doc per booking in a Drive folder Penny made for the host
(`database_id`; create_folder makes one, databases() lists them). Drive's files.create
makes the doc already inside the folder and marked with the appProperty
`pennyBooking: <booking uid>` in one call, so no doc ever exists unmarked; Docs'
batchUpdate then writes its body (google_docs_wire.py says what the body is).

Idempotent. save_notes first asks Drive for the live doc with that appProperty
(anywhere: the host may have moved it): a redelivered event or a retry after a timeout
rewrites the doc it finds, never a second, and a replay of the same notes reads and
writes nothing. A rewrite to another number of bullets marks the doc with it before
writing (google_docs_wire.py WRITING_KEY), so a retry after its text landed but its count
was not kept takes no bullet of Penny's for the host's, and writes none twice. Two
deliveries running at once could still both create; the notes job's own record keeps
that to a race of retries.

Errors. One request, one answer (`num_retries=0`, an explicit timeout); a 401 gets the
token refreshed once and the call repeated (google_calendar.py's token source). 429,
5xx and timeouts are ProviderUnavailableError; a second 401 or a missing scope is
ConnectionBrokenError. A notes folder the host deleted or put in the trash is
ProviderRejectedError, not a broken connection: the same Google connection serves the
host's calendar, which a lost folder must not stop (the Connections page says the
folder is gone, and reconnecting makes a new one). A notes doc in the trash (restorable
for 30 days: Penny leaves it be, as Notion's) and any other 4xx are ProviderRejectedError
too.

A doc gone. A doc the host deleted for good (emptied from the trash) answers 404, even
just after Drive's search found it by its booking (the index lags). Then the folder is
read (the folder's fault, if it is gone or in the trash), the doc forgotten, and
save_notes writes the notes once more: on the doc found again, or one made anew. A
second 404 is refused: bounded, no loop. update_notes, given a doc that answers 404,
raises NotesPageGoneError: the notes job then saves the notes anew under its lease for a
first page (services/notes.py), so two runs never make two. A batchUpdate refused because the doc
changed since Penny read it (the host typing: the revision it named no longer the
latest, or too far behind) is no error: the doc is read again and the edits made anew,
up to WRITE_TRIES times; then it is ProviderUnavailableError, for the job's retry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.errors import HttpError

from chalicelib.domain.errors import (
    NotesPageGoneError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.notes import BookingNotes, NotesDatabase, NotesPage
from chalicelib.integrations import google_docs_wire as wire
from chalicelib.integrations.google_calendar import TRANSPORT_ERRORS
from chalicelib.integrations.google_docs_wire import PROVIDER
from chalicelib.integrations.google_services import host_transport, resource
from chalicelib.provider_settings import OAuthApp

DOCS_ROOT = "https://docs.googleapis.com/"
DRIVE_ROOT = "https://www.googleapis.com/drive/v3/"
DEFAULT_FOLDER = "Penny client notes"
MAX_LIST_PAGES = 10                # of 100 folders each
WRITE_TRIES = 3                    # reads and writes of a doc the host keeps changing


class _StaleRevision(Exception):
    """Google refused a batchUpdate for the revision it named (the doc changed)."""


class GoogleDocsNotes:
    """The host's notes docs in one Drive folder. `token(False)` is the stored access
    token, `token(True)` a forced refresh, asked after Google answers 401.
    `database_id` is the folder's id; `data_source`, Notion's notion, is the same id
    here (used only when `database_id` is empty)."""

    def __init__(self, entry: OAuthApp, token: Callable[[bool], str], timeout: float,
                 database_id: str = "", data_source: str | None = None) -> None:
        base = entry.base_url
        self._docs_root = f"{base}/" if base else DOCS_ROOT
        self._drive_root = f"{base}/drive/v3/" if base else DRIVE_ROOT
        # A folder is its own "data source" (NotesDatabase carries its id twice).
        self.folder_id = database_id or data_source or ""
        self._token, self.timeout = token, timeout
        self._gone: set[str] = set()       # docs that answered 404: not written again

    @cached_property
    def _http(self) -> AuthorizedHttp:
        # One token for both APIs: a refresh on one serves the other.
        return host_transport(self._token, self.timeout)

    @property
    def _drive(self) -> Any:
        return resource("drive", "v3", self._drive_root, "files")

    @property
    def _docs(self) -> Any:
        return resource("docs", "v1", self._docs_root, "documents")

    # -- the port ----------------------------------------------------------------------

    def save_notes(self, notes: BookingNotes) -> NotesPage:
        if not self.folder_id:
            raise ProviderRejectedError(PROVIDER, "no Google Drive folder is chosen for the "
                                        "notes: choose or create one in Penny")
        try:
            return self._save(notes)
        except NotesPageGoneError:
            # The doc Drive's search found went before it was written: the folder was
            # read, the doc forgotten (_doc_gone); once more, and no more.
            return self._save(notes)

    def update_notes(self, page_id: str, notes: BookingNotes) -> NotesPage:
        found = self._call(self._drive.get(fileId=page_id, fields=wire.FILE_FIELDS),
                           "reading the notes doc", gone=lambda: self._doc_gone(page_id))
        return self._rewrite(found, notes)

    def databases(self) -> list[NotesDatabase]:
        """The live notes folders Penny made in the host's Drive, oldest first."""
        return [NotesDatabase(f["id"], f["id"], f["name"]) for f in self._folders()]

    def make_place(self) -> NotesDatabase | None:
        """A notes folder Penny makes in the host's Drive (drive.file sees no other)."""
        return self.create_folder()

    def create_folder(self, name: str = DEFAULT_FOLDER) -> NotesDatabase:
        """A notes folder in the host's My Drive; one of Penny's of that name if there is
        one already (a second click, a retry after a timeout)."""
        found = self._folders(name)
        made = found[0] if found else self._call(self._drive.create(fields="id,name", body={
            "name": name, "mimeType": wire.FOLDER, "appProperties": wire.FOLDER_MARK}),
            "creating the notes folder")
        return NotesDatabase(str(made["id"]), str(made["id"]), str(made["name"]))

    # -- the doc -----------------------------------------------------------------------

    def _save(self, notes: BookingNotes) -> NotesPage:
        found = self._call(self._drive.list(
            q=wire.booking_query(notes.key), orderBy="createdTime", pageSize=10,
            spaces="drive", fields=f"files({wire.FILE_FIELDS})"), "finding the notes doc")
        files = [f for f in found.get("files") or [] if f.get("id") not in self._gone]
        if files:
            return self._rewrite(files[0], notes)
        made = self._call(self._drive.create(fields=wire.FILE_FIELDS, body={
            "name": wire.doc_name(notes), "mimeType": wire.DOCUMENT, "parents": [self.folder_id],
            "appProperties": {wire.BOOKING_KEY: notes.key,
                              wire.BULLETS_KEY: str(len(notes.bullets))}}),
            "creating the notes doc",
            gone=self._folder_gone)
        if made.get("trashed"):
            raise self._folder_gone()  # made inside a folder in the trash: there too
        self._write(str(made["id"]), wire.edits(wire.EMPTY_DOCUMENT, notes), None)
        return _page(made)

    def _rewrite(self, file: dict[str, Any], notes: BookingNotes) -> NotesPage:
        if file.get("trashed"):
            raise ProviderRejectedError(PROVIDER, f"the notes doc {file.get('id')} is in the "
                                        "host's Google Drive trash")
        doc_id = str(file["id"])

        def gone() -> ProviderError:
            return self._doc_gone(doc_id)

        kept = file.get("appProperties") or {}
        under_way = kept.get(wire.WRITING_KEY)
        count, marked = len(notes.bullets), False
        for attempt in range(WRITE_TRIES):
            document = self._call(self._docs.get(documentId=doc_id), "reading the notes doc",
                                  gone=gone)
            # How many bullets Penny wrote last: one the host added after them (pressing
            # Enter after the last continues the list) is theirs, and stays.
            written = wire.bullets_written(document, kept.get(wire.BULLETS_KEY), under_way)
            requests = wire.edits(document, notes, written)
            if requests and written is not None and written != count and not marked:
                # Another number of bullets: said before the text is written, so a retry
                # after the text landed but the count was not kept still knows which
                # bullets are Penny's (else it would take the new ones for the host's and
                # write them twice).
                self._call(self._drive.update(fileId=doc_id, fields="id", body={
                    "appProperties": {wire.WRITING_KEY: wire.writing(notes)}}),
                    "marking the notes doc", gone=gone)
                under_way, marked = wire.writing(notes), True
            try:
                self._write(doc_id, requests, document.get("revisionId"), gone)
                break
            except _StaleRevision as exc:
                # The host changed the doc since it was read: read it again and edit that.
                if attempt == WRITE_TRIES - 1:
                    raise ProviderUnavailableError(
                        PROVIDER, f"the notes doc {file['id']} changed under each of "
                                  f"{WRITE_TRIES} writes; try again later") from exc
        changed: dict[str, Any] = {}
        if file.get("name") != wire.doc_name(notes):
            changed["name"] = wire.doc_name(notes)
        if written != count or under_way is not None:
            changed["appProperties"] = {wire.BULLETS_KEY: str(count), wire.WRITING_KEY: None}
        if changed:
            self._call(self._drive.update(fileId=doc_id, fields="id", body=changed),
                       "renaming the notes doc", gone=gone)
        return _page(file)

    def _write(self, doc_id: str, requests: list[dict[str, Any]], read: str | None,
               gone: Callable[[], ProviderError] | None = None) -> None:
        if not requests:
            return
        # Edits made against the revision read: Google fits them around whatever the host
        # typed since, rather than at indices that moved.
        control = {"writeControl": {"targetRevisionId": read}} if read else {}
        self._call(self._docs.batchUpdate(documentId=doc_id,
                                          body={"requests": requests, **control}),
                   "writing the notes", gone=gone)

    def _folders(self, name: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page_token: str | None = None
        for _ in range(MAX_LIST_PAGES):
            page = self._call(self._drive.list(
                q=wire.folders_query(name), orderBy="createdTime", pageSize=100,
                spaces="drive", pageToken=page_token, fields="files(id,name),nextPageToken"),
                "listing the notes folders")
            found += page.get("files") or []
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return found

    def _folder_gone(self) -> ProviderError:
        return ProviderRejectedError(PROVIDER, "the notes folder is gone from Google Drive "
                                     "(deleted, or in the trash): choose or create another "
                                     "in Penny")

    def _doc_gone(self, doc_id: str) -> ProviderError:
        # The doc alone deleted for good, or the whole folder with it? The folder says;
        # the doc is forgotten, never written again by this adapter.
        if self.folder_id:
            folder = self._call(self._drive.get(fileId=self.folder_id, fields="id,trashed"),
                                "reading the notes folder", gone=self._folder_gone)
            if folder.get("trashed"):
                return self._folder_gone()
        self._gone.add(doc_id)
        return NotesPageGoneError(PROVIDER, f"the notes doc {doc_id} is gone from "
                                  "Google Drive")

    # -- one call ----------------------------------------------------------------------

    def _call(self, request: Any, doing: str,
              gone: Callable[[], ProviderError] | None = None) -> dict[str, Any]:
        try:
            answer = request.execute(http=self._http, num_retries=0)
        except HttpError as exc:
            status = int(exc.resp.status)
            if status == 404 and gone is not None:
                raise gone() from exc
            if wire.stale_revision(status, exc.content):
                raise _StaleRevision(doing) from exc
            raise wire.refusal(status, exc.resp, exc.content, doing) from exc
        except TRANSPORT_ERRORS as exc:
            raise ProviderUnavailableError(
                PROVIDER, f"Google Docs did not answer ({type(exc).__name__}) while {doing}; "
                          "try again later") from exc
        return answer if isinstance(answer, dict) else {}


def _page(file: dict[str, Any]) -> NotesPage:
    if not file.get("id") or not file.get("webViewLink"):
        raise ProviderUnavailableError(PROVIDER, "Google Drive answered without a file id "
                                       "or link")
    return NotesPage(str(file["id"]), str(file["webViewLink"]))
