"""The event Penny wrote for a booking into the host's calendar, which must not refuse
that booking's own move, and nothing else beside it.

A move is checked against the host's calendars like a new booking, and the booking's
own event (the calendar job wrote it into the host's destination calendar, at the
booking's meeting time) is in them. Only that event is left out, never the time it
covers: an appointment the host put inside it (the very reason to move) still counts.
Where events come one by one (the cached copy, by event id), one event at exactly the
booking's time in the destination calendar is left out. Where the provider gives only
merged busy ranges (Google's freeBusy, a fresh read), only a range exactly equal to the
booking's time is: a range that is longer (another event touches or overlaps the
booking's) stays busy, whole, since which part is Penny's cannot be told. An appointment
lying wholly inside the booking's event merges into exactly its time: the fresh read
then asks the cached copy, which keeps events one by one (`shares_time_in`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.calendar_copy import DayEvents
from chalicelib.domain.calendar_refs import CalendarRef
from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class OwnEvent:
    """A booking's event: in `calendar` (the host's destination), at `when` (its meeting)."""

    calendar: CalendarRef
    when: TimeRange

    @classmethod
    def where(cls, destination: CalendarRef | None, counted: Iterable[CalendarRef],
              meeting: TimeRange) -> OwnEvent | None:
        """The booking's event, when the calendar Penny writes it to counts for conflicts
        (written to another calendar, or none, it is in no busy time Penny reads)."""
        if destination is None or destination not in set(counted):
            return None
        return cls(destination, meeting)

    def read_window(self, window: TimeRange) -> TimeRange:
        """`window` widened to hold the whole event: a read clips ranges to its window,
        and a range cut at the event's edge could be mistaken for it (an appointment
        inside it that ends where the window does)."""
        return TimeRange(min(window.start, self.when.start), max(window.end, self.when.end))

    def less_from_ranges(self, ref: CalendarRef, ranges: Iterable[TimeRange],
                         window: TimeRange) -> list[TimeRange]:
        """`ref`'s busy ranges, as read over `window` (a read clips them to it: read over
        `read_window`, the event is whole), without one range exactly equal to the
        event's time, clipped the same way."""
        kept = list(ranges)
        if ref != self.calendar or not self.when.overlaps(window):
            return kept
        mine = _clipped(self.when, window)
        same = next((i for i, r in enumerate(kept)
                     if r.overlaps(window) and _clipped(r, window) == mine), None)
        return kept if same is None else kept[:same] + kept[same + 1:]

    def shares_time_in(self, days: Iterable[DayEvents]) -> bool:
        """Whether cached days hold another blocking event within the event's time,
        beside one at exactly its time (which may be the event itself)."""
        inside = {i: w for events in days for i, w in events.items() if w.overlaps(self.when)}
        mine = sorted(i for i, w in inside.items() if w == self.when)[:1]
        return any(i not in mine for i in inside)

    def less_from_days(self, ref: CalendarRef, days: Iterable[DayEvents]) -> list[DayEvents]:
        """`ref`'s cached days without one event (by id, on every day it is on) whose
        time is exactly the event's."""
        days = list(days)
        if ref != self.calendar:
            return days
        mine = sorted({i for events in days for i, w in events.items() if w == self.when})
        if not mine:
            return days
        return [{i: w for i, w in events.items() if i != mine[0]} for events in days]


def _clipped(when: TimeRange, window: TimeRange) -> TimeRange:
    return TimeRange(max(when.start, window.start), min(when.end, window.end))
