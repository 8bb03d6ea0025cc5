"""Booking events: a small, versioned envelope, derived from what changed.

Events are not written by the code that changes a booking; they are read off the
table's change stream, so a change and its event cannot drift apart: a committed
write always yields its event (the stream retries), a failed write yields none.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.bookings import Booking, BookingStatus, Dispute

ENVELOPE_VERSION = 1


class EventKind(StrEnum):
    """What happened to a booking (the envelope's "type" on the wire); not to be confused
    with `event_types.EventType`, the kind of meeting a host offers."""

    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_RESCHEDULED = "booking.rescheduled"
    # Its video link arrived (or a note instead), or its event was deleted in the host's
    # calendar (or made again).
    BOOKING_UPDATED = "booking.updated"
    BOOKING_EXPIRED = "booking.expired"      # its hold lapsed unpaid: the time is free
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REFUNDED = "payment.refunded"
    PAYMENT_REFUND_FAILED = "payment.refund_failed"   # the host must refund another way
    PAYMENT_DISPUTED = "payment.disputed"   # a chargeback: the host answers it at the provider
    PAYMENT_DISPUTE_CLOSED = "payment.dispute_closed"   # the bank decided: won, lost, closed
    # The end of a paid booking's hold (its one-time timer): for the payments worker.
    PAYMENT_HOLD_EXPIRED = "payment.hold_expired"
    NOTES_SAVED = "notes.saved"
    SUMMARY_READY = "summary.ready"
    # The host (re)connected their notes: write this booking's notes page now (for the
    # notes worker only: NOT_FOR_DASHBOARDS).
    NOTES_REQUESTED = "notes.requested"
    # The host (re)connected a calendar or Zoom: write this booking's event and meeting
    # now (for the calendar worker only).
    CALENDAR_REQUESTED = "calendar.requested"
    # Not about a booking: a host's connection to a provider stopped working, or works
    # again (connection_events.py).
    CONNECTION_BROKEN = "connection.broken"
    CONNECTION_REPAIRED = "connection.repaired"


@dataclass(frozen=True)
class Event:
    type: EventKind
    id: str            # stable for one change: a redelivered stream record keeps its id
    occurred_at: datetime
    host_id: str
    booking: dict[str, Any]
    version: int = ENVELOPE_VERSION
    connection: dict[str, Any] | None = None   # connection events: which, and why
    # A booking event of a premium host (the booking says so: Booking.premium). Only
    # premium-only workers look at it; in the envelope only when true.
    premium: bool = False
    # A booking event the notes worker hears (notes_worker_hears): in the envelope only
    # when true.
    notes: bool = False

    def to_json(self) -> dict[str, Any]:
        envelope = {"type": self.type.value, "id": self.id, "version": self.version,
                    "occurred_at": self.occurred_at.isoformat(), "host_id": self.host_id,
                    "booking": self.booking}
        if self.connection is not None:
            envelope["connection"] = self.connection
        if self.premium:
            envelope["premium"] = True
        if self.notes:
            envelope["notes"] = True
        return envelope

    @classmethod
    def from_json(cls, data: Any) -> Event:
        """The envelope back from its JSON (what a worker is pushed); KeyError, ValueError
        or TypeError when it is not one, e.g. a booking without a uid or an unknown type."""
        booking = data["booking"]
        if not isinstance(booking, dict) or not isinstance(booking.get("uid"), str) \
                or not booking["uid"]:
            raise ValueError("the event names no booking uid")
        host_id, event_id = data["host_id"], data["id"]
        if not (isinstance(host_id, str) and host_id and isinstance(event_id, str) and event_id):
            raise ValueError("the event needs an id and a host id")
        occurred_at = datetime.fromisoformat(data["occurred_at"])
        if occurred_at.utcoffset() is None:
            raise ValueError("occurred_at has no UTC offset")
        return cls(EventKind(data["type"]), event_id, occurred_at, host_id, booking,
                   int(data.get("version", ENVELOPE_VERSION)),
                   premium=data.get("premium") is True, notes=data.get("notes") is True)


# Work orders for a worker, nothing a host needs to hear about.
NOT_FOR_DASHBOARDS = frozenset({EventKind.NOTES_REQUESTED, EventKind.CALENDAR_REQUESTED})


def booking_summary(b: Booking) -> dict[str, Any]:
    """What a dashboard needs to update its list; never the attendee's answers."""
    return {"uid": b.uid, "status": b.status.value, "event_title": b.event_title,
            "start": b.start.isoformat(), "end": b.end.isoformat(),
            "attendee_name": b.attendee.name, "attendee_timezone": b.attendee.timezone,
            "sequence": b.sequence, "video_url": b.video_url, "video_note": b.video_note,
            # Only while its event is deleted in the host's calendar: absent, it is there.
            **({} if b.calendar_event_removed_at is None
               else {"calendar_event_removed_at": b.calendar_event_removed_at.isoformat()}),
            **({} if b.payment is None else {"payment": payment_summary(b)})}


def payment_summary(b: Booking) -> dict[str, Any]:
    """The money side of a booking, as a dashboard shows it: "paid", "refunded"..."""
    p = b.payment
    assert p is not None
    # A refund refused at every ask is the host's to make, as one that came back is.
    state = ("refund_failed" if p.refund_failed or p.refund_refused
             else "refund_owed" if b.refund_owed
             else "refunded" if p.refunded else "paid" if p.paid
             else "expired" if b.status is BookingStatus.EXPIRED else "awaiting")
    summary: dict[str, Any] = {"provider": p.provider, "state": state, "amount_minor": p.paid_minor
               if p.paid_minor is not None else b.price_minor, "currency": b.currency,
               "refunded_minor": p.refunded_minor}
    if p.refund_reason is not None:
        # Why it is owed, was given back or is held (cancelled, taken, late, provider): the
        # row says it live in the list's words. Absent until one is.
        summary["refund_reason"] = p.refund_reason
    if p.refund_refused:
        # Not made: the provider refused it at every ask, and Penny asks no more.
        summary["refund_refused"] = True
    if p.disputes:
        # Shown beside the state: a disputed payment is still paid until the bank decides.
        # `dispute` is the latest (what clients from before the list read), `disputes` all.
        latest = p.disputes[-1]
        summary["dispute"] = {"reason": latest.reason, "amount_minor": latest.amount_minor,
                              "outcome": latest.outcome}
        summary["disputes"] = disputes_summary(p.disputes)
    if b.refund_held:
        # Cancelled inside the policy while the payment is disputed: no refund, the bank's
        # dispute decides the money (made if the host wins it, never if they lose it).
        summary["refund_held"] = True
    if p.second_payments:
        # Paid again (two tabs): each given back in full, apart from the booking's state.
        summary["second_payments"] = [{"amount_minor": s.amount_minor,
                                       "refunded": s.refund_id is not None,
                                       "refund_failed": s.refund_failed_at is not None,
                                       **({} if s.refund_refused_at is None
                                          else {"refund_refused": True}),
                                       # Its own dispute open or lost: no refund while
                                       # the bank decides (made if won, never if lost).
                                       **({} if not s.refund_held
                                          else {"refund_held": True}),
                                       **({} if not s.disputes
                                          else {"disputes": disputes_summary(s.disputes)})}
                                      for s in p.second_payments]
    if p.released_payment_id is not None:
        # An authorized payment left uncaptured (Razorpay, manual capture): it lapses back
        # to the client by itself, so the host has nothing to refund, only to know of it.
        summary["released"] = {"amount_minor": p.released_minor, "reason": p.released_reason}
    return summary


def disputes_summary(disputes: tuple[Dispute, ...]) -> list[dict[str, Any]]:
    """Each dispute as the dashboard and the API show it (`id` None: known only from a
    refund the provider refused as disputed, until its webhook)."""
    return [{"id": d.id, "reason": d.reason, "amount_minor": d.amount_minor,
             "outcome": d.outcome, "opened_at": None if d.opened_at is None
             else d.opened_at.isoformat(),
             "closed_at": None if d.closed_at is None else d.closed_at.isoformat()}
            for d in disputes]


def notes_worker_hears(b: Booking) -> bool:
    """Does the booking concern the notes worker: its host kept notes when it was made or
    moved, or asked for its page since, or it has a page (one made before the flag
    existed, or whose host stopped keeping notes: its page still follows it)?"""
    return b.keeps_notes or b.notes_url is not None


def _event(kind: EventKind, change_id: str, at: datetime, b: Booking) -> Event:
    summary = booking_summary(b)
    if kind is EventKind.NOTES_REQUESTED and b.notes_requested_at is not None:
        # Which ask this is (a catch-up's mark, the brief's, the video link's): the
        # booking may be asked again before the notes worker reads it.
        summary["notes_requested_at"] = b.notes_requested_at.isoformat()
    return Event(kind, event_id(change_id, kind), at, b.host_id, summary,
                 premium=b.premium, notes=notes_worker_hears(b))


def event_id(change_id: str, kind: EventKind) -> str:
    return hashlib.sha256(f"{change_id}:{kind.value}".encode()).hexdigest()[:24]


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
    if any(d.outcome is not None and (place not in before or before[place].outcome
                                      != d.outcome) for place, d in after.items()):
        # A dispute whose close came first (webhooks in any order) is told closed only.
        events.append(_event(EventKind.PAYMENT_DISPUTE_CLOSED, change_id, at, new))
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


def _shown(b: Booking) -> tuple[str | None, str | None, datetime | None]:
    """What `booking.updated` tells of: its link (or note), and its event deleted."""
    return b.video_url, b.video_note, b.calendar_event_removed_at


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
