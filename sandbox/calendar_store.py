"""One fake vendor's calendars: each account's primary and second calendar (the second
one can be deleted), their events, the change counter incremental sync reads, the push
channels (Google's watch channels, Graph's subscriptions) and which calendars a test
made fail.

Every change happens under one lock and bumps one counter; listeners hear of each change
after the lock is released (they post notifications from another thread).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sandbox.calendar_model import Calendar, CalendarEvent
from sandbox.model import Account

# (calendar, the event as it is now, "created" | "updated" | "deleted")
Listener = Callable[[Calendar, CalendarEvent, str], None]
# How a vendor names an account's calendars: (primary id, second id).
CalendarIds = Callable[[Account], tuple[str, str]]


@dataclass
class Watch:
    """A push channel: a Google watch channel or a Graph subscription."""

    id: str
    account_id: str
    calendar_ids: frozenset[str]
    address: str
    secret: str | None  # Google's channel token, Graph's clientState
    expires_at: datetime
    resource_id: str = field(default_factory=lambda: secrets.token_urlsafe(20))
    messages: int = 0  # Google's X-Goog-Message-Number, per channel
    extras: dict[str, Any] = field(default_factory=dict)


class CalendarStore:
    def __init__(self, accounts: dict[str, Account], ids: CalendarIds) -> None:
        self._accounts = accounts  # the authorization server's, so added accounts count
        self._ids = ids
        self._lock = threading.Lock()
        self._calendars: dict[str, Calendar] = {}
        self._events: dict[tuple[str, str], CalendarEvent] = {}
        self._watches: dict[str, Watch] = {}
        self._failing: dict[str, int] = {}  # calendar id -> the status it answers
        self._listeners: list[Listener] = []
        self.sequence = 0
        self.sync_floor = 0  # sync tokens issued before this change number answer 410

    # -- calendars ---------------------------------------------------------------------

    def calendars(self, account_id: str) -> list[Calendar]:
        """The account's calendars, primary first (made on first use)."""
        with self._lock:
            return self._seeded(account_id)

    def calendar(self, account_id: str, calendar_id: str) -> Calendar | None:
        with self._lock:
            return next((c for c in self._seeded(account_id)
                         if calendar_id in (c.id, "primary" if c.primary else None)), None)

    def remove_calendar(self, calendar_id: str) -> Calendar | None:
        """The calendar taken away with its events, as its owner deleting it does: its
        listings and its events' ids answer 404 from then on."""
        with self._lock:
            for key in [k for k in self._events if k[0] == calendar_id]:
                del self._events[key]
            return self._calendars.pop(calendar_id, None)

    def set_zone(self, calendar_id: str, zone: str) -> None:
        """The calendar's zone from now on (events already made keep theirs)."""
        with self._lock:
            self._calendars[calendar_id] = replace(self._calendars[calendar_id], zone=zone)

    def fail(self, calendar_id: str, failing: bool = True, status: int = 503) -> None:
        with self._lock:
            if failing:
                self._failing[calendar_id] = status
            else:
                self._failing.pop(calendar_id, None)

    def failing(self, calendar_id: str) -> bool:
        with self._lock:
            return calendar_id in self._failing

    def failure_status(self, calendar_id: str) -> int:
        with self._lock:
            return self._failing.get(calendar_id, 503)

    # -- events ------------------------------------------------------------------------

    def events(self, calendar_id: str, with_deleted: bool = False) -> list[CalendarEvent]:
        with self._lock:
            return [replace(e) for (cal, _), e in self._events.items()
                    if cal == calendar_id and (with_deleted or not e.deleted)]

    def changed_since(self, calendar_id: str, sequence: int) -> list[CalendarEvent]:
        with self._lock:
            return [replace(e) for (cal, _), e in self._events.items()
                    if cal == calendar_id and e.sequence > sequence]

    def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        with self._lock:
            event = self._events.get((calendar_id, event_id))
            return None if event is None or event.deleted else replace(event)

    def insert(self, event: CalendarEvent) -> CalendarEvent | None:
        """Add the event; None when its id is already taken on that calendar (even by a
        deleted event, as Google answers)."""
        with self._lock:
            key = (event.calendar_id, event.id)
            if key in self._events:
                return None
            self._events[key] = event
            stored = self._touch(event)
        self._tell(stored, "created")
        return stored

    def save(self, event: CalendarEvent) -> CalendarEvent:
        """Replace a live event with this new state."""
        with self._lock:
            self._events[(event.calendar_id, event.id)] = event
            stored = self._touch(event)
        self._tell(stored, "deleted" if event.deleted else "updated")
        return stored

    def move(self, event: CalendarEvent, destination_id: str) -> CalendarEvent | None:
        """Move a live event to another calendar, keeping its id (Google's events.move):
        the calendar it left keeps a tombstone (its incremental listing gives it as
        `cancelled`); None when a live event of that id is there already."""
        with self._lock:
            there = self._events.get((destination_id, event.id))
            if there is not None and not there.deleted:
                return None
            left = replace(event, deleted=True)
            self._events[(event.calendar_id, event.id)] = left
            gone = self._touch(left)
            arrived = replace(event, calendar_id=destination_id, deleted=False)
            self._events[(destination_id, event.id)] = arrived
            stored = self._touch(arrived)
        self._tell(gone, "deleted")
        self._tell(stored, "created")
        return stored

    def find(self, match: Callable[[CalendarEvent], bool]) -> CalendarEvent | None:
        with self._lock:
            return next((replace(e) for e in self._events.values() if match(e)), None)

    # -- push channels -----------------------------------------------------------------

    def add_watch(self, watch: Watch) -> None:
        with self._lock:
            self._watches[watch.id] = watch

    def watches(self, calendar_id: str | None = None) -> list[Watch]:
        """Live channels (on one calendar, or all), expired ones dropped."""
        now = datetime.now(UTC)
        with self._lock:
            for key in [k for k, w in self._watches.items() if w.expires_at <= now]:
                del self._watches[key]
            return [replace(w) for w in self._watches.values()
                    if calendar_id is None or calendar_id in w.calendar_ids]

    def update_watch(self, watch_id: str, **changes: Any) -> Watch | None:
        with self._lock:
            watch = self._watches.get(watch_id)
            if watch is None:
                return None
            for name, value in changes.items():
                setattr(watch, name, value)
            return replace(watch)

    def next_message(self, watch_id: str) -> int:
        with self._lock:
            watch = self._watches.get(watch_id)
            if watch is None:
                return 0
            watch.messages += 1
            return watch.messages

    def remove_watch(self, watch_id: str) -> Watch | None:
        with self._lock:
            return self._watches.pop(watch_id, None)

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # -- under the lock ----------------------------------------------------------------

    def _seeded(self, account_id: str) -> list[Calendar]:
        mine = [c for c in self._calendars.values() if c.account_id == account_id]
        account = self._accounts.get(account_id)
        if mine or account is None:
            return sorted(mine, key=lambda c: not c.primary)
        primary, second = self._ids(account)
        for calendar in (Calendar(primary, account_id, account.email, True),
                         Calendar(second, account_id, "Side projects", False)):
            self._calendars[calendar.id] = calendar
        return self._seeded(account_id)

    def _touch(self, event: CalendarEvent) -> CalendarEvent:
        self.sequence += 1
        event.sequence = self.sequence
        event.updated = datetime.now(UTC)
        return replace(event)

    def _tell(self, event: CalendarEvent, change: str) -> None:
        calendar = self._calendars.get(event.calendar_id)
        if calendar is not None:
            for listener in self._listeners:
                listener(calendar, event, change)
