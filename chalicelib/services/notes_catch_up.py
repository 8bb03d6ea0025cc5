"""A host's notes catch-up, paced (services/notes.py says why): the bookings a catch-up
has yet to ask for, the mark that asks for one (`notes.requested` on the table's
stream), and the next mark, made once a page the catch-up asked for is written (or
refused), so at most CATCH_UP_AT_ONCE pages are written at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.hosts import HostConfig
from chalicelib.services.jobs import HostConfigs
from chalicelib.services.notes_bookings import NotesBookings, save_on_latest

CATCH_UP = 100                     # bookings whose notes a (re)connection writes again
CATCH_UP_FROM = timedelta(days=1)  # those starting from a day ago on
CATCH_UP_AT_ONCE = 2               # pages a catch-up writes at once (Notion: ~3 requests/s)


def catch_up_next(bookings: NotesBookings, hosts: HostConfigs, asked: Booking,
                  mark: datetime | None, config: HostConfig | None) -> None:
    """`asked` was marked `mark`: when that is the host's catch-up's time, mark the
    next booking waiting for it, so one more page is written."""
    if config is None:  # not read by the write (a booking with nothing to write)
        config = hosts.config(asked.host_id)
    at = None if config.notes is None else config.notes.catch_up_at
    if at is None or mark != at:
        return  # asked for by another (the brief, the video link), or an older catch-up
    for booking in waiting_for_catch_up(bookings, asked.host_id, at):
        if ask_for_notes(bookings, booking, at):
            return  # one more: the chain goes on (another run took the one before)


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
