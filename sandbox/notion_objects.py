"""The fake Notion's objects as API version 2025-09-03 renders them (database with its
`data_sources`, data source with its `properties` schema, page, block, list), and the
blocks it takes in requests: paragraphs, bulleted and numbered items and headings, each
of rich text, not nested (the sandbox keeps pages one level deep).

A page's `url` opens the sandbox's HTML view of it (where Notion's opens the page in
Notion), so a person following Penny's link sees what the host would.
"""

from __future__ import annotations

import uuid
from typing import Any

from sandbox.notion_store import Block, Database, DataSource, NotionError, Page, invalid
from sandbox.notion_values import Invalid, empty, render, rich_text

BLOCK_TYPES = frozenset({"paragraph", "bulleted_list_item", "numbered_list_item",
                         "heading_1", "heading_2", "heading_3"})
MAX_CHILDREN = 100


def user(user_id: str) -> dict[str, Any]:
    return {"object": "user", "id": user_id}


def _title(text: str) -> list[dict[str, Any]]:
    return rich_text([{"text": {"content": text}}], "title")


def database(db: Database, base_url: str, sources: list[DataSource]) -> dict[str, Any]:
    return {"object": "database", "id": db.id, "title": _title(db.title), "description": [],
            "parent": {"type": "workspace", "workspace": True}, "is_inline": False,
            "in_trash": db.in_trash, "is_locked": False, "created_time": db.created,
            "last_edited_time": db.created, "icon": None, "cover": None,
            "data_sources": [{"id": s.id, "name": s.name} for s in sources],
            "url": f"{base_url}/_sandbox", "public_url": None}


def data_source(source: DataSource, author: str, in_trash: bool = False) -> dict[str, Any]:
    return {"object": "data_source", "id": source.id, "title": _title(source.name),
            "description": [], "parent": {"type": "database_id",
                                          "database_id": source.database_id},
            "database_parent": {"type": "workspace", "workspace": True},
            "properties": source.schema, "is_inline": False, "archived": in_trash,
            "in_trash": in_trash, "created_time": source.created,
            "last_edited_time": source.created, "created_by": user(author),
            "last_edited_by": user(author), "icon": None, "cover": None, "url": None,
            "public_url": None}


def page_url(base_url: str, page_id: str) -> str:
    return f"{base_url}/_sandbox/pages/{page_id}"


def page(item: Page, source: DataSource, base_url: str) -> dict[str, Any]:
    properties = {name: render(prop, item.values.get(prop["id"], empty(prop["type"])))
                  for name, prop in source.schema.items()}
    return {"object": "page", "id": item.id, "created_time": item.created,
            "last_edited_time": item.edited, "created_by": user(item.author),
            "last_edited_by": user(item.author), "cover": None, "icon": None,
            "parent": {"type": "data_source_id", "data_source_id": source.id,
                       "database_id": source.database_id},
            "archived": item.in_trash, "in_trash": item.in_trash, "is_locked": False,
            "properties": properties, "url": page_url(base_url, item.id), "public_url": None}


def block(item: Block) -> dict[str, Any]:
    return {"object": "block", "id": item.id,
            "parent": {"type": "page_id", "page_id": item.parent_id},
            "created_time": item.created, "last_edited_time": item.edited,
            "created_by": user(item.author), "last_edited_by": user(item.author),
            "has_children": False, "archived": item.in_trash, "in_trash": item.in_trash,
            "type": item.type, item.type: item.content}


def listing(results: list[dict[str, Any]], next_cursor: str | None,
            kind: str) -> dict[str, Any]:
    return {"object": "list", "results": results, "next_cursor": next_cursor,
            "has_more": next_cursor is not None, "type": kind, kind: {}}


def paged(items: list[Any], ids: list[str], args: dict[str, Any]) -> tuple[list[Any], str | None]:
    """One page of `items` (whose ids are `ids`) after `start_cursor`, and the next cursor."""
    size = args.get("page_size", 100)
    cursor = args.get("start_cursor")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 100:
        raise invalid("page_size should be a number between 1 and 100.")
    if cursor is not None and cursor not in ids:
        raise invalid(f"start_cursor provided is invalid: {cursor}")
    start = ids.index(cursor) if cursor is not None else 0
    more = start + size < len(items)
    return items[start:start + size], ids[start + size] if more else None


def block_specs(children: Any, where: str = "body.children") -> list[tuple[str, dict[str, Any]]]:
    """A request's blocks as (type, content); NotionError 400 for what Notion refuses."""
    if not isinstance(children, list) or len(children) > MAX_CHILDREN:
        raise invalid(f"{where} should be an array of at most {MAX_CHILDREN} blocks.")
    return [block_content(child, f"{where}[{i}]") for i, child in enumerate(children)]


def block_content(spec: Any, where: str, kind: str | None = None) -> tuple[str, dict[str, Any]]:
    if not isinstance(spec, dict):
        raise invalid(f"{where} should be an object.")
    kind = kind or spec.get("type") or next((k for k in spec if k in BLOCK_TYPES), None)
    if kind not in BLOCK_TYPES or not isinstance(spec.get(kind), dict):
        raise invalid(f"{where} should be one of {sorted(BLOCK_TYPES)} (the sandbox's).")
    given = spec[kind]
    if "children" in given:
        raise invalid(f"{where}.{kind}.children: the sandbox does not nest blocks.")
    try:
        text = rich_text(given.get("rich_text"), f"{where}.{kind}.rich_text")
    except Invalid as exc:
        raise invalid(str(exc)) from exc
    content: dict[str, Any] = {"rich_text": text, "color": given.get("color", "default")}
    if kind.startswith("heading_"):
        content["is_toggleable"] = bool(given.get("is_toggleable", False))
    return kind, content


def error_body(error: NotionError) -> dict[str, Any]:
    return {"object": "error", "status": error.status, "code": error.code,
            "message": error.message, "request_id": str(uuid.uuid4())}
