"""Paid bookings: a held slot, a checkout, and confirmation only by a verified payment.

Booking a paid event type writes the booking as `pending_payment`, holding its time
through the same atomic write as any booking for `hold` (15 minutes by default), then
asks the host's payment provider (Stripe or Razorpay, services/payment_accounts.py) for
a checkout keyed by the booking uid, so a retried request finds the first one. If the
provider cannot start one, the hold is let go at once (the booking `expired`) and the
client is told to try again: nothing is left holding a time nobody can pay for.

The hold ends on its own: an expired hold no longer blocks the slot (enforced on read,
domain/bookings.py), and a one-time timer at its end (`HoldTimers`: EventBridge
Scheduler in AWS) runs `expire_hold`, which ends the checkout at the provider (a Stripe
session cannot be made to expire sooner than 30 minutes) and marks the booking `expired`.

Only a verified provider event confirms (`settle`): never a success redirect. Events come
at least once and in any order, and each is checked against the booking's own checkout:

- paid, while held: confirmed (one ledger write: the hold becomes the booking);
- paid after the hold lapsed (or after the visitor's booking was cancelled): confirmed if
  the time is still free, otherwise refunded in full at once (`payment.refunded`);
- paid again (Stripe's second event for one payment, a redelivery): nothing;
- expired: a pending booking expires; a paid one stays paid;
- failed: nothing (the client may try again inside the hold);
- refunded at the provider: recorded on the booking;
- a refund that came back after it was made (a closed card): recorded, and the host told
  (`payment.refund_failed`) to refund another way; Penny never makes it again.

Cancelling a paid booking refunds it by the event type's policy (full refund up to
`refund_hours_before` the start, none after; a host's cancellation always refunds): the
payments worker does it on `booking.cancelled`, so a provider outage is retried and ends
in its DLQ instead of losing the refund. Rescheduling keeps the payment: never a second
charge. Every call that moves money carries a key derived from the booking, so a retried
Lambda replays instead of paying out twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.bookings import Booking, BookingStatus, Payment
from chalicelib.domain.errors import (
    BookingContentionError,
    BookingStateError,
    ConnectionBrokenError,
    NotConnectedError,
    NotFoundError,
    PaymentNotConnectedError,
    PaymentRefusedError,
    PaymentUnavailableError,
    ProviderError,
    ProviderRejectedError,
    SlotTakenError,
    ValidationError,
)
from chalicelib.domain.event_types import EventType, Price
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.providers import (
    CheckoutRequest,
    PaymentEvent,
    PaymentEventKind,
    PaymentProvider,
)
from chalicelib.domain.reservations import NewBooking
from chalicelib.services.jobs import JobContext
from chalicelib.services.ports import Bookings, Clock
from chalicelib.services.reservations import BookingResult, Idempotency, Reservations

log = logging.getLogger("penny.payments")


class InvalidPaymentSignatureError(ValidationError):
    code = "invalid_signature"


class _AlreadyPaid(Exception):
    """The booking, read again, was confirmed by another delivery of the payment."""

    def __init__(self, booking: Booking) -> None:
        super().__init__(booking.uid)
        self.booking = booking


class _Unwanted(Exception):
    """A payment for a time the booking no longer holds, and why (a refund reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

DEFAULT_HOLD = timedelta(minutes=15)
SAVE_ROUNDS = 5


@dataclass(frozen=True)
class HostPayment:
    """The payment provider that takes a host's money for one booking."""

    name: str                      # "stripe", "razorpay"
    provider: PaymentProvider
    account: str | None            # the host's account there (Stripe Connect), if any


class PaymentAdapters(Protocol):
    """The hosts' payment providers (services/payment_accounts.py)."""

    def for_new_booking(self, host_id: str, price: Price) -> HostPayment:
        """The provider that takes this price for the host; raises
        PaymentNotConnectedError when none is ready."""
        ...

    def for_booking(self, booking: Booking) -> PaymentProvider:
        """The provider the booking's checkout was made at."""
        ...

    def razorpay_for(self, booking: Booking) -> RazorpayCallbacks:
        """The host's Razorpay account the booking's order was made at."""
        ...

    def account_lost(self, provider: str, account_id: str | None, host_id: str | None,
                     reason: str) -> None:
        """The host's account no longer lets Penny in: its connection is shown broken.
        `host_id` when known (a checkout refused), else found by the account."""
        ...


class RazorpayCallbacks(Protocol):
    def verify_callback(self, order_id: str, payment_id: str, signature: str) -> bool:
        """Razorpay Checkout's handler signature: HMAC-SHA256 of "order|payment" with
        the host's key secret."""
        ...


class HoldTimers(Protocol):
    def schedule(self, booking: Booking, at: datetime) -> None:
        """Run `expire_hold(booking.uid)` at `at` (once; scheduling again is harmless)."""
        ...


class NoHoldTimers:
    """No scheduler here: holds still lapse on read, and Stripe ends its own sessions."""

    def schedule(self, booking: Booking, at: datetime) -> None:
        return None


@dataclass(frozen=True)
class Settlement:
    """What a verified payment event did to its booking."""

    outcome: str                   # "confirmed", "refunded", "expired", "recorded", "ignored"
    booking: Booking | None = None


@dataclass(frozen=True)
class PaymentService:
    bookings: Bookings
    reservations: Reservations
    adapters: PaymentAdapters
    clock: Clock
    return_url: Callable[[str], str]          # booking uid -> where the client comes back
    timers: HoldTimers = field(default_factory=NoHoldTimers)
    hold: timedelta = DEFAULT_HOLD

    # ---- booking ---------------------------------------------------------------------

    def book(self, new: NewBooking, idempotency: Idempotency | None) -> BookingResult:
        """Hold the time, then open a checkout for it (see the module's docstring)."""
        et = new.event_type
        assert et.price is not None  # only paid event types come here
        host_payment = self.adapters.for_new_booking(new.host_id, et.price)
        result = self.reservations.reserve(new, BookingStatus.PENDING_PAYMENT,
                                           hold_for=self.hold, idempotency=idempotency)
        booking = result.booking
        if booking.payment is not None or booking.status is not BookingStatus.PENDING_PAYMENT:
            return result  # a replay of a request that got its checkout (or lapsed)
        try:
            booking = self._open_checkout(booking, et, host_payment)
        except (PaymentUnavailableError, PaymentRefusedError):
            # Nothing was booked: a retry under the same Idempotency-Key tries again,
            # rather than replaying a hold that never had a checkout.
            if idempotency is not None:
                self.bookings.forget_idempotency(idempotency.key)
            raise
        if booking.hold_until is not None:
            try:
                self.timers.schedule(booking, booking.hold_until)
            except Exception:  # the hold still lapses on read; the session ends itself
                log.exception("hold timer not scheduled", extra={"booking_uid": booking.uid})
        return replace(result, booking=booking)

    def _open_checkout(self, booking: Booking, et: EventType, host: HostPayment) -> Booking:
        assert et.price is not None and booking.hold_until is not None
        name = host.name
        request = CheckoutRequest(
            key=booking.uid, booking_uid=booking.uid,
            description=f"{et.title} · {booking.start.strftime('%Y-%m-%d %H:%M UTC')}",
            price=et.price, customer_email=booking.attendee.email,
            customer_name=booking.attendee.name, success_url=self.return_url(booking.uid),
            cancel_url=self.return_url(booking.uid), expires_at=booking.hold_until)
        try:
            checkout = host.provider.create_checkout(request)
        except ProviderError as exc:
            self._let_go(booking.uid)
            if isinstance(exc, ProviderRejectedError | ConnectionBrokenError):
                # Retrying cannot help until the host changes something.
                if isinstance(exc, ConnectionBrokenError) and name == "razorpay":
                    # The host's own keys refused (Stripe's 401 may be the platform's).
                    self.adapters.account_lost(name, None, booking.host_id, exc.message)
                log.warning("checkout refused", extra={"booking_uid": booking.uid,
                                                       "provider": name, "reason": exc.message})
                raise PaymentRefusedError(
                    f"{name.title()} would not take this payment, so nothing was booked; "
                    "please tell the host: their price or their payment account needs a "
                    "change") from exc
            raise PaymentUnavailableError(
                name, f"{name.title()} could not start the payment, so nothing was booked; "
                "try again in a moment") from exc
        payment = Payment(provider=name, checkout_id=checkout.id, checkout_url=checkout.url,
                          public_key=checkout.public_key,
                          account=host.account,
                          refund_hours_before=et.refund_hours_before)
        return self._update(booking.uid, lambda b: replace(b, payment=payment)
                            if b.payment is None else b)

    def _let_go(self, uid: str) -> None:
        """The checkout failed: the hold is released now, not left to lapse."""
        try:
            self.reservations.settle(lambda now: self._current(uid).expired())
        except Exception:  # it lapses on read anyway
            log.exception("hold not released", extra={"booking_uid": uid})

    # ---- the hold's end ----------------------------------------------------------------

    def expire_hold(self, uid: str) -> Booking | None:
        """The hold's timer: end the checkout at the provider, then the booking (if it is
        still unpaid: a payment that won the race is left alone)."""
        booking = self.bookings.get(uid)
        if booking is None or booking.payment is None or booking.payment.paid:
            return booking
        if booking.status is BookingStatus.PENDING_PAYMENT:
            now = self.clock.now()
            if booking.hold_until is not None and booking.hold_until > now:
                return booking  # early (a clock skew): the hold still stands
            # A provider that cannot be reached fails the job: its retries run it again.
            self.adapters.for_booking(booking).expire_checkout(booking.payment.checkout_id)
            return self._settle_expired(uid)
        return booking

    def _settle_expired(self, uid: str) -> Booking:
        def expired(now: datetime) -> Booking:
            current = self._current(uid)
            if current.status is not BookingStatus.PENDING_PAYMENT or \
                    (current.payment is not None and current.payment.paid):
                return current
            return current.expired()

        return self.reservations.settle(expired)

    # ---- verified provider events ------------------------------------------------------

    def settle(self, event: PaymentEvent, provider: str, host_id: str | None = None
               ) -> Settlement:
        """Apply one verified event (see the module's docstring). `host_id`: the host
        whose own secret verified it (Razorpay: each host signs with theirs), so it can
        only be about that host's bookings; Stripe's platform events name the connected
        account instead, which must be the booking's."""
        if event.kind is PaymentEventKind.ACCOUNT_REVOKED:
            self.adapters.account_lost(provider, event.account, host_id,
                                       f"{provider.title()} says this account disconnected "
                                       "Penny; connect it again to take payments")
            return Settlement("recorded")
        booking = self.bookings.get(event.booking_uid)
        payment = None if booking is None else booking.payment
        if booking is None or payment is None or payment.provider != provider or \
                (host_id is not None and booking.host_id != host_id) or \
                (event.checkout_id and payment.checkout_id != event.checkout_id) or \
                (payment.account is not None and event.account != payment.account):
            log.warning("payment event for no booking of ours",
                        extra={"provider": provider, "event_id": event.id})
            return Settlement("ignored", booking)
        if event.kind is PaymentEventKind.PAID:
            return self._paid(booking, event)
        if event.kind is PaymentEventKind.EXPIRED:
            if booking.status is BookingStatus.PENDING_PAYMENT and not payment.paid:
                return Settlement("expired", self._settle_expired(booking.uid))
            return Settlement("ignored", booking)
        if event.kind is PaymentEventKind.REFUND_FAILED:
            return self._refund_failed(booking, event)
        if event.kind is PaymentEventKind.REFUNDED:
            # After Penny's refund failed, another refund (the host's own, at the
            # provider) is the money going back after all.
            again = payment.refund_failed and event.refund_id != payment.refund_id
            if (payment.refunded and not again) or not event.payment_id or \
                    (payment.paid and event.payment_id != payment.payment_id):
                return Settlement("ignored", booking)
            if not payment.paid:
                # Told before the payment itself (its event still on the way): the money
                # is back already, so the payment must never confirm the booking.
                return Settlement("recorded", self._refunded_unpaid(booking, event))
            amount = event.amount.amount_minor if event.amount else payment.paid_minor or 0
            return Settlement("recorded", self._update(booking.uid, lambda b: b.refunded(
                event.refund_id or event.payment_id or "", amount, self.clock.now(),
                "provider")
                if b.payment is not None and (not b.payment.refunded or b.payment.refund_failed)
                else b))
        return Settlement("ignored", booking)  # FAILED: the client may try again

    def _refund_failed(self, booking: Booking, event: PaymentEvent) -> Settlement:
        """Penny's refund came back: recorded (the host is told, `payment.refund_failed`),
        never made again (the same card would refuse it again); the host refunds the
        client another way, and a refund of their own at the provider is recorded."""
        payment = booking.payment
        assert payment is not None
        if not payment.refunded or payment.refund_failed or event.refund_id != payment.refund_id:
            return Settlement("ignored", booking)
        now = self.clock.now()
        log.warning("refund failed", extra={"booking_uid": booking.uid})
        return Settlement("recorded", self._update(booking.uid, lambda b: b.refund_failed(now)
            if b.payment is not None and b.payment.refund_id == event.refund_id
            and not b.payment.refund_failed else b))

    def _paid(self, booking: Booking, event: PaymentEvent) -> Settlement:
        payment = booking.payment
        assert payment is not None
        payment_id = event.payment_id or event.checkout_id
        amount = event.amount.amount_minor if event.amount else booking.price_minor
        if payment.paid:
            if booking.refund_owed and payment.payment_id == payment_id:
                # Its refund failed when first told: told again, it is tried again.
                return Settlement("refunded", self._refund_unwanted(
                    booking, payment_id, payment.paid_minor, payment.refund_reason or ""))
            return Settlement("ignored", booking)  # the same payment, told again

        def confirmed(now: datetime) -> Booking:
            # Read again on every attempt: a cancellation that lands meanwhile is seen
            # here (the write is conditioned on the version read), never undone.
            current = self._current(booking.uid)
            if current.payment is not None and current.payment.paid:
                raise _AlreadyPaid(current)  # told twice at once: the other one wrote it
            if current.status is BookingStatus.CANCELLED:
                raise _Unwanted("cancelled")   # cancelled while it waited for the money
            if current.start <= now:
                raise _Unwanted("late")        # the meeting's time has come and gone
            return current.paid(payment_id, amount, now)

        try:
            done = self.reservations.settle(confirmed)
        except _AlreadyPaid as paid:
            return Settlement("ignored", paid.booking)  # nothing written, nothing told again
        except _Unwanted as unwanted:
            return Settlement("refunded", self._refund_unwanted(booking, payment_id, amount,
                                                                unwanted.reason))
        except SlotTakenError:
            return Settlement("refunded", self._refund_unwanted(booking, payment_id, amount,
                                                                "taken"))
        return Settlement("confirmed", done)

    def _refunded_unpaid(self, booking: Booking, event: PaymentEvent) -> Booking:
        """A refund told before its payment: the payment and its refund are recorded, and
        a booking still waiting for the money ends (its hold let go) as if unpaid."""
        amount = event.amount.amount_minor if event.amount else booking.price_minor or 0

        def recorded(now: datetime) -> Booking:
            current = self._current(booking.uid)
            if current.payment is None or current.payment.paid:
                return current
            paid = replace(current.payment, payment_id=event.payment_id, paid_minor=amount,
                           paid_at=now)
            settled = replace(current, payment=paid).refunded(
                event.refund_id or event.payment_id or "", amount, now, "provider")
            return settled.expired() if settled.status is BookingStatus.PENDING_PAYMENT \
                else settled

        return self.reservations.settle(recorded)

    def _refund_unwanted(self, booking: Booking, payment_id: str, amount: int | None,
                         reason: str) -> Booking:
        """A payment for a time the booking no longer holds: recorded first (with the
        refund it is owed, so the money is never out of sight), then given back. A refund
        that cannot be made now fails the event for a retry (the provider tells it
        again, and its second telling tries the refund again): never acknowledged and
        forgotten."""
        assert booking.payment is not None
        paid_at = self.clock.now()

        def owed(b: Booking) -> Booking:
            if b.payment is None or b.payment.paid:
                return b
            return replace(b, payment=replace(
                b.payment, payment_id=payment_id, paid_minor=amount, paid_at=paid_at,
                refund_reason=reason))

        booking = self._update(booking.uid, owed)
        if booking.payment is None or booking.payment.refunded or \
                booking.payment.payment_id != payment_id:
            return booking
        try:
            refund = self.adapters.for_booking(booking).refund(
                payment_id, Price(amount or 0, booking.currency or ""),
                key=f"{booking.uid}-{reason}")
        except (ProviderError, PaymentNotConnectedError, NotConnectedError) as exc:
            log.warning("refund owed, not made yet: %s", exc.code,
                        extra={"booking_uid": booking.uid})
            raise PaymentUnavailableError(
                booking.payment.provider, "the refund of a payment for a time the booking "
                "no longer holds could not be made yet; it is tried again") from exc
        now = self.clock.now()
        return self._update(booking.uid, lambda b: b.refunded(
            refund.id, refund.amount.amount_minor, now, reason)
            if b.payment is not None and not b.payment.refunded else b)

    def confirm_callback(self, booking: Booking, order_id: str, payment_id: str,
                         signature: str) -> Booking:
        """Razorpay Checkout's handler, sent on by the pay page: its signature (HMAC of
        order and payment id with the host's key secret) is checked here, so the client
        is not kept waiting for the webhook; a forged one changes nothing."""
        payment = booking.payment
        if payment is None or payment.provider != "razorpay":
            raise BookingStateError("this booking takes no Razorpay payment")
        if payment.checkout_id != order_id:
            raise ValidationError("this payment is not for this booking", "razorpay_order_id")
        if not self.adapters.razorpay_for(booking).verify_callback(order_id, payment_id,
                                                                   signature):
            raise InvalidPaymentSignatureError("the payment's signature does not match")
        event = PaymentEvent(f"callback:{payment_id}", PaymentEventKind.PAID, booking.uid,
                             order_id, payment_id)
        settled = self.settle(event, "razorpay", booking.host_id)
        return settled.booking or booking

    # ---- cancellation refunds (the payments worker) ----------------------------------

    def refund_cancelled(self, uid: str) -> Booking | None:
        """A cancelled, paid booking's refund under its policy (once); an unpaid one's
        checkout ended."""
        booking = self.bookings.get(uid)
        if booking is None or booking.status is not BookingStatus.CANCELLED:
            return booking
        payment = booking.payment
        if payment is not None and not payment.paid:
            # Cancelled while it waited for the money: no one can pay for it any more.
            self.adapters.for_booking(booking).expire_checkout(payment.checkout_id)
            return booking
        if payment is None or payment.refunded:
            return booking
        if not refund_due(booking):
            log.info("no refund under the policy", extra={"booking_uid": uid})
            return booking
        # Owed first, on the booking (the dashboard says "Refund owed", the client's page
        # that it is on its way): the money is never out of sight, whatever happens next.
        booking = self._update(uid, lambda b: replace(b, payment=replace(
            b.payment, refund_reason="cancelled"))
            if b.payment is not None and not b.payment.refunded else b)
        try:
            refund = self.adapters.for_booking(booking).refund(
                payment.payment_id or "", Price(payment.paid_minor or 0, booking.currency or ""),
                key=f"{uid}-cancelled")
        except (ProviderError, PaymentNotConnectedError, NotConnectedError) as exc:
            # Refused (a balance too low, keys withdrawn, Stripe disconnected) or down: the
            # job fails for its retries and then its DLQ, whose redrive tries again (after
            # the host reconnects); never recorded done with the money still out.
            log.warning("cancellation refund owed, not made yet: %s", exc.code,
                        extra={"booking_uid": uid})
            raise PaymentUnavailableError(
                payment.provider, "the refund of a cancelled booking could not be made yet; "
                "it is tried again") from exc
        now = self.clock.now()
        return self._update(uid, lambda b: b.refunded(refund.id, refund.amount.amount_minor,
                                                      now, "cancelled")
                            if b.payment is not None and not b.payment.refunded else b)

    # ---- plumbing ----------------------------------------------------------------------

    def _current(self, uid: str) -> Booking:
        booking = self.bookings.get(uid)
        if booking is None:
            raise NotFoundError("booking not found")
        return booking

    def _update(self, uid: str, change: Callable[[Booking], Booking]) -> Booking:
        """`change` applied to the booking as it is now, written at the version read."""
        for _ in range(SAVE_ROUNDS):
            current = self._current(uid)
            changed = change(current)
            if changed == current:
                return current
            if self.bookings.save(changed):
                # As stored: the save bumped the version (no second read for it).
                return replace(changed, version=(changed.version or 0) + 1)
        raise BookingContentionError("this booking is being changed elsewhere; try again")


def refund_due(booking: Booking) -> bool:
    """Full refund when the host cancelled, or the attendee did by the refund deadline;
    none after."""
    if booking.payment is None or booking.cancelled_at is None:
        return False
    if booking.cancelled_by == "host":
        return True
    return booking.cancelled_at <= refund_deadline(booking)


def refund_deadline(booking: Booking) -> datetime:
    """The policy's hours before the start; a move made by then sets a new deadline from
    the new start, one made after it does not (moving a booking far out, once its refund
    has gone, does not bring the refund back)."""
    assert booking.payment is not None
    before = timedelta(hours=booking.payment.refund_hours_before)
    starts = [entry.start for entry in booking.history] + [booking.start]
    deadline = starts[0] - before
    for entry, start in zip(booking.history, starts[1:], strict=True):
        if entry.changed_at <= deadline:
            deadline = start - before
    return deadline


# ---- the payments worker --------------------------------------------------------------


@dataclass(frozen=True)
class PaymentsJob:
    """On `booking.cancelled`: the refund its policy gives. On `payment.hold_expired`
    (the hold's timer): the hold's end. Both read the booking as it is now, so a
    redelivery or a late event does nothing twice."""

    service: PaymentService
    name: str = "payments"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CANCELLED, EventKind.PAYMENT_HOLD_EXPIRED)
    announces: EventKind | None = None

    def run(self, event: Event) -> None:
        uid = str(event.booking["uid"])
        if event.type is EventKind.PAYMENT_HOLD_EXPIRED:
            self.service.expire_hold(uid)
        else:
            self.service.refund_cancelled(uid)


def payments_job(context: JobContext) -> PaymentsJob:
    if context.payments is None:
        raise LookupError("the payments job needs the payment service")
    return PaymentsJob(context.payments())


def hold_expired_event(booking: Booking, at: datetime) -> Event:
    """What the hold's timer publishes when it fires (integrations/hold_timers.py)."""
    from chalicelib.domain.events import event_id

    kind = EventKind.PAYMENT_HOLD_EXPIRED
    return Event(kind, event_id(f"hold:{booking.uid}", kind), at, booking.host_id,
                 {"uid": booking.uid})

