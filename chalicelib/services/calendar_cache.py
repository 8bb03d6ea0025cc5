"""The hosts' calendars as busy time: the cached copy a slots page reads, the sync that
keeps it, and the push notifications that start a sync.

A slots request asks no provider while the copy is fresh (domain/calendar_trust.py);
it reads the copy with the ledger in its second round trip. When a calendar's copy is
not fresh (no push channel and older than its short expiry, a notification not synced
yet, a window past what it holds), the request syncs that calendar first, all of them in
parallel under `READ_TIMEOUT`; a provider that does not answer in time leaves the copy as
it is and the answer says `stale`.

A sync (services/calendar_copy_sync.py) reads what changed into the copy and writes back
only the days it changed, then records the rest (services/calendar_records.py).

`CalendarCache` holds the fields and answers the slots pages; it inherits the sync, the
host's choice of calendars (services/calendar_choice.py), and the push notifications
(services/calendar_pushes.py), with what becomes of a Graph subscription made while
Penny's POST went unanswered (services/calendar_orphans.py).

A booking asks the providers afresh instead: services/fresh_busy.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.calendar_cache import CalendarRef, SyncState, busy_ranges
from chalicelib.domain.errors import BookingContentionError, NotConnectedError, ProviderError
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_choice import CalendarChoice
from chalicelib.services.calendar_ports import (
    GRACE,
    READ_TIMEOUT,
    CalendarStore,
    Deadline,
    EventOwners,
    ProviderAdapters,
    WatchAsks,
)
from chalicelib.services.calendar_pushes import CalendarPushes
from chalicelib.services.ports import Clock

if TYPE_CHECKING:  # services.jobs is the workers': the API's sync path does not load it
    from chalicelib.services.jobs import ProviderRefs


@dataclass(frozen=True)
class CalendarCache(CalendarChoice, CalendarPushes):
    adapters: ProviderAdapters
    store: CalendarStore
    clock: Clock
    notify_url: Callable[[str], str]          # provider -> the address it posts to
                                              # (/webhooks/calendar/{provider})
    new_id: Callable[[], str] = lambda: secrets.token_hex(16)
    # Whose booking each of Penny's events is: a sync flags the booking whose event the
    # host deleted (services/calendar_event_owners.py). None: nothing is flagged.
    owners: EventOwners | None = None
    # The bookings' records of their events: a sync follows an event the host moved to
    # another of their calendars (services/calendar_event_moves.py). None: flagged.
    refs: ProviderRefs | None = None
    # Where a short sync asks the calendar worker for a channel it may not make itself
    # (services/calendar_records.py). None: no worker is there, and none is asked.
    asks: WatchAsks | None = None

    # ---- Penny's own events -------------------------------------------------------------

    def records_own_writes(self, state: SyncState) -> bool:
        """May Penny's own new event go straight into this calendar's copy, with no sync?
        Only while a push channel watches it and needs no renewal yet, and its last sync
        worked: the provider then pushes the change too, and that sync finds the event
        already there (same id). Otherwise a sync does it, renewing the channel."""
        now = self.clock.now()
        return (state.watching(now) and not state.needs_watch(now)
                and state.synced_at is not None and state.failure is None)

    def record_own(self, host_id: str, ref: CalendarRef, event_id: str,
                   when: TimeRange) -> None:
        """Put an event Penny just made in the calendar into its copy (one Query of the
        days it covers, one write of those days): the slots pages see it at once, and no
        provider is asked."""
        copy = self.store.copy(host_id, ref, when)
        copy.put(event_id, when)
        self.store.write(host_id, ref, copy.changed_days())

    # ---- what a slots page reads --------------------------------------------------------

    def refresh(self, host_id: str, states: Sequence[SyncState], window: TimeRange
                ) -> dict[CalendarRef, list[TimeRange]]:
        """Sync the stale calendars in parallel for a slots page: each one that synced
        in time, with its busy time in `window`; those that did not are left out (the
        page then reads their copies as they are, and says so). A sync stopped by a
        deleted event's booking that other transactions kept busy is one that did not:
        its cursor stays, so the next sync flags it, and the page is never refused."""
        if not states:
            return {}
        pool = ThreadPoolExecutor(max_workers=min(4, len(states)))
        futures = {s.ref: pool.submit(self.sync, host_id, s, READ_TIMEOUT, until=window.end)
                   for s in states}
        fresh: dict[CalendarRef, list[TimeRange]] = {}
        deadline = Deadline(READ_TIMEOUT + GRACE)  # one for all: they run side by side
        try:
            for ref, future in futures.items():
                try:
                    synced = future.result(timeout=deadline.left())
                except (ProviderError, NotConnectedError, BookingContentionError,
                        FutureTimeout):
                    continue
                fresh[ref] = busy_ranges(synced.copy.days.values(), window)
        finally:
            pool.shutdown(wait=False)
        return fresh
