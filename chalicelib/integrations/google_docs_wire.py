"""A notes doc in Google Docs v1 and Drive v3's JSON: the Drive queries that find Penny's
docs and folders, the doc's lines, and what an error answer means. Pure functions over
dicts, no SDK: the calls are google_docs_notes.py's and google_docs_doc_writer.py's, the
edits google_docs_edits.py's.

The doc. Penny's lines: a heading (the notes' title), a line with the status and the
time in the host's zone, then the bullets as a bulleted list; whatever the host writes
around and among them stays (google_docs_edits.py). Text is cleaned as Google would
store it (no line breaks or control characters inside a line, no tabs), so a rewrite
compares like with like.

Indices are Google's: UTF-16 code units, the body's first paragraph at 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
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
