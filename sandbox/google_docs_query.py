"""What Drive's `files.list` query and a partial response's `fields` mean, for the subset
Penny uses.

`q`: terms joined by `and`, each one of

    mimeType = 'x'        mimeType != 'x'        name = 'x'        name contains 'x'
    trashed = true|false  'folder id' in parents
    appProperties has { key='k' and value='v' }

Strings are single-quoted with `\\'` and `\\\\` escapes. Anything else (`or`, `not`,
parentheses, other fields) is refused with 400 Invalid Value: a sandbox limit, so code
that needs more finds out here rather than against Google.

`fields`: `a,b(c,d),e/f` and `*`, the syntax of Google's partial responses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|\\.)*)'|(!=|=|\{|\}|[A-Za-z_][A-Za-z0-9_]*))")

Test = Callable[[dict[str, Any]], bool]


class BadQuery(Exception):
    """A `q` or `fields` the sandbox does not take (Google: 400 Invalid Value)."""


def _tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text): kind "s" for a string literal, "w" for a word or an operator."""
    found, at = [], 0
    while at < len(query.rstrip()):
        match = _TOKEN.match(query, at)
        if match is None:
            raise BadQuery(f"cannot read the query at {query[at:at + 20]!r}")
        if match.group(1) is not None:
            found.append(("s", re.sub(r"\\(.)", r"\1", match.group(1))))
        else:
            found.append(("w", match.group(2)))
        at = match.end()
    return found


def parse_query(query: str, root: str) -> list[Test]:
    """The query as tests on a File resource (every field), all of which must hold;
    `root` is the id the alias 'root' (My Drive) stands for."""
    tokens = _tokens(query)
    tests: list[Test] = []
    while tokens:
        tests.append(_term(tokens, root))
        if tokens:
            kind, word = tokens.pop(0)
            if kind != "w" or word.lower() != "and":
                raise BadQuery(f"the sandbox joins terms with `and` only, not {word!r}")
    return tests


def _take(tokens: list[tuple[str, str]], kind: str, *words: str) -> str:
    if not tokens:
        raise BadQuery("the query ends too soon")
    found_kind, text = tokens.pop(0)
    if found_kind != kind or (words and text not in words):
        raise BadQuery(f"unexpected {text!r} in the query")
    return text


def _term(tokens: list[tuple[str, str]], root: str) -> Test:
    kind, text = tokens.pop(0)
    if kind == "s":
        _take(tokens, "w", "in")
        _take(tokens, "w", "parents")
        parent = root if text == "root" else text
        return lambda f: parent in f["parents"]
    if text in ("mimeType", "name"):
        operator = _take(tokens, "w", "=", "!=", *(("contains",) if text == "name" else ()))
        value = _take(tokens, "s")
        if operator == "contains":
            return lambda f: value in f[text]
        return lambda f: (f[text] == value) == (operator == "=")
    if text == "trashed":
        operator = _take(tokens, "w", "=", "!=")
        flag = _take(tokens, "w", "true", "false") == "true"
        return lambda f: (f["trashed"] == flag) == (operator == "=")
    if text == "appProperties":
        _take(tokens, "w", "has")
        _take(tokens, "w", "{")
        _take(tokens, "w", "key")
        _take(tokens, "w", "=")
        key = _take(tokens, "s")
        _take(tokens, "w", "and")
        _take(tokens, "w", "value")
        _take(tokens, "w", "=")
        value = _take(tokens, "s")
        _take(tokens, "w", "}")
        return lambda f: (f.get("appProperties") or {}).get(key) == value
    raise BadQuery(f"the sandbox does not query by {text!r}")


def order(files: list[dict[str, Any]], order_by: str | None) -> list[dict[str, Any]]:
    """Sorted by `orderBy` (createdTime, modifiedTime, name, folder; each may say
    `desc`); without one, in creation order."""
    for key in reversed([k.strip() for k in (order_by or "").split(",") if k.strip()]):
        name, _, direction = key.partition(" ")
        if name not in ("createdTime", "modifiedTime", "name", "folder") or \
                direction not in ("", "desc"):
            raise BadQuery(f"the sandbox cannot order by {key!r}")
        files = sorted(files, reverse=direction == "desc", key=lambda f: (
            f["mimeType"] != "application/vnd.google-apps.folder" if name == "folder"
            else f[name]))
    return files


# -- partial responses -----------------------------------------------------------------

Selection = dict[str, "Selection | None"]


def parse_fields(fields: str) -> Selection:
    selection, rest = _selection(fields.replace(" ", ""))
    if rest:
        raise BadQuery(f"Invalid field selection {fields}")
    return selection


def _selection(text: str) -> tuple[Selection, str]:
    found: Selection = {}
    while True:
        match = re.match(r"[A-Za-z_*][A-Za-z0-9_*]*(?:/[A-Za-z_*][A-Za-z0-9_*]*)*", text)
        if match is None:
            raise BadQuery(f"Invalid field selection {text}")
        path, text = match.group().split("/"), text[match.end():]
        inner: Selection | None = None
        if text.startswith("("):
            inner, text = _selection(text[1:])
            if not text.startswith(")"):
                raise BadQuery("Invalid field selection: a parenthesis is not closed")
            text = text[1:]
        for name in reversed(path[1:]):
            inner = {name: inner}
        _merge(found, path[0], inner)
        if not text.startswith(","):
            return found, text
        text = text[1:]


def _merge(into: Selection, name: str, inner: Selection | None) -> None:
    if name in into and into[name] is not None and inner is not None:
        for key, value in inner.items():
            _merge(into[name], key, value)  # type: ignore[arg-type]
    else:
        into[name] = None if name in into and into[name] is None else inner


def select(value: Any, selection: Selection | None) -> Any:
    """`value` cut down to `selection` (None: all of it)."""
    if selection is None or "*" in selection:
        return value
    if isinstance(value, list):
        return [select(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    return {name: select(value[name], inner) for name, inner in selection.items()
            if name in value}
