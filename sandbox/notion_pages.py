"""The fake Notion's HTML: a page as the host would read it in Notion (its title, its
properties, its blocks), opened from the page's `url`, and the Notion part of the sandbox
page (databases, data sources, pages, and a form that adds a data source to a database).

Plain semantic HTML without script: one h1, labelled properties in a description list,
bullets as real lists, links with their text, so a screen reader and a browser test both
read it as a person would.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from sandbox.notion_store import NotionStore
from sandbox.notion_values import plain

_STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:44rem;padding:0 1rem}
.banner{background:#fff3cd;border:1px solid #e0c36a;padding:.3rem .6rem;font-size:.85rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#555}dd{margin:0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left;font-size:.9rem}code{font-size:.85rem;overflow-wrap:anywhere}"""
_LISTS = {"bulleted_list_item": "ul", "numbered_list_item": "ol"}


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport"'
            f' content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><main>"
            f'<p class="banner">Notion sandbox: a local fake, not Notion.</p>{body}'
            f"</main></body></html>")


def _text(items: list[dict[str, Any]]) -> str:
    parts = []
    for item in items:
        html, marks = escape(str(item.get("plain_text", ""))), item.get("annotations") or {}
        for mark, tag in (("code", "code"), ("italic", "em"), ("bold", "strong")):
            html = f"<{tag}>{html}</{tag}>" if marks.get(mark) else html
        href = item.get("href")
        parts.append(f'<a href="{escape(href)}">{html}</a>' if href else html)
    return "".join(parts)


def _moment(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if "T" in text else None


def _date(value: dict[str, Any]) -> str:
    start, end = _moment(value["start"]), value.get("end") and _moment(value["end"])
    if start is None:
        return escape(value["start"] + (f" to {value['end']}" if value.get("end") else ""))
    shown = f"{start:%A %-d %B %Y, %H:%M}"
    if end:
        shown += f" to {end:%H:%M}" if end.date() == start.date() else f" to {end:%-d %B %Y, %H:%M}"
    offset = start.strftime("%z")
    return escape(f"{shown} (UTC{offset[:3]}:{offset[3:]})")


def _value(prop: dict[str, Any]) -> str:
    kind = prop["type"]
    found = prop.get(kind)
    if not found:
        return "<em>Empty</em>"
    if kind in ("title", "rich_text"):
        return _text(found)
    if kind == "email":
        return f'<a href="mailto:{escape(found)}">{escape(found)}</a>'
    if kind == "url":
        return f'<a href="{escape(found)}">{escape(found)}</a>'
    if kind == "select":
        return escape(found["name"])
    return _date(found)


def _blocks(blocks: list[dict[str, Any]]) -> str:
    html, open_list = [], ""
    for block in blocks:
        kind = block["type"]
        wanted = _LISTS.get(kind, "")
        if open_list and wanted != open_list:
            html.append(f"</{open_list}>")
        if wanted and wanted != open_list:
            html.append(f"<{wanted}>")
        open_list = wanted
        text = _text(block[kind]["rich_text"])
        html.append(f"<li>{text}</li>" if wanted else
                    f"<h3>{text}</h3>" if kind.startswith("heading_") else f"<p>{text}</p>")
    if open_list:
        html.append(f"</{open_list}>")
    return "".join(html) or "<p>This page has no content.</p>"


def page_view(page: dict[str, Any], blocks: list[dict[str, Any]], source: str) -> str:
    props = page["properties"]
    title = next((plain(p["title"]) for p in props.values() if p["type"] == "title"), "")
    rows = "".join(f"<dt>{escape(name)}</dt><dd>{_value(p)}</dd>"
                   for name, p in props.items() if p["type"] != "title")
    trash = ' <strong>This page is in the trash.</strong>' if page["in_trash"] else ""
    return _page(title or "Untitled", f"""
<h1>{escape(title) or "Untitled"}</h1>
<p>A page in the data source {escape(source)}.{trash}</p>
<h2>Properties</h2><dl>{rows}</dl>
<h2>Content</h2>{_blocks(blocks)}""")


def missing(page_id: str) -> str:
    return _page("Page not found", f"<h1>Page not found</h1><p>No page <code>"
                 f"{escape(page_id)}</code> in the Notion sandbox.</p>")


def workspaces(store: NotionStore, base_url: str) -> str:
    """The databases of every account, with their data sources and pages (the caller
    holds the store's lock)."""
    parts = []
    for db in store.databases.values():
        sources = "".join(
            f"<li>{escape(store.sources[s].name)} <code>{escape(s)}</code>: "
            f"{len(store.pages_in(s))} pages</li>" for s in db.source_ids)
        pages = "".join(
            f'<li><a href="{base_url}/_sandbox/pages/{p.id}">'
            f'{escape(plain(p.values.get("title") or []) or "Untitled")}</a>'
            f'{" (in the trash)" if p.in_trash else ""}</li>'
            for s in db.source_ids for p in store.pages_in(s))
        parts.append(f"<h3>{escape(db.title)} <code>{escape(db.id)}</code>"
                     f"{'' if db.shared else ' (not shared with Penny)'}</h3>"
                     f"<p>Data sources:</p><ul>{sources}</ul>"
                     f"<p>Pages:</p><ul>{pages or '<li>None yet.</li>'}</ul>")
    options = "".join(f'<option value="{escape(db.id)}">{escape(db.title)}</option>'
                      for db in store.databases.values())
    return (f"<h2>Notion databases</h2>{''.join(parts)}"
            f'<h2>Add a data source</h2><form method="post" '
            f'action="{escape(base_url)}/_sandbox/data-sources">'
            f'<label>Database <select name="database">{options}</select></label> '
            f'<label>Name <input name="name" value="Second source"></label> '
            f'<button type="submit">Add a data source</button></form>'
            f"<p>Code written for Notion's older API breaks once a database has two.</p>")
