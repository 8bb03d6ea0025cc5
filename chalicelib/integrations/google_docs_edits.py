"""Penny's lines in a notes doc, found and brought to the notes: the requests of one
Docs v1 batchUpdate (google_docs_doc_writer.py sends them). Pure functions over the JSON
documents.get answers.

Penny's lines. Each paragraph Penny writes (the heading, the status line, each bullet)
carries a named range of its own over its text (its newline left out), made in the
batchUpdate that writes it and named after that text (`penny.line.<digest>`). Google
moves a range with the edits before it and widens it over text typed inside it (the
host pressing Enter in the middle of one of Penny's lines, then typing), so a range only
says where to look: Penny's paragraph is the one in it that reads as its name says or, if the host
edited Penny's text, the first. Every other paragraph is the host's and is never
touched: above Penny's lines, among them or below.

A rewrite deletes Penny's ranges, writes the notes' lines on Penny's paragraphs in
order, in place, deletes those left over or adds lines after the last, and makes each
line's range anew, all in one batchUpdate: Google applies all of it or none, so a retry
finds the old lines with their ranges or the new ones with theirs, never a line twice.
It asks nothing when Penny's lines read as the notes and are named so.

Docs written before Penny named its lines (no MARKS_KEY on the file, no range of
Penny's in the doc): Penny's lines are the top, the first two paragraphs and the
bullets after them, as many as BULLETS_KEY says (WRITING_KEY: a rewrite of those days
that was under way); the first rewrite names them.

Indices are Google's, in UTF-16 code units, and each request is read against the doc as
the requests before it left it: the edits go from the bottom up, so the indices read
still hold for what is above.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.providers.notes import BookingNotes
from chalicelib.integrations.google_docs_wire import BULLETS, NORMAL, Line, lines, units

RANGE_PREFIX = "penny.line."
MARKS_KEY = "pennyMarks"       # appProperty: Penny's lines carry named ranges (MARKS)
MARKS = "namedRanges"
BULLETS_KEY = "pennyBullets"   # appProperty of older docs: how many bullets Penny wrote
WRITING_KEY = "pennyWriting"   # ... and a rewrite to another count under way, "<n>:<digest>"
LEGACY_KEYS = {BULLETS_KEY: None, WRITING_KEY: None}
_OBJECT = "\ufffc"             # a chip, an image: never reads as a line


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    text: str
    style: str
    bullet: bool
    closed: bool               # a paragraph follows it: its newline may go


@dataclass(frozen=True)
class Found:
    ours: tuple[Paragraph, ...]       # Penny's paragraphs, top to bottom
    range_ids: tuple[str, ...]        # every range of Penny's in the doc
    named: bool                       # each of ours has one range, named after its text


def range_name(text: str) -> str:
    return RANGE_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:16]


def marked(app_properties: Mapping[str, str]) -> bool:
    return app_properties.get(MARKS_KEY) == MARKS


def plan(document: Mapping[str, Any], notes: BookingNotes,
         app_properties: Mapping[str, str]) -> list[dict[str, Any]]:
    """The requests that make Penny's lines of the doc read as `notes`; none when they do."""
    wanted, found = lines(notes), find(document, app_properties)
    if found.named and [(p.text, p.style, p.bullet) for p in found.ours] == \
            [(line.text, line.style, line.bullet) for line in wanted]:
        return []
    requests = [{"deleteNamedRange": {"namedRangeId": i}} for i in found.range_ids]
    return requests + _rewrite(paragraphs(document), list(found.ours), wanted)


def find(document: Mapping[str, Any], app_properties: Mapping[str, str]) -> Found:
    """Penny's paragraphs: by their ranges, or in a doc of before them by the count kept."""
    found = paragraphs(document)
    ranges = [(str(one.get("namedRangeId")), name,
               [r for r in one.get("ranges") or [] if not r.get("segmentId")])
              for name, group in (document.get("namedRanges") or {}).items()
              if name.startswith(RANGE_PREFIX) for one in group.get("namedRanges") or []]
    if not ranges and not marked(app_properties):
        written = bullets_written(document, app_properties.get(BULLETS_KEY),
                                  app_properties.get(WRITING_KEY))
        return Found(tuple(_top(found, written)), (), False)
    claimed: dict[int, int] = {}          # paragraph -> how many of Penny's ranges name it
    for _, name, spans in ranges:
        # Only a paragraph reading as the range's name: one the host edited is theirs now
        # (kept as they left it; Penny's line is written again), never written over.
        own = [i for i, p in enumerate(found) if range_name(p.text) == name and any(
            p.start < int(s.get("endIndex", 0)) and int(s.get("startIndex", 0)) < p.end
            for s in spans)]
        first = next((i for i in own if i not in claimed), own[0] if own else None)
        if first is not None:
            claimed[first] = claimed.get(first, 0) + 1
    return Found(tuple(found[i] for i in sorted(claimed)), tuple(r[0] for r in ranges),
                 all(count == 1 for count in claimed.values()))


def paragraphs(document: Mapping[str, Any]) -> list[Paragraph]:
    """The body's paragraphs (a table's are its own, and not among them)."""
    content = [e for e in (document.get("body") or {}).get("content") or []
               if "sectionBreak" not in e]
    found: list[Paragraph] = []
    for at, element in enumerate(content):
        paragraph = element.get("paragraph")
        if paragraph is None:
            continue
        runs = [e.get("textRun") for e in paragraph.get("elements") or []]
        text = _OBJECT if None in runs else \
            "".join(str(r.get("content", "")) for r in runs).removesuffix("\n")
        found.append(Paragraph(
            int(element.get("startIndex", 0)), int(element["endIndex"]), text,
            str((paragraph.get("paragraphStyle") or {}).get("namedStyleType") or NORMAL),
            "bullet" in paragraph,
            at + 1 < len(content) and "paragraph" in content[at + 1]))
    return found


# -- the rewrite -----------------------------------------------------------------------


def _rewrite(body: Sequence[Paragraph], ours: list[Paragraph],
             wanted: Sequence[Line]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    m, n = len(ours), len(wanted)
    now = [(p.style, p.bullet) for p in ours]      # as the edits below left them
    closed = [p.closed for p in ours]
    # Penny's lines left over, from the bottom. A newline Google will not delete (the
    # body's last, the one before a table) stays: the line above takes it, if Penny's.
    for j in range(m - 1, n - 1, -1):
        p = ours[j]
        if j + 1 < m and ours[j + 1].start == p.end:
            closed[j] = closed[j + 1]
        if closed[j]:
            out.append(_delete(p.start, p.end))
        elif ours[j - 1].end == p.start:
            out.append(_delete(ours[j - 1].end - 1, p.end - 1))
            now[j - 1], closed[j - 1] = now[j], False
        else:
            # After a line of the host's: an empty paragraph of theirs stays.
            if p.end - 1 > p.start:
                out.append(_delete(p.start, p.end - 1))
            out += _restyle(p.start, p.start + 1, now[j], Line("", NORMAL, False))
    if n > m:
        out += _add(body, ours[-1] if ours else None, now[-1] if ours else None, wanted[m:])
    for i in reversed(range(min(m, n))):
        p, line = ours[i], wanted[i]
        if p.text != line.text:
            if p.end - 1 > p.start:
                out.append(_delete(p.start, p.end - 1))
            if line.text:
                out.append({"insertText": {"location": {"index": p.start}, "text": line.text}})
        end = p.start + units(line.text) + 1
        out += _restyle(p.start, end, now[i], line)
        out.append(_name(line.text, p.start))
    return out


def _add(body: Sequence[Paragraph], last: Paragraph | None, now: tuple[str, bool] | None,
         new: Sequence[Line]) -> list[dict[str, Any]]:
    """New lines after Penny's last (they take its style and bullet, as Google gives a
    new paragraph), or at the top when the host deleted every line of Penny's."""
    texts = [line.text for line in new]
    if last is not None:
        at, start, text = last.end - 1, last.end, "\n" + "\n".join(texts)
    else:
        first = body[0]
        at = start = first.start
        # An empty doc's one paragraph takes the last line; else they go above the first.
        empty = len(body) == 1 and first.text == "" and not first.closed
        text = "\n".join(texts) + ("" if empty else "\n")
        now = (first.style, first.bullet)
    assert now is not None
    out: list[dict[str, Any]] = [{"insertText": {"location": {"index": at}, "text": text}}]
    spans = []
    for line in new:
        spans.append((start, start + units(line.text) + 1, line))
        start = spans[-1][1]
    bulleted = [(s, e) for s, e, line in spans if line.bullet and not now[1]]
    for s, e, line in spans:
        out += _restyle(s, e, now, Line(line.text, line.style, now[1] and line.bullet))
    if bulleted:
        # One list for the new bullets, not one each.
        out.append({"createParagraphBullets": {"range": _range(bulleted[0][0], bulleted[-1][1]),
                                               "bulletPreset": BULLETS}})
    return out + [_name(line.text, s) for s, _, line in spans]


def _restyle(start: int, end: int, now: tuple[str, bool], line: Line) -> list[dict[str, Any]]:
    style, bullet = now
    out: list[dict[str, Any]] = []
    if bullet and not line.bullet:
        out.append({"deleteParagraphBullets": {"range": _range(start, end)}})
    if style != line.style:
        out.append({"updateParagraphStyle": {
            "range": _range(start, end), "fields": "namedStyleType",
            "paragraphStyle": {"namedStyleType": line.style}}})
    if line.bullet and not bullet:
        out.append({"createParagraphBullets": {"range": _range(start, end),
                                               "bulletPreset": BULLETS}})
    return out


def _delete(start: int, end: int) -> dict[str, Any]:
    return {"deleteContentRange": {"range": _range(start, end)}}


def _name(text: str, start: int) -> dict[str, Any]:
    # Over the line's text, its newline left out: the body's last newline is one Google
    # keeps out of ranges it deletes, and nothing documents it in a named one. The range
    # only says where to look (`find` takes a paragraph it overlaps).
    end = start + max(units(text), 1)
    return {"createNamedRange": {"name": range_name(text), "range": _range(start, end)}}


def _range(start: int, end: int) -> dict[str, int]:
    return {"startIndex": start, "endIndex": end}


# -- docs written before Penny named its lines -------------------------------------------


def _leading(body: Sequence[Paragraph]) -> list[Paragraph]:
    """The paragraphs above the first table."""
    found = list(body[:1])
    for paragraph in body[1:]:
        if paragraph.start != found[-1].end:
            break
        found.append(paragraph)
    return found


def _top(body: Sequence[Paragraph], written: int | None) -> list[Paragraph]:
    """The heading, the status line and the bullets right after them, `written` at most
    (None: all), above the first table."""
    top = _leading(body)
    count = min(2, len(top))
    limit = len(top) if written is None else min(len(top), 2 + written)
    while count < limit and top[count].bullet:
        count += 1
    return top[:count]


def bullets_written(document: Mapping[str, Any], kept: str | None,
                    under_way: str | None) -> int | None:
    """How many bullets under the heading were Penny's in a doc of before the ranges: those
    of a rewrite then under way (WRITING_KEY) when the top reads as it wrote them (a
    digest of its lines), else the count kept (BULLETS_KEY); None when neither says."""
    count, _, digest = (under_way or "").partition(":")
    if count.isdigit():
        top = _leading(paragraphs(document))[:2 + int(count)]
        seen = repr([(p.text, p.style, p.bullet) for p in top])
        if len(top) == 2 + int(count) and \
                hashlib.sha256(seen.encode()).hexdigest()[:16] == digest:
            return int(count)
    return int(kept) if kept is not None and kept.isdigit() else None
