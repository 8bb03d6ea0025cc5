"""Client notes in the host's Notion (the NotesProvider port), through notion-client at
API version 2025-09-03: where pages go, finding a booking's page or making it. A page is
rewritten by notion_page_writer.py, and every call goes through notion_session.py (the
token, the error answers), the one module that imports notion_client (a worker's import).

Where pages go. The host shares a database with Penny and picks one of its data sources
(since 2025-09-03 a database is a container of data sources and a page belongs to one).
Given the data source's id, as Penny stores the host's choice, that source alone is read;
given its name, or none, the database is read first and the named source taken, or else
the first the database lists, its original table, which a data source the host adds
later does not displace. The database id is
never used as a data source id. Properties Penny writes that the data source lacks are
added to its schema once (notion_wire.py says which); Booking must be text, as the
lookup below filters on it.

Idempotent. Notion takes no idempotency key, so each page carries the booking uid in its
Booking property and save_notes first queries the data source for it: a redelivered
event or a retried Lambda rewrites the page it finds instead of making a second. A
rewrite writes only what differs (a replay of the same notes reads and writes nothing).
Two deliveries running at once could still both create; the notes job's own record
keeps that to a race of retries.

A page gone. A page the host deleted for good or moved out of the data source answers
404, even just after the query found it (Notion's index lags). Then the data source is
read afresh (the connection's fault, if it is gone or in the trash), the page forgotten,
and save_notes writes the notes once more: on the page found again, or one made anew. A
second 404 is refused: bounded, no loop. update_notes, given a page that answers 404,
raises NotesPageGoneError: the notes job then saves the notes anew under its lease for a
first page (services/notes.py), so two runs never make two.

Errors. A 404 on the database (the host un-shared it), the database in the host's trash
(Notion still reads it, and refuses every page made or edited in it) or its Booking
property made another type than text is ConnectionBrokenError; the token's refusals,
throttling, outages and other 4xx are notion_session.py's (a 401 refreshes the token
once), and a page in the trash or a block gone while writing are notion_page_writer.py's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotesPageGoneError,
    ProviderError,
    ProviderRejectedError,
)
from chalicelib.domain.providers.notes import BookingNotes, NotesDatabase, NotesPage
from chalicelib.integrations import notion_wire as wire
from chalicelib.integrations.notion_page_writer import PageWriter, page_of, trashed
from chalicelib.integrations.notion_session import PROVIDER, NotionSession
from chalicelib.provider_settings import OAuthApp

_ID = re.compile(r"[0-9a-fA-F]{32}")   # a Notion id, its dashes taken out
MAX_SEARCH_PAGES = 10              # of 100 shared data sources each


@dataclass(frozen=True)
class _Source:
    id: str
    kinds: dict[str, str]          # property name -> type


class NotionNotes:
    """The host's notes pages in one Notion database. `token(False)` is the current access
    token, asked on the first call and kept; `token(True)` a forced refresh, asked when
    Notion refuses the token (Notion rotates the refresh token: the old one dies)."""

    def __init__(self, entry: OAuthApp, token: Callable[[bool], str], timeout: float,
                 database_id: str = "", data_source: str | None = None,
                 retries: int = 2) -> None:
        self.database_id, self.data_source, self.timeout = database_id, data_source, timeout
        self._source: _Source | None = None
        self._gone: set[str] = set()       # pages that answered 404: not written again
        session = NotionSession(entry, token, timeout, retries, logging.getLogger(__name__))
        self._client, self._call = session.client, session.call
        self._pages = PageWriter(session, self._page_gone)

    def save_notes(self, notes: BookingNotes) -> NotesPage:
        try:
            return self._save(notes)
        except NotesPageGoneError:
            # The page the query found went before it was written: the data source was
            # read afresh, the page forgotten (_page_gone); once more, and no more.
            return self._save(notes)

    def update_notes(self, page_id: str, notes: BookingNotes) -> NotesPage:
        page = self._call(self._client.pages.retrieve, page_id,
                          gone=lambda: self._page_gone(page_id))
        try:
            return self._pages.rewrite(page, notes)
        except (ConnectionBrokenError, NotesPageGoneError):
            raise
        except ProviderRejectedError:
            # The page alone refused (in the trash), or the whole database deleted with
            # it? The data source says (ConnectionBrokenError when it is in the trash).
            if self._source is None:
                self._data_source()
            raise

    def databases(self) -> list[NotesDatabase]:
        """The data sources the host shared with Penny (a search, all its pages), each
        with its database: where notes can go."""
        found: list[NotesDatabase] = []
        cursor: str | None = None
        for _ in range(MAX_SEARCH_PAGES):
            where: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
            answer = self._call(self._client.search, page_size=100,
                                filter={"property": "object", "value": "data_source"}, **where)
            for source in answer.get("results") or []:
                parent = source.get("parent") or {}
                if source.get("object") != "data_source" or source.get("in_trash") or \
                        parent.get("type") != "database_id":
                    continue
                title = "".join(t.get("plain_text", "") for t in source.get("title") or [])
                found.append(NotesDatabase(str(parent["database_id"]), str(source["id"]),
                                           title or "Untitled"))
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                break
        return found

    def make_place(self) -> NotesDatabase | None:
        """Penny makes no database: the host shares one at consent (a database needs a
        parent page, which only the host can give)."""
        return None

    # -- the page ----------------------------------------------------------------------

    def _save(self, notes: BookingNotes) -> NotesPage:
        source = self._data_source()
        found = self._call(self._client.data_sources.query, source.id, gone=self._unshared,
                           filter={"property": wire.BOOKING, "rich_text": {"equals": notes.key}},
                           sorts=[{"timestamp": "created_time", "direction": "ascending"}])
        pages = [p for p in found.get("results") or []
                 if p.get("object") == "page" and p.get("id") not in self._gone]
        if pages:
            return self._pages.rewrite(pages[0], notes)
        body = wire.blocks(notes)
        made = page_of(self._call(
            self._client.pages.create, gone=self._unshared,
            parent={"type": "data_source_id", "data_source_id": source.id},
            properties=wire.values(notes, source.kinds), children=body[:wire.MAX_ITEMS]))
        self._pages.append(made.id, body[wire.MAX_ITEMS:], None)
        return made

    def _data_source(self) -> _Source:
        if self._source is not None:
            return self._source
        if self.data_source is not None and _ID.fullmatch(self.data_source.replace("-", "")):
            # The host's choice, by id (as Penny stores it): read it alone.
            chosen = {"id": self.data_source}
        else:
            database = self._call(self._client.databases.retrieve, self.database_id,
                                  gone=self._unshared)
            if trashed(database):
                raise self._trashed()
            listed = [s for s in database.get("data_sources") or [] if s.get("id")]
            found = next((s for s in listed if self.data_source is None
                          or self.data_source == s.get("name")), None)
            if found is None:
                raise ConnectionBrokenError(PROVIDER, f"the Notion database has no data "
                                            f"source {self.data_source or ''}: pick another "
                                            "in Penny")
            chosen = found
        source = self._call(self._client.data_sources.retrieve, chosen["id"],
                            gone=self._unshared)
        if trashed(source):
            raise self._trashed()
        kinds = {name: str(p.get("type")) for name, p in source["properties"].items()}
        missing: dict[str, Any] = {name: {kind: {}} for name, kind in wire.PROPERTIES.items()
                                   if name not in kinds}
        if missing:
            source = self._call(self._client.data_sources.update, chosen["id"],
                                properties=missing, gone=self._unshared)
            kinds = {name: str(p.get("type")) for name, p in source["properties"].items()}
        if kinds.get(wire.BOOKING) != "rich_text":
            # Every booking's page is found again by it: no page can be written until the
            # host changes it back (then reconnects), so it is the connection's, shown.
            raise ConnectionBrokenError(PROVIDER, f"the Notion property {wire.BOOKING} is a "
                                        f"{kinds.get(wire.BOOKING)}; Penny needs it as text: "
                                        "change it back to text in Notion, or pick another")
        self._source = _Source(str(chosen["id"]), kinds)
        return self._source

    def _unshared(self) -> ProviderError:
        return ConnectionBrokenError(PROVIDER, "the Notion database is not shared with Penny "
                                     "any more: share it again in Notion, or pick another")

    def _trashed(self) -> ProviderError:
        # Deleted in Notion: still readable, every page made or edited in it refused (400
        # "Can't edit block that is archived"). Not one page's fault: the connection's.
        return ConnectionBrokenError(PROVIDER, "the Notion database is in the host's Notion "
                                     "trash: restore it in Notion, or pick another")

    def _page_gone(self, page_id: str) -> ProviderError:
        # The page alone deleted for good or moved out, or the whole database un-shared
        # or deleted? The data source, read afresh, says (ConnectionBrokenError when it
        # is); the page is forgotten, never written again by this adapter.
        self._source = None
        self._data_source()
        self._gone.add(page_id)
        return NotesPageGoneError(PROVIDER, f"the notes page {page_id} is gone from Notion")
