"""The notes job: every confirmed booking leaves bullet notes about the client in the
host's Notion or Google Docs, kept up to date as the booking changes.

It reconciles, as the calendar job does: whichever booking event arrives (confirmed,
rescheduled, cancelled; SNS keeps no order), it reads the booking as it is now and
writes that. A booking has one notes page, found again by what the job stored
(ProviderRef "notes": the page id) or, after a crash before that was stored, by the
booking uid the page carries (integrations/notion_notes.py): a redelivery never makes a
second page, a reschedule or cancel rewrites the same one (status, time), one run at a
time (a lease: two at once each added the lines new to the page). A page the
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

The job is four modules: this one reconciles (the rounds, the catch-up's chain),
notes_pages.py writes one booking's page (where it is held, the lease on writing it),
notes_catch_up.py paces the catch-up, notes_bookings.py reads and saves the bookings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import JobBusyError, NotConnectedError, ProviderRejectedError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.notes import booking_notes
from chalicelib.services.jobs import HostConfigs, JobContext, ProviderRefs
from chalicelib.services.notes_bookings import (
    ROUNDS,
    NotesBookings,
    client_history,
    question_labels,
)
from chalicelib.services.notes_catch_up import CATCH_UP_AT_ONCE, catch_up_next
from chalicelib.services.notes_pages import (
    CREATE_LEASE,
    CREATING,
    MADE,
    NOTES,
    NOTES_TIMEOUT,
    Held,
    NotesAdapters,
    NotesPages,
)
from chalicelib.services.ports import Clock

# Kept importable from here, where the job's tests and callers name them.
__all__ = ["CATCH_UP_AT_ONCE", "CREATE_LEASE", "CREATING", "NOTES", "NotesAdapters",
           "NotesBookings", "NotesJob", "notes_job"]


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
    clock: Clock | None = None              # a page's lease (None: the wall clock)
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
        for round_ in range(ROUNDS):
            try:
                wrote, config = (None, config) if booking is None else self._write(booking)
            except JobBusyError:
                if round_ == 0:
                    raise  # Lambda's retry writes the page once the other run is done
                # The booking changed after this run wrote it, and the run writing it now
                # reads it again after its own write: this run ends, and says what it made
                # (a retry would find the page there, and never announce it).
                break
            except ProviderRejectedError:
                # This booking's page alone is refused (one the host put in Notion's
                # trash): the job fails for good, and the catch-up goes on without it.
                # Not on a broken connection (every page would fail: a reconnect starts
                # the catch-up again) nor on a retryable failure (its retry goes on).
                if chain is not None:
                    catch_up_next(self.bookings, self.hosts, chain, mark, config)
                raise
            if wrote is None:
                break
            made = made or wrote is MADE
            again = self.bookings.get(uid)
            if _state(again) == _state(booking):
                break
            booking = again
        if chain is not None:
            catch_up_next(self.bookings, self.hosts, chain, mark, config)
        return made

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
        pages = NotesPages(self.bookings, self.adapters, self.refs, self.clock)
        with pages.lease(booking, config.notes.data_source_id):
            ref = self.refs.get(NOTES, booking.uid)  # as the run before left it
            held = None if ref is None else Held.of(ref)
            if held is not None and held.place != config.notes.data_source_id:
                kept = pages.where_held(booking.host_id, held, notes)
                if kept is not None:
                    return pages.saved(booking, ref, held.destination, kept, False), config
            return pages.save(booking, ref, provider, notes, config.notes), config


def notes_job(context: JobContext) -> NotesJob:
    if context.notes is None:
        raise LookupError("the notes job needs the hosts' notes adapters")
    return NotesJob(context.bookings, context.hosts, context.notes, context.refs,
                    context.manage_url, clock=context.clock)
