"""Client notes in the host's Google Docs (the NotesProvider port), through
google-api-python-client's Docs v1 and Drive v3 with the scopes `documents` and
`drive.file` (Penny sees only the files it made). Only the notes worker imports this.
This module finds or makes a booking's doc and the folder; google_docs_doc_writer.py
rewrites a doc, google_docs_session.py makes each call (the one module that imports
the SDK).

Where docs go. One Google Doc per booking in a Drive folder Penny made for the host
(`database_id`; create_folder makes one, databases() lists them). Drive's files.create
makes the doc already inside the folder and marked with the appProperty
`pennyBooking: <booking uid>` in one call, so no doc ever exists unmarked; Docs'
batchUpdate then writes its body (google_docs_wire.py says what the body is).

Idempotent. save_notes first asks Drive for the doc with that appProperty (anywhere:
the host may have moved it; in the trash too): a redelivered event or a retry after a
timeout rewrites the doc it finds, never a second, and a replay of the same notes reads
and writes nothing. A doc found only in the trash is refused as update_notes refuses
it: a job whose link was never stored (a crash before it was saved) made a second doc
beside the one the host trashed. Penny's lines carry named ranges written with them, all
or nothing (google_docs_edits.py), so a retry writes no line twice. Two
deliveries running at once could still both create; the notes job's own record keeps
that to a race of retries.

Errors (each call's answer as google_docs_session.py names it): a second 401 or a
missing scope is ConnectionBrokenError. A notes folder the host deleted or put in the
trash is ProviderRejectedError, not a broken connection: the same Google connection
serves the host's calendar, which a lost folder must not stop (the Connections page says
the folder is gone, and reconnecting makes a new one). A notes doc in the trash
(restorable for 30 days: Penny leaves it be, as Notion's) and any other 4xx are
ProviderRejectedError too.

A doc gone. A doc the host deleted for good (emptied from the trash) answers 404, even
just after Drive's search found it by its booking (the index lags). Then the folder is
read (the folder's fault, if it is gone or in the trash), the doc forgotten, and
save_notes writes the notes once more: on the doc found again, or one made anew. A
second 404 is refused: bounded, no loop. update_notes, given a doc that answers 404,
raises NotesPageGoneError: the notes job then saves the notes anew under its lease for a
first page (services/notes_pages.py), so two runs never make two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import (
    NotesPageGoneError,
    ProviderError,
    ProviderRejectedError,
)
from chalicelib.domain.providers.notes import BookingNotes, NotesDatabase, NotesPage
from chalicelib.integrations import google_docs_edits as edits
from chalicelib.integrations import google_docs_wire as wire
from chalicelib.integrations.google_docs_doc_writer import WRITE_TRIES, DocWriter, page_of
from chalicelib.integrations.google_docs_session import GoogleDocsSession
from chalicelib.integrations.google_docs_wire import PROVIDER
from chalicelib.provider_settings import OAuthApp

DEFAULT_FOLDER = "Penny client notes"
MAX_LIST_PAGES = 10                # of 100 folders each

# Kept importable from here, where the adapter's tests name it.
__all__ = ["DEFAULT_FOLDER", "WRITE_TRIES", "GoogleDocsNotes"]


class GoogleDocsNotes:
    """The host's notes docs in one Drive folder. `token(False)` is the stored access
    token, `token(True)` a forced refresh, asked after Google answers 401.
    `database_id` is the folder's id; `data_source`, Notion's notion, is the same id
    here (used only when `database_id` is empty)."""

    def __init__(self, entry: OAuthApp, token: Callable[[bool], str], timeout: float,
                 database_id: str = "", data_source: str | None = None) -> None:
        self._session = GoogleDocsSession(entry, token, timeout)
        self._call, self.timeout = self._session.call, timeout
        # A folder is its own "data source" (NotesDatabase carries its id twice).
        self.folder_id = database_id or data_source or ""
        self._gone: set[str] = set()       # docs that answered 404: not written again
        self._writer = DocWriter(self._session, self._doc_gone)

    @property
    def _drive(self) -> Any:
        return self._session.drive

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
        return self._writer.rewrite(found, notes)

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
        # A live doc first; one only in the trash is refused as update_notes refuses it,
        # never a second doc made beside it (Drive's search leaves the trash out only
        # when asked to: `trashed = false`).
        files.sort(key=lambda f: bool(f.get("trashed")))
        if files:
            return self._writer.rewrite(files[0], notes)
        made = self._call(self._drive.create(fields=wire.FILE_FIELDS, body={
            "name": wire.doc_name(notes), "mimeType": wire.DOCUMENT, "parents": [self.folder_id],
            "appProperties": {wire.BOOKING_KEY: notes.key, edits.MARKS_KEY: edits.MARKS}}),
            "creating the notes doc",
            gone=self._folder_gone)
        if made.get("trashed"):
            raise self._folder_gone()  # made inside a folder in the trash: there too
        self._writer.write(str(made["id"]), edits.plan(wire.EMPTY_DOCUMENT, notes, {
            edits.MARKS_KEY: edits.MARKS}), None)
        return page_of(made)

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
