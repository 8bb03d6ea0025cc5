"""Bookings and their states.

A booking's footprint on the host's calendar is the per-day ledger (ledger.py) that makes
double booking impossible. A paid booking's money is its payment record (payment_record.py,
with payment_disputes.py and second_payments.py): the booking checks a transition
applies, the record makes it. The names of both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from chalicelib.domain import payment_disputes, second_payments
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


class BookingStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"            # its payment never came before the hold lapsed


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    timezone: str


@dataclass(frozen=True)
class BookingBrief:
    """A premium host's pre-meeting brief about the client (the summary job's), as the
    booking keeps it: who they are, what they want, what to prepare, what to ask."""

    who: str
    wants: str
    prepare: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    """A previous time of a rescheduled booking."""

    start: datetime
    end: datetime
    changed_at: datetime


@dataclass(frozen=True)
class Booking:
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
    # When a sync of the host's calendar saw the event Penny made for it deleted there
    # (by the host, not by Penny) while it still stood: the host's dashboard says so and
    # offers to put it back. Cleared when the calendar job makes the event again.
    calendar_event_removed_at: datetime | None = None

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

    def paid(self, payment_id: str, amount_minor: int | None, now: datetime) -> Booking:
        """Confirmed by a verified payment: the hold becomes the booking."""
        payment = self._payment().with_payment(payment_id, amount_minor, now)
        return replace(self, status=BookingStatus.CONFIRMED, hold_until=None, payment=payment)

    def expired(self) -> Booking:
        """Its hold lapsed unpaid: the time is free again."""
        return replace(self, status=BookingStatus.EXPIRED)

    def as_of(self, now: datetime) -> Booking:
        """As it stands at `now`: a hold that lapsed unpaid is expired, whether or not the
        hold's timer has written it so yet (what pages and the API show)."""
        lapsed = self.status is BookingStatus.PENDING_PAYMENT and \
            self.hold_until is not None and self.hold_until <= now and \
            not (self.payment is not None and self.payment.paid)
        return self.expired() if lapsed else self

    def refunded(self, refund_id: str, amount_minor: int, now: datetime,
                 reason: str) -> Booking:
        return replace(self, payment=self._payment().with_refund(refund_id, amount_minor,
                                                                 now, reason))

    def refunded_in_all(self, total_minor: int) -> Booking:
        """More of its payment went back at the provider (another part refunded in the
        dashboard): see `Payment.with_refunded_in_all`."""
        p = self.payment
        if p is None:
            return self
        kept = p.with_refunded_in_all(total_minor)
        return self if kept is p else replace(self, payment=kept)

    def released(self, payment_id: str, amount_minor: int | None, reason: str,
                 now: datetime) -> Booking:
        """An authorized payment left uncaptured (it lapses back to the client), for a time
        it no longer holds: recorded, and a hold still waiting ends as its timer would."""
        if self.payment is None or self.payment.paid:
            return self
        kept = replace(self, payment=self.payment.with_release(payment_id, amount_minor,
                                                               reason, now))
        return kept.expired() if kept.status is BookingStatus.PENDING_PAYMENT else kept

    def second_payment(self, payment_id: str, amount_minor: int | None) -> Booking:
        """Another payment after the one it was paid with: recorded as owed back."""
        p = self._paid_payment()
        kept = p.with_second_payment(payment_id, amount_minor)
        return self if kept is p else replace(self, payment=kept)

    def second_payment_refunded(self, payment_id: str, refund_id: str, amount_minor: int,
                                now: datetime) -> Booking:
        p = self._payment()
        return replace(self, payment=replace(p, second_payments=second_payments.refunded(
            p.second_payments, payment_id, refund_id, amount_minor, now)))

    def second_refund_failed(self, refund_id: str, now: datetime) -> Booking:
        """A second payment's refund came back: the host must give it back another way."""
        p = self._payment()
        return replace(self, payment=replace(p, second_payments=second_payments.refund_failed(
            p.second_payments, refund_id, now)))

    def disputed(self, dispute_id: str, reason: str | None, amount_minor: int | None,
                 now: datetime, payment_id: str | None = None) -> Booking:
        """Its payment (or the second payment `payment_id` names) was disputed with the
        client's bank: the host is to answer it."""
        return self._disputes_changed(payment_id, lambda ds: payment_disputes.opened(
            ds, dispute_id, reason, amount_minor, now))

    def dispute_closed(self, dispute_id: str, outcome: str, reason: str | None,
                       amount_minor: int | None, now: datetime,
                       payment_id: str | None = None) -> Booking:
        """The bank decided a dispute of its payment (or of the second payment
        `payment_id` names): `outcome`, one of DISPUTE_OUTCOMES."""
        return self._disputes_changed(payment_id, lambda ds: payment_disputes.closed(
            ds, dispute_id, outcome, reason, amount_minor, now))

    def refund_disputed(self, dispute_id: str | None, now: datetime,
                        payment_id: str | None = None) -> Booking:
        """The provider refused the refund it owes (or the second payment `payment_id`
        names is owed) because that payment is disputed, before the dispute's webhook
        came: held as an open dispute (`refund_held`), never counted as a refused ask."""
        return self._disputes_changed(payment_id, lambda ds: payment_disputes.refund_refused(
            ds, dispute_id, now))

    def _disputes_changed(self, payment_id: str | None, change: Callable[
            [tuple[Dispute, ...]], tuple[Dispute, ...]]) -> Booking:
        p = self._paid_payment()
        kept = p.with_disputes(payment_id, change)
        return self if kept is p else replace(self, payment=kept)

    def refund_refused(self, now: datetime) -> Booking:
        """The provider refused the refund it owes, once more: at the REFUND_ASKS-th
        refusal Penny stops asking (`refund_owed` turns false) and the host refunds by
        hand."""
        p = self.payment
        if p is None or not self.refund_owed:
            return self
        return replace(self, payment=p.with_refund_refused(now))

    def second_refund_refused(self, payment_id: str, now: datetime) -> Booking:
        """A second payment's refund refused once more (see `refund_refused`)."""
        p = self._payment()
        return replace(self, payment=replace(p, second_payments=second_payments.refund_refused(
            p.second_payments, payment_id, now)))

    def refund_failed(self, now: datetime) -> Booking:
        """Its refund came back: the host must give the money back another way."""
        if self.payment is None or not self.payment.refunded:
            raise BookingStateError("this booking has no refund")
        return replace(self, payment=self.payment.with_refund_failed(now))

    @property
    def refund_owed(self) -> bool:
        """Paid for a time it does not hold (late, taken, cancelled while it waited, or
        cancelled in time), and not all of it back yet: the refund not made, or only a
        part the host gave back at the provider meanwhile (the rest is still Penny's to
        give). A refund that came back, or that the provider refused at every ask, is the
        host's to make another way; one whose payment's dispute is open or lost is held
        (`refund_held`), and never asked for (nor counted as refused) while it is."""
        p = self.payment
        return self._refund_due and p is not None and not p.dispute_holds_money

    @property
    def refund_held(self) -> bool:
        """A refund it would owe, held while its payment's dispute is open or lost: the
        bank decides the money. A dispute won (or closed as an inquiry) makes it owed."""
        p = self.payment
        return self._refund_due and p is not None and p.dispute_holds_money

    @property
    def _refund_due(self) -> bool:
        p = self.payment
        return (p is not None and p.paid and p.refund_reason not in (None, "provider")
                and not p.refund_failed and not p.refund_refused
                and self.status is not BookingStatus.CONFIRMED
                and (not p.refunded or self.refund_rest_minor > 0))

    @property
    def refund_rest_minor(self) -> int:
        """What of its payment has not gone back, as the provider's total counts it."""
        return 0 if self.payment is None else self.payment.rest_minor

    def _payment(self) -> Payment:
        if self.payment is None:
            raise BookingStateError("this booking takes no payment")
        return self.payment

    def _paid_payment(self) -> Payment:
        if self.payment is None or not self.payment.paid:
            raise BookingStateError("this booking has not been paid")
        return self.payment

    def moved_to(self, start: datetime, now: datetime) -> Booking:
        if len(self.history) >= MAX_MOVES:
            raise TooManyMovesError(
                f"this booking has been moved {MAX_MOVES} times, as often as one may be; "
                "ask the host, or cancel it and book again")
        entry = HistoryEntry(self.start, self.end, now)
        start = start.astimezone(UTC)
        return replace(self, start=start, end=start + (self.end - self.start),
                       sequence=self.sequence + 1, history=(*self.history, entry))
