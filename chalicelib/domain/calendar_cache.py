"""The hosts' calendars as Penny keeps them: which count, and how far a cached copy is
trusted.

A slots request never asks a provider: it reads a per-host copy of the busy time of the
calendars the host chose for conflicts (store/calendar_cache.py), kept beside the ledger
so the same Query reads both. Each such calendar has a `SyncState`, kept on the host's
profile item so the config read that starts every request already has it; its sync
cursor, which only a sync needs and which moves on every pushed change, is kept on its
push channel's item instead (`ChannelCursor`). The rules of trust are
calendar_trust.py's.

This module holds the host's choice of calendars (`CalendarSetup`) and names the rest,
each in its own module: one calendar (calendar_refs.py), the rules of trust and the
window a full listing reads (calendar_trust.py), a push channel and its cursor
(calendar_channels.py), and a calendar's copy by UTC day with the busy time it holds
(calendar_copy.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain.calendar_channels import Channel, ChannelCursor, WatchAttempt
from chalicelib.domain.calendar_copy import CalendarCopy, DayEvents, busy_ranges, utc_days
from chalicelib.domain.calendar_refs import CalendarRef
from chalicelib.domain.calendar_trust import (
    ASK_WATCH_AGAIN_AFTER,
    BOOKING_TRUSTS_CACHE_FOR,
    CACHE_TTL,
    HORIZON,
    LIMIT_GRACE,
    LOOK_BACK,
    RENEW_WATCH_BEFORE,
    RESYNC_WHEN_LEFT,
    SYNC_LIMIT,
    WATCH_FOR,
    SyncState,
    sync_window,
)

__all__ = [
    "ASK_WATCH_AGAIN_AFTER",
    "BOOKING_TRUSTS_CACHE_FOR",
    "CACHE_TTL",
    "HORIZON",
    "LIMIT_GRACE",
    "LOOK_BACK",
    "RENEW_WATCH_BEFORE",
    "RESYNC_WHEN_LEFT",
    "SYNC_LIMIT",
    "WATCH_FOR",
    "CalendarCopy",
    "CalendarRef",
    "CalendarSetup",
    "Channel",
    "ChannelCursor",
    "DayEvents",
    "RemovedCalendar",
    "SyncState",
    "WatchAttempt",
    "busy_ranges",
    "sync_window",
    "utc_days",
]


REMOVED_KEPT = 10  # the calendars Penny took out that the host is still shown


@dataclass(frozen=True)
class RemovedCalendar:
    """A calendar Penny took out of the host's choice because the provider says the host
    can no longer read it (deleted, or no longer shared): shown to the host, with why."""

    ref: CalendarRef
    reason: str
    removed_at: datetime
    was_destination: bool = False   # new bookings went to it: now to no calendar


@dataclass(frozen=True)
class CalendarSetup:
    """The host's choice: which calendars count for conflicts (each with its sync
    state), which receives new bookings, and those Penny took out (gone at the
    provider), until the host chooses them again or disconnects their provider."""

    conflicts: tuple[SyncState, ...] = ()
    destination: CalendarRef | None = None
    removed: tuple[RemovedCalendar, ...] = ()

    @property
    def refs(self) -> tuple[CalendarRef, ...]:
        return tuple(s.ref for s in self.conflicts)

    def state(self, ref: CalendarRef) -> SyncState | None:
        return next((s for s in self.conflicts if s.ref == ref), None)

    def with_state(self, state: SyncState) -> CalendarSetup:
        return replace(self, conflicts=tuple(state if s.ref == state.ref else s
                                             for s in self.conflicts))

    def without_provider(self, provider: str) -> CalendarSetup:
        destination = self.destination
        if destination is not None and destination.provider == provider:
            destination = None
        return CalendarSetup(tuple(s for s in self.conflicts if s.ref.provider != provider),
                             destination,
                             tuple(r for r in self.removed if r.ref.provider != provider))

    def without_gone(self, ref: CalendarRef, reason: str, at: datetime) -> CalendarSetup:
        """The calendar taken out (of the conflicts, and as the destination) because the
        provider says the host can no longer read it, and kept among the removed."""
        if self.state(ref) is None and self.destination != ref:
            return self  # taken out already (or never counted)
        gone = RemovedCalendar(ref, reason, at, self.destination == ref)
        kept = tuple(r for r in self.removed if r.ref != ref)[-(REMOVED_KEPT - 1):]
        return CalendarSetup(tuple(s for s in self.conflicts if s.ref != ref),
                             None if self.destination == ref else self.destination,
                             (*kept, gone))

    def chosen(self, conflicts: tuple[SyncState, ...],
               destination: CalendarRef | None) -> CalendarSetup:
        """The host's new choice; a removed calendar chosen again is no longer shown
        removed."""
        again = {s.ref for s in conflicts} | {destination}
        return CalendarSetup(conflicts, destination,
                             tuple(r for r in self.removed if r.ref not in again))

    def providers(self) -> tuple[str, ...]:
        return tuple(sorted({s.ref.provider for s in self.conflicts}))
