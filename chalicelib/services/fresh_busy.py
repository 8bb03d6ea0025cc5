"""A booking's fresh check of the host's calendars (the ExternalBusy port).

A booking asks the providers afresh: each provider once, in parallel, under
`BOOKING_TIMEOUT`. A provider that is down may be replaced by its copy only while that
copy is younger than BOOKING_TRUSTS_CACHE_FOR; otherwise the booking is refused with
CalendarUnavailableError (503, retryable), never accepted on a guess. A connection that
is broken (the host must reconnect, and the dashboard says so) books on its last copy:
refusing every booking until the host acts would punish the host's clients for it.
A calendar the provider says the host can no longer read (deleted, or no longer
shared) holds nothing: it is skipped, and taken out of the host's calendars
(services/calendar_gone.py), never left unknown to refuse every booking.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from chalicelib.domain.calendar_cache import CalendarSetup, SyncState, busy_ranges
from chalicelib.domain.errors import (
    CalendarUnavailableError,
    ConnectionBrokenError,
    NotConnectedError,
    ProviderError,
)
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_gone import forget_gone
from chalicelib.services.calendar_ports import (
    GRACE,
    CalendarStore,
    Deadline,
    ProviderAdapters,
    channel_cursor,
)
from chalicelib.services.ports import Clock

BOOKING_TIMEOUT = 3.0  # seconds a booking waits for each provider's busy times


@dataclass(frozen=True)
class FreshBusy:
    """The ExternalBusy port for bookings: the providers asked now (see the module)."""

    adapters: ProviderAdapters
    store: CalendarStore
    clock: Clock
    timeout: float = BOOKING_TIMEOUT

    def busy(self, host_id: str, setup: CalendarSetup, window: TimeRange,
             own_event: OwnEvent | None = None) -> list[TimeRange]:
        by_provider: dict[str, list[SyncState]] = {}
        for state in setup.conflicts:
            by_provider.setdefault(state.ref.provider, []).append(state)
        if not by_provider:
            return []
        if own_event is not None:  # read whole, so that it is told from what lies inside
            window = own_event.read_window(window)
        pool = ThreadPoolExecutor(max_workers=len(by_provider))
        futures = {p: pool.submit(self._ask, host_id, p, [s.ref.calendar_id for s in states],
                                  window) for p, states in by_provider.items()}
        busy: list[TimeRange] = []
        deadline = Deadline(self.timeout + GRACE)
        try:
            for provider, future in futures.items():
                try:
                    answered = future.result(timeout=deadline.left())
                except (ProviderError, NotConnectedError, FutureTimeout) as exc:
                    answered = {}
                    broken = isinstance(exc, ConnectionBrokenError | NotConnectedError)
                    if isinstance(exc, ConnectionBrokenError):
                        # Refused now, though the token was good: the host is told, and
                        # must reconnect; until then the copy stands in, where it covers.
                        self.adapters.broken(host_id, provider, exc.message)
                    for state in by_provider[provider]:
                        busy += self._from_copy(host_id, state, window, broken, own_event)
                    continue
                for state in by_provider[provider]:
                    read = answered.get(state.ref.calendar_id)
                    if isinstance(read, str):  # gone at the provider: holds nothing
                        forget_gone(self.store, host_id, state.ref, read, self.clock.now())
                        continue
                    busy += (self._from_copy(host_id, state, window, False, own_event)
                             if read is None else
                             self._less_own(host_id, state, read, window, own_event))
        finally:
            pool.shutdown(wait=False)
        return busy

    def _ask(self, host_id: str, provider: str, calendar_ids: list[str], window: TimeRange
             ) -> dict[str, list[TimeRange] | str]:
        """Each calendar read: its busy time, or why it is gone (left out: unknown)."""
        calendar = self.adapters.calendar(host_id, provider, self.timeout)
        return {b.calendar_id: b.gone if b.gone is not None else b.busy()
                for b in calendar.busy(calendar_ids, window) if not b.unknown}

    def _less_own(self, host_id: str, state: SyncState, read: list[TimeRange],
                  window: TimeRange, own_event: OwnEvent | None) -> list[TimeRange]:
        """A calendar's fresh ranges less a move's own event: a range exactly its time
        (domain/own_event.py). Bare ranges cannot show an appointment lying inside it,
        merged into that very range: the copy, which keeps events one by one, is read
        then (one read, on a move only), and such an appointment keeps the range busy."""
        if own_event is None:
            return read
        kept = own_event.less_from_ranges(state.ref, read, window)
        if len(kept) == len(read):
            return read  # no range is exactly the event's: nothing to leave out
        copy = self.store.copy(host_id, state.ref, own_event.when)
        return read if own_event.shares_time_in(copy.days.values()) else kept

    def _from_copy(self, host_id: str, state: SyncState, window: TimeRange,
                   broken: bool, own_event: OwnEvent | None) -> list[TimeRange]:
        now = self.clock.now()
        # A broken connection (the host is told, and must reconnect) keeps the booking
        # page working from its last copy, but only over the time that copy covers.
        trusted = state.covers(window) if broken else (
            state.trusted_for_booking(now, window)
            # A push notification's sync moves only the channel's cursor: its time is
            # read on this rare path (one read), not written on the host's setup.
            or state.trusted_for_booking(now, window, channel_cursor(self.store, state)))
        if not trusted:
            raise CalendarUnavailableError(
                "we could not check the host's calendar just now; please try again in a "
                "minute")
        days = list(self.store.copy(host_id, state.ref, window).days.values())
        if own_event is not None:  # the copy keeps events one by one: only the own one
            days = own_event.less_from_days(state.ref, days)
        return busy_ranges(days, window)
