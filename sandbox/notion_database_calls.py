"""The fake Notion API's databases and data sources: the search, a database and a data
source read (a data source's schema updated too), and a data source's query with its
filter and sorts."""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox import notion_objects as objects
from sandbox.notion_store import invalid
from sandbox.notion_values import matches, updated_schema
from sandbox.notion_wire import Call, NotionWire, path_id


class DatabaseCalls(NotionWire):
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
            db = self.store.database(call.account_id, path_id(object_id, "database_id"))
            return objects.database(db, self.base_url,
                                    [self.store.sources[s] for s in db.source_ids])
        return self._serve(request, "databases.retrieve", handle)

    def _data_source(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            source = self.store.source(call.account_id, path_id(object_id, "data_source_id"))
            if request.method == "PATCH":
                source.schema = updated_schema(source.schema, call.body.get("properties"))
            return objects.data_source(source, call.bot, self.store.source_trashed(source.id))
        name = "data_sources.update" if request.method == "PATCH" else "data_sources.retrieve"
        return self._serve(request, name, handle)

    def _query(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            source = self.store.source(call.account_id, path_id(object_id, "data_source_id"))
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
