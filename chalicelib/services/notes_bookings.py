"""The bookings as the notes job (services/notes.py) and the brief job
(services/summary.py) read and save them: what a page is made from besides the booking
(its questions' labels, the client's earlier bookings), and an edit saved on a booking's
latest version, however often another writer got there first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from chalicelib.domain.bookings import Booking
from chalicelib.domain.errors import BookingContentionError
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.notes import earlier_bookings

ROUNDS = 3
HISTORY_READ = 100                 # the host's bookings read to find the client's earlier ones


class NotesBookings(Protocol):
    def get(self, uid: str) -> Booking | None: ...
    def save(self, booking: Booking) -> bool: ...
    def for_host(self, host_id: str, *, after: datetime | None = None,
                 before: datetime | None = None, newest_first: bool = False,
                 limit: int = 50) -> list[Booking]: ...


def question_labels(config: HostConfig, booking: Booking) -> dict[str, str]:
    """The booking's event type's questions, id -> label, in form order."""
    et = next((e for e in config.event_types if e.id == booking.event_type_id), None)
    return {} if et is None else {q.id: q.label for q in et.booking_questions}


def client_history(bookings: NotesBookings, booking: Booking) -> list[Booking]:
    """The client's earlier bookings with this host (one page of the host's bookings
    before this one, newest first)."""
    before = bookings.for_host(booking.host_id, before=booking.start, newest_first=True,
                               limit=HISTORY_READ)
    return earlier_bookings(booking, before)


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
