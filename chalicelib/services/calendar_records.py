"""What a calendar sync records besides the days of its copy: the host's setup when what
a slots request reads from it changed, the push channel (renewed, stopped), a failure
(a calendar gone at the provider taken out: services/calendar_gone.py), and an overlap
of syncs that leaves whose days are right unknown.

The host's setup (on the profile item, which is on the slug index) is written only when
what a slots request reads from it changes. A sync renews the calendar's push channel
when it ends within a day, carrying the cursor, so channels of hosts with traffic never
lapse and nothing is billed while idle.

Graph checks a new subscription's notificationUrl while its POST waits (Penny's endpoint
has 10 s to answer, a cold Lambda among them), so a subscription is made only by a sync
that may wait `WATCH_TIMEOUT`: the calendar worker's. A shorter one (a slots page's, a
notification's, the choice of calendars') leaves the copy right and asks the worker for
the channel: it records when it asked on the calendar's state, in the setup write it
makes anyway (a conditional write: of two syncs at once, one asks), and publishes one
`calendar.watch_requested`; the syncs after it do not ask again for
`ASK_WATCH_AGAIN_AFTER`. Made at 2 s, the POST timed out while Graph went on to make the
subscription: an orphan Penny never recorded, one more on each stale page. Each POST
is recorded first (one write), so that an orphan the worker's POST still leaves is known
by its clientState when it notifies (services/calendar_orphans.py). Google's
events.watch calls no one back: its channels are renewed by any sync, as before.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.domain.calendar_cache import (
    WATCH_FOR,
    CalendarRef,
    CalendarSetup,
    ChannelCursor,
    SyncState,
    WatchAttempt,
)
from chalicelib.domain.connection_events import calendar_watch_asked_event
from chalicelib.domain.errors import CalendarGoneError, ConnectionBrokenError, ProviderError
from chalicelib.domain.providers.calendars import CalendarProvider
from chalicelib.services.calendar_gone import forget_gone
from chalicelib.services.calendar_ports import CalendarStore, ProviderAdapters, WatchAsks
from chalicelib.services.calendar_sync_states import Reading, Synced, kept_state, still_true
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.calendars")

# Longer than Graph's 10 s for the validation its subscription POST waits on.
WATCH_TIMEOUT = 15.0
# The providers whose watch call waits on a call back to Penny (Graph's validation).
WATCH_CALLS_BACK = frozenset({"microsoft"})
# An attempt is kept this long past the longest channel it asked for.
KEEP_ATTEMPT_PAST = timedelta(days=1)


class CalendarRecords:
    """Held by CalendarCache (services/calendar_cache.py), which has these fields."""

    adapters: ProviderAdapters
    store: CalendarStore
    clock: Clock
    notify_url: Callable[[str], str]
    new_id: Callable[[], str]
    asks: WatchAsks | None

    def _record(self, host_id: str, calendar: CalendarProvider, read: Reading,
                noticed: datetime | None, seen: CalendarSetup | None,
                timeout: float) -> Synced:
        """Renew the channel when due (or ask the calendar worker to, when `timeout`, the
        sync's, is too short for the provider's watch call), and write the host's setup
        when what a slots request reads from it changed."""
        stored, mine, old = read.state, read.mine, None
        now = self.clock.now()
        asking = False
        if mine.needs_watch(mine.synced_at or now):
            if timeout >= WATCH_TIMEOUT or mine.ref.provider not in WATCH_CALLS_BACK:
                old, mine = mine, self._watch(host_id, calendar, mine)
            else:
                asking = self.asks is not None and not mine.watch_asked(now)
        renewed = mine.watch_id != stored.watch_id
        on_channel = read.moved is not None or (renewed and mine.watch_id is not None)
        if on_channel and not read.full and not renewed and still_true(stored, mine) \
                and mine.watching(now) and not asking:
            # What the slots request reads (fresh while the channel lives, covering as
            # far) is as true as before: the profile item, on the slug index, is not
            # rewritten. (A channel that ended, and could not be renewed, leaves the copy
            # fresh only for a while after its last recorded sync: that is written.)
            return Synced(mine, read.copy)
        kept = replace(mine, cursor=None) if on_channel else mine
        rival: SyncState | None = None
        asked: datetime | None = None

        def edit(setup: CalendarSetup) -> CalendarSetup:
            nonlocal rival, asked
            current = setup.state(kept.ref)
            rival = current if renewed and current is not None and current.watch_id \
                not in (None, stored.watch_id, kept.watch_id) else None
            if rival is not None:  # its channel stays: this one's would be a stray
                return self._merge(setup, kept.on_channel_of(rival), noticed)
            # A channel made meanwhile by another sync (the calendar worker's, asked by
            # this one or an earlier one) stays named: this sync made none.
            ours = kept
            if not renewed and current is not None and \
                    current.watch_id not in (None, stored.watch_id):
                ours = kept.on_channel_of(current)
            merged = self._merge(setup, ours, noticed)
            # The ask is this sync's only if the setup as stored has none still standing
            # (the write is conditional on it: another sync's ask is seen on the retry).
            after = merged.state(kept.ref)
            asked = now if asking and after is not None and after.needs_watch(now) \
                and not after.watch_asked(now) else None
            if asked is None or after is None:
                return merged
            return merged.with_state(replace(after, watch_asked_at=asked))

        self.store.change(host_id, edit, seen)
        if asked is not None:
            self._ask_watch(host_id, mine.ref, asked)
        if rival is not None:
            # Another sync renewed the channel meanwhile and recorded its own (and stops
            # the old one): the one this sync made is stopped, not left to send
            # notifications no setup names until it ends.
            self._stop(calendar, mine)
            return Synced(mine.on_channel_of(rival), read.copy)
        # The old channel goes once the setup names the new one; if its cursor was reset
        # meanwhile (a sync overlapped this one), the new channel's is too.
        if renewed and old is not None and not self._stop(calendar, old, read.moved):
            self._overlapped(host_id, mine.ref)
        return Synced(mine, read.copy)

    def _ask_watch(self, host_id: str, ref: CalendarRef, at: datetime) -> None:
        """Publish the ask recorded at `at` to the calendar worker. Best effort: one
        that is lost is asked again by a sync after `ASK_WATCH_AGAIN_AFTER`."""
        if self.asks is None:
            return
        try:
            self.asks.publish(calendar_watch_asked_event(host_id, ref.key, at))
        except Exception:
            log.exception("asking the calendar worker for a watch failed",
                          extra={"provider": ref.provider})

    def _refused(self, host_id: str, ref: CalendarRef, exc: ProviderError) -> None:
        if isinstance(exc, CalendarGoneError):
            # Deleted, or no longer shared: this calendar only, never the connection.
            forget_gone(self.store, host_id, ref, exc.message, self.clock.now())
            return
        if isinstance(exc, ConnectionBrokenError):
            self.adapters.broken(host_id, ref.provider, exc.message)
        self._failed(host_id, ref, exc)

    def _overlapped(self, host_id: str, ref: CalendarRef) -> None:
        """Other syncs of the calendar kept moving its cursor while this one ran (or
        reset the channel this sync's renewal replaced): whose days are right is not
        known. The calendar's current channel forgets its cursor (a sync still running
        then fails to move it, and reads again in full), and the copy is marked changed:
        the next read lists in full, which repairs it."""
        for _ in range(3):
            current = self.store.setup(host_id).state(ref)
            if current is None:
                return  # no longer counted (the host disconnected meanwhile)
            if current.watch_id is None or \
                    self.store.reset_cursor(ref.provider, current.watch_id):
                break
            # The channel was replaced meanwhile: the setup names the new one.
        now = self.clock.now()

        def edit(setup: CalendarSetup) -> CalendarSetup:
            current = setup.state(ref)
            if current is None:
                return setup
            return setup.with_state(replace(current, cursor=None,
                                            changed_at=max(now, current.changed_at or now)))

        self.store.change(host_id, edit)

    def _merge(self, setup: CalendarSetup, mine: SyncState,
               noticed: datetime | None = None) -> CalendarSetup:
        current = setup.state(mine.ref)
        return setup if current is None else setup.with_state(kept_state(current, mine, noticed))

    def _failed(self, host_id: str, ref: CalendarRef, exc: ProviderError) -> None:
        reason = f"{exc.code}: {exc.message}"
        log.warning("calendar sync failed", extra={"provider": ref.provider,
                                                   "error_code": exc.code})

        def edit(setup: CalendarSetup) -> CalendarSetup:
            current = setup.state(ref)
            return setup if current is None else setup.with_state(
                replace(current, failure=reason))

        self.store.change(host_id, edit)

    def _watch(self, host_id: str, calendar: CalendarProvider, state: SyncState) -> SyncState:
        """A new push channel for the calendar (the old one stopped); on failure the copy
        keeps its short expiry and the next sync tries again."""
        ref, now = state.ref, self.clock.now()
        token = secrets.token_urlsafe(24)
        if ref.provider in WATCH_CALLS_BACK:
            # Graph names the subscription, and may make it while the POST goes
            # unanswered: recorded first, it is known by its clientState when it
            # notifies, and adopted or deleted (services/calendar_orphans.py).
            self.store.save_attempt(ref.provider, token, WatchAttempt(host_id, ref, now),
                                    now + WATCH_FOR + KEEP_ATTEMPT_PAST)
        try:
            watch = calendar.watch(ref.calendar_id, self.notify_url(ref.provider),
                                   self.new_id(), token, now + WATCH_FOR)
        except ProviderError as exc:
            log.warning("calendar watch failed", extra={"provider": ref.provider,
                                                        "error_code": exc.code})
            return state
        # The new channel carries the cursor this sync reached; the old one is stopped
        # once the setup names the new one (`sync`).
        self.store.save_watch(ref.provider, watch.id, host_id, ref, token, watch.expires_at,
                              state.cursor)
        return replace(state, watch_id=watch.id, watch_expires_at=watch.expires_at,
                       watch_resource=watch.resource_id, watch_asked_at=None)

    def _stop(self, calendar: CalendarProvider, state: SyncState,
              moved: ChannelCursor | None = None) -> bool:
        """Stop the channel and forget it; with `moved`, False if its cursor is no longer
        that one (it was reset meanwhile)."""
        from chalicelib.domain.providers.calendars import Watch

        if state.watch_id is None:
            return True
        # One that cannot be stopped ends on its own; its notifications find no watch.
        with suppress(ProviderError):
            calendar.stop(Watch(state.watch_id, state.ref.calendar_id,
                                state.watch_expires_at or self.clock.now(),
                                state.watch_resource))
        return self.store.forget_watch(state.ref.provider, state.watch_id, moved)
