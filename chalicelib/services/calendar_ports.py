"""What the calendar services need from the outside: the hosts' provider adapters, the
store of calendar copies and channels (services/calendar_cache.py, fresh_busy.py), and
the owner records of Penny's events (services/calendar_event_owners.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.calendar_cache import (
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    Channel,
    ChannelCursor,
    DayEvents,
    RemovedCalendar,
    SyncState,
    WatchAttempt,
)
from chalicelib.domain.event_envelope import Event
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.providers.calendars import CalendarProvider
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.domain.providers.video import VideoProvider
from chalicelib.domain.timerange import TimeRange

GRACE = 0.5  # seconds past the calls' own timeout a wait for them allows
READ_TIMEOUT = 2.0  # seconds a slots page, or a notification, waits for a calendar's sync


class ProviderAdapters(Protocol):
    """The host's adapter for a provider, made with the host's credentials
    (bootstrap.HostAdapters). NotConnectedError when the host has not connected it;
    ConnectionBrokenError when it is broken."""

    def calendar(self, host_id: str, provider: str, timeout: float) -> CalendarProvider: ...
    def video(self, host_id: str, provider: str, timeout: float) -> VideoProvider: ...

    def broken(self, host_id: str, provider: str, reason: str) -> None:
        """The provider refused the host's connection (a 401 or 403 after the token was
        good: access withdrawn there): flagged for the host, who sees it live, and later
        calls fail fast until they reconnect."""
        ...


class CalendarStore(Protocol):
    """store/calendar_cache.py."""

    def setup(self, host_id: str) -> CalendarSetup: ...
    def change(self, host_id: str, edit: Callable[[CalendarSetup], CalendarSetup],
               seen: CalendarSetup | None = None) -> CalendarSetup: ...
    def tell_removed(self, host_id: str, removed: RemovedCalendar) -> None:
        """The host's open dashboards hear of a calendar Penny took out (live)."""
        ...

    def copy(self, host_id: str, ref: CalendarRef, window: TimeRange) -> CalendarCopy: ...
    def write(self, host_id: str, ref: CalendarRef, days: dict[date, DayEvents]) -> None: ...
    def save_watch(self, provider: str, watch_id: str, host_id: str, ref: CalendarRef,
                   token: str, expires_at: datetime, cursor: str | None = None) -> None: ...
    def find_channel(self, provider: str, watch_id: str, token: str) -> Channel | None: ...
    def find_watch(self, provider: str, watch_id: str, token: str
                   ) -> tuple[str, CalendarRef] | None: ...
    def channel_cursor(self, provider: str, watch_id: str) -> ChannelCursor | None: ...
    def move_cursor(self, provider: str, watch_id: str, seen: ChannelCursor,
                    token: str | None, synced_at: datetime | None = None) -> bool: ...
    def reset_cursor(self, provider: str, watch_id: str) -> bool: ...
    def forget_watch(self, provider: str, watch_id: str,
                     moved: ChannelCursor | None = None) -> bool: ...
    def save_attempt(self, provider: str, token: str, attempt: WatchAttempt,
                     keep_until: datetime) -> None:
        """A channel about to be asked of a provider that names it (Graph), found by
        its token: store/calendar_watch_attempts.py."""
        ...
    def find_attempt(self, provider: str, token: str, now: datetime) -> WatchAttempt | None: ...
    def forget_attempt(self, provider: str, token: str) -> None: ...


class WatchAsks(Protocol):
    """Where a sync too short for a provider's watch call asks the calendar worker for
    the channel (`calendar.watch_requested`): the booking-events topic
    (integrations/sns.py)."""

    def publish(self, event: Event) -> None: ...


class EventOwners(Protocol):
    """Whose booking each event Penny made is, and the flag on a booking whose event the
    host deleted (store/event_owners.py)."""

    def owner(self, provider: str, event_id: str) -> EventOwner | None: ...
    def put(self, owner: EventOwner) -> None: ...
    def forget(self, provider: str, event_id: str) -> None: ...

    def follow(self, owner: EventOwner, to: str, ref: ProviderRef,
               moved: ProviderRef) -> bool:
        """The owner's event, moved by the host to calendar `to` (a CalendarRef key):
        its owner record names `to`, and the booking's record of it `ref` becomes
        `moved` (one transaction, while the owner record names the booking in its old
        calendar and `ref` is still what is stored); whether they did."""
        ...

    def flag_removed(self, owner: EventOwner, at: datetime) -> bool:
        """Flag `calendar_event_removed_at` on the owner's booking, if its owner record
        still names it and it is confirmed and not flagged yet (one transaction: the
        record checked with the booking's conditional write); whether it was.
        BookingContentionError when other transactions on the booking kept cancelling
        it."""
        ...


class Deadline:
    """One time budget shared by waits made one after another."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._ends - time.monotonic())


def channel_cursor(store: CalendarStore, state: SyncState) -> ChannelCursor | None:
    """The cursor on the calendar's channel (None: no channel, or it is gone)."""
    if state.watch_id is None:
        return None
    return store.channel_cursor(state.ref.provider, state.watch_id)
