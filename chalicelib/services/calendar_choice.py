"""The host's choice of calendars: which count for conflicts, which receives new
bookings, and what connecting or disconnecting a calendar provider changes in it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress

from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.errors import NotConnectedError, ProviderError, ValidationError
from chalicelib.domain.providers.calendars import CalendarInfo
from chalicelib.services.calendar_copy_sync import SYNC_TIMEOUT, CalendarCopySync


class CalendarChoice(CalendarCopySync):
    """Held by CalendarCache (services/calendar_cache.py), which has the fields."""

    def choose(self, host_id: str, conflicts: Iterable[CalendarRef],
               destination: CalendarRef | None) -> CalendarSetup:
        """Count these calendars for conflicts and write new bookings to `destination`;
        each newly counted calendar is synced (and watched) now, best effort."""
        wanted = tuple(dict.fromkeys(conflicts))

        def edit(setup: CalendarSetup) -> CalendarSetup:
            kept = {s.ref: s for s in setup.conflicts}
            return setup.chosen(tuple(kept.get(r) or SyncState(r) for r in wanted),
                                destination)

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

    def destination_provider(self, host_id: str) -> str | None:
        """Whose calendar new bookings are added to, from the host's stored choice (no
        provider asked): a Google Meet link is made only on a Google Calendar event, a
        Teams link only on an Outlook one. None: no calendar."""
        destination = self.store.setup(host_id).destination
        return None if destination is None else destination.provider

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
        """The host is disconnecting `provider`: its calendars no longer count, and their
        push channels are stopped at the provider while Penny's tokens still work (a
        Graph subscription would otherwise post the host's changes for days). One write
        takes the calendars out and records the channels it found: an orphan adopted
        before it is among them (stopped), and one after it finds no calendar to be
        adopted by (deleted at Graph: services/calendar_orphans.py). Best effort: one
        that cannot be stopped ends on its own, and its notifications find no watch."""
        for state in self._take_out(host_id, provider):
            self._unwatch(host_id, state)

    def forget_provider(self, host_id: str, provider: str) -> None:
        """The host disconnected `provider`: its calendars no longer count (taken out
        already by `stop_watches` on a disconnect), and the channels the write found are
        forgotten."""
        for state in self._take_out(host_id, provider):
            if state.watch_id is not None:
                self.store.forget_watch(provider, state.watch_id)

    def _take_out(self, host_id: str, provider: str) -> list[SyncState]:
        """Take the provider's calendars out of the setup; their states as the write
        found them (not as read before it: a channel recorded meanwhile is among them)."""
        taken: list[SyncState] = []

        def edit(setup: CalendarSetup) -> CalendarSetup:
            taken[:] = [s for s in setup.conflicts if s.ref.provider == provider]
            return setup.without_provider(provider)

        self.store.change(host_id, edit)
        return taken

    def _unwatch(self, host_id: str, state: SyncState) -> None:
        if state.watch_id is None:
            return
        try:
            self._stop(self.adapters.calendar(host_id, state.ref.provider, SYNC_TIMEOUT), state)
        except (ProviderError, NotConnectedError):
            self.store.forget_watch(state.ref.provider, state.watch_id)
