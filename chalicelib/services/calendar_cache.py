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

`CalendarCache` holds the fields, answers the slots pages and the push notifications,
and inherits the sync and the host's choice of calendars (services/calendar_choice.py),
and what becomes of a Graph subscription made while Penny's POST went unanswered
(services/calendar_orphans.py).

A booking asks the providers afresh instead: services/fresh_busy.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.calendar_cache import (
    CalendarRef,
    CalendarSetup,
    SyncState,
    busy_ranges,
)
from chalicelib.domain.errors import BookingContentionError, NotConnectedError, ProviderError
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_choice import CalendarChoice
from chalicelib.services.calendar_event_owners import notice_deleted
from chalicelib.services.calendar_orphans import OrphanWatches
from chalicelib.services.calendar_ports import (
    GRACE,
    CalendarStore,
    Deadline,
    EventOwners,
    ProviderAdapters,
    WatchAsks,
)
from chalicelib.services.calendar_records import WATCH_TIMEOUT
from chalicelib.services.ports import Clock

if TYPE_CHECKING:  # services.jobs is the workers': the API's sync path does not load it
    from chalicelib.services.jobs import ProviderRefs

READ_TIMEOUT = 2.0       # seconds a slots page waits for a sync of a stale calendar


@dataclass(frozen=True)
class CalendarCache(CalendarChoice, OrphanWatches):
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

    # ---- push notifications -------------------------------------------------------------

    def notified(self, provider: str, watch_id: str, token: str,
                 deleted: Sequence[str] = (), expires: datetime | None = None) -> bool:
        """A provider says a watched calendar changed: sync it, from the cursor read with
        the channel (the host's setup is written only when what a slots request reads
        from it changes); if the sync fails, mark the copy not fresh instead, so the next
        read syncs it. A sync running meanwhile elsewhere keeps the mark (`kept_state`),
        so its older view never counts as fresh. `deleted`: the events the notification
        says were deleted (Graph's): the booking of each that is Penny's is flagged
        (services/calendar_event_owners.py), whether or not the sync works. When other
        transactions on a booking keep cancelling its flag, the copy is marked not fresh
        and BookingContentionError raised, for the provider to send it again (Outlook is
        read as a full window, where a deleted event is simply absent); a sync they stop
        that way (Google's listing of the deleted event) marks the copy not fresh.
        False (nothing changes) when the channel is unknown or the token is not its own;
        but a Graph subscription Penny never recorded, whose token is one Penny sent, is
        adopted and synced, or deleted at Graph (services/calendar_orphans.py; `expires`:
        its end as the notification states it), and one adopted meanwhile by a
        concurrent delivery is synced as a kept one."""
        found = self.store.find_channel(provider, watch_id, token)
        if found is None and self.adopted(provider, watch_id, token, expires):
            found = self.store.find_channel(provider, watch_id, token)
        if found is None:
            return False
        host_id, ref = found.host_id, found.ref
        now = self.clock.now()
        try:
            notice_deleted(self.owners, host_id, ref, deleted, now)
        except BookingContentionError:
            self._mark_changed(host_id, ref, now)
            raise
        setup = self.store.setup(host_id)
        state = setup.state(ref)
        if state is None:
            return True  # no longer counted: nothing to sync
        # The cursor read with the channel, when it is the calendar's channel (an older
        # one, replaced meanwhile, is not where the cursor is: the sync reads that).
        held = found.cursor if state.watch_id == watch_id else None
        # Short: Graph wants its answer within 3 s, and Google retries slow ones (a Graph
        # subscription due is asked of the calendar worker: services/calendar_records.py).
        try:
            self.sync(host_id, state, READ_TIMEOUT, noticed=now, seen=setup, channel=held)
        except (ProviderError, NotConnectedError, BookingContentionError):
            self._mark_changed(host_id, ref, now)
        return True

    def knows_channel(self, provider: str, watch_id: str) -> bool:
        """Is this a channel Penny keeps (whatever token came with it)? Asked only of a
        notification refused: one of a channel Penny does not keep (a subscription made
        at Graph after Penny stopped waiting for it, deleted there by `notified`, or one
        stopped) is accepted, as Graph retries any other answer for hours."""
        return self.store.channel_cursor(provider, watch_id) is not None

    def make_watch(self, host_id: str, ref: CalendarRef) -> bool:
        """The calendar worker's answer to `calendar.watch_requested`: the calendar's
        push channel made now, by a sync that may wait past the provider's validation of
        Penny's address (`WATCH_TIMEOUT`), unless it is no longer due (made meanwhile, or
        the calendar no longer counted). False when there was nothing to do. The sync's
        failures are raised (the job retries an outage); a watch the provider refuses
        leaves the copy on its short expiry, and a later sync asks again."""
        setup = self.store.setup(host_id)
        state = setup.state(ref)
        if state is None or not state.needs_watch(self.clock.now()):
            return False
        self.sync(host_id, state, WATCH_TIMEOUT, seen=setup)
        return True

    def channel_ended(self, provider: str, watch_id: str, token: str) -> bool:
        """The provider ended a watched calendar's channel before its time (Graph's
        `subscriptionRemoved`, or `reauthorizationRequired`, which ends it unless
        answered): the copy is no longer kept fresh by push. It is marked changed and
        its channel ended, so the next read syncs it and makes a new channel. False when
        the channel is unknown or the token is not its own."""
        found = self.store.find_watch(provider, watch_id, token)
        if found is None:
            return False
        host_id, ref = found
        now = self.clock.now()

        def edit(setup: CalendarSetup) -> CalendarSetup:
            current = setup.state(ref)
            if current is None or current.watch_id != watch_id:
                return setup
            return setup.with_state(replace(
                current, watch_expires_at=min(now, current.watch_expires_at or now),
                changed_at=max(now, current.changed_at or now)))

        self.store.change(host_id, edit)
        return True

    def _mark_changed(self, host_id: str, ref: CalendarRef, at: datetime) -> None:
        def edit(setup: CalendarSetup) -> CalendarSetup:
            current = setup.state(ref)
            if current is None or (current.changed_at is not None and current.changed_at >= at):
                return setup
            return setup.with_state(replace(current, changed_at=at))

        self.store.change(host_id, edit)
