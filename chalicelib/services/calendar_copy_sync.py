"""A calendar's copy brought up to date: one sync.

A sync reads what changed (Google: incremental, from the last syncToken; Graph: the
whole window), applies it to the copy with the one "busy" rule (domain/external_busy.py)
and writes back only the days it changed. Its state records the instant it *started*:
a notification that arrives while it runs and cannot be synced is newer, so the copy
stays not-fresh and the next read syncs again. Google's cursor is kept on the calendar's
channel item, which a notification reads anyway: a sync writes its days, then moves the
cursor from the one it read, so of syncs that overlap (two notifications at once) only
one moves it; another reads again from its own, older cursor onto the copy as it now is,
and after `MOVE_ATTEMPTS` leaves the copy to a full listing. What else the sync
changed is recorded after (services/calendar_records.py). An incremental listing that
says one of Penny's events was deleted flags its booking
(services/calendar_event_owners.py), unless the host moved it to another of their
calendars (services/calendar_event_moves.py: followed there).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from chalicelib.domain.calendar_cache import (
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    ChannelCursor,
    DayEvents,
    SyncState,
    sync_window,
)
from chalicelib.domain.errors import BookingContentionError, ProviderError
from chalicelib.domain.external_busy import blocks
from chalicelib.domain.providers.calendars import CalendarChanges, CalendarProvider
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_event_moves import EventMoves
from chalicelib.services.calendar_event_owners import notice_removed
from chalicelib.services.calendar_ports import EventOwners, channel_cursor
from chalicelib.services.calendar_records import CalendarRecords
from chalicelib.services.calendar_sync_states import Reading, Synced, still_true

if TYPE_CHECKING:  # services.jobs is the workers': the API's sync path does not load it
    from chalicelib.services.jobs import ProviderRefs

SYNC_TIMEOUT = 8.0       # the choice of calendars, the calendar job's booking writes
MOVE_ATTEMPTS = 3        # reads of what changed, when other syncs keep moving the cursor


class CalendarCopySync(CalendarRecords):
    """Held by CalendarCache (services/calendar_cache.py), which has the fields."""

    owners: EventOwners | None
    refs: ProviderRefs | None

    def sync(self, host_id: str, state: SyncState, timeout: float = SYNC_TIMEOUT,
             noticed: datetime | None = None, seen: CalendarSetup | None = None,
             until: datetime | None = None, channel: ChannelCursor | None = None) -> Synced:
        """Bring one calendar's copy up to date (and its push channel, when due).
        `noticed`: the push notification this sync answers, recorded with its result;
        `seen`: the host's setup as just read, so its write need not read it again;
        `until`: the end of the window a page needs covered (a full listing reaches it);
        `channel`: the cursor on the calendar's channel as just read (else read here)."""
        started = self.clock.now()
        held = channel if channel is not None else channel_cursor(self.store, state)
        calendar = self._calendar(host_id, state.ref, timeout)
        read = self._read(host_id, calendar, state, held, started, until, noticed)
        if isinstance(read, Synced):
            return read
        return self._record(host_id, calendar, read, noticed, seen, timeout)

    def _read(self, host_id: str, calendar: CalendarProvider, state: SyncState,
              held: ChannelCursor | None, started: datetime, until: datetime | None,
              noticed: datetime | None) -> Reading | Synced:
        """Read what changed into the copy and move the channel's cursor past it; what
        is left to record, or the sync's result when nothing is."""
        ref = state.ref
        # The cursor this sync reads from: the channel's, unless the channel is older
        # than cursors on channels (then the setup's); None, a full listing.
        base = held.token if held is not None and held.version else state.cursor
        for attempt in range(MOVE_ATTEMPTS):
            state = replace(state, cursor=base)
            try:
                window, changes = self._changes(host_id, calendar, state, started, until)
            except ProviderError:
                if attempt:  # the days this sync wrote first may be wrong: none are kept
                    self._overlapped(host_id, ref)
                raise
            try:
                copy, days = self._apply(host_id, calendar, state, window, changes)
            except (BookingContentionError, ProviderError):
                # A deleted event's booking kept refusing its flag, or the look for where
                # the host moved it failed: the cursor stays where it was, so the next
                # sync lists the event again (after another sync moved it, that sync
                # listed it too, and the copy is repaired).
                if attempt:
                    self._overlapped(host_id, ref)
                raise
            mine = state.synced(started, changes.cursor, window.end if changes.full else None,
                                changes.placed_in)
            if attempt == 0 and noticed is not None and not changes.full and not days \
                    and (held is None or state.watch_id is None) \
                    and not mine.needs_watch(started) and still_true(state, mine):
                # A notification of nothing that blocks time (often Penny's own new
                # event, already in the copy) with no channel item to hold the cursor:
                # the stored state says fresh and still is, and moving the cursor would
                # be a write of the setup, so nothing is written. With a channel item,
                # the cursor moves there (one unit, below; a channel older than cursors
                # on channels gets its first): a slower sync that listed before this
                # change then finds it moved and reads again, rather than record its
                # older view (an event made and deleted at once).
                return Synced(state, copy)
            if held is None or state.watch_id is None or \
                    (held.token is None and changes.cursor is None):
                # The cursor is the setup's (or there is none: Graph's).
                return Reading(state, mine, copy, changes.full, None)
            # The days are written before the cursor moves, so a sync that reads the
            # moved cursor reads them too.
            if self.store.move_cursor(ref.provider, state.watch_id, held, changes.cursor,
                                      started):
                return Reading(state, mine, copy, changes.full,
                             held.moved(changes.cursor, started))
            # Another sync moved it meanwhile, and either may have written its days over
            # the other's. What changed since this sync's own cursor (older than the one
            # moved, so it lists that sync's changes too) is read again, onto the copy as
            # it now is, and the channel's cursor moved from what it now is.
            current = self.store.setup(host_id).state(ref)
            if current is None:
                return Synced(mine, copy)  # no longer counted (the host disconnected)
            state, held = current, channel_cursor(self.store, current)
            if held is not None and held.version and held.token is None:
                base = None  # reset (below): only a full listing repairs the copy
        self._overlapped(host_id, ref)
        return Synced(mine, copy)

    def _apply(self, host_id: str, calendar: CalendarProvider, state: SyncState,
               window: TimeRange, changes: CalendarChanges
               ) -> tuple[CalendarCopy, dict[date, DayEvents]]:
        """The listing applied to the stored copy, and the days it changed, written."""
        reach = window if state.covered_until is None else TimeRange(
            window.start, max(window.end, state.covered_until))
        copy = self.store.copy(host_id, state.ref, reach)
        # Penny's event for a booking, deleted there by the host: the booking is flagged,
        # unless the host moved it to another of their calendars (followed there).
        moves = None if self.owners is None or self.refs is None else \
            EventMoves(calendar, self.owners, self.refs)
        notice_removed(self.owners, host_id, state.ref, changes, self.clock.now(), moves)
        if changes.full:
            copy.clear(reach)
        for change in changes.changes:
            if change.event is None or not blocks(change.event):
                copy.remove(change.id)
            else:
                copy.put(change.id, change.event.when)
        days = copy.changed_days()
        self.store.write(host_id, state.ref, days)
        return copy, days

    def _calendar(self, host_id: str, ref: CalendarRef, timeout: float) -> CalendarProvider:
        try:
            return self.adapters.calendar(host_id, ref.provider, timeout)
        except ProviderError as exc:
            self._refused(host_id, ref, exc)
            raise

    def _changes(self, host_id: str, calendar: CalendarProvider, state: SyncState,
                 started: datetime, until: datetime | None
                 ) -> tuple[TimeRange, CalendarChanges]:
        """What changed since the state's cursor (a full listing when due), and over
        which window."""
        full = state.needs_full_sync(started, until)
        # An incremental read names the window a provider that refuses the cursor
        # (Google's 410) lists instead: as far as the copy reached, since that listing
        # replaces the copy (a shorter one would leave its far days empty, not busy).
        window = sync_window(started, until if full else state.covered_until)
        try:
            return window, calendar.changes(state.ref.calendar_id, window,
                                            None if full else state.cursor)
        except ProviderError as exc:
            self._refused(host_id, state.ref, exc)
            raise
