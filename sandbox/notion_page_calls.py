"""The fake Notion API's pages: one made in a data source with its properties and
blocks, one read, and one updated (its properties, or moved to the trash and back)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox import notion_objects as objects
from sandbox.notion_block_calls import trash
from sandbox.notion_store import invalid, now
from sandbox.notion_values import value
from sandbox.notion_wire import ARCHIVED, Call, NotionWire, path_id


class PageCalls(NotionWire):
    def _create_page(self, request: Request) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            parent = call.body.get("parent")
            if not isinstance(parent, dict):
                raise invalid("body.parent should be defined, instead was `undefined`.")
            if "data_source_id" in parent:
                source = self.store.source(call.account_id,
                                           path_id(str(parent["data_source_id"]), "data_source_id"))
            elif "database_id" in parent:
                db = self.store.database(call.account_id, path_id(str(parent["database_id"])))
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
            page = self.store.page(call.account_id, path_id(object_id, "page_id"))
            if request.method == "PATCH":
                if self.store.in_trashed_database(page):
                    raise invalid(ARCHIVED)
                trash(page, call.body)
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
