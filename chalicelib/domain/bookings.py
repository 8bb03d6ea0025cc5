"""Bookings and their states.

A booking's footprint on the host's calendar is the per-day ledger (ledger.py) that makes
double booking impossible. A paid booking's money is its payment record (payment_record.py,
with payment_disputes.py and second_payments.py): the booking checks a transition
applies, the record makes it. The names of both are re-exported here.

The Booking is made of its changes by money (booking_payment_changes.py: paid, expired,
refunded, released, the refund owed; booking_dispute_changes.py: second payments and
disputes); its parts (status, attendee, brief, a previous time) are booking_parts.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.booking_dispute_changes import BookingDisputeChanges
from chalicelib.domain.booking_parts import Attendee as Attendee
from chalicelib.domain.booking_parts import BookingBrief as BookingBrief
from chalicelib.domain.booking_parts import BookingStatus as BookingStatus
from chalicelib.domain.booking_parts import HistoryEntry as HistoryEntry
from chalicelib.domain.booking_payment_changes import BookingPaymentChanges
from chalicelib.domain.errors import BookingStateError, TooManyMovesError
from chalicelib.domain.ledger import LedgerDay as LedgerDay
from chalicelib.domain.ledger import LedgerEntry as LedgerEntry
from chalicelib.domain.ledger import busy_from_ledger as busy_from_ledger
from chalicelib.domain.ledger import utc_days as utc_days
from chalicelib.domain.payment_disputes import DISPUTE_OUTCOMES as DISPUTE_OUTCOMES
from chalicelib.domain.payment_disputes import Dispute as Dispute
from chalicelib.domain.payment_record import Payment as Payment
from chalicelib.domain.refund_asks import REFUND_ASKS as REFUND_ASKS
from chalicelib.domain.second_payments import SecondPayment as SecondPayment
from chalicelib.domain.timerange import TimeRange

# How often one booking may be moved. Each move keeps the time it left (the history the
# refund deadline is worked out from), so without a bound the item would grow towards
# DynamoDB's 400 KB until neither a move nor a cancel could be written.
MAX_MOVES = 20


@dataclass(frozen=True)
class Booking(BookingPaymentChanges, BookingDisputeChanges):
    uid: str
    host_id: str
    event_type_id: str
    event_title: str
    start: datetime
    end: datetime
    buffer_before: timedelta
    buffer_after: timedelta
    attendee: Attendee
    answers: dict[str, str]
    status: BookingStatus
    created_at: datetime
    location_kind: str
    sequence: int = 0
    # The event type's location details (an address, a number to call) when it was
    # booked, kept through moves: "" for none. None: booked before Penny kept them, so the
    # event type's as they are now stand in (HostConfig.location_details).
    location_details: str | None = None
    # A phone call's number to call, the client's answer when they booked (kept through
    # moves, and if the host edits the questions since). None: another location, a
    # booking made before Penny asked for it, or a host's own phone question unanswered.
    phone: str | None = None
    hold_until: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    cancelled_by: str | None = None
    history: tuple[HistoryEntry, ...] = field(default_factory=tuple)
    price_minor: int | None = None
    currency: str | None = None
    version: int | None = None
    # The meeting's join link once the calendar job made it (Meet, Teams, Zoom), or, when
    # it cannot be made, a plain-words note that the host will send one.
    video_url: str | None = None
    video_note: str | None = None
    # The host's premium plan when the booking was made or last moved: written on the
    # booking so its events say it (the summary worker's filter) without reading the host.
    premium: bool = False
    # The host kept notes (a notes destination) when the booking was made or last moved,
    # or asked for its page since: its events say so (the notes worker's filter), so a
    # host without notes never wakes the notes worker.
    keeps_notes: bool = False
    payment: Payment | None = None
    # The client's notes page (a Notion page, a Google Doc: the notes job's), once written.
    notes_url: str | None = None
    # The pre-meeting brief (premium), or why there is none ("this month's 100 briefs
    # are used"): the summary job's.
    brief: BookingBrief | None = None
    brief_note: str | None = None
    # When this booking's notes were last asked for again (the brief arrived, the host
    # reconnected after a break or chose another place): its change is `notes.requested`.
    notes_requested_at: datetime | None = None
    # When the host (re)connected a calendar or Zoom after this booking was made: its
    # change is `calendar.requested`, for the calendar worker to write what it could not.
    calendar_requested_at: datetime | None = None
    # The calendar catch-up this booking waits in (when the host reconnected), until a job
    # that catch-up asked for ends and asks for it (`calendar_requested_at` set to it):
    # a few calendar jobs run at once (services/calendar_catch_up.py).
    calendar_catch_up_at: datetime | None = None
    # When a sync of the host's calendar saw the event Penny made for it deleted there
    # (by the host, not by Penny) while it still stood: the host's dashboard says so and
    # offers to put it back. Cleared when the calendar job makes the event again, or
    # takes it away because the host writes bookings to no calendar now.
    calendar_event_removed_at: datetime | None = None
    # The providers ("zoom", "google", "microsoft") that still hold its meeting or event
    # as it was before a move or a cancel the calendar job could not write there (the
    # connection broken, or disconnected): the host's dashboard says so. Cleared by the
    # run that brings it up to date (a reconnect's catch-up).
    out_of_date: tuple[str, ...] = ()
    # The keys of its stored document that this version does not know (a newer version
    # wrote them, store/newer_keys.py): written back as they were, no part of what it equals.
    unknown_keys: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def meeting(self) -> TimeRange:
        return TimeRange(self.start, self.end)

    @property
    def blocked(self) -> TimeRange:
        # In UTC: adding to a zoned datetime would be wall-clock arithmetic (DST).
        start, end = self.start.astimezone(UTC), self.end.astimezone(UTC)
        return TimeRange(start - self.buffer_before, end + self.buffer_after)

    @property
    def pending_until(self) -> datetime | None:
        """When its hold lapses, while it waits for its payment; else None."""
        return self.hold_until if self.status is BookingStatus.PENDING_PAYMENT else None

    def is_active(self, now: datetime) -> bool:
        if self.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
            return False
        # A pending hold counts until it expires, whether or not TTL has removed it yet.
        return not (self.status is BookingStatus.PENDING_PAYMENT
                    and self.hold_until is not None and self.hold_until <= now)

    def movable(self, now: datetime) -> bool:
        """Whether it may still be cancelled or moved: active and not yet started."""
        return self.is_active(now) and self.start > now

    def check_reschedulable(self, now: datetime) -> None:
        """Raise BookingStateError unless it may move: movable, and not a hold waiting for
        its payment (moving a hold would move the time its late payment is judged by)."""
        self.check_movable(now)
        if self.status is BookingStatus.PENDING_PAYMENT:
            raise BookingStateError("this booking is waiting for its payment: pay for it, or "
                                    "cancel it and book another time")

    def check_movable(self, now: datetime) -> None:
        """Raise BookingStateError, saying why, unless it may still be cancelled or moved."""
        if self.movable(now):
            return
        if not self.is_active(now):
            raise BookingStateError(f"this booking is {self.status.value}")
        raise BookingStateError("this booking has already started")

    def cancelled(self, now: datetime, reason: str | None, by: str) -> Booking:
        return replace(self, status=BookingStatus.CANCELLED, cancelled_at=now,
                       cancel_reason=reason, cancelled_by=by)


    def moved_to(self, start: datetime, now: datetime) -> Booking:
        if len(self.history) >= MAX_MOVES:
            raise TooManyMovesError(
                f"this booking has been moved {MAX_MOVES} times, as often as one may be; "
                "ask the host, or cancel it and book again")
        entry = HistoryEntry(self.start, self.end, now)
        start = start.astimezone(UTC)
        return replace(self, start=start, end=start + (self.end - self.start),
                       sequence=self.sequence + 1, history=(*self.history, entry))
