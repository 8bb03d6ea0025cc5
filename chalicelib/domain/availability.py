"""A host's working hours: weekly wall-clock ranges plus per-date overrides, as UTC ranges.

Rule of thumb: hours are wall-clock times in the host's IANA zone and become instants one
local date at a time, so a DST change moves the UTC offset, never the hours on the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.timerange import TimeRange, intersect

_CLOCK = re.compile(r"(\d{2}):(\d{2})")
_DAY = timedelta(days=1)


def parse_clock(text: str) -> time | None:
    """"HH:MM" to a time; "24:00" is the end of the day and parses to None."""
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise ValueError(f"expected a time as HH:MM, got {text!r}")
    hour, minute = int(match[1]), int(match[2])
    if (hour, minute) == (24, 0):
        return None
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute)


def format_clock(value: time | None) -> str:
    """A time as "HH:MM"; None (the end of the day) as "24:00"."""
    return "24:00" if value is None else f"{value.hour:02d}:{value.minute:02d}"


@dataclass(frozen=True, slots=True)
class LocalRange:
    """Wall-clock hours within one local day; ``end`` None means 24:00."""

    start: time
    end: time | None

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or (self.end is not None and self.end.tzinfo is not None):
            raise ValueError("LocalRange times are wall-clock times and take no tzinfo")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"LocalRange {self.format()} must end after it starts")

    @classmethod
    def parse(cls, start: str, end: str) -> LocalRange:
        opening = parse_clock(start)
        if opening is None:
            raise ValueError("a range cannot start at 24:00")
        return cls(opening, parse_clock(end))

    def format(self) -> tuple[str, str]:
        return format_clock(self.start), format_clock(self.end)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Weekly hours (0=Monday .. 6=Sunday) and per-local-date overrides, in ``timezone``.

    ``saved``: the host has saved it at least once. A new account's schedule is empty and
    not saved; one the host emptied on purpose (away for a while) is empty and saved.
    ``version``: counted up by each save (0: never saved since versions were kept), so an
    editor's save can be refused when another was made since it read the schedule.
    """

    timezone: str
    weekly: Mapping[int, tuple[LocalRange, ...]]
    overrides: Mapping[date, tuple[LocalRange, ...]]
    saved: bool = False
    version: int = 0


def hours_for_date(schedule: Schedule, day: date) -> tuple[LocalRange, ...]:
    """An override replaces the weekly hours for its date; an empty override is a day off."""
    if day in schedule.overrides:
        return schedule.overrides[day]
    return schedule.weekly.get(day.weekday(), ())


def local_instant(day: date, clock: time | None, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local date (None = next midnight).

    An ambiguous time (the repeated hour when clocks go back) is its first occurrence
    (fold=0). A time that does not exist (the hour skipped when clocks go forward) is the
    jump, the first instant the clock reads past it: 02:30 on a New York spring-forward day
    is 07:00 UTC, 03:00 EDT, whether hours start or end there. (fold=0 alone would read it
    with the offset before the jump, 03:30 EDT, half an hour after the clock passed 02:30:
    hours ending then would run over, hours starting then would lose that half hour; fold=1
    would read it 01:30 EST, before the clock got there.)
    """
    if clock is None:
        day, clock = day + _DAY, time(0)
    local = datetime(day.year, day.month, day.day, clock.hour, clock.minute, clock.second,
                     clock.microsecond, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    return _jump(local.replace(fold=1).astimezone(UTC), instant, zone)


def _jump(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The instant the zone's clock jumps forward, between `before` (on the offset before
    it) and `after` (on the one after): to the second, as tzdata gives changes. zoneinfo
    does not expose its transitions, so it is searched for (a gap is an hour or so; Apia's
    skipped day in 2011 takes 17 halvings)."""
    old = before.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == old:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def available_ranges(schedule: Schedule, window: TimeRange) -> list[TimeRange]:
    """The schedule's hours inside ``window`` as sorted, merged UTC ranges.

    Each local date is converted on its own, so 09:00-17:00 stays 09:00-17:00 on the clock on
    DST-change days. Overlapping ranges, and a 24:00 end touching the next day's 00:00 start,
    merge into one range.
    """
    zone = ZoneInfo(schedule.timezone)
    day = window.start.astimezone(zone).date()
    last = window.end.astimezone(zone).date()
    ranges: list[TimeRange] = []
    while day <= last:
        for hours in hours_for_date(schedule, day):
            start = local_instant(day, hours.start, zone)
            end = local_instant(day, hours.end, zone)
            # A range wholly inside a spring-forward gap (02:15-03:00) starts and ends at the
            # jump: it has no real hours.
            if start < end:
                ranges.append(TimeRange(start, end))
        day += _DAY
    return intersect(ranges, [window])
