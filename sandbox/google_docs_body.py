"""A Google Doc's body as the fake Docs v1 keeps it, and the edits `documents.batchUpdate`
makes to it, with Google's indices: UTF-16 code units, the section break at 0, the first
paragraph at 1, and a newline closing every paragraph, the last one included (no edit
may remove that one).

A paragraph's style and bullet live on its closing newline, as in Google's model: text
inserted with newlines makes paragraphs that copy the style and bullet of the paragraph
it went into; a deletion across paragraphs leaves the merged paragraph with the style of
the one whose newline survived (the last). Paragraphs, and tables a host put in: each a
1 x 1 table of one empty cell, kept whole (TABLE_UNITS indices, a paragraph always
before and after it) and never edited inside; Google's rules about them hold (no text
inserted at a table's start, no deletion of part of a table or of the newline right
before one without the table). No images, headers or tabs, and no text styles (every
run is plain).

Named ranges (docs.v1.json NamedRange) move with the edits before them; text inserted
strictly inside one widens it (Google: "content inserted inside a named range generally
expands that range"), text inserted at its start or end stays outside; a deletion cuts
it, and one whose text is all deleted is gone. The sandbox never splits a range in two.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

NAMED_STYLES = frozenset({"NORMAL_TEXT", "TITLE", "SUBTITLE",
                          *(f"HEADING_{level}" for level in range(1, 7))})
NUMBERED = "NUMBERED_"
# Google strips these from inserted text: C0 controls but tab and newline, and the
# Basic Multilingual Plane's private use area.
_STRIPPED = re.compile("[\x00-\x08\x0b-\x1f\ue000-\uf8ff]")
_GLYPHS = {"BULLET_DISC_CIRCLE_SQUARE": "●○■", "BULLET_ARROW_DIAMOND_DISC": "➔◆●",
           "BULLET_STAR_CIRCLE_SQUARE": "★○■", "BULLET_DIAMOND_CIRCLE_SQUARE": "◆○■",
           "BULLET_CHECKBOX": "☐☐☐"}


# A table's indices: its start, its row's, its cell's, and the cell's empty paragraph. Kept
# in the flat text as private-use characters, which Google strips from inserted text.
TABLE_UNITS = 4
_TABLE_TEXT = "\ue000" * (TABLE_UNITS - 1)


class Invalid(Exception):
    """An edit Google refuses (400 INVALID_ARGUMENT), in Google's words."""


@dataclass(frozen=True)
class Paragraph:
    text: str                           # without its closing newline
    style: str = "NORMAL_TEXT"          # the paragraph's namedStyleType
    list_id: str | None = None          # its bullet's list; None: no bullet
    nesting: int = 0
    table: bool = False                 # a table (its text a placeholder), not a paragraph


def table() -> Paragraph:
    """A 1 x 1 table with an empty cell, as the body keeps it."""
    return Paragraph(_TABLE_TEXT, table=True)


def units(text: str) -> int:
    """The length of `text` in UTF-16 code units, Google's index unit."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class NamedRange:
    id: str
    name: str
    start: int
    end: int


MAX_NAME = 256                         # a named range's name, in UTF-16 units


@dataclass
class Body:
    paragraphs: list[Paragraph] = field(default_factory=lambda: [Paragraph("")])
    lists: dict[str, str] = field(default_factory=dict)   # list id -> its bullet preset
    named: list[NamedRange] = field(default_factory=list)  # in the order made

    def end(self) -> int:
        """The body's end index: one past the last paragraph's newline."""
        return 1 + sum(units(p.text) + 1 for p in self.paragraphs)

    def spans(self) -> list[tuple[int, int, Paragraph]]:
        found, at = [], 1
        for paragraph in self.paragraphs:
            end = at + units(paragraph.text) + 1
            found.append((at, end, paragraph))
            at = end
        return found

    def copy(self) -> Body:
        return Body(list(self.paragraphs), dict(self.lists), [replace(r) for r in self.named])

    # -- the edits ---------------------------------------------------------------------

    def insert_text(self, index: int, text: str) -> None:
        end = self.end()
        if index < 1:
            raise Invalid("The insertion index must be inside the bounds of an existing "
                          "paragraph. You can still create new paragraphs by inserting "
                          "newlines.")
        if index >= end:
            raise Invalid(f"Index {index} must be less than the end index of the referenced "
                          f"segment, {end}.")
        if any(a <= index < b for a, b, p in self.spans() if p.table):
            raise Invalid("The insertion index must be inside the bounds of an existing "
                          "paragraph: text cannot be inserted at a table's start index (the "
                          "sandbox does not edit inside tables).")
        flat, marks = self._flat()
        at = _offset(flat, index - 1, inside_pair_ok=True)
        text = _STRIPPED.sub("", text)
        # The paragraph the text goes into is the one whose newline comes next.
        into = flat.count("\n", 0, at)
        made = text.count("\n")
        self._unflat(flat[:at] + text + flat[at:],
                     marks[:into] + [marks[into]] * made + marks[into:])
        self._ranges_after_insert(1 + units(flat[:at]), units(text))

    def delete_range(self, start: int, end: int) -> None:
        last = self.end() - 1
        if start < 1:
            raise Invalid("The range cannot include the section break at index 0.")
        if end <= start:
            raise Invalid("The range should not be empty.")
        if end > last:
            raise Invalid("The range cannot include the newline character at the end of "
                          "the segment.")
        for a, b, paragraph in self.spans():
            if not paragraph.table or (start <= a and b <= end):
                continue  # not a table, or the whole table goes
            if start < b and a < end:
                raise Invalid("Invalid deletion range. Cannot delete the start or end of a "
                              "table without deleting the entire table.")
            if start < a <= end:
                raise Invalid("Invalid deletion range. Cannot delete the newline character "
                              "before a table without deleting the table.")
        flat, marks = self._flat()
        a, b = _offset(flat, start - 1), _offset(flat, end - 1)
        first, gone = flat.count("\n", 0, a), flat.count("\n", a, b)
        self._unflat(flat[:a] + flat[b:], marks[:first] + marks[first + gone:])
        self._ranges_after_delete(start, end)

    # -- named ranges --------------------------------------------------------------------

    def create_named_range(self, name: str, start: int, end: int) -> str:
        if not 1 <= units(name) <= MAX_NAME:
            raise Invalid(f"Names must be at least 1 character and no more than {MAX_NAME} "
                          "characters, measured in UTF-16 code units.")
        body_end = self.end()
        if start < 1:
            raise Invalid("The range cannot include the section break at index 0.")
        if end <= start:
            raise Invalid("The range should not be empty.")
        if end > body_end:
            raise Invalid(f"Index {end - 1} must be less than the end index of the referenced "
                          f"segment, {body_end}.")
        made = NamedRange(f"kix.{secrets.token_hex(6)}", name, start, end)
        self.named.append(made)
        return made.id

    def delete_named_range(self, range_id: str | None, name: str | None) -> None:
        if range_id:
            if not any(r.id == range_id for r in self.named):
                raise Invalid(f"The named range with ID {range_id} does not exist.")
            self.named = [r for r in self.named if r.id != range_id]
        elif name:
            self.named = [r for r in self.named if r.name != name]
        else:
            raise Invalid("Either the named range ID or the name must be set.")

    def _ranges_after_insert(self, index: int, length: int) -> None:
        for r in self.named:
            if index <= r.start:
                r.start, r.end = r.start + length, r.end + length
            elif index < r.end:
                r.end += length

    def _ranges_after_delete(self, start: int, end: int) -> None:
        def moved(at: int) -> int:
            return at if at <= start else start if at <= end else at - (end - start)
        for r in self.named:
            r.start, r.end = moved(r.start), moved(r.end)
        self.named = [r for r in self.named if r.start < r.end]

    def create_bullets(self, start: int, end: int, preset: str) -> None:
        """Bullets on every paragraph the range overlaps, in a new list; leading tabs
        become the nesting level (and leave the text)."""
        list_id = f"kix.{secrets.token_hex(6)}"
        self.lists[list_id] = preset
        self._each(start, end, lambda p: replace(
            p, text=p.text.lstrip("\t"), list_id=list_id,
            nesting=min(len(p.text) - len(p.text.lstrip("\t")), 8)))

    def delete_bullets(self, start: int, end: int) -> None:
        self._each(start, end, lambda p: replace(p, list_id=None, nesting=0))

    def set_style(self, start: int, end: int, named: str) -> None:
        self._each(start, end, lambda p: replace(p, style=named))

    def _each(self, start: int, end: int, change: Any) -> None:
        body_end = self.end()
        if start < 1 or end <= start:
            raise Invalid(f"The range [{start}, {end}) is empty or starts before index 1.")
        if end > body_end:
            raise Invalid(f"Index {end - 1} must be less than the end index of the "
                          f"referenced segment, {body_end}.")
        self.paragraphs = [change(p) if a < end and start < b and not p.table else p
                           for a, b, p in self.spans()]

    def _flat(self) -> tuple[str, list[Paragraph]]:
        return "".join(p.text + "\n" for p in self.paragraphs), list(self.paragraphs)

    def _unflat(self, flat: str, marks: list[Paragraph]) -> None:
        texts = flat.split("\n")[:-1]
        self.paragraphs = [replace(mark, text=text) for text, mark in zip(texts, marks,
                                                                          strict=True)]

    # -- as documents.get answers it ---------------------------------------------------

    def content(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = [{"endIndex": 1, "sectionBreak": {"sectionStyle": {
            "columnSeparatorStyle": "NONE", "contentDirection": "LEFT_TO_RIGHT",
            "sectionType": "CONTINUOUS"}}}]
        for start, end, p in self.spans():
            if p.table:
                found.append(_table(start, end))
                continue
            style: dict[str, Any] = {"namedStyleType": p.style, "direction": "LEFT_TO_RIGHT"}
            if p.style.startswith("HEADING_") or p.style in ("TITLE", "SUBTITLE"):
                digest = hashlib.sha1(f"{start}:{p.text}".encode()).hexdigest()[:12]
                style["headingId"] = f"h.{digest}"
            paragraph: dict[str, Any] = {
                "elements": [{"startIndex": start, "endIndex": end,
                              "textRun": {"content": p.text + "\n", "textStyle": {}}}],
                "paragraphStyle": style}
            if p.list_id is not None:
                paragraph["bullet"] = {"listId": p.list_id, "textStyle": {"underline": False},
                                       **({"nestingLevel": p.nesting} if p.nesting else {})}
            found.append({"startIndex": start, "endIndex": end, "paragraph": paragraph})
        return found

    def named_json(self) -> dict[str, Any]:
        """documents.get's `namedRanges`: by name, each range with its one span."""
        found: dict[str, Any] = {}
        for r in self.named:
            found.setdefault(r.name, {"name": r.name, "namedRanges": []})["namedRanges"].append(
                {"namedRangeId": r.id, "name": r.name,
                 "ranges": [{"startIndex": r.start, "endIndex": r.end}]})
        return found

    def lists_json(self) -> dict[str, Any]:
        used = {p.list_id for p in self.paragraphs}
        return {list_id: {"listProperties": {"nestingLevels": [
                    _level(preset, level) for level in range(9)]}}
                for list_id, preset in self.lists.items() if list_id in used}


def _table(start: int, end: int) -> dict[str, Any]:
    cell = {"startIndex": start + 2, "endIndex": end, "content": [
        {"startIndex": end - 1, "endIndex": end, "paragraph": {
            "elements": [{"startIndex": end - 1, "endIndex": end,
                          "textRun": {"content": "\n", "textStyle": {}}}],
            "paragraphStyle": {"namedStyleType": "NORMAL_TEXT",
                               "direction": "LEFT_TO_RIGHT"}}}],
        "tableCellStyle": {"rowSpan": 1, "columnSpan": 1}}
    return {"startIndex": start, "endIndex": end, "table": {
        "rows": 1, "columns": 1, "tableRows": [
            {"startIndex": start + 1, "endIndex": end, "tableCells": [cell],
             "tableRowStyle": {"minRowHeight": {"unit": "PT"}}}],
        "tableStyle": {"tableColumnProperties": [{"widthType": "EVENLY_DISTRIBUTED"}]}}}


def numbered(preset: str) -> bool:
    return preset.startswith(NUMBERED)


def _level(preset: str, level: int) -> dict[str, Any]:
    indent = {"indentFirstLine": {"magnitude": 18 + 36 * level, "unit": "PT"},
              "indentStart": {"magnitude": 36 + 36 * level, "unit": "PT"},
              "bulletAlignment": "START", "textStyle": {"underline": False},
              "startNumber": 1}
    if numbered(preset):
        return {**indent, "glyphType": "DECIMAL", "glyphFormat": f"%{level}."}
    glyphs = _GLYPHS.get(preset, _GLYPHS["BULLET_DISC_CIRCLE_SQUARE"])
    return {**indent, "glyphSymbol": glyphs[level % 3], "glyphFormat": f"%{level}"}


def _offset(flat: str, target: int, inside_pair_ok: bool = False) -> int:
    """The position in `flat` of UTF-16 offset `target`. Google moves an insertion that
    would split a character after it; a range that splits one is refused."""
    seen = 0
    for position, char in enumerate(flat):
        if seen >= target:
            return position
        seen += 2 if ord(char) > 0xFFFF else 1
        if seen > target:
            if inside_pair_ok:
                return position + 1
            raise Invalid(f"Index {target + 1} is inside a surrogate pair.")
    return len(flat)
