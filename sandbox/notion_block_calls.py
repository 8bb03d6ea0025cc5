"""The fake Notion API's blocks: a page's children listed and appended to, a block
updated or deleted, and the trash flags a page or block takes."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox import notion_objects as objects
from sandbox.notion_store import Block, Page, invalid, now
from sandbox.notion_wire import ARCHIVED, Call, NotionWire, path_id


class BlockCalls(NotionWire):
    def _children(self, request: Request, object_id: str) -> Response:
        def handle(call: Call) -> dict[str, Any]:
            parent = self.store.block(call.account_id, path_id(object_id, "block_id"))
            if request.method == "PATCH":
                if isinstance(parent, Block):
                    raise invalid("the sandbox does not nest blocks: append to a page.")
                if parent.in_trash or self.store.in_trashed_database(parent):
                    raise invalid(ARCHIVED)
                specs = objects.block_specs(call.body.get("children"))
                after = call.body.get("after")
                made = self.store.append(parent, specs, call.bot,
                                         None if after is None else path_id(str(after), "after"))
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
            found = self.store.block(call.account_id, path_id(object_id, "block_id"))
            if self.store.in_trashed_database(found):
                raise invalid(ARCHIVED)
            if request.method == "DELETE":
                if found.in_trash:
                    raise invalid(ARCHIVED)
                trash(found, {"in_trash": True})
            else:
                if isinstance(found, Page):
                    raise invalid("update a page with PATCH /v1/pages/{page_id}.")
                trash(found, call.body)
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


def trash(item: Page | Block, body: dict[str, Any]) -> None:
    """Apply `in_trash`/`archived` from a PATCH; refuse other edits of a trashed item."""
    flags = [body[k] for k in ("in_trash", "archived") if k in body]
    if flags:
        item.in_trash = bool(flags[0])
    elif item.in_trash and any(k != "in_trash" for k in body):
        raise invalid(ARCHIVED)


def _size(raw: str) -> int | str:
    return int(raw) if raw.isdigit() else raw
