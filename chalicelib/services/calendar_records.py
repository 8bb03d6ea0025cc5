"""What a calendar sync records besides the days of its copy: the host's setup when what
a slots request reads from it changed, the push channel (renewed, stopped), a failure
(a calendar gone at the provider taken out: services/calendar_gone.py), and an overlap
of syncs that leaves whose days are right unknown.

The host's setup (on the profile item, which is on the slug index) is written only when
what a slots request reads from it changes. A sync renews the calendar's push channel
when it ends within a day, carrying the cursor, so channels of hosts with traffic never
lapse and nothing is billed while idle.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import datetime

from chalicelib.domain.calendar_cache import (
    WATCH_FOR,
    CalendarRef,
    CalendarSetup,
    ChannelCursor,
    SyncState,
)
from chalicelib.domain.errors import CalendarGoneError, ConnectionBrokenError, ProviderError
from chalicelib.domain.providers.calendars import CalendarProvider
from chalicelib.services.calendar_gone import forget_gone
from chalicelib.services.calendar_ports import CalendarStore, ProviderAdapters
from chalicelib.services.calendar_sync_states import Reading, Synced, kept_state, still_true
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.calendars")


class CalendarRecords:
    """Held by CalendarCache (services/calendar_cache.py), which has these fields."""

    adapters: ProviderAdapters
    store: CalendarStore
    clock: Clock
    notify_url: Callable[[str], str]
    new_id: Callable[[], str]

    def _record(self, host_id: str, calendar: CalendarProvider, read: Reading,
                noticed: datetime | None, seen: CalendarSetup | None) -> Synced:
        """Renew the channel when due, and write the host's setup when what a slots
        request reads from it changed."""
        stored, mine, old = read.state, read.mine, None
        if mine.needs_watch(mine.synced_at or self.clock.now()):
            old, mine = mine, self._watch(host_id, calendar, mine)
        renewed = mine.watch_id != stored.watch_id
        on_channel = read.moved is not None or (renewed and mine.watch_id is not None)
        if on_channel and not read.full and not renewed and still_true(stored, mine) \
                and mine.watching(self.clock.now()):
            # What the slots request reads (fresh while the channel lives, covering as
            # far) is as true as before: the profile item, on the slug index, is not
            # rewritten. (A channel that ended, and could not be renewed, leaves the copy
            # fresh only for a while after its last recorded sync: that is written.)
            return Synced(mine, read.copy)
        kept = replace(mine, cursor=None) if on_channel else mine
        rival: SyncState | None = None

        def edit(setup: CalendarSetup) -> CalendarSetup:
            nonlocal rival
            current = setup.state(kept.ref)
            rival = current if renewed and current is not None and current.watch_id \
                not in (None, stored.watch_id, kept.watch_id) else None
            if rival is not None:  # its channel stays: this one's would be a stray
                return self._merge(setup, kept.on_channel_of(rival), noticed)
            return self._merge(setup, kept, noticed)

        self.store.change(host_id, edit, seen)
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
                       watch_resource=watch.resource_id)

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
