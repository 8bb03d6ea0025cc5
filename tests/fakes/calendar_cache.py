"""An in-memory CalendarStore (services/calendar_cache.py), keeping store/calendar_cache.py's
contract: the setup belongs to a host that exists (for one that does not, it is empty
and `change` writes nothing), a day written with no events is gone, a copy holds the UTC
days first..last of its window, and a watch is found only with its own token.

`setups` may be shared with FakeHosts (tests/unit/fakes.py), as the real setup rides on
the host's profile item; `days_between` answers what BookingRepository.ledger reads
beside the ledger days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from chalicelib.domain.calendar_cache import CalendarCopy, CalendarRef, CalendarSetup, DayEvents
from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class StoredWatch:
    host_id: str
    ref: CalendarRef
    token: str
    expires_at: datetime


@dataclass
class FakeCalendarStore:
    setups: dict[str, CalendarSetup] = field(default_factory=dict)       # by host id
    days: dict[tuple[str, CalendarRef], dict[date, DayEvents]] = field(default_factory=dict)
    watches: dict[tuple[str, str], StoredWatch] = field(default_factory=dict)
    changes: int = 0     # setups written

    def add_host(self, host_id: str, setup: CalendarSetup | None = None) -> None:
        self.setups[host_id] = setup or CalendarSetup()

    # ---- the setup -------------------------------------------------------------------

    def setup(self, host_id: str) -> CalendarSetup:
        return self.setups.get(host_id, CalendarSetup())

    def change(self, host_id: str, edit: Callable[[CalendarSetup], CalendarSetup],
               seen: CalendarSetup | None = None) -> CalendarSetup:
        if host_id not in self.setups:
            return CalendarSetup()
        new = edit(self.setups[host_id])
        if new != self.setups[host_id]:
            self.setups[host_id] = new
            self.changes += 1
        return new

    # ---- the cached days ------------------------------------------------------------

    def copy(self, host_id: str, ref: CalendarRef, window: TimeRange) -> CalendarCopy:
        first, last = window.start.astimezone(UTC).date(), window.end.astimezone(UTC).date()
        held = self.days.get((host_id, ref), {})
        return CalendarCopy.of({d: e for d, e in held.items() if first <= d <= last})

    def write(self, host_id: str, ref: CalendarRef, days: dict[date, DayEvents]) -> None:
        held = self.days.setdefault((host_id, ref), {})
        for day, events in days.items():
            if events:
                held[day] = dict(events)
            else:
                held.pop(day, None)

    def days_between(self, host_id: str, first: date, last: date
                     ) -> dict[str, list[DayEvents]]:
        """Each calendar's cached days first..last, by CalendarRef.key (the ledger read)."""
        found: dict[str, list[DayEvents]] = {}
        for (host, ref), held in self.days.items():
            if host == host_id:
                for day in sorted(d for d in held if first <= d <= last):
                    found.setdefault(ref.key, []).append(dict(held[day]))
        return found

    # ---- push channels ----------------------------------------------------------------

    def save_watch(self, provider: str, watch_id: str, host_id: str, ref: CalendarRef,
                   token: str, expires_at: datetime) -> None:
        self.watches[(provider, watch_id)] = StoredWatch(host_id, ref, token, expires_at)

    def find_watch(self, provider: str, watch_id: str, token: str
                   ) -> tuple[str, CalendarRef] | None:
        found = self.watches.get((provider, watch_id))
        if found is None or found.token != token:
            return None
        return found.host_id, found.ref

    def forget_watch(self, provider: str, watch_id: str) -> None:
        self.watches.pop((provider, watch_id), None)
