"""A notes page in Notion's wire (API version 2025-09-03): its property values, its
blocks, and the plan that brings a page's blocks to the notes. Pure functions over the
JSON notion-client sends and answers; the calls are notion_notes.py's and
notion_page_writer.py's.

The page: the data source's title property holds the notes' title; Email, When (a date
range in the host's zone; in the hour the clocks repeat, its instants with their
offsets), Status (select) and Booking (the booking uid, as text) hold the rest. The body
is a heading "Booking details" and one bullet per line of notes; bare URLs in a line
become links. A rewrite touches only the bullets under that heading that Penny
made, so what the host wrote on the page stays, a bullet they added among or after
Penny's included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.providers.notes import BookingNotes
from chalicelib.domain.wall_clock import repeated

HEADING = "Booking details"
BOOKING = "Booking"
# Penny's properties beside the title (whatever the data source calls that one).
PROPERTIES = {"Email": "email", "When": "date", "Status": "select", BOOKING: "rich_text"}
MAX_TEXT = 2000                    # in one rich-text item, and a link's URL (Notion's
                                   # limits, counted as JavaScript does: UTF-16 units)
MAX_ITEMS = 100                    # rich-text items in a value; blocks in one request
MAX_EMAIL = 200                    # an email property's value (Penny takes up to 254)
_URL = re.compile(r"https?://[^\s<>\"]*[^\s<>\".,;:!?)\]]")


def text(line: str) -> list[dict[str, Any]]:
    """A line as rich text: its URLs as links (one longer than a link may be stays text),
    long runs cut at Notion's 2,000 UTF-16 units, never inside a character. Each link is
    an item of its own and Notion takes MAX_ITEMS in one value: links stop where the rest
    of the line would no longer fit, and it stays text, never cut off."""
    items: list[dict[str, Any]] = []
    at, left = 0, _units(line)
    for match in _URL.finditer(line):
        url = match.group()
        link = url if _units(url) <= MAX_TEXT else None
        part = _runs(line[at:match.start()], None) + _runs(url, link)
        rest = left - _units(line[at:match.end()])
        # The rest as text takes at most this many runs (one cut may fall a unit short).
        if len(items) + len(part) + -(-rest // (MAX_TEXT - 1)) > MAX_ITEMS:
            break
        items += part
        at, left = match.end(), rest
    return (items + _runs(line[at:], None))[:MAX_ITEMS]


def _units(text: str) -> int:
    """The length Notion counts (JavaScript's): UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _runs(part: str, link: str | None) -> list[dict[str, Any]]:
    chunks, start, units = [], 0, 0
    for i, char in enumerate(part):
        width = 2 if ord(char) > 0xFFFF else 1
        if units + width > MAX_TEXT:
            chunks.append(part[start:i])
            start, units = i, 0
        units += width
    if start < len(part):
        chunks.append(part[start:])
    return [{"type": "text", "text": {"content": chunk,
                                      **({"link": {"url": link}} if link else {})}}
            for chunk in chunks]


def plain(items: Sequence[Mapping[str, Any]]) -> str:
    """Rich text as its text, from an answer (`plain_text`) or a request (`text.content`)."""
    return "".join(str(item.get("plain_text", item.get("text", {}).get("content", "")))
                   for item in items)


def heading(line: str) -> dict[str, Any]:
    return {"object": "block", "type": "heading_3", "heading_3": {"rich_text": text(line)}}


def bullet(line: str) -> dict[str, Any]:
    return {"object": "block", "type": "bulleted_list_item",
            "bulleted_list_item": {"rich_text": text(line)}}


def blocks(notes: BookingNotes) -> list[dict[str, Any]]:
    """A new page's body."""
    return [heading(HEADING), *(bullet(line) for line in notes.bullets)]


def values(notes: BookingNotes, kinds: Mapping[str, str]) -> dict[str, Any]:
    """The property values to write, by property name, for a data source whose
    properties have these types: the title, and each of Penny's properties the data
    source has with the type Penny writes (one of another type is left alone)."""
    # An address longer than Notion's email property takes is left out of it (it is in
    # the bullets): sent, it would refuse the whole page.
    email = notes.attendee_email if _units(notes.attendee_email) <= MAX_EMAIL else None
    wanted: dict[str, Any] = {
        "email": email, "date": _when(notes),
        "select": {"name": notes.status.replace(",", " ")},  # Notion refuses commas here
        "rich_text": text(notes.key)}
    found = {name: {"title": text(notes.title)} for name, kind in kinds.items()
             if kind == "title"}
    found.update({name: {kind: wanted[kind]} for name, kind in PROPERTIES.items()
                  if kinds.get(name) == kind})
    return found


def _when(notes: BookingNotes) -> dict[str, Any]:
    try:
        zone = ZoneInfo(notes.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        # An unknown zone: the instants with their offsets, which Notion shows as such.
        return _instants(notes.when.start, notes.when.end)
    start, end = notes.when.start.astimezone(zone), notes.when.end.astimezone(zone)
    if repeated(start) or repeated(end):
        # On the day the clocks go back a wall-clock time in the repeated hour names two
        # instants, and is read as the first: the second 01:30 as 01:30 EDT, a booking
        # across the change as "01:30 to 01:00". Notion takes no offset beside
        # `time_zone`: the instants with their offsets (in the host's zone) instead.
        return _instants(start, end)
    # With `time_zone`, Notion takes wall-clock times without an offset.
    return {"start": start.replace(tzinfo=None).isoformat(),
            "end": end.replace(tzinfo=None).isoformat(), "time_zone": notes.time_zone}


def _instants(start: datetime, end: datetime) -> dict[str, Any]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def changed(page: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The wanted values that differ from the page's properties, as a person sees them."""
    return {name: value for name, value in wanted.items()
            if _seen(value) != _seen(page.get(name) or {})}


def _seen(value: Mapping[str, Any]) -> Any:
    kind = next((k for k in ("title", "rich_text", "email", "select", "date") if k in value),
                None)
    found = value.get(kind) if kind else None
    if kind in ("title", "rich_text"):
        return plain(found or [])
    if kind == "select":
        return found.get("name") if found else None
    if kind == "date":
        return (_instant(found.get("start"), found.get("time_zone")),
                _instant(found.get("end"), found.get("time_zone"))) if found else None
    return found


def _instant(moment: Any, zone: Any) -> datetime | str | None:
    """The instant a date's `start` or `end` names, in UTC: one with an offset as written
    (Notion answers so, and Penny writes so in the hour the clocks repeat), one without
    it in `time_zone` (a repeated time as the first, as Notion reads it; Penny writes
    none). In UTC because Python never finds two aware times in different zones equal
    when either falls in a repeated hour."""
    if not isinstance(moment, str) or "T" not in moment:
        return moment if isinstance(moment, str) else None
    found = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if found.tzinfo is None:
        try:
            found = found.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            return moment
    return found.astimezone(UTC)


@dataclass(frozen=True)
class BlockPlan:
    """What brings a page's blocks to the notes: bullets edited in place, extra ones
    deleted, missing ones appended after `after` (None: at the end of the page)."""

    edits: tuple[tuple[str, str], ...]     # (block id, its new line)
    deletes: tuple[str, ...]
    appends: tuple[dict[str, Any], ...]
    after: str | None


def _heading_at(page_blocks: Sequence[Mapping[str, Any]]) -> int | None:
    return next((i for i, block in enumerate(page_blocks) if block["type"] == "heading_3"
                 and plain(block["heading_3"]["rich_text"]) == HEADING), None)


def _author(block: Mapping[str, Any]) -> Any:
    return (block.get("created_by") or {}).get("id")


def other_authors(page_blocks: Sequence[Mapping[str, Any]]) -> bool:
    """Did anyone but the heading's author make a block under it? Then plan needs Penny's
    own bot (`me`) to tell Penny's bullets from the host's."""
    at = _heading_at(page_blocks)
    return at is not None and any(_author(block) != _author(page_blocks[at])
                                  for block in page_blocks[at + 1:])


def plan(page_blocks: Sequence[Mapping[str, Any]], lines: Sequence[str],
         me: str | None = None) -> BlockPlan:
    at = _heading_at(page_blocks)
    if at is None:
        return BlockPlan((), (), (heading(HEADING), *(bullet(line) for line in lines)), None)
    # Penny's bullets are those under its heading that Penny made: the heading's author,
    # or Penny's bot now (`me`): a new authorization (the host removed Penny's connection
    # in Notion and connected again) is a new bot_id, so the lines Penny wrote since are
    # another author's than its heading. A block the host added among or after them
    # (pressing Enter after a bullet continues the list) is passed over, and stays where
    # they put it. Without authors, Penny's are the bullets right under the heading.
    author = _author(page_blocks[at])
    ours: list[Mapping[str, Any]] = []
    for block in page_blocks[at + 1:]:
        made_by = _author(block)
        if author and made_by not in (author, me):
            continue
        if block["type"] != "bulleted_list_item":
            break
        ours.append(block)
    kept = min(len(ours), len(lines))
    edits = tuple((block["id"], line) for block, line in zip(ours, lines, strict=False)
                  if plain(block["bulleted_list_item"]["rich_text"]) != line)
    after = str(ours[kept - 1]["id"] if kept else page_blocks[at]["id"])
    return BlockPlan(edits, tuple(str(block["id"]) for block in ours[kept:]),
                     tuple(bullet(line) for line in lines[kept:]), after)
