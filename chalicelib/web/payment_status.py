"""What the attendee's manage page says about a paid booking's money.

A booking is confirmed only by a verified payment event, never by the provider's success
redirect, and Stripe's success URL is this very page: so a booking still waiting for its
payment says so ("Waiting for your payment to be confirmed…") and the page's script
(payment.js) asks for the booking until it is confirmed or its hold ends. A hold that
lapsed unpaid is shown expired at once, timer or not (`Booking.as_of`, as the API shows
it); the script stops asking `GRACE` after the hold's end at the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from html import escape

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.event_types import Price
from chalicelib.domain.refund_asks import NOT_CONNECTED
from chalicelib.services.refund_policy import given_back_in_part, refund_deadline, refund_due
from chalicelib.web import labels

GRACE = timedelta(minutes=2)  # payment.js stops asking this long after the hold's end

AWAITING = "Waiting for your payment to be confirmed…"
EXPIRED = "Your hold expired unpaid; the time is free again."
REFUND_REASONS = {
    "cancelled": "after the cancellation",
    "taken": "because your payment came after your hold ended and someone else had "
             "booked the time",
    "late": "because your payment came after the meeting's start time",
    "provider": "by the host",
}


class PaymentState(StrEnum):
    NONE = "none"              # a free booking
    AWAITING = "awaiting"
    EXPIRED = "expired"        # its hold ended unpaid
    PAID = "paid"
    REFUNDED = "refunded"
    REFUND_OWED = "refund_owed"  # paid for a time it does not hold; the refund not made yet
    REFUND_FAILED = "refund_failed"  # the refund came back: the host refunds another way


def payment_state(booking: Booking, now: datetime) -> PaymentState:
    payment = booking.payment
    if payment is None:
        return PaymentState.NONE
    if payment.refund_failed or payment.refund_refused:
        return PaymentState.REFUND_FAILED
    if booking.refund_owed:   # before refunded: a part the host gave back is not all
        return PaymentState.REFUND_OWED
    if payment.refunded:
        return PaymentState.REFUNDED
    if payment.paid:
        return PaymentState.PAID
    booking = booking.as_of(now)
    if booking.status is BookingStatus.EXPIRED:
        return PaymentState.EXPIRED
    if booking.status is BookingStatus.PENDING_PAYMENT:
        return PaymentState.AWAITING
    return PaymentState.NONE   # cancelled while it waited: nothing was paid


@dataclass(frozen=True)
class PayLinks:
    """Where the attendee pays (Stripe's page, or Penny's pay page for Razorpay) and
    where they book again once the hold has ended."""

    pay: str | None
    book_again: str


def _amount(booking: Booking, minor: int | None) -> str:
    if minor is None or booking.currency is None:
        return ""
    return labels.price_label(Price(minor, booking.currency))


def _refund_words(booking: Booking) -> str:
    payment = booking.payment
    assert payment is not None
    amount = _amount(booking, payment.refunded_minor)
    why = REFUND_REASONS.get(payment.refund_reason or "")
    return f"Refunded {amount} {why}." if why else f"Refunded {amount}."


def _moved_late(booking: Booking) -> bool:
    """Whether a move made after the refund deadline left it before the start's."""
    assert booking.payment is not None
    return refund_deadline(booking) < booking.start - timedelta(
        hours=booking.payment.refund_hours_before)


def refund_terms(booking: Booking, now: datetime) -> str:
    """What cancelling a paid booking now gives back, in words. The event type's policy
    while its deadline is ahead; once it has passed, that there is no refund, even when a
    move has since put the start far off (a move made after the deadline does not bring
    the refund back: `refund_deadline`), where the policy alone would read as a refund;
    and, while the client's bank disputes the payment, that cancelling makes no refund."""
    payment = booking.payment
    assert payment is not None
    state = payment_state(booking, now)
    # A part the host gave back leaves the rest to the policy (`given_back_in_part`).
    given = f"{_refund_words(booking)} The rest: " if given_back_in_part(booking) else ""
    if state is PaymentState.REFUNDED and not given:
        return f"{_refund_words(booking)} Cancelling it gives nothing more back."
    if state is PaymentState.REFUND_OWED:
        return "It is being refunded in full; the refund is on its way."
    if state is PaymentState.REFUND_FAILED and payment.refund_refused:
        return "Its refund could not be made; the host will refund you another way."
    if state is PaymentState.REFUND_FAILED:
        return "Its refund came back to the host, who will refund you another way."
    in_policy = now <= refund_deadline(booking)
    if payment.dispute_holds_money:   # the policy's refund would be held: say so first
        return given + _disputed_terms(booking, in_policy)
    policy = given + labels.refund_policy(payment.refund_hours_before)
    if in_policy or not booking.movable(now):
        return policy
    if _moved_late(booking):
        late = ("its refund deadline passed before it was moved, so cancelling it now gives "
                "no refund (a move does not bring the refund back).")
        return given + late if given else late[:1].upper() + late[1:]
    return f"{policy} That deadline has passed, so cancelling it now gives no refund."


def move_refund_hours(booking: Booking, now: datetime) -> int | None:
    """The policy's hours a move made now counts the refund deadline back from the new
    start with (`refund_deadline`: a move made by the deadline sets a new one), for the
    reschedule page to say the chosen time's own terms (refund.js): a time nearer than
    the hours can't be refunded once moved to. None when a move leaves the terms as they
    are (free, not paid as it stands, its deadline passed, or a dispute holding the
    money)."""
    payment = booking.payment
    if payment is None or payment_state(booking, now) is not PaymentState.PAID or \
            payment.dispute_holds_money or now > refund_deadline(booking):
        return None
    return payment.refund_hours_before


def _disputed_terms(booking: Booking, in_policy: bool) -> str:
    """What cancelling gives back while the client's bank disputes the payment (open) or
    took it back (lost): nothing from the host (a cancellation's refund is held, never
    made: `Booking.refund_held`), said before the client cancels, where the event type's
    policy alone read as a full refund."""
    assert booking.payment is not None
    if booking.payment.dispute_lost:
        return ("Your bank's dispute of this payment gave the money back to you: cancelling "
                "makes no refund from the host.")
    then = ("If the dispute ends in the host's favour, your full refund follows."
            if in_policy else "Its refund deadline has passed, so none follows whatever "
            "the dispute decides.")
    return ("Your bank is disputing this payment: cancelling now makes no refund; the "
            f"dispute decides the money. {then}")


def payment_block(booking: Booking, now: datetime, links: PayLinks) -> str:
    """The manage page's payment lines, or "" for a free booking."""
    state = payment_state(booking, now)
    payment = booking.payment
    if payment is None or state is PaymentState.NONE:
        return ""
    policy = escape(labels.refund_policy(payment.refund_hours_before))
    if state is PaymentState.AWAITING:
        return _awaiting(booking, links, policy)
    if state is PaymentState.EXPIRED:
        return (f'<div class="payment" id="payment"><p class="notice" id="payment-state">'
                f"{EXPIRED}</p>{_book_again(links)}</div>")
    paid = escape(_amount(booking, payment.paid_minor or booking.price_minor))
    if state is PaymentState.REFUNDED:
        words = f"Paid {paid}. {escape(_refund_words(booking))}"
    elif state is PaymentState.REFUND_FAILED and payment.refund_refused:
        # Refused by the provider at each of Penny's asks: never made, the host's to make.
        how = (" (the host's payment account is no longer connected to Penny)"
               if payment.refund_refused_reason == NOT_CONNECTED else "")
        words = (f"Paid {paid}. Its refund could not be made through the payment "
                 f"provider{how}; the host has been told and will refund you another way.")
    elif state is PaymentState.REFUND_FAILED:
        refund = escape(_amount(booking, payment.refunded_minor))
        words = (f"Paid {paid}. The refund of {refund} could not reach your card (it may "
                 "have been closed or replaced) and came back to the host, who has been "
                 "told and will refund you another way.")
    elif state is PaymentState.REFUND_OWED:
        why = REFUND_REASONS.get(payment.refund_reason or "", "")
        words = (f"Paid {paid}. It is being refunded in full {escape(why)}; "
                 "the refund is on its way.")
    elif booking.status is BookingStatus.CANCELLED and refund_due(booking) and \
            payment.dispute_holds_money:
        words = f"Paid {paid}. {_held_words(booking)}"
    elif booking.status is BookingStatus.CANCELLED:
        words = f"Paid {paid}. " + (
            "Your full refund is on its way." if refund_due(booking) else
            f"It was cancelled after its refund deadline "
            f"({labels.hours_label(payment.refund_hours_before)} before the start), so there "
            "is no refund." if not _moved_late(booking) else
            "It was cancelled after its refund deadline, which had passed before it was "
            "moved, so there is no refund.")
    else:
        words = f"Paid {paid}. {escape(refund_terms(booking, now))}"
    # Paid too late for the time (someone else took it, or it had begun): the money goes
    # back, and the client is offered another time, as a hold that expired unpaid is.
    again = _book_again(links) if payment.refund_reason in ("taken", "late") and \
        state in (PaymentState.REFUNDED, PaymentState.REFUND_OWED) else ""
    return f'<div class="payment" id="payment"><p id="payment-state">{words}</p>{again}</div>'


def _held_words(booking: Booking) -> str:
    """A refund the policy gives, held by the payment's dispute with the client's bank:
    the bank decides the money, and Penny refunds only if the host wins it."""
    assert booking.payment is not None
    if booking.payment.dispute_lost:
        return ("Your bank's dispute of this payment gave the money back to you, so there is "
                "no refund from the host.")
    return ("No refund while your bank's dispute of this payment is open: the dispute "
            "decides the money. If it ends in the host's favour, your full refund follows.")


def _book_again(links: PayLinks, hidden: bool = False) -> str:
    attribute = " hidden" if hidden else ""
    return (f'<p class="actions" id="book-again"{attribute}><a class="button primary" '
            f'href="{escape(links.book_again)}">Book again</a></p>')


def _awaiting(booking: Booking, links: PayLinks, policy: str) -> str:
    payment = booking.payment
    assert payment is not None and booking.hold_until is not None
    zone = booking.attendee.timezone
    until = labels.time_element(labels.clock_label(booking.hold_until, zone),
                                booking.hold_until, zone, clock=True)
    amount = escape(_amount(booking, booking.price_minor))
    pay = "" if links.pay is None else (
        f'<p class="actions" id="pay-again"><a class="button primary" id="pay-link" '
        f'href="{escape(links.pay)}">Pay {amount}</a></p>')
    deadline = (booking.hold_until + GRACE).isoformat()
    return (f'<div class="payment" id="payment" data-uid="{escape(booking.uid)}" '
            f'data-hold="{escape(booking.hold_until.isoformat())}" '
            f'data-until="{escape(deadline)}">'
            f'<p class="notice" id="payment-state" role="status">{AWAITING}</p>'
            f'<p id="payment-hold">Your time is held for you until {until}. If you have not '
            f"paid yet, you can pay {amount} until then. {policy}</p>"
            f"{pay}{_book_again(links, hidden=True)}</div>")
