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

from chalicelib.domain.calendar_channels import Channel, ChannelCursor
from chalicelib.domain.calendar_copy import CalendarCopy, DayEvents, busy_ranges, utc_days
from chalicelib.domain.calendar_refs import CalendarRef
from chalicelib.domain.calendar_trust import (
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
    "SyncState",
    "busy_ranges",
    "sync_window",
    "utc_days",
]


@dataclass(frozen=True)
class CalendarSetup:
    """The host's choice: which calendars count for conflicts (each with its sync
    state), and which receives new bookings."""

    conflicts: tuple[SyncState, ...] = ()
    destination: CalendarRef | None = None

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
                             destination)

    def providers(self) -> tuple[str, ...]:
        return tuple(sorted({s.ref.provider for s in self.conflicts}))
