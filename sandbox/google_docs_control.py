"""The Google Docs half of the sandbox's control surface for tests (ProviderSandbox mixes
it in): what Penny wrote (docs with their paragraphs), and what the host does in Drive by
hand (a folder of their own, typing in a doc, the trash, deleting for good). Faults,
delays and call counters are the shared ones: `fail_next_api_calls("google", ...)`,
`api_calls("google", "documents.batchUpdate")` (CalendarControl)."""

from __future__ import annotations

from typing import Any

from sandbox.google import GoogleProvider
from sandbox.google_docs_body import Paragraph, table
from sandbox.google_docs_store import DOCUMENT, FOLDER, DriveFile, DriveStore, new_revision
from sandbox.provider import FakeProvider


class GoogleDocsControl:
    providers: dict[str, FakeProvider]

    def _drive(self) -> tuple[GoogleProvider, DriveStore]:
        provider = self.providers["google"]
        assert isinstance(provider, GoogleProvider)
        return provider, provider.docs.store

    def _google_account(self, account: str | None) -> str:
        accounts = self.providers["google"].server.accounts
        if account is None:
            return next(iter(accounts))
        return next(a.id for a in accounts.values() if account in (a.id, a.email))

    def google_docs(self, folder_id: str | None = None,
                    account: str | None = None) -> list[dict[str, Any]]:
        """Google Docs (right inside one folder, or anywhere), oldest first, trashed ones
        too: `id`, `title`, `url` (the sandbox page), `parents`, `trashed`,
        `app_properties` (every app's), `revision`, `named_ranges` (how many) and
        `paragraphs`, each
        `{"text", "style", "bullet"}` (bullet: the paragraph is a list item; a table the
        host put in is `{"text": "", "style": "TABLE", "bullet": False}`)."""
        provider, store = self._drive()
        owner = None if account is None else self._google_account(account)
        with store.lock:
            return [self._doc(f, store, provider.base_url)
                    for f in store.documents(owner, folder_id)]

    @staticmethod
    def _doc(file: DriveFile, store: DriveStore, base_url: str) -> dict[str, Any]:
        assert file.body is not None
        return {"id": file.id, "title": file.name, "url": f"{base_url}/_sandbox/docs/{file.id}",
                "parents": list(file.parents), "trashed": store.trashed(file),
                "app_properties": {k: v for props in file.app_properties.values()
                                   for k, v in props.items()},
                "revision": file.revision, "named_ranges": len(file.body.named),
                "paragraphs": [{"text": "", "style": "TABLE", "bullet": False} if p.table
                               else {"text": p.text, "style": p.style,
                                     "bullet": p.list_id is not None}
                               for p in file.body.paragraphs]}

    def google_doc_lines(self, doc_id: str) -> list[tuple[str, bool]]:
        """One doc's paragraphs as (text, bulleted): `("E-mail: ...", True)`; a table
        the host put in is `("[table]", False)`."""
        _, store = self._drive()
        with store.lock:
            body = store.files[doc_id].body
            assert body is not None
            return [("[table]", False) if p.table else (p.text, p.list_id is not None)
                    for p in body.paragraphs]

    def google_drive_files(self, account: str | None = None) -> list[dict[str, Any]]:
        """Every folder and file (not My Drive itself), oldest first, as files.get answers
        with `fields=*`, with every app's appProperties."""
        provider, store = self._drive()
        owner = None if account is None else self._google_account(account)
        with store.lock:
            return [store.resource(f, None, provider.base_url) for f in
                    sorted(store.files.values(), key=lambda f: f.order)
                    if f.parents and owner in (None, f.owner)]

    def google_drive_folder(self, name: str, account: str | None = None,
                            parent: str | None = None) -> str:
        """A folder the host makes in Drive by hand (no app's: drive.file does not see
        it); its id."""
        _, store = self._drive()
        return store.add(self._google_account(account), name, FOLDER, parent, None).id

    def google_doc_by_hand(self, title: str, account: str | None = None,
                           parent: str | None = None) -> str:
        """A doc the host makes in Google Docs by hand; its id."""
        _, store = self._drive()
        return store.add(self._google_account(account), title, DOCUMENT, parent, None).id

    def google_docs_type(self, doc_id: str, text: str) -> None:
        """The host types a paragraph at the end of the doc."""
        _, store = self._drive()
        with store.lock:
            store.files[doc_id].host_types(text)

    def google_docs_type_during_writes(self, doc_id: str, times: int = 1) -> None:
        """The host types in the doc while Penny writes it: each of the next `times`
        batchUpdates on it comes after a paragraph the host typed since Penny read the
        doc, so the revision Penny read is behind. A `requiredRevisionId` no longer
        matches, and a `targetRevisionId` is refused as too far behind (Google's 400:
        read the document again and retry)."""
        _, store = self._drive()
        with store.lock:
            store.files[doc_id].typed_during_writes += times

    def google_docs_continue_list(self, doc_id: str, text: str) -> None:
        """The host presses Enter at the end of the doc's last bullet and types: the
        list goes on, with a bullet of theirs."""
        _, store = self._drive()
        with store.lock:
            file = store.files[doc_id]
            assert file.body is not None
            file.body.insert_text(file.body.end() - 1, "\n" + text)
            file.revisions.append(new_revision())
            file.touched()

    def google_docs_type_line(self, doc_id: str, text: str, after: str | None = None) -> None:
        """The host types a line of their own: after the first paragraph reading `after`
        (pressing Enter at its end, so a bullet's list goes on with theirs, as in Docs),
        or, `after` None, at the very top of the doc (a plain paragraph above the first)."""
        _, store = self._drive()
        with store.lock:
            file = store.files[doc_id]
            body = file.body
            assert body is not None
            if after is None:
                body.insert_text(1, text + "\n")
                body.paragraphs[0] = Paragraph(body.paragraphs[0].text)
            else:
                end = next(e for _, e, p in body.spans() if p.text == after and not p.table)
                body.insert_text(end - 1, "\n" + text)
            file.revisions.append(new_revision())
            file.touched()

    def google_docs_edit_line(self, doc_id: str, text: str, new_text: str) -> None:
        """The host rewrites the first paragraph reading `text` to read `new_text` (its
        style and bullet stay)."""
        _, store = self._drive()
        with store.lock:
            file = store.files[doc_id]
            body = file.body
            assert body is not None
            start, end = next((s, e) for s, e, p in body.spans() if p.text == text)
            if end - 1 > start:
                body.delete_range(start, end - 1)
            body.insert_text(start, new_text)
            file.revisions.append(new_revision())
            file.touched()

    def google_docs_insert_table(self, doc_id: str) -> None:
        """The host inserts a table right under the doc's last paragraph (a 1 x 1 table;
        Docs keeps an empty paragraph after it, as a body always ends with one)."""
        _, store = self._drive()
        with store.lock:
            file = store.files[doc_id]
            assert file.body is not None
            file.body.paragraphs[-1:] = [file.body.paragraphs[-1], table(), Paragraph("")]
            file.revisions.append(new_revision())
            file.touched()

    def google_docs_trash(self, doc_id: str, trashed: bool = True) -> None:
        """The host moves a doc or folder to the Drive trash (or restores it)."""
        _, store = self._drive()
        with store.lock:
            store.files[doc_id].explicitly_trashed = trashed

    def google_drive_delete(self, file_id: str, still_listed: bool = False) -> None:
        """The host deletes a file for good (a folder with everything in it; a doc
        emptied from the trash): Drive and Docs answer 404 for it. `still_listed`:
        files.list finds it a while yet (Drive's search lags a deletion), so Penny finds
        the doc by its booking and reading or writing it after 404s."""
        _, store = self._drive()
        store.delete(file_id, still_listed)
