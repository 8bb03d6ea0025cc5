"""One booking's notes page (services/notes.py's half that writes it): where its
ProviderRef says it is (Held), kept up to date there after the host chose another
place, or saved where notes go now, a first page (or one made anew after the host
deleted it for good). One run at a time writes a booking's page, under a lease: two
runs making it would make two pages, and two rewriting it at once would each add the
lines new to it (Notion's blocks appended twice, a Doc's text inserted twice). The
page's place and link are kept before the lease is given back, and read again under it
by the next run that takes it. A broken connection is marked broken (the dashboard
shows it) before the job fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.domain.bookings import Booking
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotConnectedError,
    NotesPageGoneError,
)
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.providers.notes import BookingNotes, NotesPage, NotesProvider
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.services.jobs import ProviderRefs, take_lease
from chalicelib.services.notes_bookings import NotesBookings, save_on_latest
from chalicelib.services.ports import Clock

NOTES = "notes"
# Who is writing a booking's page, and until when: one run at a time, so two events of
# one booking handled together (the confirmation, and the calendar worker's request for
# its link; the link, and the brief a second later) never make two pages, nor write one
# at once. Longer than a run takes (the worker's 60 s). Named for the first page, which
# it first guarded (a lease held while a deploy goes out keeps its name).
CREATING = "notes:creating"
CREATE_LEASE = timedelta(minutes=2)
MADE, UPDATED = "made", "updated"  # what a write of a notes page did
NOTES_TIMEOUT = 10.0               # seconds per Notion call (the worker has 60)
KEEP_AFTER_MEETING = timedelta(days=30)


class NotesAdapters(Protocol):
    """The host's notes provider (bootstrap.HostAdapters): NotConnectedError when the
    host has not connected it, ConnectionBrokenError when it is broken."""

    def notes(self, host_id: str, destination: NotesDestination,
              timeout: float) -> NotesProvider: ...

    def broken(self, host_id: str, provider: str, reason: str) -> None:
        """The host's connection to `provider` stopped working (shown to the host)."""
        ...


@dataclass(frozen=True)
class Held:
    """Where a booking's notes page is, as its ProviderRef says: the place (the Notion
    data source, the Drive folder), the page, and the destination it was made for, to
    reach it again after the host chose another place (None: a ref stored before Penny
    kept it)."""

    place: str
    page_id: str
    destination: NotesDestination | None

    @classmethod
    def of(cls, ref: ProviderRef) -> Held:
        place, page_id, provider, database_id = (ref.external_id.split("\n") + [""] * 3)[:4]
        return cls(place, page_id, NotesDestination(provider, database_id, place, "")
                   if provider else None)

    @staticmethod
    def external_id(destination: NotesDestination, page_id: str) -> str:
        # The place and the page first, as refs stored before kept them.
        return "\n".join((destination.data_source_id, page_id, destination.provider,
                          destination.database_id))


@dataclass(frozen=True)
class NotesPages:
    bookings: NotesBookings
    adapters: NotesAdapters
    refs: ProviderRefs
    clock: Clock | None = None              # a page's lease (None: the wall clock)

    def where_held(self, host_id: str, held: Held, notes: BookingNotes) -> NotesPage | None:
        """The booking's page where it was made, the host having chosen another place
        since: kept up to date there while the host's connection to it lasts. None: not
        there any more (that provider disconnected or broken, the page deleted for good,
        or a ref from before Penny kept the provider), so a page where notes go now."""
        if held.destination is None:
            return None
        try:
            return self.adapters.notes(host_id, held.destination, NOTES_TIMEOUT) \
                .update_notes(held.page_id, notes)
        except (NotConnectedError, ConnectionBrokenError, NotesPageGoneError):
            return None

    @contextmanager
    def lease(self, booking: Booking, place: str) -> Iterator[None]:
        """The booking's page is this run's to write until the block ends; JobBusyError
        while another run writes it (this one runs again later, and writes it then). The
        caller reads the booking's ref under it: the run before may have made the page
        (the provider's search by booking uid lags, Notion's index and Drive's listing, so
        a page made a moment ago may not be found)."""
        now = self.clock.now() if self.clock else datetime.now(UTC)
        lease = take_lease(self.refs, CREATING, booking, now, CREATE_LEASE, "notes page",
                           place)
        try:
            yield
        finally:
            self.refs.delete(lease)

    def save(self, booking: Booking, ref: ProviderRef | None, provider: NotesProvider,
             notes: BookingNotes, destination: NotesDestination) -> str:
        """MADE or UPDATED: the booking's page where notes go now, written, and its place
        and link kept; under the lease, `ref` read under it. The page the ref holds in
        this place, or a new page: first notes, the host picked another place, or the
        page is gone."""
        held = None if ref is None else Held.of(ref)
        try:
            if held is not None and held.place == destination.data_source_id:
                try:
                    page = provider.update_notes(held.page_id, notes)
                    return self.saved(booking, ref, destination, page, False)
                except NotesPageGoneError:
                    pass  # deleted for good, moved out of Penny's sight: a page made anew
            return self.saved(booking, ref, destination, provider.save_notes(notes), True)
        except ConnectionBrokenError as exc:
            self.adapters.broken(booking.host_id, destination.provider, exc.message)
            raise

    def saved(self, booking: Booking, ref: ProviderRef | None,
              destination: NotesDestination | None, page: NotesPage, made: bool) -> str:
        """MADE or UPDATED, once the page's place and link are kept."""
        assert destination is not None
        stored = ProviderRef(NOTES, booking.uid, Held.external_id(destination, page.id),
                             booking.sequence, booking.end + KEEP_AFTER_MEETING)
        if stored != ref:
            self.refs.put(stored)
        if booking.notes_url != page.url:
            # A page this run did not make: read the booking again, as the run that made
            # it saved its link before giving the lease back, maybe after this run read it.
            latest = booking if made else self.bookings.get(booking.uid)
            if latest is None or latest.notes_url != page.url:
                self._save_link(latest or booking, page.url)
                return MADE  # its link is new on the booking (a run that made it died)
        return MADE if made else UPDATED

    def _save_link(self, booking: Booking, url: str) -> None:
        save_on_latest(self.bookings, booking, lambda b: replace(b, notes_url=url))
