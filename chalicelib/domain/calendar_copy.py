"""One calendar's cached copy: its blocking events by UTC day (`DayEvents`), the edits a
sync makes to it (`CalendarCopy`), and the merged busy time a window of cached days
holds (`busy_ranges`).

calendar_cache.py names these with the rest of the hosts' calendars.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from chalicelib.domain.timerange import TimeRange, merge

# The ids of one calendar's blocking events, each with its time, by UTC day.
DayEvents = dict[str, TimeRange]


def utc_days(when: TimeRange) -> list[date]:
    """The UTC days `when` touches (its end is exclusive)."""
    first, last = when.start.astimezone(UTC).date(), (when.end - timedelta(microseconds=1)
                                                       ).astimezone(UTC).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass
class CalendarCopy:
    """One calendar's cached events by UTC day, as the store holds them, and the edits a
    sync makes to it; `changed_days()` is what must be written back."""

    days: dict[date, DayEvents] = field(default_factory=dict)
    _touched: set[date] = field(default_factory=set)

    @classmethod
    def of(cls, days: Mapping[date, DayEvents]) -> CalendarCopy:
        return cls({d: dict(events) for d, events in days.items()})

    def remove(self, event_id: str) -> None:
        for day, events in self.days.items():
            if events.pop(event_id, None) is not None:
                self._touched.add(day)

    def put(self, event_id: str, when: TimeRange) -> None:
        days = utc_days(when)
        held = [day for day, events in self.days.items() if event_id in events]
        if held == days and all(self.days[day][event_id] == when for day in days):
            return  # already there as it is: nothing to write back
        self.remove(event_id)
        for day in utc_days(when):
            self.days.setdefault(day, {})[event_id] = when
            self._touched.add(day)

    def clear(self, window: TimeRange) -> None:
        """Forget every day of `window` (a full listing replaces them)."""
        for day in utc_days(window):
            if self.days.pop(day, None):
                self._touched.add(day)

    def changed_days(self) -> dict[date, DayEvents]:
        """Each touched day's events now (empty: the day has none left)."""
        return {day: self.days.get(day, {}) for day in sorted(self._touched)}


def busy_ranges(days: Iterable[DayEvents], window: TimeRange) -> list[TimeRange]:
    """The merged busy time within `window` of cached days."""
    inside = [TimeRange(max(w.start, window.start), min(w.end, window.end))
              for events in days for w in events.values() if w.overlaps(window)]
    return merge(inside)
