"""The hosts' calendars as busy time: the cached copy a slots page reads, the sync that
keeps it, and the push notifications that start a sync.

A slots request asks no provider while the copy is fresh (domain/calendar_cache.py);
it reads the copy with the ledger in its second round trip. When a calendar's copy is
not fresh (no push channel and older than its short expiry, a notification not synced
yet, a window past what it holds), the request syncs that calendar first, all of them in
parallel under `READ_TIMEOUT`; a provider that does not answer in time leaves the copy as
it is and the answer says `stale`.

A sync reads what changed (Google: incremental, from the last syncToken; Graph: the
whole window), applies it to the copy with the one "busy" rule (domain/external_busy.py)
and writes back only the days it changed. Its state records the instant it *started*:
a notification that arrives while it runs and cannot be synced is newer, so the copy
stays not-fresh and the next read syncs again. Google's cursor is kept on the calendar's
channel item, which a notification reads anyway: a sync writes its days, then moves the
cursor from the one it read, so of syncs that overlap (two notifications at once) only
one moves it; another reads again from its own, older cursor onto the copy as it now is,
and after `MOVE_ATTEMPTS` leaves the copy to a full listing. The host's setup (on the
profile item, which is on the slug index) is written only when what a slots request
reads from it changes. A sync also renews the calendar's push channel when it ends
within a day, carrying the cursor, so channels of hosts with traffic never lapse and
nothing is billed while idle.

A booking asks the providers afresh instead: services/fresh_busy.py.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime

from chalicelib.domain.calendar_cache import (
    WATCH_FOR,
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    ChannelCursor,
    DayEvents,
    SyncState,
    busy_ranges,
    sync_window,
)
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotConnectedError,
    ProviderError,
    ValidationError,
)
from chalicelib.domain.external_busy import blocks
from chalicelib.domain.providers import (
    CalendarChanges,
    CalendarInfo,
    CalendarProvider,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_ports import (
    GRACE,
    CalendarStore,
    Deadline,
    ProviderAdapters,
    channel_cursor,
)
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.calendars")

READ_TIMEOUT = 2.0       # seconds a slots page waits for a sync of a stale calendar
SYNC_TIMEOUT = 8.0       # a push-notified sync, the calendar job
MOVE_ATTEMPTS = 3        # reads of what changed, when other syncs keep moving the cursor


@dataclass(frozen=True)
class Synced:
    state: SyncState
    copy: CalendarCopy


@dataclass(frozen=True)
class _Read:
    """A sync's reading, its days written and the channel's cursor moved past it."""

    state: SyncState                # the stored state it read from
    mine: SyncState                 # the state it reached
    copy: CalendarCopy
    full: bool                      # a full listing
    moved: ChannelCursor | None     # the channel's cursor as it moved it (None: not moved)


def _keep(current: SyncState, mine: SyncState, noticed: datetime | None = None) -> SyncState:
    """The stored state after a sync: the sync's results, with a notification that
    arrived meanwhile kept (it is newer than the sync's start, so still not fresh), and
    the one the sync answers (`noticed`: older than its start, so fresh); and its channel
    ended meanwhile (`channel_ended`) stays ended."""
    marks = [t for t in (current.changed_at, noticed) if t is not None]
    kept = replace(mine, changed_at=max(marks) if marks else None)
    if current.watch_id == mine.watch_id and current.watch_expires_at is not None and \
            (mine.watch_expires_at is None or current.watch_expires_at < mine.watch_expires_at):
        # The sync's older view must not bring it back: the copy would pass for pushed
        # to (fresh) until the old expiry, and no new channel would be made.
        kept = replace(kept, watch_expires_at=current.watch_expires_at)
    return kept


def _still_true(stored: SyncState, mine: SyncState) -> bool:
    """Is the stored state as true after this sync as before: fresh (synced, no failure,
    no notification since), on the same channel?"""
    return (stored.synced_at is not None and stored.failure is None
            and (stored.changed_at is None or stored.changed_at <= stored.synced_at)
            and mine.watch_id == stored.watch_id)


@dataclass(frozen=True)
class CalendarCache:
    adapters: ProviderAdapters
    store: CalendarStore
    clock: Clock
    notify_url: Callable[[str], str]          # provider -> the address it posts to
                                              # (/webhooks/calendar/{provider})
    new_id: Callable[[], str] = lambda: secrets.token_hex(16)

    # ---- syncing ------------------------------------------------------------------------

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
        return self._record(host_id, calendar, read, noticed, seen)

    def _read(self, host_id: str, calendar: CalendarProvider, state: SyncState,
              held: ChannelCursor | None, started: datetime, until: datetime | None,
              noticed: datetime | None) -> _Read | Synced:
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
            copy, days = self._apply(host_id, state, window, changes)
            mine = state.synced(started, changes.cursor, window.end if changes.full else None)
            if attempt == 0 and noticed is not None and not changes.full and not days \
                    and (held is None or state.watch_id is None) \
                    and not mine.needs_watch(started) and _still_true(state, mine):
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
                return _Read(state, mine, copy, changes.full, None)
            # The days are written before the cursor moves, so a sync that reads the
            # moved cursor reads them too.
            if self.store.move_cursor(ref.provider, state.watch_id, held, changes.cursor,
                                      started):
                return _Read(state, mine, copy, changes.full,
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

    def _record(self, host_id: str, calendar: CalendarProvider, read: _Read,
                noticed: datetime | None, seen: CalendarSetup | None) -> Synced:
        """Renew the channel when due, and write the host's setup when what a slots
        request reads from it changed."""
        stored, mine, old = read.state, read.mine, None
        if mine.needs_watch(mine.synced_at or self.clock.now()):
            old, mine = mine, self._watch(host_id, calendar, mine)
        renewed = mine.watch_id != stored.watch_id
        on_channel = read.moved is not None or (renewed and mine.watch_id is not None)
        if on_channel and not read.full and not renewed and _still_true(stored, mine) \
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

    def _apply(self, host_id: str, state: SyncState, window: TimeRange,
               changes: CalendarChanges) -> tuple[CalendarCopy, dict[date, DayEvents]]:
        """The listing applied to the stored copy, and the days it changed, written."""
        reach = window if state.covered_until is None else TimeRange(
            window.start, max(window.end, state.covered_until))
        copy = self.store.copy(host_id, state.ref, reach)
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
        window = sync_window(started, until if full else None)
        try:
            return window, calendar.changes(state.ref.calendar_id, window,
                                            None if full else state.cursor)
        except ProviderError as exc:
            self._refused(host_id, state.ref, exc)
            raise

    def _refused(self, host_id: str, ref: CalendarRef, exc: ProviderError) -> None:
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

    def _merge(self, setup: CalendarSetup, mine: SyncState,
               noticed: datetime | None = None) -> CalendarSetup:
        current = setup.state(mine.ref)
        return setup if current is None else setup.with_state(_keep(current, mine, noticed))

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
        from chalicelib.domain.providers import Watch

        if state.watch_id is None:
            return True
        # One that cannot be stopped ends on its own; its notifications find no watch.
        with suppress(ProviderError):
            calendar.stop(Watch(state.watch_id, state.ref.calendar_id,
                                state.watch_expires_at or self.clock.now(),
                                state.watch_resource))
        return self.store.forget_watch(state.ref.provider, state.watch_id, moved)

    # ---- what a slots page reads --------------------------------------------------------

    def refresh(self, host_id: str, states: Sequence[SyncState], window: TimeRange
                ) -> dict[CalendarRef, list[TimeRange]]:
        """Sync the stale calendars in parallel for a slots page: each one that synced
        in time, with its busy time in `window`; those that did not are left out."""
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
                except (ProviderError, NotConnectedError, FutureTimeout):
                    continue
                fresh[ref] = busy_ranges(synced.copy.days.values(), window)
        finally:
            pool.shutdown(wait=False)
        return fresh

    # ---- push notifications -------------------------------------------------------------

    def notified(self, provider: str, watch_id: str, token: str) -> bool:
        """A provider says a watched calendar changed: sync it, from the cursor read with
        the channel (the host's setup is written only when what a slots request reads
        from it changes); if the sync fails, mark the copy not fresh instead, so the next
        read syncs it. A sync running meanwhile elsewhere keeps the mark (`_keep`), so its
        older view never counts as fresh.
        False (nothing changes) when the channel is unknown or the token is not its own."""
        found = self.store.find_channel(provider, watch_id, token)
        if found is None:
            return False
        host_id, ref = found.host_id, found.ref
        now = self.clock.now()
        setup = self.store.setup(host_id)
        state = setup.state(ref)
        if state is None:
            return True  # no longer counted: nothing to sync
        # The cursor read with the channel, when it is the calendar's channel (an older
        # one, replaced meanwhile, is not where the cursor is: the sync reads that).
        held = found.cursor if state.watch_id == watch_id else None
        # Short: Graph wants its answer within 3 s, and Google retries slow ones.
        try:
            self.sync(host_id, state, READ_TIMEOUT, noticed=now, seen=setup, channel=held)
        except (ProviderError, NotConnectedError):
            self._mark_changed(host_id, ref, now)
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

    # ---- the host's choice ----------------------------------------------------------------

    def choose(self, host_id: str, conflicts: Iterable[CalendarRef],
               destination: CalendarRef | None) -> CalendarSetup:
        """Count these calendars for conflicts and write new bookings to `destination`;
        each newly counted calendar is synced (and watched) now, best effort."""
        wanted = tuple(dict.fromkeys(conflicts))

        def edit(setup: CalendarSetup) -> CalendarSetup:
            kept = {s.ref: s for s in setup.conflicts}
            return CalendarSetup(tuple(kept.get(r) or SyncState(r) for r in wanted), destination)

        before = self.store.setup(host_id)
        setup = self.store.change(host_id, edit)
        for gone in (s for s in before.conflicts if s.ref not in setup.refs):
            self._unwatch(host_id, gone)
        for state in setup.conflicts:
            if state.synced_at is None:  # on failure not fresh: the first slots page syncs it
                with suppress(ProviderError, NotConnectedError):
                    self.sync(host_id, state)
        return self.store.setup(host_id)

    def connected(self, host_id: str, provider: str) -> CalendarSetup:
        """The host connected a calendar provider: its primary calendar counts for
        conflicts, and receives new bookings unless another calendar already does. A
        reconnection as another account (the provider's account chooser) first forgets
        the calendars of the account it replaced: they are no longer the host's here."""
        calendar = self.adapters.calendar(host_id, provider, SYNC_TIMEOUT)
        listed = calendar.calendars()
        primary = next((c for c in listed if c.primary), None)
        setup = self.store.setup(host_id)
        mine = {c.id for c in listed}
        if any(r.provider == provider and r.calendar_id not in mine for r in setup.refs):
            self.forget_provider(host_id, provider)
            setup = self.store.setup(host_id)
        if primary is None or any(r.provider == provider for r in setup.refs):
            return setup
        ref = CalendarRef(provider, primary.id)
        destination = setup.destination or (ref if primary.writable else None)
        return self.choose(host_id, (*setup.refs, ref), destination)

    def calendars(self, host_id: str, providers: Iterable[str]
                  ) -> tuple[CalendarSetup, dict[str, list[CalendarInfo]]]:
        """The host's setup, and each connected provider's calendars as listed now (a
        provider that cannot be asked is left out)."""
        listed: dict[str, list[CalendarInfo]] = {}
        for provider in providers:
            try:
                listed[provider] = self.adapters.calendar(host_id, provider,
                                                          SYNC_TIMEOUT).calendars()
            except (ProviderError, NotConnectedError):
                continue
        return self.store.setup(host_id), listed

    def choose_listed(self, host_id: str, conflicts: Sequence[CalendarRef],
                      destination: CalendarRef | None) -> CalendarSetup:
        """`choose`, once each calendar is found among the host's connected calendars
        (and the destination is one the host may write to)."""
        wanted = {r.provider for r in conflicts} | ({destination.provider} if destination
                                                     else set())
        _, listed = self.calendars(host_id, sorted(wanted))
        known = {CalendarRef(p, c.id): c for p, found in listed.items() for c in found}
        for ref in conflicts:
            if ref not in known:
                raise ValidationError(f"{ref.key} is not one of your connected calendars",
                                      "conflicts")
        if destination is not None and not (destination in known
                                            and known[destination].writable):
            raise ValidationError(f"{destination.key} is not a calendar you can add "
                                  "bookings to", "destination")
        return self.choose(host_id, conflicts, destination)

    def stop_watches(self, host_id: str, provider: str) -> None:
        """The host is disconnecting `provider`: its push channels are stopped at the
        provider while Penny's tokens still work (a Graph subscription would otherwise
        post the host's changes for days). Best effort: one that cannot be stopped ends
        on its own, and its notifications find no watch."""
        for state in self.store.setup(host_id).conflicts:
            if state.ref.provider == provider:
                self._unwatch(host_id, state)

    def forget_provider(self, host_id: str, provider: str) -> None:
        """The host disconnected `provider`: its calendars no longer count."""
        before = self.store.setup(host_id)
        self.store.change(host_id, lambda setup: setup.without_provider(provider))
        for state in before.conflicts:
            if state.ref.provider == provider and state.watch_id is not None:
                self.store.forget_watch(provider, state.watch_id)

    def _unwatch(self, host_id: str, state: SyncState) -> None:
        if state.watch_id is None:
            return
        try:
            self._stop(self.adapters.calendar(host_id, state.ref.provider, SYNC_TIMEOUT), state)
        except (ProviderError, NotConnectedError):
            self.store.forget_watch(state.ref.provider, state.watch_id)
