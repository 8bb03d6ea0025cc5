"""Where a host-local day's candidate slot starts fall: every interval on the host's clock.

Between clock changes that is every interval of elapsed time, from the start of the hours
(or from midnight, for hours running over it). Across a change it is not: hourly slots
from midnight on Lord Howe's spring-forward day (02:00 +10:30 becomes 02:30 +11) would go
on at 02:30, 03:30, ... all day, and 45-minute ones in New York at 03:15, 04:00 EDT. So a
day is cut where its offset changes, and the part after it keeps the grid the clock
showed before: 03:00, 04:00 on Lord Howe; 03:00, 03:45 in New York. A time the clock
skips is no start; one it shows twice (clocks went back) is a start each time.

Pure, in whole epoch seconds, as the slot engine works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_DAY_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class DayClock:
    """A host-local day's clock change, if it has one: from the instant ``change`` on, the
    clock reads ``gained`` seconds more (negative: it went back). (Offsets are compared at
    the day's ends: a day whose clocks changed and came back would count as having none.)"""

    change: int | None = None
    gained: int = 0


def day_clock(start: int, end: int, zone: ZoneInfo) -> DayClock:
    """The change in the local day [start, end) of ``zone``, if any."""
    if end - start == _DAY_SECONDS:
        return DayClock()  # 24 hours long: the clock kept one offset (the usual case)
    before, after = _offset(start, zone), _offset(max(end - 1, start), zone)
    if before == after:
        return DayClock()  # shorter or longer only because its midnight was skipped
    low, high = start, end - 1  # the offset is `before` at low, `after` at high
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(middle, zone) == before:
            low = middle
        else:
            high = middle
    return DayClock(high, after - before)


def grid(day: DayClock, anchor: int, low: int, stop: int, step: int) -> list[tuple[int, int]]:
    """The day's starts on the clock's grid through ``anchor`` (every ``step`` seconds on
    the clock), from ``low`` and before ``stop``: pairs (first, end), the starts being
    first, first + step, ... while before end. One pair, or two when the day's change
    lies between ``anchor`` and ``stop``."""
    change = day.change
    if change is None or not anchor < change < stop:
        stretches = [(anchor, stop, 0)]
    else:
        # The clock reads `gained` more from the change on: the grid's instants move back
        # by as much, so that the clock's readings stay on it.
        stretches = [(anchor, change, 0), (change, stop, -day.gained)]
    found = []
    for begin, end, shift in stretches:
        first = max(begin, low)
        first += (anchor + shift - first) % step
        if first < end:
            found.append((first, end))
    return found


def _offset(ts: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(ts, zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds())
