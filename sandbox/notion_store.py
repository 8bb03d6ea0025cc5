"""The fake Notion's workspaces: per account, databases, their data sources, the pages in
them and the blocks on those pages (API version 2025-09-03's model: a database is a
container of data sources, and a page belongs to a data source).

Each account's workspace is seeded on first use with a database "Client notes" shared
with the integration: one data source with Name (title), Email, When (date), Status
(select) and Booking (text). Its ids are derived from the account id, so they survive a
restart of `make run`. A database the host un-shares answers 404 object_not_found, with
its data sources, pages and blocks, as Notion does; so does an id of another kind
(a database id asked for as a data source).

Callers hold `lock` around a lookup and what they do with it.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.notion_values import schema_property

SEEDED_TITLE = "Client notes"
STATUSES = ("Confirmed", "Rescheduled", "Cancelled")


def now() -> str:
    """Notion's timestamps: UTC, to the minute."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:00.000Z")


def seeded_schema() -> dict[str, dict[str, Any]]:
    props = [schema_property("Name", "title"), schema_property("Email", "email"),
             schema_property("When", "date"), schema_property("Status", "select", STATUSES),
             schema_property("Booking", "rich_text")]
    return {p["name"]: p for p in props}


class NotionError(Exception):
    """A request Notion refuses, rendered as `{"object": "error", ...}`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def not_found(kind: str, object_id: str) -> NotionError:
    return NotionError(404, "object_not_found", f"Could not find {kind} with ID: {object_id}. "
                       "Make sure the relevant pages and databases are shared with your "
                       "integration.")


@dataclass
class Database:
    id: str
    account_id: str
    title: str
    source_ids: list[str]
    shared: bool = True
    in_trash: bool = False                 # the host deleted it (Notion's trash)
    created: str = field(default_factory=now)


@dataclass
class DataSource:
    id: str
    database_id: str
    name: str
    schema: dict[str, dict[str, Any]]      # by property name
    created: str = field(default_factory=now)


@dataclass
class Page:
    id: str
    source_id: str
    values: dict[str, Any]                 # by property id, in the answer's shape
    author: str                            # the bot (or person) who made it
    created: str = field(default_factory=now)
    edited: str = field(default_factory=now)
    in_trash: bool = False
    gone: bool = False                     # deleted for good, or moved out of Penny's sight
    still_listed: bool = False             # gone, yet the data source's query lists it


@dataclass
class Block:
    id: str
    parent_id: str                         # a page
    type: str
    content: dict[str, Any]                # what goes under the `type` key
    author: str
    created: str = field(default_factory=now)
    edited: str = field(default_factory=now)
    in_trash: bool = False


class NotionStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.databases: dict[str, Database] = {}
        self.sources: dict[str, DataSource] = {}
        self.pages: dict[str, Page] = {}
        self.blocks: dict[str, Block] = {}
        self.children: dict[str, list[str]] = {}   # page id -> its block ids, in order

    def workspace(self, account_id: str) -> list[Database]:
        """The account's databases, the seeded one first (made now if need be)."""
        with self.lock:
            seeded = str(uuid.uuid5(uuid.NAMESPACE_URL, f"notion-sandbox:{account_id}:db"))
            if seeded not in self.databases:
                source = str(uuid.uuid5(uuid.NAMESPACE_URL, f"notion-sandbox:{account_id}:ds"))
                self.databases[seeded] = Database(seeded, account_id, SEEDED_TITLE, [])
                self.add_source(seeded, SEEDED_TITLE, seeded_schema(), source)
            return [d for d in self.databases.values() if d.account_id == account_id]

    def add_source(self, database_id: str, name: str, schema: dict[str, dict[str, Any]],
                   source_id: str | None = None) -> DataSource:
        with self.lock:
            source = DataSource(source_id or str(uuid.uuid4()), database_id, name, schema)
            self.sources[source.id] = source
            self.databases[database_id].source_ids.append(source.id)
            return source

    # -- lookups as the integration of `account_id` sees them --------------------------

    def database(self, account_id: str, database_id: str) -> Database:
        found = self.databases.get(database_id)
        if found is None or found.account_id != account_id or not found.shared:
            raise not_found("database", database_id)
        return found

    def source(self, account_id: str, source_id: str) -> DataSource:
        found = self.sources.get(source_id)
        if found is None:
            raise not_found("data_source", source_id)
        try:
            self.database(account_id, found.database_id)
        except NotionError:
            raise not_found("data_source", source_id) from None
        return found

    def page(self, account_id: str, page_id: str) -> Page:
        found = self.pages.get(page_id)
        if found is None or found.gone:
            raise not_found("page", page_id)
        try:
            self.source(account_id, found.source_id)
        except NotionError:
            raise not_found("page", page_id) from None
        return found

    def block(self, account_id: str, block_id: str) -> Block | Page:
        """A block, or a page (a page is a block to the blocks endpoints)."""
        found = self.blocks.get(block_id)
        if found is None:
            return self.page(account_id, block_id)
        try:
            self.page(account_id, found.parent_id)
        except NotionError:
            raise not_found("block", block_id) from None
        return found

    def source_trashed(self, source_id: str) -> bool:
        """Is the data source's database in the trash (its sources and pages with it)?"""
        return self.databases[self.sources[source_id].database_id].in_trash

    def in_trashed_database(self, item: Block | Page) -> bool:
        """Is the page (or the block's page) in a database the host put in the trash?"""
        page = self.pages.get(item.parent_id) if isinstance(item, Block) else item
        return page is not None and self.source_trashed(page.source_id)

    def pages_in(self, source_id: str, as_queried: bool = False) -> list[Page]:
        """The data source's pages; `as_queried`: as its query lists them, a page gone
        for good included while Notion's index still holds it."""
        return [p for p in self.pages.values() if p.source_id == source_id
                and (not p.gone or (as_queried and p.still_listed))]

    def live_children(self, page_id: str) -> list[Block]:
        return [b for b in (self.blocks[i] for i in self.children.get(page_id, ()))
                if not b.in_trash]

    # -- changes -----------------------------------------------------------------------

    def create_page(self, source: DataSource, values: dict[str, Any], author: str) -> Page:
        page = Page(str(uuid.uuid4()), source.id, values, author)
        self.pages[page.id] = page
        self.children[page.id] = []
        return page

    def append(self, page: Page, blocks: list[tuple[str, dict[str, Any]]], author: str,
               after: str | None = None) -> list[Block]:
        """New blocks on `page`, at the end or right after the block `after`."""
        order = self.children.setdefault(page.id, [])
        if after is not None and after not in order:
            raise invalid(f"Block {after} is not a child of page {page.id}.")
        made = [Block(str(uuid.uuid4()), page.id, kind, content, author)
                for kind, content in blocks]
        at = order.index(after) + 1 if after is not None else len(order)
        order[at:at] = [b.id for b in made]
        for block in made:
            self.blocks[block.id] = block
        page.edited = now()
        return made
