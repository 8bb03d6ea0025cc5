"""The fake Google Docs' HTML: a doc as the host would read it in Google Docs (its title,
headings, paragraphs, bulleted and numbered lists), a folder as Drive lists it, and the
Docs part of the sandbox page. Every piece of text is escaped: a client's answer is
shown as the text it is, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from sandbox.google_docs_body import Body, numbered
from sandbox.google_docs_store import DOCUMENT, FOLDER, DriveFile

_STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:44rem;padding:0 1rem}
.banner{background:#fff3cd;border:1px solid #e0c36a;padding:.3rem .6rem;font-size:.85rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left;font-size:.9rem}code{font-size:.85rem;overflow-wrap:anywhere}"""
_TAGS = {"TITLE": "h1", "SUBTITLE": "p", **{f"HEADING_{n}": f"h{min(n + 1, 6)}"
                                              for n in range(1, 7)}}


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport"'
            f' content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><main>"
            f'<p class="banner">Google Docs sandbox: a local fake, not Google.</p>{body}'
            f"</main></body></html>")


def _body(body: Body) -> str:
    html: list[str] = []
    open_list = ""
    for paragraph in body.paragraphs:
        wanted = ""
        if paragraph.list_id is not None:
            wanted = "ol" if numbered(body.lists.get(paragraph.list_id, "")) else "ul"
        if open_list and wanted != open_list:
            html.append(f"</{open_list}>")
        if wanted and wanted != open_list:
            html.append(f"<{wanted}>")
        open_list = wanted
        text = escape(paragraph.text)
        if paragraph.table:
            html.append('<table class="cell"><tr><td>&nbsp;</td></tr></table>')
        elif wanted:
            html.append(f"<li>{text}</li>")
        elif paragraph.text:
            tag = _TAGS.get(paragraph.style, "p")
            html.append(f"<{tag}>{text}</{tag}>")
    if open_list:
        html.append(f"</{open_list}>")
    return "".join(html) or "<p>This document is empty.</p>"


def view(file: DriveFile, trashed: bool, inside: Sequence[DriveFile], base_url: str) -> str:
    """A doc as Google Docs shows it, or a folder as Drive lists it."""
    trash = " <strong>It is in the trash.</strong>" if trashed else ""
    if file.body is not None:
        return _page(file.name, f"<h1>{escape(file.name)}</h1>"
                     f"<p>A Google Doc in Drive.{trash}</p>{_body(file.body)}")
    rows = "".join(f'<li><a href="{escape(base_url)}/_sandbox/docs/{escape(f.id)}">'
                   f"{escape(f.name)}</a>{' (folder)' if f.mime_type == FOLDER else ''}</li>"
                   for f in inside)
    return _page(file.name, f"<h1>{escape(file.name)}</h1><p>A folder in Drive.{trash}</p>"
                 f"<ul>{rows or '<li>Nothing in it.</li>'}</ul>")


def missing(file_id: str) -> str:
    return _page("File not found", f"<h1>File not found</h1><p>No file <code>"
                 f"{escape(file_id)}</code> in the Google Drive sandbox.</p>")


def section(files: Sequence[DriveFile], trashed: Callable[[DriveFile], bool],
            base_url: str) -> str:
    """Every folder and doc in the sandbox's Drive, with who made it and where it is."""
    names = {f.id: f.name for f in files}
    rows = "".join(
        f'<tr><td><a href="{escape(base_url)}/_sandbox/docs/{escape(f.id)}">{escape(f.name)}'
        f"</a></td><td>{escape(_kind(f))}</td>"
        f"<td>{escape(', '.join(names.get(p, 'My Drive') for p in f.parents))}</td>"
        f"<td>{'Penny' if f.app else 'the person'}</td><td>{'yes' if trashed(f) else ''}</td>"
        f"</tr>" for f in files)
    return ("<h2>Google Drive</h2><table><tr><th>name</th><th>kind</th><th>in</th>"
            "<th>made by</th><th>in the trash</th></tr>"
            f"{rows or '<tr><td colspan=5>No folders or docs yet.</td></tr>'}</table>")


def _kind(file: DriveFile) -> str:
    return {FOLDER: "folder", DOCUMENT: "doc"}.get(file.mime_type, file.mime_type)
