"""Bookings, their states, and the per-day ledger that makes double booking impossible.

The ledger is the host's calendar as Penny knows it: for each UTC day, the blocked
ranges of every active booking touching that day. A booking is written together with
the ledger days it touches, each conditioned on the version that was read, so two
writers that saw the same calendar cannot both succeed (see store/bookings.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from chalicelib.domain.errors import BookingStateError, TooManyMovesError
from chalicelib.domain.slots import Busy
from chalicelib.domain.timerange import TimeRange

# How often one booking may be moved. Each move keeps the time it left (the history the
# refund deadline is worked out from), so without a bound the item would grow towards
# DynamoDB's 400 KB until neither a move nor a cancel could be written.
MAX_MOVES = 20
# How a payment's dispute ended: the money stayed ("won"), was taken back ("lost"), or it
# was an inquiry that closed without a chargeback ("closed").
DISPUTE_OUTCOMES = frozenset({"won", "lost", "closed"})


class BookingStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"            # its payment never came before the hold lapsed


@dataclass(frozen=True)
class SecondPayment:
    """A payment for a booking that was paid already (a client paying one Razorpay order
    twice, in two tabs): never the booking's, so given back in full (`refund_id` once
    made; until then it is owed)."""

    payment_id: str
    amount_minor: int | None
    refund_id: str | None = None
    refunded_at: datetime | None = None
    # Its refund came back after it was made (the card was closed): the provider put the
    # money back in the host's balance, and the host must refund the client another way.
    refund_failed_at: datetime | None = None
    # Its refund refused when asked for, so many times (REFUND_ASKS), and since then not
    # asked for again: the host refunds it by hand.
    refund_refusals: int = 0
    refund_refused_at: datetime | None = None


# How many times Penny asks for a refund the provider refuses (a 4xx: a balance too low, a
# payment it will not refund; keys or access withdrawn) before it stops and tells the host
# to refund by hand. Counted on the booking, because the retries come from three places
# with no end Penny sees: the payments worker's (1 + its 2 retries, then its DLQ), and the
# provider's redeliveries of a webhook (Stripe for 3 days, Razorpay for a day). The third
# refusal answers "done", so each path ends there, within the worker's own tries.
REFUND_ASKS = 3


@dataclass(frozen=True)
class Payment:
    """A paid booking's money, as the payment provider reported it (never as a success
    redirect claimed it). Amounts are in the currency's minor unit."""

    provider: str                       # "stripe", "razorpay"
    checkout_id: str                    # the Checkout Session or the order
    checkout_url: str | None = None     # where the client pays (Stripe's hosted page)
    public_key: str | None = None       # Razorpay Checkout's key id
    account: str | None = None          # the host's account there (Stripe Connect)
    refund_hours_before: int = 24       # the event type's refund policy when booked
    payment_id: str | None = None       # once paid: the PaymentIntent, the payment
    paid_minor: int | None = None
    paid_at: datetime | None = None
    refund_id: str | None = None
    refunded_minor: int | None = None
    refunded_at: datetime | None = None
    # Why money went back: "cancelled" (the refund policy), "taken" (paid after the hold
    # lapsed and someone else booked the time), "late" (paid after the meeting's start),
    # "provider" (refunded at the provider).
    refund_reason: str | None = None
    # The refund came back after it was made (the card was closed): the provider says so
    # and gives the money back to the host, who must refund the client another way.
    # `refund_id` stays: the refund was made, and is never made again by Penny.
    refund_failed_at: datetime | None = None
    # The refund Penny owed, refused by the provider at each of REFUND_ASKS asks: Penny
    # asks no more, and the host refunds the client by hand (`refund_refused_at`).
    refund_refusals: int = 0
    refund_refused_at: datetime | None = None
    # The client disputed the payment with their bank (a chargeback): the host must answer
    # it at the provider, or the money is taken back.
    dispute_id: str | None = None
    dispute_reason: str | None = None   # the vendor's word for it: "fraudulent", ...
    disputed_minor: int | None = None
    disputed_at: datetime | None = None
    # The bank decided (`DISPUTE_OUTCOMES`): "won" (the money stays with the host), "lost"
    # (it was taken back), "closed" (an inquiry closed without a chargeback).
    dispute_outcome: str | None = None
    dispute_closed_at: datetime | None = None
    # Payments after the first, each refunded in full (they bought nothing).
    second_payments: tuple[SecondPayment, ...] = ()
    # An authorized payment Penny did not capture (a Razorpay account on manual capture)
    # because the booking could no longer take it ("taken", "cancelled", "late"): the
    # provider gives it back to the client by itself, so there is nothing to refund.
    released_payment_id: str | None = None
    released_minor: int | None = None
    released_reason: str | None = None
    released_at: datetime | None = None

    @property
    def paid(self) -> bool:
        return self.payment_id is not None

    @property
    def refunded(self) -> bool:
        """A refund was made (it may have failed since: `refund_failed`)."""
        return self.refund_id is not None

    @property
    def refund_failed(self) -> bool:
        return self.refund_failed_at is not None

    @property
    def refund_refused(self) -> bool:
        return self.refund_refused_at is not None

    @property
    def dispute_holds_money(self) -> bool:
        """A dispute open or lost: the bank, not Penny, decides where the money goes
        (Stripe refuses a refund of a disputed charge, and one made anyway may be paid
        twice when the bank takes it back). Won, or an inquiry closed without a
        chargeback: the money is the host's again, and a refund owed can be made."""
        return self.dispute_id is not None and self.dispute_outcome in (None, "lost")


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

    @property
    def meeting(self) -> TimeRange:
        return TimeRange(self.start, self.end)

    @property
    def blocked(self) -> TimeRange:
        # In UTC: adding to a zoned datetime would be wall-clock arithmetic (DST).
        start, end = self.start.astimezone(UTC), self.end.astimezone(UTC)
        return TimeRange(start - self.buffer_before, end + self.buffer_after)

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
        if self.payment is None:
            raise BookingStateError("this booking takes no payment")
        payment = replace(self.payment, payment_id=payment_id, paid_minor=amount_minor,
                          paid_at=now)
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
        if self.payment is None:
            raise BookingStateError("this booking takes no payment")
        payment = replace(self.payment, refund_id=refund_id, refunded_minor=amount_minor,
                          refunded_at=now, refund_reason=reason, refund_failed_at=None,
                          refund_refused_at=None)
        return replace(self, payment=payment)

    def refunded_in_all(self, total_minor: int) -> Booking:
        """More of its payment went back at the provider (another part refunded in the
        dashboard): `total_minor` is the provider's own count of all of it, so a late or
        repeated event, whose count is lower or the same, changes nothing."""
        p = self.payment
        if p is None or not p.refunded or p.refund_failed or \
                total_minor <= (p.refunded_minor or 0):
            return self
        return replace(self, payment=replace(p, refunded_minor=total_minor))

    def released(self, payment_id: str, amount_minor: int | None, reason: str,
                 now: datetime) -> Booking:
        """An authorized payment left uncaptured (it lapses back to the client), for a time
        it no longer holds: recorded, and a hold still waiting ends as its timer would."""
        if self.payment is None or self.payment.paid:
            return self
        kept = replace(self, payment=replace(
            self.payment, released_payment_id=payment_id, released_minor=amount_minor,
            released_reason=reason, released_at=now))
        return kept.expired() if kept.status is BookingStatus.PENDING_PAYMENT else kept

    def second_payment(self, payment_id: str, amount_minor: int | None) -> Booking:
        """Another payment after the one it was paid with: recorded as owed back."""
        p = self.payment
        if p is None or not p.paid:
            raise BookingStateError("this booking has not been paid")
        if payment_id == p.payment_id or any(s.payment_id == payment_id
                                             for s in p.second_payments):
            return self
        second = SecondPayment(payment_id, amount_minor)
        return replace(self, payment=replace(p, second_payments=(*p.second_payments, second)))

    def second_payment_refunded(self, payment_id: str, refund_id: str, amount_minor: int,
                                now: datetime) -> Booking:
        p = self.payment
        if p is None:
            raise BookingStateError("this booking takes no payment")
        seconds = tuple(replace(s, refund_id=refund_id, amount_minor=amount_minor,
                                refunded_at=now)
                        if s.payment_id == payment_id and s.refund_id is None else s
                        for s in p.second_payments)
        return replace(self, payment=replace(p, second_payments=seconds))

    def second_refund_failed(self, refund_id: str, now: datetime) -> Booking:
        """A second payment's refund came back: the host must give it back another way."""
        p = self.payment
        if p is None:
            raise BookingStateError("this booking takes no payment")
        seconds = tuple(replace(s, refund_failed_at=now)
                        if s.refund_id == refund_id and s.refund_failed_at is None else s
                        for s in p.second_payments)
        return replace(self, payment=replace(p, second_payments=seconds))

    def disputed(self, dispute_id: str, reason: str | None, amount_minor: int | None,
                 now: datetime) -> Booking:
        """Its payment was disputed with the client's bank: the host is to answer it."""
        if self.payment is None or not self.payment.paid:
            raise BookingStateError("this booking has not been paid")
        return replace(self, payment=replace(
            self.payment, dispute_id=dispute_id, dispute_reason=reason,
            disputed_minor=amount_minor, disputed_at=now, dispute_outcome=None,
            dispute_closed_at=None))

    def dispute_closed(self, dispute_id: str, outcome: str, reason: str | None,
                       amount_minor: int | None, now: datetime) -> Booking:
        """The bank decided its payment's dispute (`outcome`). Its opening may not have been
        told yet (webhooks come in any order): the dispute is recorded with it."""
        if self.payment is None or not self.payment.paid:
            raise BookingStateError("this booking has not been paid")
        if outcome not in DISPUTE_OUTCOMES:
            raise ValueError(f"not a dispute's outcome: {outcome}")
        p = self.payment
        opened = p.dispute_id == dispute_id
        return replace(self, payment=replace(
            p, dispute_id=dispute_id, dispute_reason=reason if reason or not opened
            else p.dispute_reason, disputed_minor=amount_minor if amount_minor is not None
            or not opened else p.disputed_minor,
            disputed_at=p.disputed_at if opened and p.disputed_at else now,
            dispute_outcome=outcome, dispute_closed_at=now))

    def refund_refused(self, now: datetime) -> Booking:
        """The provider refused the refund it owes, once more: at the REFUND_ASKS-th
        refusal Penny stops asking (`refund_owed` turns false) and the host refunds by
        hand."""
        p = self.payment
        if p is None or not self.refund_owed:
            return self
        count = p.refund_refusals + 1
        return replace(self, payment=replace(
            p, refund_refusals=count,
            refund_refused_at=now if count >= REFUND_ASKS else None))

    def second_refund_refused(self, payment_id: str, now: datetime) -> Booking:
        """A second payment's refund refused once more (see `refund_refused`)."""
        p = self.payment
        if p is None:
            raise BookingStateError("this booking takes no payment")

        def counted(s: SecondPayment) -> SecondPayment:
            count = s.refund_refusals + 1
            return replace(s, refund_refusals=count,
                           refund_refused_at=now if count >= REFUND_ASKS else None)

        seconds = tuple(counted(s) if s.payment_id == payment_id and s.refund_id is None
                        and s.refund_refused_at is None else s for s in p.second_payments)
        return replace(self, payment=replace(p, second_payments=seconds))

    def refund_failed(self, now: datetime) -> Booking:
        """Its refund came back: the host must give the money back another way."""
        if self.payment is None or not self.payment.refunded:
            raise BookingStateError("this booking has no refund")
        return replace(self, payment=replace(self.payment, refund_failed_at=now))

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
        p = self.payment
        if p is None or not p.paid:
            return 0
        back = (p.refunded_minor or 0) if p.refunded and not p.refund_failed else 0
        return max((p.paid_minor or 0) - back, 0)

    def moved_to(self, start: datetime, now: datetime) -> Booking:
        if len(self.history) >= MAX_MOVES:
            raise TooManyMovesError(
                f"this booking has been moved {MAX_MOVES} times, as often as one may be; "
                "ask the host, or cancel it and book again")
        entry = HistoryEntry(self.start, self.end, now)
        start = start.astimezone(UTC)
        return replace(self, start=start, end=start + (self.end - self.start),
                       sequence=self.sequence + 1, history=(*self.history, entry))


@dataclass(frozen=True)
class LedgerEntry:
    """One booking's footprint on the host's calendar."""

    booking_uid: str
    event_type_id: str
    meeting: TimeRange
    blocked: TimeRange
    hold_until: datetime | None = None

    @classmethod
    def of(cls, booking: Booking) -> LedgerEntry:
        return cls(booking.uid, booking.event_type_id, booking.meeting, booking.blocked,
                   booking.hold_until if booking.status is BookingStatus.PENDING_PAYMENT else None)

    def live(self, now: datetime) -> bool:
        return self.hold_until is None or self.hold_until > now

    def as_busy(self) -> Busy:
        return Busy(meeting=self.meeting, blocked=self.blocked, event_type_id=self.event_type_id)


@dataclass(frozen=True)
class LedgerDay:
    day: date                       # a UTC date
    entries: tuple[LedgerEntry, ...] = ()
    version: int | None = None      # None: never written

    def without(self, booking_uid: str, now: datetime) -> LedgerDay:
        """This day minus one booking and minus expired holds (pruned whenever rewritten)."""
        kept = tuple(e for e in self.entries if e.booking_uid != booking_uid and e.live(now))
        return replace(self, entries=kept)

    def with_entry(self, entry: LedgerEntry, now: datetime) -> LedgerDay:
        return replace(self, entries=(*self.without(entry.booking_uid, now).entries, entry))


def utc_days(ranges: Iterable[TimeRange]) -> list[date]:
    """Every UTC date that any of the ranges touches."""
    days: set[date] = set()
    for r in ranges:
        day = r.start.astimezone(UTC).date()
        last = (r.end.astimezone(UTC) - timedelta(microseconds=1)).date()
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return sorted(days)


def busy_from_ledger(days: Sequence[LedgerDay], now: datetime,
                     ignore_uid: str | None = None) -> list[Busy]:
    """Live entries of the ledger as Busy ranges, each booking once (it may span days)."""
    seen: dict[str, Busy] = {}
    for ledger_day in days:
        for entry in ledger_day.entries:
            if entry.booking_uid != ignore_uid and entry.live(now):
                seen.setdefault(entry.booking_uid, entry.as_busy())
    return list(seen.values())
