"""What the providers' push channels bring: a notification that a watched calendar
changed, a channel the provider ended early, and a channel the calendar worker is asked to
make.

A notification is trusted only with the token its channel was made with, and its sync is
short (`READ_TIMEOUT`): Graph wants its answer within 3 s, and Google retries slow ones.
When the sync fails, the copy is marked changed instead, so the next read syncs it. A
Graph subscription Penny never recorded is an orphan (services/calendar_orphans.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup
from chalicelib.domain.errors import BookingContentionError, NotConnectedError, ProviderError
from chalicelib.services.calendar_copy_sync import CalendarCopySync
from chalicelib.services.calendar_event_owners import notice_deleted
from chalicelib.services.calendar_orphans import OrphanWatches
from chalicelib.services.calendar_ports import READ_TIMEOUT
from chalicelib.services.calendar_records import WATCH_TIMEOUT


class CalendarPushes(CalendarCopySync, OrphanWatches):
    """Held by CalendarCache (services/calendar_cache.py), which has the fields."""

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
