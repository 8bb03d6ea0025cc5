"""Rewriting one notes page in Notion (notion_notes.py's half that edits a page it found
or made): its properties where they differ, then Penny's bullets, block by block, as
notion_wire.plan says (the host's own blocks stay). A replay of the same notes reads the
page's blocks and writes nothing.

A 404 while writing: the page gone (the `page_gone` it is given says what that means:
NotesPageGoneError, or the connection's fault), or one block of a page still there (the
host deleted that bullet meanwhile): ProviderUnavailableError, for a retry that reads
the page again. A page in the host's trash is ProviderRejectedError (restorable: Penny
leaves it be).
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
from chalicelib.integrations import notion_wire as wire
from chalicelib.integrations.notion_session import PROVIDER, Gone, NotionSession


class PageWriter:
    def __init__(self, session: NotionSession,
                 page_gone: Callable[[str], ProviderError]) -> None:
        self._client, self._call, self._page_gone = session.client, session.call, page_gone
        self._me: str | None = None

    def rewrite(self, page: dict[str, Any], notes: BookingNotes) -> NotesPage:
        if page.get("in_trash") or page.get("archived"):
            raise ProviderRejectedError(PROVIDER, f"the notes page {page.get('id')} is in the "
                                        "host's Notion trash")
        page_id = str(page["id"])

        def gone() -> ProviderError:
            return self._edit_gone(page_id)

        kinds = {name: str(p.get("type")) for name, p in page["properties"].items()}
        changes = wire.changed(page["properties"], wire.values(notes, kinds))
        if changes:
            page = self._call(self._client.pages.update, page_id, properties=changes,
                              gone=gone)
        blocks = self._blocks(page_id, gone)
        plan = wire.plan(blocks, notes.bullets,
                         self._bot() if wire.other_authors(blocks) else None)
        for block_id, line in plan.edits:
            self._call(self._client.blocks.update, block_id, gone=gone,
                       bulleted_list_item={"rich_text": wire.text(line)})
        for block_id in plan.deletes:
            self._call(self._client.blocks.delete, block_id, gone=gone)
        self.append(page_id, list(plan.appends), plan.after, gone)
        return page_of(page)

    def _bot(self) -> str | None:
        """Penny's bot user in the host's workspace (its bot_id), asked once."""
        if self._me is None:
            self._me = str(self._call(self._client.users.me).get("id") or "") or None
        return self._me

    def _blocks(self, page_id: str, gone: Gone = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            answer = self._call(self._client.blocks.children.list, page_id, page_size=100,
                                start_cursor=cursor, gone=gone)
            found += answer.get("results") or []
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return found

    def append(self, page_id: str, new: list[dict[str, Any]], after: str | None,
               gone: Gone = None) -> None:
        for start in range(0, len(new), wire.MAX_ITEMS):
            where: dict[str, Any] = {"after": after} if after else {}
            made = self._call(self._client.blocks.children.append, page_id, gone=gone,
                              children=new[start:start + wire.MAX_ITEMS], **where)
            results = made.get("results") or []
            after = str(results[-1]["id"]) if after and results else after

    def _edit_gone(self, page_id: str) -> ProviderError:
        # A 404 while writing the page: the page gone, or a block of it the host deleted
        # meanwhile? The page says.
        page = self._call(self._client.pages.retrieve, page_id,
                          gone=lambda: self._page_gone(page_id))
        if trashed(page):
            return ProviderRejectedError(PROVIDER, f"the notes page {page_id} is in the "
                                         "host's Notion trash")
        return ProviderUnavailableError(PROVIDER, f"a block of the notes page {page_id} went "
                                        "while Penny wrote it: a retry reads the page again")


def trashed(answer: dict[str, Any]) -> bool:
    return answer.get("in_trash") is True or answer.get("archived") is True


def page_of(answer: dict[str, Any]) -> NotesPage:
    if not answer.get("id") or not answer.get("url"):
        raise ProviderUnavailableError(PROVIDER, "Notion answered without a page id or URL")
    return NotesPage(str(answer["id"]), str(answer["url"]))
