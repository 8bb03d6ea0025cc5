"""Free booking slots: a host's hours minus busy time, under one event type's rules.

Rule of thumb: everything the answer depends on (now, zones, hours, busy time, rules) comes in
as arguments. The engine works in whole epoch seconds and builds datetimes only at its edges.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import Schedule, available_ranges, local_instant
from chalicelib.domain.busy_index import busy_index
from chalicelib.domain.errors import InvalidBookingWindowError
from chalicelib.domain.slot_grid import day_clock, grid
from chalicelib.domain.timerange import TimeRange

_ZERO = timedelta(0)
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BookingDates:
    """A booking window between two dates (a course from 10 January to 28 February):
    the host-local days from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidBookingWindowError(
                f"the booking dates must not end before they start ({self.end.isoformat()} "
                f"is before {self.start.isoformat()})", "booking_window_dates.end")


@dataclass(frozen=True, slots=True)
class SlotRules:
    """The scheduling-relevant part of an event type."""

    duration: timedelta
    interval: timedelta
    buffer_before: timedelta = _ZERO
    buffer_after: timedelta = _ZERO
    minimum_notice: timedelta = _ZERO
    booking_window_days: int | None = None
    daily_limit: int | None = None
    # Bookable only on these host-local dates (with a rolling window too: both apply).
    booking_dates: BookingDates | None = None

    def __post_init__(self) -> None:
        if self.duration <= _ZERO or self.interval <= _ZERO:
            raise ValueError("duration and interval must be positive")
        if min(self.buffer_before, self.buffer_after, self.minimum_notice) < _ZERO:
            raise ValueError("buffers and minimum notice cannot be negative")
        if min(self.booking_window_days or 0, self.daily_limit or 0) < 0:
            raise ValueError("booking window and daily limit cannot be negative")


@dataclass(frozen=True, slots=True)
class Busy:
    """Time taken on the host's calendar; ``blocked`` is ``meeting`` plus its own buffers.

    ``external``: an event on one of the host's other calendars, not a Penny booking.
    """

    meeting: TimeRange
    blocked: TimeRange
    event_type_id: str | None = None
    external: bool = False


def calendar_busy(ranges: Iterable[TimeRange]) -> list[Busy]:
    """Busy time on the host's other calendars: events with no buffers of their own (a slot's
    buffers still keep clear of them) that count toward no daily limit."""
    return [Busy(meeting=r, blocked=r, external=True) for r in ranges]


@dataclass(frozen=True, slots=True)
class SlotQuery:
    now: datetime
    schedule: Schedule
    rules: SlotRules
    event_type_id: str
    busy: Sequence[Busy]
    window: TimeRange
    booker_zone: str

    def __post_init__(self) -> None:
        if self.now.utcoffset() is None:
            raise ValueError("SlotQuery.now must be timezone-aware")


def blocked_range(start: datetime, rules: SlotRules) -> TimeRange:
    # In UTC: an aware datetime plus a timedelta is wall-clock arithmetic in its own zone,
    # which is wrong across that zone's clock change.
    start = start.astimezone(UTC)
    return TimeRange(start - rules.buffer_before, start + rules.duration + rules.buffer_after)


def conflicts(candidate_start: datetime, rules: SlotRules, busy: Busy) -> bool:
    """Buffers may overlap other buffers but never another meeting, in either direction."""
    start = candidate_start.astimezone(UTC)
    meeting = TimeRange(start, start + rules.duration)
    return blocked_range(candidate_start, rules).overlaps(busy.meeting) or meeting.overlaps(
        busy.blocked)


def free_slots(query: SlotQuery) -> dict[date, list[datetime]]:
    """Slot starts in ``query.window``, in the booker's zone, grouped by the booker's date."""
    zone = ZoneInfo(query.booker_zone)
    grouped: dict[date, list[datetime]] = {}
    for ts in _starts(query, _ceil(query.window.start), _ceil(query.window.end)):
        local = datetime.fromtimestamp(ts, zone)
        grouped.setdefault(local.date(), []).append(local)
    # Sorting only matters where clocks go back across midnight (a later date can come first).
    return dict(sorted(grouped.items()))


def is_bookable(query: SlotQuery, start: datetime) -> bool:
    """True iff ``start`` is a slot free_slots returns for any window containing it.

    Slots never depend on the window asked for, so ``query.window`` is not consulted; only the
    one or two local days around ``start`` are computed.
    """
    if start.utcoffset() is None or _floor(start) != _ceil(start):
        return False
    ts = _floor(start)
    return _starts(query, ts, ts + 1) == [ts]


def _starts(query: SlotQuery, lo: int, hi: int) -> list[int]:
    """Free slot starts in [lo, hi), as ascending epoch seconds.

    Candidates step by ``interval`` on the host's clock from the start of each merged run of
    hours (slot_grid.py: across a clock change, the clock's grid). A run that crosses
    host-local midnight restarts its grid at midnight, so a day's grid depends on that day alone
    and the slots are the same whatever window is asked for.
    """
    rules, host = query.rules, ZoneInfo(query.schedule.timezone)
    duration, step = _seconds(rules.duration), _seconds(rules.interval)
    before, after = _seconds(rules.buffer_before), _seconds(rules.buffer_after)
    lo = max(lo, _ceil(query.now.astimezone(UTC) + rules.minimum_notice))
    if rules.booking_window_days is not None:
        last = query.now.astimezone(host).date() + timedelta(days=rules.booking_window_days)
        hi = min(hi, _midnight(last + _DAY, host))
    if rules.booking_dates is not None:
        lo = max(lo, _midnight(rules.booking_dates.start, host))
        hi = min(hi, _midnight(rules.booking_dates.end + _DAY, host))
    if lo >= hi:
        return []
    # Host-local day j is [midnights[j], midnights[j + 1]); the last entry only closes a day.
    day = datetime.fromtimestamp(lo, host).date()
    midnights = [_midnight(day, host)]
    while midnights[-1] < hi:
        day += _DAY
        midnights.append(_midnight(day, host))
    full = _days_at_limit(query, midnights)
    clocks = [day_clock(start, end, host) for start, end in pairwise(midnights)]
    wanted = TimeRange(datetime.fromtimestamp(midnights[0], UTC),
                       datetime.fromtimestamp(hi + duration, UTC))
    (meeting_starts, meeting_ends), (block_starts, block_ends) = busy_index(
        query.busy, lo - before, hi + duration + after)
    found: list[int] = []
    for run in available_ranges(query.schedule, wanted):
        run_start, run_end = _ceil(run.start), _floor(run.end)
        j = max(bisect_right(midnights, run_start) - 1, 0)
        while j < len(midnights) - 1 and midnights[j] < run_end:
            anchor = max(run_start, midnights[j])
            # A day at its daily limit offers nothing; otherwise the meeting must end in the run.
            stop = anchor if j in full else min(run_end - duration + 1, midnights[j + 1], hi)
            for ts, end in grid(clocks[j], anchor, lo, stop, step):
                while ts < end:
                    # Meetings and blocked ranges are merged separately, which keeps the rule
                    # exact: the candidate's blocked range may not touch a meeting, nor its
                    # meeting a buffer.
                    i = bisect_left(meeting_starts, ts + duration + after) - 1
                    k = bisect_left(block_starts, ts + duration) - 1
                    if (i < 0 or meeting_ends[i] <= ts - before) and (k < 0 or block_ends[k] <= ts):
                        found.append(ts)
                    ts += step
            j += 1
    return found


def day_at_limit(query: SlotQuery, start: datetime) -> bool:
    """Whether the host-local day of ``start`` already holds the daily limit's bookings of
    this event type (counted as the slots are)."""
    host = ZoneInfo(query.schedule.timezone)
    day = start.astimezone(host).date()
    return 0 in _days_at_limit(query, [_midnight(day, host), _midnight(day + _DAY, host)])


def _days_at_limit(query: SlotQuery, midnights: list[int]) -> set[int]:
    """Indexes of the host-local days already holding ``daily_limit`` bookings of this type."""
    limit = query.rules.daily_limit
    if limit is None:
        return set()
    counts = Counter(bisect_right(midnights, _floor(busy.meeting.start)) - 1
                     for busy in query.busy if busy.event_type_id == query.event_type_id)
    return {j for j in range(len(midnights) - 1) if counts[j] >= limit}


def _midnight(day: date, zone: ZoneInfo) -> int:
    """The first instant of a local date (a skipped midnight: the jump)."""
    return _floor(local_instant(day, time(0), zone))


def _seconds(span: timedelta) -> int:
    return -(-span // _SECOND)  # rounded up, so no rule is ever shortened


def _floor(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _ceil(moment: datetime) -> int:
    return math.ceil(moment.timestamp())
