"""A notes doc in Google Docs v1 and Drive v3's JSON: the Drive queries that find Penny's
docs and folders, the doc's lines, the batchUpdate requests that bring a doc to the
notes, and what an error answer means. Pure functions over dicts, no SDK: the calls are
google_docs_notes.py's and google_docs_doc_writer.py's.

The doc. Penny's part is its top: a heading (the notes' title), a line with the status
and the time in the host's zone, then the bullets as a bulleted list. A rewrite replaces
that part only (the first two paragraphs and the bulleted ones right after them), so
what the host or the brief wrote below stays; it writes nothing when the part already
reads as it should. Text is cleaned as Google would store it (no line breaks or control
characters inside a line, no tabs), so a rewrite compares like with like.

Indices are Google's: UTF-16 code units, the body's first paragraph at 1.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderError,
    ProviderRejectedError,
)
from chalicelib.domain.providers.notes import BookingNotes
from chalicelib.domain.wall_clock import hhmm
from chalicelib.integrations import google_calendar_wire as calendar_wire

PROVIDER = calendar_wire.PROVIDER
FOLDER = "application/vnd.google-apps.folder"
DOCUMENT = "application/vnd.google-apps.document"
BOOKING_KEY = "pennyBooking"                    # appProperty: the booking uid of a doc
FOLDER_MARK = {"penny": "notes"}                # appProperty: a notes folder Penny made
HEADING = "HEADING_2"
NORMAL = "NORMAL_TEXT"
BULLETS = "BULLET_DISC_CIRCLE_SQUARE"
# What Penny reads of a file (files.get/create/list answer `kind,id,name,mimeType` only
# unless asked for more).
BULLETS_KEY = "pennyBullets"   # appProperty: how many bullets Penny wrote in the doc last
# appProperty: a rewrite to another number of bullets under way, "<count>:<digest of its
# lines>": set before the text is written, cleared with BULLETS_KEY's update after it.
WRITING_KEY = "pennyWriting"
FILE_FIELDS = "id,name,trashed,webViewLink,appProperties"
# Line breaks become spaces; the rest Google strips from inserted text, or tabs a bullet
# would turn into nesting.
_BREAKS = re.compile("[\r\n\x0b\x0c\u2028\u2029\t]")
_STRIPPED = re.compile("[\x00-\x08\x0e-\x1f\ue000-\uf8ff]")

# A new doc's body: one empty paragraph.
EMPTY_DOCUMENT: Mapping[str, Any] = {"body": {"content": [
    {"endIndex": 1, "sectionBreak": {}},
    {"startIndex": 1, "endIndex": 2, "paragraph": {
        "elements": [{"startIndex": 1, "endIndex": 2, "textRun": {"content": "\n"}}],
        "paragraphStyle": {"namedStyleType": NORMAL}}}]}}


def quoted(value: str) -> str:
    """A string literal of Drive's query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _has(key: str, value: str) -> str:
    return f"appProperties has {{ key={quoted(key)} and value={quoted(value)} }}"


def booking_query(key: str) -> str:
    """Penny's notes docs of one booking, wherever the host moved them, in Drive's trash
    too: a doc the host trashed is still the booking's (google_docs_notes.py)."""
    return f"mimeType = {quoted(DOCUMENT)} and {_has(BOOKING_KEY, key)}"


def folders_query(name: str | None = None) -> str:
    """The live notes folders Penny made (of that name)."""
    mark = " and ".join(_has(k, v) for k, v in FOLDER_MARK.items())
    named = f" and name = {quoted(name)}" if name is not None else ""
    return f"mimeType = {quoted(FOLDER)} and trashed = false and {mark}{named}"


def units(text: str) -> int:
    """`text`'s length in UTF-16 code units, Google's index unit."""
    return len(text.encode("utf-16-le")) // 2


def clean(text: str) -> str:
    return _STRIPPED.sub("", _BREAKS.sub(" ", text)).strip()


# -- the doc's lines -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    style: str = NORMAL
    bullet: bool = False


def doc_name(notes: BookingNotes) -> str:
    return clean(notes.title) or "Client notes"


def lines(notes: BookingNotes) -> tuple[Line, ...]:
    return (Line(doc_name(notes), HEADING),
            Line(f"{clean(notes.status)}: {when(notes)}"),
            *(Line(clean(bullet), bullet=True) for bullet in notes.bullets))


def when(notes: BookingNotes) -> str:
    """`Monday 4 May 2026, 11:00 to 11:30 (Europe/Berlin)`, in the host's zone (UTC when
    Penny does not know that zone); a time the clocks show twice that day (they went
    back) says which, `01:30 EDT to 01:00 EST`."""
    try:
        zone, label = ZoneInfo(notes.time_zone), notes.time_zone
    except (ZoneInfoNotFoundError, ValueError):
        zone, label = ZoneInfo("UTC"), "UTC"
    start, end = notes.when.start.astimezone(zone), notes.when.end.astimezone(zone)
    shown = f"{start:%A} {start.day} {start:%B %Y}, {hhmm(start)} to "
    shown += hhmm(end) if end.date() == start.date() else \
        f"{end:%A} {end.day} {end:%B %Y}, {hhmm(end)}"
    return f"{shown} ({label})"


# -- reading a doc, and the edits that bring it to the notes ---------------------------


@dataclass(frozen=True)
class _Paragraph:
    start: int
    end: int
    text: str
    style: str
    bullet: bool


def _top(document: Mapping[str, Any]) -> tuple[list[_Paragraph], int | None, int]:
    """The body's leading paragraphs, where the first element after them starts (None:
    they run to the end), and the body's end index."""
    content = [e for e in (document.get("body") or {}).get("content") or []
               if "sectionBreak" not in e]
    found: list[_Paragraph] = []
    for element in content:
        paragraph = element.get("paragraph")
        if paragraph is None:
            return found, int(element.get("startIndex", 0)), int(content[-1]["endIndex"])
        runs = [e.get("textRun") for e in paragraph.get("elements") or []]
        text = None if None in runs else "".join(str(r.get("content", "")) for r in runs)
        found.append(_Paragraph(
            int(element.get("startIndex", 0)), int(element["endIndex"]),
            # Anything but text (a chip, an image) never matches a line: it is rewritten.
            "\ufffc" if text is None else text.removesuffix("\n"),
            str((paragraph.get("paragraphStyle") or {}).get("namedStyleType") or NORMAL),
            "bullet" in paragraph))
    return found, None, int(content[-1]["endIndex"]) if content else 2


def _digest(found: Sequence[tuple[str, str, bool]]) -> str:
    return hashlib.sha256(repr(list(found)).encode()).hexdigest()[:16]


def writing(notes: BookingNotes) -> str:
    """WRITING_KEY's value for a rewrite to `notes`."""
    return f"{len(notes.bullets)}:{_digest([(x.text, x.style, x.bullet) for x in lines(notes)])}"


def bullets_written(document: Mapping[str, Any], kept: str | None,
                    under_way: str | None) -> int | None:
    """How many bullets under the heading are Penny's: those of a rewrite that was under
    way (WRITING_KEY) when the doc's top reads as that rewrite wrote it (its text landed,
    the count was not kept after it: a crash, a refused files.update), else the count
    kept (BULLETS_KEY); None when neither says."""
    count, _, digest = (under_way or "").partition(":")
    if count.isdigit():
        paragraphs = _top(document)[0][:2 + int(count)]
        if len(paragraphs) == 2 + int(count) and \
                _digest([(p.text, p.style, p.bullet) for p in paragraphs]) == digest:
            return int(count)
    return int(kept) if kept is not None and kept.isdigit() else None


def edits(document: Mapping[str, Any], notes: BookingNotes,
          written: int | None = None) -> list[dict[str, Any]]:
    """The batchUpdate requests that make the doc's top Penny's part for `notes`; none
    when it already is. `written`: how many bullets Penny wrote there last (a bullet the
    host added after them, by pressing Enter after the last one, stays theirs); None:
    every bullet under the heading is Penny's."""
    wanted = lines(notes)
    paragraphs, after, body_end = _top(document)
    count = min(2, len(paragraphs))
    limit = len(paragraphs) if written is None else min(len(paragraphs), 2 + written)
    while count < limit and paragraphs[count].bullet:
        count += 1
    ours = paragraphs[:count]
    if [(p.text, p.style, p.bullet) for p in ours] == \
            [(line.text, line.style, line.bullet) for line in wanted]:
        return []
    # A paragraph after Penny's part stays: the part ends where that starts. Else the part
    # runs to the body's end or to a table (anything not a paragraph): Google refuses
    # deleting the body's last newline and the newline before a table without the
    # table, so the part's last paragraph keeps its newline and the text goes in before it.
    closed = count < len(paragraphs)
    end = paragraphs[count].start if closed else \
        (after if after is not None else body_end) - 1
    text = "\n".join(line.text for line in wanted) + ("\n" if closed else "")
    requests: list[dict[str, Any]] = []
    if end > 1:
        requests.append({"deleteContentRange": {"range": {"startIndex": 1, "endIndex": end}}})
    requests.append({"insertText": {"location": {"index": 1}, "text": text}})
    return requests + _styles(wanted, paragraphs[:count + 1])


def _styles(wanted: Sequence[Line], touched: Sequence[_Paragraph]) -> list[dict[str, Any]]:
    """New paragraphs copy the style and bullet of the paragraph they went into: set
    both. Clearing is asked only when a paragraph involved had them."""
    starts = [1]
    for line in wanted:
        starts.append(starts[-1] + units(line.text) + 1)
    heading_end, end = starts[1], starts[-1]
    requests: list[dict[str, Any]] = []
    if any(p.bullet for p in touched):
        requests.append({"deleteParagraphBullets": {"range": _range(1, end)}})
    requests.append(_style(1, heading_end, HEADING))
    if any(p.style != NORMAL for p in touched):
        requests.append(_style(heading_end, end, NORMAL))
    first_bullet = next((starts[i] for i, line in enumerate(wanted) if line.bullet), None)
    if first_bullet is not None:
        requests.append({"createParagraphBullets": {"range": _range(first_bullet, end),
                                                    "bulletPreset": BULLETS}})
    return requests


def _range(start: int, end: int) -> dict[str, int]:
    return {"startIndex": start, "endIndex": end}


def _style(start: int, end: int, named: str) -> dict[str, Any]:
    return {"updateParagraphStyle": {"range": _range(start, end), "fields": "namedStyleType",
                                     "paragraphStyle": {"namedStyleType": named}}}


# -- errors ----------------------------------------------------------------------------


def refusal(status: int, headers: Mapping[str, str], content: bytes,
            doing: str) -> ProviderError:
    """What an error answer means. Google's statuses and reason codes mean the same in
    every API, so google_calendar_wire decides the kind of error; the words are the
    notes' (the host is told to allow Docs, not the calendar)."""
    verdict = calendar_wire.refusal(status, headers, content, doing)
    if isinstance(verdict, ConnectionBrokenError) and status == 403:
        # Refused for Docs alone (a scope withdrawn, an admin's policy): the same grant
        # still serves the host's calendar, so the connection is not broken; the notes
        # job records why, and the host reconnects Google Docs.
        return ProviderRejectedError(
            PROVIDER, f"Google did not grant Penny access to Google Docs (HTTP 403) while "
                      f"{doing}; connect Google Docs again and allow Docs access for the notes")
    return type(verdict)(PROVIDER, verdict.message.replace("Google Calendar", "Google Docs"))


def stale_revision(status: int, content: bytes) -> bool:
    """A batchUpdate refused for the revision it named: the doc changed since Penny read
    it (a `requiredRevisionId` no longer the latest, a `targetRevisionId` too far
    behind). Google's 400 asks to read the document again and retry."""
    if status != 400:
        return False
    try:
        error = json.loads(content or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and "revision" in str(error.get("message", "")).lower()
