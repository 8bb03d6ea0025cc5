"""Calendar events as the fakes keep them, vendor-neutral: a calendar, its events, weekly
recurrence expanded into occurrences, and busy ranges merged the way a free/busy service
answers them.

Times are aware UTC datetimes. An all-day event runs from midnight to midnight in its
`zone`, as the vendors place it when they read a time range (Google's freeBusy, Graph's
calendarView): Google in its calendar's zone (the one calendarList and events.list name:
"the timezone field has no significance for all-day events", Google's "Calendars &
events" guide); Graph in the zone it was made in (`originalStartTimeZone`: Exchange sets
an all-day event to "midnight in the appropriate time zone", Microsoft's "Create all-day
events by using EWS"; calendarView then lists it by those instants, while it gives its
dates unconverted, midnight to midnight UTC: Microsoft Q&A 970643 and 978210, an
Amsterdam user's next-day event listed in a UTC day's window). Calendars live in UTC
unless a test names another zone. Each vendor module renders these in its own wire.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# How far an open-ended weekly series is expanded: no calendar query spans more.
_MAX_OCCURRENCES = 520

# Graph's showAs values; Google's transparency maps onto the first two.
SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
NOT_BUSY = frozenset({"free", "workingElsewhere"})


@dataclass(frozen=True)
class Calendar:
    id: str
    account_id: str
    name: str
    primary: bool
    # Google: the calendar's time zone; Outlook: the mailbox's, which its app makes
    # all-day events in. An all-day event made there runs midnight to midnight in it.
    zone: str = "UTC"


@dataclass
class CalendarEvent:
    """One event (a single one or a weekly series) on one calendar."""

    id: str
    calendar_id: str
    title: str
    start: datetime
    end: datetime
    all_day: bool = False
    show_as: str = "busy"
    declined: bool = False  # the calendar's owner declined the invitation
    cancelled: bool = False
    weekly: int | None = None  # a weekly series of this many occurrences (0: no end)
    created_by_app: bool = False  # created through the API (by Penny), not seeded
    link: str | None = None  # the Meet / Teams join URL, once there is one
    # The vendor's own fields as the client sent them (description, attendees, ...).
    body: dict[str, Any] = field(default_factory=dict)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    sequence: int = 0  # the store's change counter when the event last changed
    deleted: bool = False  # kept as a tombstone for incremental sync
    zone: str = "UTC"  # an all-day event's: its dates run midnight to midnight there

    @property
    def blocks(self) -> bool:
        """What a free/busy service counts as busy."""
        return not (self.cancelled or self.declined or self.deleted
                    or self.show_as in NOT_BUSY)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event (the event itself when it does not recur)."""

    event: CalendarEvent
    start: datetime
    end: datetime
    index: int | None  # the occurrence's number in its series; None for a single event


def occurrences(event: CalendarEvent, start: datetime | None = None,
                end: datetime | None = None) -> Iterator[Occurrence]:
    """The event's occurrences overlapping [start, end) (unbounded where None)."""
    length = event.end - event.start
    count = event.weekly if event.weekly else (_MAX_OCCURRENCES if event.weekly == 0 else 1)
    for index in range(count):
        begins = event.start + timedelta(weeks=index)
        if end is not None and begins >= end:
            return
        if start is None or begins + length > start:
            yield Occurrence(event, begins, begins + length,
                             None if event.weekly is None else index)


def expand(events: Iterable[CalendarEvent], start: datetime | None,
           end: datetime | None) -> list[Occurrence]:
    """Every live event's occurrences in [start, end), ordered by start."""
    found = [o for event in events if not event.deleted
             for o in occurrences(event, start, end)]
    return sorted(found, key=lambda o: (o.start, o.event.id))


def merged_busy(events: Iterable[CalendarEvent], start: datetime,
                end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy ranges in [start, end), clipped to it, overlapping and touching ones merged."""
    spans = sorted((max(o.start, start), min(o.end, end))
                   for o in expand((e for e in events if e.blocks), start, end))
    merged: list[tuple[datetime, datetime]] = []
    for begins, ends in spans:
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged


def midnight(day: date, zone: str) -> datetime:
    """The instant `day` begins in `zone`, in UTC."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


def local_date(moment: datetime, zone: str) -> date:
    """The date an all-day event's edge names: the day that begins at `moment` in its
    `zone` (its dates, which the vendors give unconverted)."""
    return moment.astimezone(ZoneInfo(zone)).date()


def parse_instant(text: str) -> datetime:
    """An RFC 3339 instant (`Z` or an offset; seconds' fractions of any length)."""
    text = text.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    head, dot, rest = text.partition(".")
    if dot:  # Graph sends 7 fractional digits; Python reads at most 6
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:min(digits, 6)]}{rest[digits:]}"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
