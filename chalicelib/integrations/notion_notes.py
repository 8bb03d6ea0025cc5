"""Client notes in the host's Notion (the NotesProvider port), through notion-client at
API version 2025-09-03. Only this module imports notion_client (a worker's import).

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

Errors. A 401 refreshes the token once and retries; a second 401, a 403 (a capability
withdrawn), a 404 on the database (the host un-shared it), the database in the host's
trash (Notion still reads it, and refuses every page made or edited in it) or its
Booking property made another type than text is ConnectionBrokenError.
429, 5xx, 409 (Notion's "try again") and timeouts are ProviderUnavailableError, after
notion-client's own retries (429 on any call, 5xx on GET and DELETE, each wait capped at
MAX_RETRY_DELAY_MS so a Lambda does not sleep its time away); any other 4xx, and a notes
page the host moved to the trash (restorable: Penny leaves it be), is
ProviderRejectedError; a 404 on a block of a page still there (the host deleted that
bullet meanwhile) is ProviderUnavailableError, for a retry that reads the page again.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
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
    NotesPageGoneError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.notes import BookingNotes, NotesDatabase, NotesPage
from chalicelib.integrations import notion_wire as wire
from chalicelib.provider_settings import OAuthApp

NOTION_API = "https://api.notion.com"
NOTION_VERSION = "2025-09-03"
PROVIDER = "notion"
MAX_RETRY_DELAY_MS = 2_000
_ID = re.compile(r"[0-9a-fA-F]{32}")   # a Notion id, its dashes taken out
MAX_SEARCH_PAGES = 10              # of 100 shared data sources each


class _Refused(Exception):
    """Notion answered 401 to the token used."""


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
        self._token = token
        self._access: str | None = None
        self._refreshing = threading.Lock()
        self.database_id, self.data_source, self.timeout = database_id, data_source, timeout
        self._source: _Source | None = None
        self._gone: set[str] = set()       # pages that answered 404: not written again
        # No client-wide token: each call names its own, so a refreshed one takes over.
        self._client = Client(
            base_url=(entry.base_url or NOTION_API).rstrip("/"), notion_version=NOTION_VERSION,
            timeout_ms=max(1, round(timeout * 1000)), logger=logging.getLogger(__name__),
            retry=RetryOptions(max_retries=retries, initial_retry_delay_ms=250,
                               max_retry_delay_ms=MAX_RETRY_DELAY_MS))

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
            return self._rewrite(page, notes)
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
            return self._rewrite(pages[0], notes)
        body = wire.blocks(notes)
        made = _page(self._call(
            self._client.pages.create, gone=self._unshared,
            parent={"type": "data_source_id", "data_source_id": source.id},
            properties=wire.values(notes, source.kinds), children=body[:wire.MAX_ITEMS]))
        self._append(made.id, body[wire.MAX_ITEMS:], None)
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
            if _trashed(database):
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
        if _trashed(source):
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

    def _rewrite(self, page: dict[str, Any], notes: BookingNotes) -> NotesPage:
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
        plan = wire.plan(self._blocks(page_id, gone), notes.bullets)
        for block_id, line in plan.edits:
            self._call(self._client.blocks.update, block_id, gone=gone,
                       bulleted_list_item={"rich_text": wire.text(line)})
        for block_id in plan.deletes:
            self._call(self._client.blocks.delete, block_id, gone=gone)
        self._append(page_id, list(plan.appends), plan.after, gone)
        return _page(page)

    def _blocks(self, page_id: str,
                gone: Callable[[], ProviderError] | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            answer = self._call(self._client.blocks.children.list, page_id, page_size=100,
                                start_cursor=cursor, gone=gone)
            found += answer.get("results") or []
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return found

    def _append(self, page_id: str, new: list[dict[str, Any]], after: str | None,
                gone: Callable[[], ProviderError] | None = None) -> None:
        for start in range(0, len(new), wire.MAX_ITEMS):
            where: dict[str, Any] = {"after": after} if after else {}
            made = self._call(self._client.blocks.children.append, page_id, gone=gone,
                              children=new[start:start + wire.MAX_ITEMS], **where)
            results = made.get("results") or []
            after = str(results[-1]["id"]) if after and results else after

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

    def _edit_gone(self, page_id: str) -> ProviderError:
        # A 404 while writing the page: the page gone, or a block of it the host deleted
        # meanwhile? The page says.
        page = self._call(self._client.pages.retrieve, page_id,
                          gone=lambda: self._page_gone(page_id))
        if _trashed(page):
            return ProviderRejectedError(PROVIDER, f"the notes page {page_id} is in the "
                                         "host's Notion trash")
        return ProviderUnavailableError(PROVIDER, f"a block of the notes page {page_id} went "
                                        "while Penny wrote it: a retry reads the page again")

    # -- the wire ----------------------------------------------------------------------

    def _call(self, method: Callable[..., Any], *args: Any,
              gone: Callable[[], ProviderError] | None = None, **kwargs: Any) -> dict[str, Any]:
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
              token: str, gone: Callable[[], ProviderError] | None) -> dict[str, Any]:
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


def _trashed(answer: dict[str, Any]) -> bool:
    return answer.get("in_trash") is True or answer.get("archived") is True


def _page(answer: dict[str, Any]) -> NotesPage:
    if not answer.get("id") or not answer.get("url"):
        raise ProviderUnavailableError(PROVIDER, "Notion answered without a page id or URL")
    return NotesPage(str(answer["id"]), str(answer["url"]))
