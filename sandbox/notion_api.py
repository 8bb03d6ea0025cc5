"""Fake Notion API, version 2025-09-03: what Penny's notes need of databases, data
sources, pages and blocks, under `/v1/`, beside the fake OAuth (sandbox/notion.py).

Every call names `Notion-Version: 2025-09-03` (400 otherwise: this fake speaks no older
shape), carries a bearer token of a live grant (401 `unauthorized` once the host revoked
it), and passes the ApiGate: counters per call, queued 429/5xx, a delay. The integration
of a grant sees the databases of the grant's account that are shared with it. Errors
are Notion's `{"object": "error", "status", "code", "message", "request_id"}`.

The calls are grouped by what they touch: databases and data sources
(notion_database_calls.py), pages (notion_page_calls.py) and blocks
(notion_block_calls.py), each served through the wire they share (notion_wire.py).
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import notion_objects as objects
from sandbox import notion_pages
from sandbox.api_gate import ApiGate
from sandbox.grants import AuthorizationServer
from sandbox.notion_block_calls import BlockCalls
from sandbox.notion_database_calls import DatabaseCalls
from sandbox.notion_page_calls import PageCalls
from sandbox.notion_store import NotionStore, seeded_schema
from sandbox.wire import html_response


class NotionApi(DatabaseCalls, PageCalls, BlockCalls):
    def __init__(self, server: AuthorizationServer, gate: ApiGate, store: NotionStore,
                 base_url: str, bot_id: Callable[[str], str]) -> None:
        self.server, self.gate, self.store = server, gate, store
        self.base_url, self.bot_id = base_url, bot_id

    def rules(self) -> list[Rule]:
        return [
            Rule("/v1/search", endpoint=self._search, methods=["POST"]),
            Rule("/v1/databases/<object_id>", endpoint=self._database, methods=["GET"]),
            Rule("/v1/data_sources/<object_id>", endpoint=self._data_source,
                 methods=["GET", "PATCH"]),
            Rule("/v1/data_sources/<object_id>/query", endpoint=self._query,
                 methods=["POST"]),
            Rule("/v1/pages", endpoint=self._create_page, methods=["POST"]),
            Rule("/v1/pages/<object_id>", endpoint=self._page, methods=["GET", "PATCH"]),
            Rule("/v1/blocks/<object_id>/children", endpoint=self._children,
                 methods=["GET", "PATCH"]),
            Rule("/v1/blocks/<object_id>", endpoint=self._block, methods=["PATCH", "DELETE"]),
            Rule("/_sandbox/pages/<object_id>", endpoint=self._page_view, methods=["GET"]),
            Rule("/_sandbox/data-sources", endpoint=self._add_source_form, methods=["POST"]),
        ]

    # -- the sandbox's own pages ---------------------------------------------------------

    def _page_view(self, request: Request, object_id: str) -> Response:
        with self.store.lock:
            page = self.store.pages.get(object_id)
            if page is None or page.gone:
                return html_response(notion_pages.missing(object_id), 404)
            source = self.store.sources[page.source_id]
            return html_response(notion_pages.page_view(
                self._page_answer(page),
                [objects.block(b) for b in self.store.live_children(page.id)], source.name))

    def _add_source_form(self, request: Request) -> Response:
        database_id = request.form.get("database", "")
        if database_id in self.store.databases:
            self.store.add_source(database_id, request.form.get("name") or "Second source",
                                  seeded_schema())
        return Response(status=303, headers={"Location": f"{self.base_url}/_sandbox"})

    def section(self) -> str:
        """The Notion part of the sandbox page: each workspace's databases, their data
        sources and pages, and the form that adds a data source."""
        with self.store.lock:
            for account_id in self.server.accounts:
                self.store.workspace(account_id)
            return notion_pages.workspaces(self.store, self.base_url)
