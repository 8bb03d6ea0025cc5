"""The notes job: every confirmed booking leaves bullet notes about the client in the
host's Notion or Google Docs, kept up to date as the booking changes.

It reconciles, as the calendar job does: whichever booking event arrives (confirmed,
rescheduled, cancelled; SNS keeps no order), it reads the booking as it is now and
writes that. A booking has one notes page, found again by what the job stored
(ProviderRef "notes": the page id) or, after a crash before that was stored, by the
booking uid the page carries (integrations/notion_notes.py): a redelivery never makes a
second page, a reschedule or cancel rewrites the same one (status, time). A page the
host deleted for good (or moved out of Penny's sight) is made anew, under the same lease
as a first page, and its new link goes on the booking. After the host chooses another
place (another provider), a booking that has a page keeps it, written where it is
while that provider stays connected and the page there (Held: the ref says which);
otherwise a page is made where notes go now, once.

The page's link goes on the booking (the dashboard shows it), and the job's record
announces `notes.saved` when the page is made (not when it is written again). A host
with no notes destination, or a booking that never became a meeting (unpaid, expired),
gets nothing written and nothing announced.

This job alone writes notes pages. What other workers put on the booking reaches the
page through `notes.requested`, which they ask for in the same write: the calendar
worker with the video link (for a host who keeps notes), the brief worker with the
brief. And after
writing, the job reads the booking again and rewrites the page if anything changed
meanwhile, so a change that lands while it writes is not lost either.

A broken or revoked Notion connection fails the job for good (no retry storm: retrying
cannot help) and marks the connection broken, which the dashboard shows (Google's
adapter refuses a lost folder or Docs access without that: the grant also serves the
calendar). The booking waits, parked: reconnecting (or choosing another place) catches
up the host's recent and upcoming bookings (`NotesSettings.catch_up`), paced for
Notion's ~3 requests/s: it marks CATCH_UP_AT_ONCE of them, each mark becomes
`notes.requested` on the table's stream, and this job, once it has written a page the
catch-up asked for, marks the next one waiting: at most CATCH_UP_AT_ONCE pages are
written at once, each finished page starting the next. A page the provider refuses for
good (one the host trashed) fails its job and still starts the next; a broken connection
ends the catch-up (a reconnect starts it again), and a job that fails until the
dead-letter queue holds its place until it is replayed (`make redrive`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import (
    BookingContentionError,
    ConnectionBrokenError,
    NotConnectedError,
    NotesPageGoneError,
    ProviderRejectedError,
)
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.notes import NotesDestination, booking_notes, earlier_bookings
from chalicelib.domain.providers.notes import BookingNotes, NotesPage, NotesProvider
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.services.jobs import HostConfigs, JobContext, ProviderRefs, take_lease
from chalicelib.services.ports import Clock

NOTES = "notes"
# Who is making a booking's first page, and until when: one run at a time, so two events
# of one booking handled together (the confirmation, and the calendar worker's request
# for its link) never make two pages. Longer than a run takes (the worker's 60 s).
CREATING = "notes:creating"
CREATE_LEASE = timedelta(minutes=2)
ROUNDS = 3
MADE, UPDATED = "made", "updated"  # what a write of a notes page did
NOTES_TIMEOUT = 10.0               # seconds per Notion call (the worker has 60)
KEEP_AFTER_MEETING = timedelta(days=30)
HISTORY_READ = 100                 # the host's bookings read to find the client's earlier ones
CATCH_UP = 100                     # bookings whose notes a (re)connection writes again
CATCH_UP_FROM = timedelta(days=1)  # those starting from a day ago on
CATCH_UP_AT_ONCE = 2               # pages a catch-up writes at once (Notion: ~3 requests/s)


class NotesAdapters(Protocol):
    """The host's notes provider (bootstrap.HostAdapters): NotConnectedError when the
    host has not connected it, ConnectionBrokenError when it is broken."""

    def notes(self, host_id: str, destination: NotesDestination,
              timeout: float) -> NotesProvider: ...

    def broken(self, host_id: str, provider: str, reason: str) -> None:
        """The host's connection to `provider` stopped working (shown to the host)."""
        ...


class NotesBookings(Protocol):
    def get(self, uid: str) -> Booking | None: ...
    def save(self, booking: Booking) -> bool: ...
    def for_host(self, host_id: str, *, after: datetime | None = None,
                 before: datetime | None = None, newest_first: bool = False,
                 limit: int = 50) -> list[Booking]: ...


def question_labels(config: HostConfig, booking: Booking) -> dict[str, str]:
    """The booking's event type's questions, id -> label, in form order."""
    et = next((e for e in config.event_types if e.id == booking.event_type_id), None)
    return {} if et is None else {q.id: q.label for q in et.questions}


def client_history(bookings: NotesBookings, booking: Booking) -> list[Booking]:
    """The client's earlier bookings with this host (one page of the host's bookings
    before this one, newest first)."""
    before = bookings.for_host(booking.host_id, before=booking.start, newest_first=True,
                               limit=HISTORY_READ)
    return earlier_bookings(booking, before)


def _state(b: Booking | None) -> tuple[object, ...] | None:
    return None if b is None else (b.status, b.sequence, b.video_url, b.video_note,
                                   b.brief, b.brief_note)


@dataclass(frozen=True)
class NotesJob:
    bookings: NotesBookings
    hosts: HostConfigs
    adapters: NotesAdapters
    refs: ProviderRefs
    manage_url: Callable[[str], str]        # booking uid -> the attendee's manage page
    clock: Clock | None = None              # a first page's lease (None: the wall clock)
    name: str = NOTES
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED, EventKind.BOOKING_RESCHEDULED,
                                    EventKind.BOOKING_CANCELLED, EventKind.NOTES_REQUESTED)
    announces: EventKind | None = EventKind.NOTES_SAVED

    def run(self, event: Event) -> bool:
        """True when a notes page was made, which the job's record announces
        (`notes.saved`: the host's dashboard says so, once). Rewriting a page made before
        (a move, the video link, the brief) announces nothing."""
        uid = str(event.booking["uid"])
        asked = booking = self.bookings.get(uid)
        made, config = False, None
        # A mark, maybe the catch-up's: a page written (or refused) for it starts the next.
        # Which mark the event's own (it says; older events did not): the booking may have
        # been asked again since (the brief), and the catch-up's chain must still go on.
        said = event.booking.get("notes_requested_at")
        mark = datetime.fromisoformat(said) if isinstance(said, str) else \
            None if asked is None else asked.notes_requested_at
        chain = asked if event.type is EventKind.NOTES_REQUESTED and asked is not None \
            and mark is not None else None
        for _ in range(ROUNDS):
            try:
                wrote, config = (None, config) if booking is None else self._write(booking)
            except ProviderRejectedError:
                # This booking's page alone is refused (one the host put in Notion's
                # trash): the job fails for good, and the catch-up goes on without it.
                # Not on a broken connection (every page would fail: a reconnect starts
                # the catch-up again) nor on a retryable failure (its retry goes on).
                if chain is not None:
                    self._catch_up_next(chain, mark, config)
                raise
            if wrote is None:
                break
            made = made or wrote is MADE
            again = self.bookings.get(uid)
            if _state(again) == _state(booking):
                break
            booking = again
        if chain is not None:
            self._catch_up_next(chain, mark, config)
        return made

    def _catch_up_next(self, asked: Booking, mark: datetime | None,
                       config: HostConfig | None) -> None:
        """`asked` was marked `mark`: when that is the host's catch-up's time, mark the
        next booking waiting for it, so one more page is written."""
        if config is None:  # not read by the write (a booking with nothing to write)
            config = self.hosts.config(asked.host_id)
        at = None if config.notes is None else config.notes.catch_up_at
        if at is None or mark != at:
            return  # asked for by another (the brief, the video link), or an older catch-up
        for booking in waiting_for_catch_up(self.bookings, asked.host_id, at):
            if ask_for_notes(self.bookings, booking, at):
                return  # one more: the chain goes on (another run took the one before)

    def _write(self, booking: Booking) -> tuple[str | None, HostConfig | None]:
        """MADE (a new page), UPDATED (the page it has), or None (nothing to write); and
        the host's config, if it was read."""
        ref = self.refs.get(NOTES, booking.uid)
        if booking.status is not BookingStatus.CONFIRMED and \
                not (booking.status is BookingStatus.CANCELLED and ref is not None):
            return None, None  # never a meeting (unpaid, expired), or cancelled before notes
        config = self.hosts.config(booking.host_id)
        if config.notes is None:
            return None, config
        try:
            provider = self.adapters.notes(booking.host_id, config.notes, NOTES_TIMEOUT)
        except NotConnectedError:
            return None, config  # disconnected: nothing to write to
        notes = booking_notes(booking, config.profile.timezone,
                              question_labels(config, booking), self.manage_url,
                              client_history(self.bookings, booking))
        held = None if ref is None else Held.of(ref)
        if held is not None and held.place != config.notes.data_source_id:
            kept = self._where_held(booking.host_id, held, notes)
            if kept is not None:
                return self._saved(booking, ref, held.destination, kept, False), config
        page, made = self._save(booking, held, provider, notes, config.notes)
        return self._saved(booking, ref, config.notes, page, made), config

    def _where_held(self, host_id: str, held: Held, notes: BookingNotes) -> NotesPage | None:
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

    def _save(self, booking: Booking, held: Held | None, provider: NotesProvider,
              notes: BookingNotes, destination: NotesDestination) -> tuple[NotesPage, bool]:
        """The booking's page where notes go now, and whether it was made (under the
        lease for a first page: one run makes it)."""
        place = destination.data_source_id  # the Notion data source, or the Drive folder
        lease = None
        if held is None or held.place != place:
            # First notes, or the host picked another place: a page there, made by one run.
            now = self.clock.now() if self.clock else datetime.now(UTC)
            lease = take_lease(self.refs, CREATING, booking, now, CREATE_LEASE, "notes page",
                               place)
        try:
            if lease is None:
                assert held is not None
                try:
                    page = provider.update_notes(held.page_id, notes)
                except NotesPageGoneError:
                    # Its page is gone (deleted for good, moved out of Penny's sight): the
                    # notes go on a page made anew, by one run, as a first page is.
                    now = self.clock.now() if self.clock else datetime.now(UTC)
                    lease = take_lease(self.refs, CREATING, booking, now, CREATE_LEASE,
                                       "notes page", place)
                    page = provider.save_notes(notes)
            else:
                page = provider.save_notes(notes)
        except ConnectionBrokenError as exc:
            self.adapters.broken(booking.host_id, destination.provider, exc.message)
            raise
        finally:
            if lease is not None:
                self.refs.delete(lease)
        return page, lease is not None

    def _saved(self, booking: Booking, ref: ProviderRef | None,
               destination: NotesDestination | None, page: NotesPage, made: bool) -> str:
        """MADE or UPDATED, once the page's place and link are kept."""
        assert destination is not None
        stored = ProviderRef(NOTES, booking.uid, Held.external_id(destination, page.id),
                             booking.sequence, booking.end + KEEP_AFTER_MEETING)
        if stored != ref:
            self.refs.put(stored)
        if booking.notes_url != page.url:
            self._save_link(booking, page.url)
            return MADE  # its link is new on the booking (a run that made it died)
        return MADE if made else UPDATED

    def _save_link(self, booking: Booking, url: str) -> None:
        save_on_latest(self.bookings, booking, lambda b: replace(b, notes_url=url))


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


def save_on_latest(bookings: NotesBookings, booking: Booking,
                   edit: Callable[[Booking], Booking]) -> Booking | None:
    """The booking with `edit` made on its latest version, as saved (None: it is gone);
    BookingContentionError if it kept changing (the job is retried)."""
    current: Booking | None = booking
    for _ in range(ROUNDS):
        if current is None:
            return None
        changed = edit(current)
        if bookings.save(changed):
            return replace(changed, version=(changed.version or 0) + 1)
        current = bookings.get(booking.uid)  # changed meanwhile: on the fresh one
    raise BookingContentionError(f"booking {booking.uid} kept changing; try again")


def waiting_for_catch_up(bookings: NotesBookings, host_id: str,
                         at: datetime) -> list[Booking]:
    """The host's bookings a catch-up begun `at` has yet to ask for, in order: from a
    day before it on (at most CATCH_UP read), made by then, confirmed (or cancelled
    with a page), and not asked for since (a mark at `at` is the catch-up's own)."""
    return [b for b in bookings.for_host(host_id, after=at - CATCH_UP_FROM, limit=CATCH_UP)
            if b.created_at <= at
            and (b.status is BookingStatus.CONFIRMED
                 or (b.status is BookingStatus.CANCELLED and b.notes_url is not None))
            and (b.notes_requested_at is None or b.notes_requested_at < at)]


def ask_for_notes(bookings: NotesBookings, booking: Booking, at: datetime) -> bool:
    """Mark the booking for the catch-up begun `at` (`notes.requested` on the table's
    stream); False when another run marked it first (it then marks nothing again)."""
    marked: list[bool] = []

    def mark(b: Booking) -> Booking:
        marked.append(b.notes_requested_at is None or b.notes_requested_at < at)
        return replace(b, notes_requested_at=at, keeps_notes=True) if marked[-1] else b

    return save_on_latest(bookings, booking, mark) is not None and marked[-1]


def notes_job(context: JobContext) -> NotesJob:
    if context.notes is None:
        raise LookupError("the notes job needs the hosts' notes adapters")
    return NotesJob(context.bookings, context.hosts, context.notes, context.refs,
                    context.manage_url, clock=context.clock)
