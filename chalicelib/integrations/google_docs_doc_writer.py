"""Writing one notes doc in Google Docs (google_docs_notes.py's half that edits a doc it
found or made): Penny's lines brought to the notes by one batchUpdate, as
google_docs_edits.plan says (the host's lines stay, wherever they are), then the doc's
name where it differs. A replay of the same notes reads the doc and writes nothing.

Penny's lines carry named ranges made in the batchUpdate that writes them, all or
nothing, so a retry after any failure finds each line once. A doc written before those
ranges is marked (google_docs_edits.MARKS_KEY) once its first rewrite named its lines.
A batchUpdate refused because the doc changed since Penny read it (the host typing) is
no error: the doc is read again and the edits made anew, up to WRITE_TRIES times; then
it is ProviderUnavailableError, for the job's retry. A 404 while writing: the
`doc_gone` it is given says what that means. A doc in the host's trash is
ProviderRejectedError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import (
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.notes import BookingNotes, NotesPage
from chalicelib.integrations import google_docs_edits as edits
from chalicelib.integrations import google_docs_wire as wire
from chalicelib.integrations.google_docs_session import GoogleDocsSession, StaleRevision
from chalicelib.integrations.google_docs_wire import PROVIDER

WRITE_TRIES = 3                    # reads and writes of a doc the host keeps changing


class DocWriter:
    def __init__(self, session: GoogleDocsSession,
                 doc_gone: Callable[[str], ProviderError]) -> None:
        self._session, self._call, self._doc_gone = session, session.call, doc_gone

    def rewrite(self, file: dict[str, Any], notes: BookingNotes) -> NotesPage:
        if file.get("trashed"):
            raise ProviderRejectedError(PROVIDER, f"the notes doc {file.get('id')} is in the "
                                        "host's Google Drive trash")
        doc_id = str(file["id"])

        def gone() -> ProviderError:
            return self._doc_gone(doc_id)

        kept = file.get("appProperties") or {}
        for attempt in range(WRITE_TRIES):
            document = self._call(self._session.docs.get(documentId=doc_id),
                                  "reading the notes doc", gone=gone)
            try:
                self.write(doc_id, edits.plan(document, notes, kept),
                           document.get("revisionId"), gone)
                break
            except StaleRevision as exc:
                # The host changed the doc since it was read: read it again and edit that.
                if attempt == WRITE_TRIES - 1:
                    raise ProviderUnavailableError(
                        PROVIDER, f"the notes doc {file['id']} changed under each of "
                                  f"{WRITE_TRIES} writes; try again later") from exc
        changed: dict[str, Any] = {}
        if file.get("name") != wire.doc_name(notes):
            changed["name"] = wire.doc_name(notes)
        if not edits.marked(kept):
            # Its lines carry their ranges now (written, or found): the count of bullets
            # that said which were Penny's is done with.
            changed["appProperties"] = {edits.MARKS_KEY: edits.MARKS, **edits.LEGACY_KEYS}
        if changed:
            self._call(self._session.drive.update(fileId=doc_id, fields="id", body=changed),
                       "renaming the notes doc", gone=gone)
        return page_of(file)

    def write(self, doc_id: str, requests: list[dict[str, Any]], read: str | None,
              gone: Callable[[], ProviderError] | None = None) -> None:
        if not requests:
            return
        # Edits made against the revision read: Google fits them around whatever the host
        # typed since, rather than at indices that moved.
        control = {"writeControl": {"targetRevisionId": read}} if read else {}
        self._call(self._session.docs.batchUpdate(documentId=doc_id,
                                                  body={"requests": requests, **control}),
                   "writing the notes", gone=gone)


def page_of(file: dict[str, Any]) -> NotesPage:
    if not file.get("id") or not file.get("webViewLink"):
        raise ProviderUnavailableError(PROVIDER, "Google Drive answered without a file id "
                                       "or link")
    return NotesPage(str(file["id"]), str(file["webViewLink"]))
