"""An in-memory CalendarStore (services/calendar_cache.py), keeping store/calendar_cache.py's
contract: the setup belongs to a host that exists (for one that does not, it is empty
and `change` writes nothing), a day written with no events is gone, a copy holds the UTC
days first..last of its window, a watch is found only with its own token (and an
attempt at one by its token, until it is past keeping), and a channel's cursor moves
only from the version a sync read.

`setups` may be shared with FakeHosts (tests/unit/fakes.py), as the real setup rides on
the host's profile item; `days_between` answers what BookingRepository.ledger reads
beside the ledger days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from chalicelib.domain.calendar_cache import (
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    Channel,
    ChannelCursor,
    DayEvents,
    RemovedCalendar,
    WatchAttempt,
)
from chalicelib.domain.events import Event
from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class StoredWatch:
    host_id: str
    ref: CalendarRef
    token: str
    expires_at: datetime
    cursor: ChannelCursor = field(default_factory=ChannelCursor)


@dataclass
class FakeCalendarStore:
    setups: dict[str, CalendarSetup] = field(default_factory=dict)       # by host id
    days: dict[tuple[str, CalendarRef], dict[date, DayEvents]] = field(default_factory=dict)
    watches: dict[tuple[str, str], StoredWatch] = field(default_factory=dict)
    # Channels asked of a provider that names them, by (provider, token), with when
    # they are kept until.
    attempts: dict[tuple[str, str], tuple[WatchAttempt, datetime]] = field(
        default_factory=dict)
    changes: int = 0     # setups written
    cursor_moves: int = 0   # channels' cursors moved
    told: list[tuple[str, RemovedCalendar]] = field(default_factory=list)  # live news
    # What another Lambda does just before a call here (`meanwhile`), one per call.
    rivals: dict[str, list[Callable[[], object]]] = field(default_factory=dict)

    def meanwhile(self, method: str, rival: Callable[[], object]) -> None:
        self.rivals.setdefault(method, []).append(rival)

    def _before(self, method: str) -> None:
        rivals = self.rivals.get(method, [])
        if rivals:
            rivals.pop(0)()

    def add_host(self, host_id: str, setup: CalendarSetup | None = None) -> None:
        self.setups[host_id] = setup or CalendarSetup()

    # ---- the setup -------------------------------------------------------------------

    def tell_removed(self, host_id: str, removed: RemovedCalendar) -> None:
        self.told.append((host_id, removed))

    def setup(self, host_id: str) -> CalendarSetup:
        return self.setups.get(host_id, CalendarSetup())

    def change(self, host_id: str, edit: Callable[[CalendarSetup], CalendarSetup],
               seen: CalendarSetup | None = None) -> CalendarSetup:
        self._before("change")  # a rival's write lands first: the edit sees it
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
        self._before("write")
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
                   token: str, expires_at: datetime, cursor: str | None = None) -> None:
        self._before("save_watch")
        self.watches[(provider, watch_id)] = StoredWatch(host_id, ref, token, expires_at,
                                                         ChannelCursor(cursor, 1))

    def find_channel(self, provider: str, watch_id: str, token: str) -> Channel | None:
        found = self.watches.get((provider, watch_id))
        if found is None or found.token != token:
            return None
        return Channel(found.host_id, found.ref, found.cursor)

    def find_watch(self, provider: str, watch_id: str, token: str
                   ) -> tuple[str, CalendarRef] | None:
        found = self.find_channel(provider, watch_id, token)
        return None if found is None else (found.host_id, found.ref)

    def channel_cursor(self, provider: str, watch_id: str) -> ChannelCursor | None:
        found = self.watches.get((provider, watch_id))
        return None if found is None else found.cursor

    def move_cursor(self, provider: str, watch_id: str, seen: ChannelCursor,
                    token: str | None, synced_at: datetime | None = None) -> bool:
        self._before("move_cursor")
        found = self.watches.get((provider, watch_id))
        if found is None or found.cursor.version != seen.version:
            return False
        self.watches[(provider, watch_id)] = replace(found, cursor=seen.moved(token, synced_at))
        self.cursor_moves += 1
        return True

    def reset_cursor(self, provider: str, watch_id: str) -> bool:
        found = self.watches.get((provider, watch_id))
        if found is None:
            return False
        self.watches[(provider, watch_id)] = replace(found, cursor=found.cursor.moved(None))
        return True

    def forget_watch(self, provider: str, watch_id: str,
                     moved: ChannelCursor | None = None) -> bool:
        found = self.watches.get((provider, watch_id))
        if found is not None and moved is not None and found.cursor.version != moved.version:
            return False
        self.watches.pop((provider, watch_id), None)
        return True

    def save_attempt(self, provider: str, token: str, attempt: WatchAttempt,
                     keep_until: datetime) -> None:
        self.attempts[(provider, token)] = (attempt, keep_until)

    def find_attempt(self, provider: str, token: str, now: datetime) -> WatchAttempt | None:
        found = self.attempts.get((provider, token))
        return None if found is None or found[1] <= now else found[0]

    def forget_attempt(self, provider: str, token: str) -> None:
        self.attempts.pop((provider, token), None)


@dataclass
class FakeWatchAsks:
    """The booking-events topic as a short sync asks the calendar worker for a push
    channel on it (services/calendar_ports.py WatchAsks): what was published."""

    published: list[Event] = field(default_factory=list)

    def publish(self, event: Event) -> None:
        self.published.append(event)

    def calendars(self) -> list[str]:
        """The calendars asked for, in order (CalendarRef keys)."""
        return [str((e.connection or {}).get("calendar")) for e in self.published]
