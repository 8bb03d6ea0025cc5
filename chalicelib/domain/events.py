"""Booking events: a small, versioned envelope, derived from what changed.

Events are not written by the code that changes a booking; they are read off the
table's change stream, so a change and its event cannot drift apart: a committed
write always yields its event (the stream retries), a failed write yields none.

The envelope and its kinds are event_envelope.py's, the booking as an event carries it
booking_summaries.py's; their names are re-exported here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.booking_summaries import booking_summary as booking_summary
from chalicelib.domain.booking_summaries import disputes_summary as disputes_summary
from chalicelib.domain.booking_summaries import payment_summary as payment_summary
from chalicelib.domain.bookings import Booking, BookingStatus, Dispute
from chalicelib.domain.event_envelope import ENVELOPE_VERSION as ENVELOPE_VERSION
from chalicelib.domain.event_envelope import NOT_FOR_DASHBOARDS as NOT_FOR_DASHBOARDS
from chalicelib.domain.event_envelope import Event as Event
from chalicelib.domain.event_envelope import EventKind as EventKind
from chalicelib.domain.event_envelope import event_id as event_id


def notes_worker_hears(b: Booking) -> bool:
    """Does the booking concern the notes worker: its host kept notes when it was made or
    moved, or asked for its page since, or it has a page (one made before the flag
    existed, or whose host stopped keeping notes: its page still follows it)?"""
    return b.keeps_notes or b.notes_url is not None


def _event(kind: EventKind, change_id: str, at: datetime, b: Booking,
           closed: Dispute | None = None) -> Event:
    summary = booking_summary(b)
    if kind is EventKind.NOTES_REQUESTED and b.notes_requested_at is not None:
        # Which ask this is (a catch-up's mark, the brief's, the video link's): the
        # booking may be asked again before the notes worker reads it.
        summary["notes_requested_at"] = b.notes_requested_at.isoformat()
    if closed is not None:
        # Which dispute the bank decided: the booking's own, or a second payment's.
        summary["closed_dispute_id"] = closed.id
    return Event(kind, event_id(change_id, kind), at, b.host_id, summary,
                 premium=b.premium, notes=notes_worker_hears(b))

def booking_events(old: Booking | None, new: Booking | None, change_id: str,
                   at: datetime) -> list[Event]:
    """The events one change of a booking item stands for (possibly none)."""
    if new is None:
        return []
    if old is None:
        created = [_event(EventKind.BOOKING_CREATED, change_id, at, new)]
        if new.status is BookingStatus.CONFIRMED:
            created.append(_event(EventKind.BOOKING_CONFIRMED, change_id, at, new))
        return created
    events: list[Event] = []
    # A payment that confirms the booking; one for a time it no longer holds (late,
    # taken, cancelled while it waited) is only ever refunded (`payment.refunded`).
    if _paid(new) and not _paid(old) and new.status is BookingStatus.CONFIRMED:
        events.append(_event(EventKind.PAYMENT_SUCCEEDED, change_id, at, new))
    if old.status is not new.status:
        if new.status is BookingStatus.CANCELLED:
            events.append(_event(EventKind.BOOKING_CANCELLED, change_id, at, new))
        elif new.status is BookingStatus.EXPIRED:
            events.append(_event(EventKind.BOOKING_EXPIRED, change_id, at, new))
        elif new.status is BookingStatus.CONFIRMED:
            events.append(_event(EventKind.BOOKING_CONFIRMED, change_id, at, new))
    if _refunded(new) and (not _refunded(old) or _refund_failed(old)) and \
            not _refund_failed(new):
        events.append(_event(EventKind.PAYMENT_REFUNDED, change_id, at, new))
    elif _second_refunds(new) > _second_refunds(old):
        # A second payment (two tabs) given back: the booking itself stays as it was.
        events.append(_event(EventKind.PAYMENT_REFUNDED, change_id, at, new))
    if (_refund_failed(new) and not _refund_failed(old)) or \
            (_refund_refused(new) and not _refund_refused(old)) or \
            _second_refund_failures(new) > _second_refund_failures(old):
        events.append(_event(EventKind.PAYMENT_REFUND_FAILED, change_id, at, new))
    before, after = _disputes(old), _disputes(new)
    closed = [d for place, d in after.items() if d.outcome is not None and
              (place not in before or before[place].outcome != d.outcome)]
    if closed:
        # A dispute whose close came first (webhooks in any order) is told closed only.
        events.append(_event(EventKind.PAYMENT_DISPUTE_CLOSED, change_id, at, new, closed[-1]))
    elif any(place not in before for place in after):
        events.append(_event(EventKind.PAYMENT_DISPUTED, change_id, at, new))
    if new.sequence > old.sequence and new.status is not BookingStatus.CANCELLED:
        events.append(_event(EventKind.BOOKING_RESCHEDULED, change_id, at, new))
    if not events and _shown(old) != _shown(new):
        events.append(_event(EventKind.BOOKING_UPDATED, change_id, at, new))
    if new.notes_requested_at is not None and new.notes_requested_at != old.notes_requested_at:
        events.append(_event(EventKind.NOTES_REQUESTED, change_id, at, new))
    if new.calendar_requested_at is not None and \
            new.calendar_requested_at != old.calendar_requested_at:
        events.append(_event(EventKind.CALENDAR_REQUESTED, change_id, at, new))
    return events


def _shown(b: Booking) -> tuple[str | None, str | None, datetime | None, tuple[str, ...]]:
    """What `booking.updated` tells of: its link (or note), its event deleted, and the
    providers that still have it as it was."""
    return b.video_url, b.video_note, b.calendar_event_removed_at, b.out_of_date


def _paid(b: Booking) -> bool:
    return b.payment is not None and b.payment.paid


def _refunded(b: Booking) -> bool:
    # A part the host gave back while Penny owes the whole is not the refund yet, nor is
    # it once Penny has stopped asking for the rest (refused at every ask).
    return b.payment is not None and b.payment.refunded and not b.refund_owed and \
        not b.payment.refund_refused


def _disputes(b: Booking) -> dict[tuple[str, int], Dispute]:
    """Every dispute of the payment and of its second payments, by its place: which
    payment ("" the booking's own), then its position in that payment's list (a list
    only grows, and a dispute held from a refusal keeps its place when its id comes)."""
    p = b.payment
    if p is None:
        return {}
    owned = [("", p.disputes), *((s.payment_id, s.disputes) for s in p.second_payments)]
    return {(owner, i): d for owner, disputes in owned for i, d in enumerate(disputes)}


def _second_refunds(b: Booking) -> int:
    return 0 if b.payment is None else sum(
        1 for s in b.payment.second_payments if s.refund_id is not None)


def _second_refund_failures(b: Booking) -> int:
    return 0 if b.payment is None else sum(
        1 for s in b.payment.second_payments
        if s.refund_failed_at is not None or s.refund_refused_at is not None)


def _refund_failed(b: Booking) -> bool:
    return b.payment is not None and b.payment.refund_failed


def _refund_refused(b: Booking) -> bool:
    return b.payment is not None and b.payment.refund_refused


def job_done_event(kind: EventKind, change_id: str, at: datetime, host_id: str,
                   booking: dict[str, Any]) -> Event:
    """A job finished its work for a booking and says so (notes saved, summary ready):
    read off the job record's change to done, never off its claim."""
    return Event(kind, event_id(change_id, kind), at, host_id, booking)
