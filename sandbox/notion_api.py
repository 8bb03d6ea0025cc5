"""Fake Notion API, version 2025-09-03: what Penny's notes need of databases, data
sources, pages and blocks, under `/v1/`, beside the fake OAuth (sandbox/notion.py).

Every call names `Notion-Version: 2025-09-03` (400 otherwise: this fake speaks no older
shape), carries a bearer token of a live grant (401 `unauthorized` once the host revoked
it), and passes the ApiGate: counters per call, queued 429/5xx, a delay. The integration
of a grant sees the databases of the grant's account that are shared with it. Errors
are Notion's `{"object": "error", "status", "code", "message", "request_id"}`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import notion_objects as objects
from sandbox import notion_pages
from sandbox.api_gate import ApiGate, Fault
from sandbox.grants import AuthorizationServer
from sandbox.model import Refusal
from sandbox.notion_store import (
    Block,
    NotionError,
    NotionStore,
    Page,
    invalid,
    now,
    seeded_schema,
)
from sandbox.notion_values import Invalid, matches, updated_schema, value
from sandbox.wire import bearer_token, html_response, json_response

VERSION = "2025-09-03"
ARCHIVED = "Can't edit block that is archived. You must unarchive the block before editing."
_FAULTS = {401: ("unauthorized", "API token is invalid."),
           403: ("restricted_resource", "API token does not have access to this resource."),
           409: ("conflict_error", "Conflict occurred while saving. Please try again."),
           429: ("rate_limited", "You have been rate limited. Please try again in a few "
                 "minutes."),
           502: ("bad_gateway", "Notion encountered an issue while attempting to complete "
                 "this request. Please try again."),
           503: ("service_unavailable", "Notion is unavailable, try again later."),
           504: ("gateway_timeout", "Notion timed out while attempting to complete this "
                 "request. Please try again later.")}


@dataclass(frozen=True)
class Call:
    account_id: str
    bot: str                               # the integration's bot user: authors what it makes
    body: dict[str, Any]
    args: dict[str, Any]


def error_response(error: NotionError, headers: dict[str, str] | None = None) -> Response:
    return json_response(objects.error_body(error), error.status, headers)


def _fault(fault: Fault) -> Response:
    code, message = _FAULTS.get(fault.status, ("internal_server_error", "Unexpected error "
                                               "occurred."))
    if fault.status == 400:
        code, message = "validation_error", "body failed validation (injected by a test)."
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    return error_response(NotionError(fault.status, code, message), headers)


def _id(raw: str, name: str = "id") -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise invalid(f'path failed validation: path.{name} should be a valid uuid, instead '
                      f'was `"{raw}"`.') from None


class NotionApi:
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

    # -- the wire shared by every call -------------------------------------------------

    def _serve(self, request: Request, name: str,
               handle: Callable[[Call], dict[str, Any]]) -> Response:
        version = request.headers.get("Notion-Version")
        if version is None:
            return error_response(NotionError(400, "missing_version", "Notion-Version header "
                                              "failed validation: Notion-Version header should "
                                              "be defined, instead was `undefined`."))
        if version != VERSION:
            return error_response(invalid(f"Notion-Version header failed validation: the "
                                          f"sandbox speaks {VERSION} only, not `{version}`."))
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal:
            self.gate.enter(f"{name} (refused)")
            return error_response(NotionError(401, "unauthorized", "API token is invalid."))
        fault = self.gate.enter(name)
        if fault is not None:
            return _fault(fault)
        body: Any = {}
        if request.method in ("POST", "PATCH") and request.get_data():
            body = request.get_json(silent=True, force=True)
            if not isinstance(body, dict):
                return error_response(NotionError(400, "invalid_json",
                                                  "Error parsing JSON body."))
        self.store.workspace(grant.account.id)
        call = Call(grant.account.id, self.bot_id(grant.id), body, dict(request.args.items()))
        try:
            with self.store.lock:
                answer = handle(call)
        except Invalid as exc:
            return error_response(invalid(str(exc)))
        except NotionError as exc:
            return error_response(exc)
        return json_response({**answer, "request_id": str(uuid.uuid4())})

    def _page_answer(self, page: Page) -> dict[str, Any]:
        return objects.page(page, self.store.sources[page.source_id], self.base_url)

    # -- databases and data sources ----------------------------------------------------

    def _search(self, request: Request) -> Response:
        """What the integration can see: since 2025-09-03 a search finds pages and data
        sources (a filter on "database" is refused), each database's shared sources
        with their parent database; titles match `query` case-insensitively. One page of
        `page_size` (default 100) from `start_cursor` (an offset here)."""
        def handle(call: Call) -> dict[str, Any]:
            body = call.body
            wanted = (body.get("filter") or {}).get("value")
            if wanted not in (None, "page", "data_source"):
                raise invalid('body.filter.value should be `"page"` or `"data_source"`, '
                              f"instead was `{json.dumps(wanted)}`.")
            query = str(body.get("query") or "").casefold()
            found: list[dict[str, Any]] = []
            for db in self.store.workspace(call.account_id):
                if not db.shared:
                    continue
                for source_id in db.source_ids:
                    source = self.store.sources[source_id]
                    if wanted != "page" and query in source.name.casefold():
                        found.append(objects.data_source(source, call.bot, db.in_trash))
                    if wanted != "data_source":
                        found += [self._page_answer(p) for p in self.store.pages_in(source_id)
                                  if not p.in_trash]
            size = min(int(body.get("page_size") or 100), 100)
            start = int(body.get("start_cursor") or 0)
            more = start + size < len(found)
            return {"object": "list", "results": found[start:start + size],
                    "next_cursor": str(start + size) if more else None, "has_more": more,
                    "type": "page_or_data_source", "page_or_data_source": {}}
        return self._serve(request, "search", handle)

    def _database(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            db = self.store.database(call.account_id, _id(object_id, "database_id"))
            return objects.database(db, self.base_url,
                                    [self.store.sources[s] for s in db.source_ids])
        return self._serve(request, "databases.retrieve", handle)

    def _data_source(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            source = self.store.source(call.account_id, _id(object_id, "data_source_id"))
            if request.method == "PATCH":
                source.schema = updated_schema(source.schema, call.body.get("properties"))
            return objects.data_source(source, call.bot, self.store.source_trashed(source.id))
        name = "data_sources.update" if request.method == "PATCH" else "data_sources.retrieve"
        return self._serve(request, name, handle)

    def _query(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            source = self.store.source(call.account_id, _id(object_id, "data_source_id"))
            trashed = call.body.get("in_trash") is True or call.body.get("archived") is True
            found = [p for p in self.store.pages_in(source.id, as_queried=True)
                     if p.in_trash == trashed]
            condition = call.body.get("filter")
            if condition is not None:
                if not isinstance(condition, dict):
                    raise invalid("body.filter should be an object.")
                found = [p for p in found if matches(source.schema, p.values, condition)]
            for sort in reversed(call.body.get("sorts") or []):
                key = sort.get("timestamp") if isinstance(sort, dict) else None
                if key not in ("created_time", "last_edited_time"):
                    raise invalid("the sandbox sorts by created_time or last_edited_time only.")
                found.sort(key=attrgetter("created" if key == "created_time" else "edited"),
                           reverse=sort.get("direction") == "descending")
            items, cursor = objects.paged(found, [p.id for p in found], call.body)
            return objects.listing([self._page_answer(p) for p in items], cursor,
                                   "page_or_data_source")
        return self._serve(request, "data_sources.query", handle)

    # -- pages -------------------------------------------------------------------------

    def _create_page(self, request: Request) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            parent = call.body.get("parent")
            if not isinstance(parent, dict):
                raise invalid("body.parent should be defined, instead was `undefined`.")
            if "data_source_id" in parent:
                source = self.store.source(call.account_id,
                                           _id(str(parent["data_source_id"]), "data_source_id"))
            elif "database_id" in parent:
                db = self.store.database(call.account_id, _id(str(parent["database_id"])))
                if len(db.source_ids) != 1:
                    raise invalid(f"Database {db.id} has {len(db.source_ids)} data sources: "
                                  "create the page under a data_source_id parent.")
                source = self.store.sources[db.source_ids[0]]
            else:
                raise invalid("the sandbox makes pages in data sources only.")
            if self.store.source_trashed(source.id):
                raise invalid(ARCHIVED)  # a database the host put in the trash
            specs = objects.block_specs(call.body.get("children", []))
            values = self._values(source.schema, call.body.get("properties", {}), {})
            page = self.store.create_page(source, values, call.bot)
            self.store.append(page, specs, call.bot)
            return self._page_answer(page)
        return self._serve(request, "pages.create", handle)

    def _page(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            page = self.store.page(call.account_id, _id(object_id, "page_id"))
            if request.method == "PATCH":
                if self.store.in_trashed_database(page):
                    raise invalid(ARCHIVED)
                _trash(page, call.body)
                if "properties" in call.body:
                    source = self.store.sources[page.source_id]
                    page.values = self._values(source.schema, call.body["properties"],
                                               page.values)
                page.edited = now()
            return self._page_answer(page)
        return self._serve(request, "pages.update" if request.method == "PATCH"
                           else "pages.retrieve", handle)

    def _values(self, schema: dict[str, dict[str, Any]], given: Any,
                kept: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(given, dict):
            raise invalid("body.properties should be an object.")
        values = dict(kept)
        for key, raw in given.items():
            prop = schema.get(key) or next((p for p in schema.values() if p["id"] == key), None)
            if prop is None:
                raise invalid(f"{key} is not a property that exists.")
            values[prop["id"]] = value(prop, raw)
        return values

    # -- blocks ------------------------------------------------------------------------

    def _children(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            parent = self.store.block(call.account_id, _id(object_id, "block_id"))
            if request.method == "PATCH":
                if isinstance(parent, Block):
                    raise invalid("the sandbox does not nest blocks: append to a page.")
                if parent.in_trash or self.store.in_trashed_database(parent):
                    raise invalid(ARCHIVED)
                specs = objects.block_specs(call.body.get("children"))
                after = call.body.get("after")
                made = self.store.append(parent, specs, call.bot,
                                         None if after is None else _id(str(after), "after"))
                return objects.listing([objects.block(b) for b in made], None, "block")
            children = [] if isinstance(parent, Block) else self.store.live_children(parent.id)
            args = {**call.args, **({"page_size": _size(call.args["page_size"])}
                                    if "page_size" in call.args else {})}
            items, cursor = objects.paged(children, [b.id for b in children], args)
            return objects.listing([objects.block(b) for b in items], cursor, "block")
        return self._serve(request, "blocks.children.append" if request.method == "PATCH"
                           else "blocks.children.list", handle)

    def _block(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            found = self.store.block(call.account_id, _id(object_id, "block_id"))
            if self.store.in_trashed_database(found):
                raise invalid(ARCHIVED)
            if request.method == "DELETE":
                if found.in_trash:
                    raise invalid(ARCHIVED)
                _trash(found, {"in_trash": True})
            else:
                if isinstance(found, Page):
                    raise invalid("update a page with PATCH /v1/pages/{page_id}.")
                _trash(found, call.body)
                kinds = [k for k in call.body if k in objects.BLOCK_TYPES]
                if kinds:
                    if kinds != [found.type]:
                        raise invalid(f"Block type {found.type} cannot be changed to {kinds}.")
                    found.content = objects.block_content(call.body, "body", found.type)[1]
            found.edited = now()
            return self._page_answer(found) if isinstance(found, Page) else \
                objects.block(found)
        return self._serve(request, "blocks.delete" if request.method == "DELETE"
                           else "blocks.update", handle)

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


def _trash(item: Page | Block, body: dict[str, Any]) -> None:
    """Apply `in_trash`/`archived` from a PATCH; refuse other edits of a trashed item."""
    flags = [body[k] for k in ("in_trash", "archived") if k in body]
    if flags:
        item.in_trash = bool(flags[0])
    elif item.in_trash and any(k != "in_trash" for k in body):
        raise invalid(ARCHIVED)


def _size(raw: str) -> int | str:
    return int(raw) if raw.isdigit() else raw
