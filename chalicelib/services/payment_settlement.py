"""A verified payment provider event applied to its booking (`settle`).

Only a verified provider event confirms: never a success redirect. Events come at least
once and in any order, and each is checked against the booking's own checkout:

- authorized, not captured yet (Razorpay's manual capture; Checkout's handler): read at
  Razorpay, captured while the booking can take it, then as paid; otherwise left to lapse
  back to the client (services/payment_capture.py);
- paid, while held: confirmed (one ledger write: the hold becomes the booking);
- paid after the hold lapsed (or after the visitor's booking was cancelled): confirmed if
  the time is still free, otherwise refunded in full at once (`payment.refunded`);
- paid again (Stripe's second event for one payment, a redelivery): nothing;
- another payment for a booking paid already (one Razorpay order paid in two tabs):
  that payment refunded in full, the booking left as it was;
- expired: a pending booking expires; a paid one stays paid;
- failed: nothing (the client may try again inside the hold);
- refunded at the provider: recorded on the booking, as the provider's own total for the
  payment (never a sum of refunds, which a late or repeated event would count twice);
- a refund that came back after it was made (a closed card), the booking's own or a
  second payment's: recorded, and the host told (`payment.refund_failed`) to refund
  another way; Penny never makes it again;
- disputed with the client's bank (a chargeback): recorded, each dispute by its id (a
  second payment's on that payment), and the host told (`payment.disputed`) to answer it
  at the provider; one Penny held from Stripe's refusal of a refund (`charge_disputed`,
  services/owed_refunds.py) takes the id, and is not recorded twice;
- a dispute closed (won, lost, or an inquiry closed without a chargeback): its outcome
  recorded, and the host told (`payment.dispute_closed`), even when its opening comes
  after it (then ignored, as for any dispute told already). A refund the disputes held (a
  cancellation inside the policy while one was open) is made once none is open or lost,
  and a redelivery tries it again until it is; a lost one's is never made (the bank gave
  the money back). A second payment's refund is held by its own disputes the same way.
"""

from __future__ import annotations

import logging

from chalicelib.domain.bookings import DISPUTE_OUTCOMES, Booking, BookingStatus, SecondPayment
from chalicelib.domain.errors import BookingStateError, ValidationError
from chalicelib.domain.providers.payments import PaymentEvent, PaymentEventKind
from chalicelib.services.payment_capture import PaymentCapture
from chalicelib.services.payment_ports import Settlement

log = logging.getLogger("penny.payments")


class InvalidPaymentSignatureError(ValidationError):
    code = "invalid_signature"


class PaymentSettlement(PaymentCapture):
    """Held by PaymentService (services/payments.py), which has the fields it reads."""

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
        if event.kind is PaymentEventKind.AUTHORIZED and event.payment_id:
            return self._authorized(booking, event)
        if event.kind is PaymentEventKind.EXPIRED:
            if booking.status is BookingStatus.PENDING_PAYMENT and not payment.paid:
                return Settlement("expired", self._settle_expired(booking.uid))
            return Settlement("ignored", booking)
        if event.kind is PaymentEventKind.REFUND_FAILED:
            return self._refund_failed(booking, event)
        if event.kind is PaymentEventKind.DISPUTED:
            return self._disputed(booking, event)
        if event.kind is PaymentEventKind.DISPUTE_CLOSED:
            return self._dispute_closed(booking, event)
        if event.kind is PaymentEventKind.REFUNDED:
            return self._refunded(booking, event)
        return Settlement("ignored", booking)  # FAILED: the client may try again

    def _refunded(self, booking: Booking, event: PaymentEvent) -> Settlement:
        """Money gone back at the provider. The booking records the provider's own total
        for the payment (`refunded_minor`), never a sum of refunds: two parts the host gave
        back in the dashboard, told late, out of order or twice, show what the provider
        shows."""
        payment = booking.payment
        assert payment is not None
        if not event.payment_id or (payment.paid and event.payment_id != payment.payment_id):
            return Settlement("ignored", booking)
        total = event.refunded_minor
        # After Penny's refund failed, another refund (the host's own, at the provider)
        # is the money going back after all.
        again = payment.refund_failed and event.refund_id != payment.refund_id
        if payment.refunded and not again:
            if total is None or total <= (payment.refunded_minor or 0):
                return Settlement("ignored", booking)  # told before, or a count since passed
            return Settlement("recorded", self._update(
                booking.uid, lambda b: b.refunded_in_all(total)))
        if not payment.paid:
            # Told before the payment itself (its event still on the way): the money is
            # back already, so the payment must never confirm the booking.
            return Settlement("recorded", self._refunded_unpaid(booking, event))
        amount = total if total is not None else \
            event.amount.amount_minor if event.amount else payment.paid_minor or 0
        # A refund Penny owed (its answer lost, or this event faster than its record)
        # keeps the reason it was owed for: it is not the host's own.
        return Settlement("recorded", self._update(booking.uid, lambda b: b.refunded(
            event.refund_id or event.payment_id or "", amount, self.clock.now(),
            b.payment.refund_reason or "provider" if b.refund_owed else "provider")
            if b.payment is not None and (not b.payment.refunded or b.payment.refund_failed)
            else b.refunded_in_all(amount) if total is not None else b))

    def _refund_failed(self, booking: Booking, event: PaymentEvent) -> Settlement:
        """Penny's refund came back: recorded (the host is told, `payment.refund_failed`),
        never made again (the same card would refuse it again); the host refunds the
        client another way, and a refund of their own at the provider is recorded."""
        payment = booking.payment
        assert payment is not None
        now = self.clock.now()
        if any(s.refund_id == event.refund_id and s.refund_failed_at is None
               for s in payment.second_payments if event.refund_id):
            # A second payment's refund (two tabs) came back: recorded, and the host told,
            # as for the booking's own; it used to be ignored, "refunded automatically".
            log.warning("second payment's refund failed", extra={"booking_uid": booking.uid})
            return Settlement("recorded", self._update(
                booking.uid, lambda b: b.second_refund_failed(event.refund_id or "", now)))
        if not payment.refunded or payment.refund_failed or event.refund_id != payment.refund_id:
            return Settlement("ignored", booking)
        log.warning("refund failed", extra={"booking_uid": booking.uid})
        return Settlement("recorded", self._update(booking.uid, lambda b: b.refund_failed(now)
            if b.payment is not None and b.payment.refund_id == event.refund_id
            and not b.payment.refund_failed else b))

    def _disputed(self, booking: Booking, event: PaymentEvent) -> Settlement:
        """The client disputed the payment (or a second payment) with their bank: recorded,
        once per dispute id, so the host sees it (`payment.disputed`) and answers it at the
        provider in time. The first Penny heard of it may have been Stripe refusing a
        refund as disputed: that held dispute takes its id, and is not recorded twice."""
        owner = _disputed_payment(booking, event)
        if owner is None or not event.dispute_id:
            return Settlement("ignored", booking)
        now = self.clock.now()
        amount = event.amount.amount_minor if event.amount else None

        def opened(b: Booking) -> Booking:
            return b.disputed(event.dispute_id or "", event.reason, amount, now, owner)

        if opened(booking) is booking:
            return Settlement("ignored", booking)   # told before (or its close was)
        log.warning("payment disputed", extra={"booking_uid": booking.uid})
        return Settlement("recorded", self._update(booking.uid, opened))

    def _dispute_closed(self, booking: Booking, event: PaymentEvent) -> Settlement:
        """The bank decided a dispute: its outcome recorded once per dispute
        (`payment.dispute_closed`), the booking left as it stood. The booking status never
        changes: only the money."""
        owner = _disputed_payment(booking, event)
        if owner is None or not event.dispute_id or event.outcome not in DISPUTE_OUTCOMES:
            return Settlement("ignored", booking)
        now = self.clock.now()
        amount = event.amount.amount_minor if event.amount else None

        def ended(b: Booking) -> Booking:
            return b.dispute_closed(event.dispute_id or "", event.outcome or "", event.reason,
                                    amount, now, owner)

        own = booking.payment is not None and owner == booking.payment.payment_id
        if ended(booking) is not booking:
            log.warning("payment dispute closed", extra={"booking_uid": booking.uid,
                                                         "outcome": event.outcome})
            booking = self._update(booking.uid, ended)
        elif not (own and booking.refund_owed) and _second_owed(booking, owner) is None:
            return Settlement("ignored", booking)
        if own and booking.refund_owed:
            # Cancelled inside the policy while its disputes held the money: each won, or
            # closed without a chargeback, the money is the host's again and it is owed
            # (told before, a refund it freed that could not be made then is tried again).
            return self._refund_freed(booking)
        second = None if own else _second_owed(booking, owner)
        if second is not None:
            # A second payment (two tabs) whose own disputes held its refund: the same.
            return self._refund_second(booking, owner, second.amount_minor)
        return Settlement("recorded", booking)

    def _refund_freed(self, booking: Booking) -> Settlement:
        """The refund a dispute held, made now under the key of its next ask
        (`_refund_rest`: held, it was never asked for, so never refused, and its first ask
        is `{uid}-{reason}`, unless Stripe refused an ask as disputed before its webhook
        came: then the next); one that cannot be made yet fails the event (503) for its
        redelivery to try again, and one refused at the last ask is recorded refused."""
        assert booking.payment is not None
        reason = booking.payment.refund_reason or "cancelled"
        after = self._refund_rest(booking, reason, "a booking whose dispute ended")
        # Refused at the last ask, or held again (Stripe told of another dispute first).
        not_made = after.refund_held or (after.payment is not None
                                         and after.payment.refund_refused)
        return Settlement("recorded" if not_made else "refunded", after)

    def confirm_callback(self, booking: Booking, order_id: str, payment_id: str,
                         signature: str) -> Booking:
        """Razorpay Checkout's handler, sent on by the pay page: its signature (HMAC of
        order and payment id with the host's key secret) is checked here, so the client
        is not kept waiting for the webhook; a forged one changes nothing. The signature
        proves a payment authorized, not captured (an account set to capture manually):
        it is read, and captured, before it confirms anything."""
        payment = booking.payment
        if payment is None or payment.provider != "razorpay":
            raise BookingStateError("this booking takes no Razorpay payment")
        if payment.checkout_id != order_id:
            raise ValidationError("this payment is not for this booking", "razorpay_order_id")
        account = self.adapters.razorpay_for(booking)
        if not account.verify_callback(order_id, payment_id, signature):
            raise InvalidPaymentSignatureError("the payment's signature does not match")
        event = PaymentEvent(f"callback:{payment_id}", PaymentEventKind.AUTHORIZED, booking.uid,
                             order_id, payment_id)
        return self._authorized(booking, event, account).booking or booking


def _disputed_payment(booking: Booking, event: PaymentEvent) -> str | None:
    """The payment a dispute's event is about, if the booking was paid with it: its own,
    or a second payment (which keeps its disputes apart); else None."""
    payment = booking.payment
    if payment is None or not payment.paid or not event.payment_id:
        return None
    if event.payment_id == payment.payment_id or \
            any(s.payment_id == event.payment_id for s in payment.second_payments):
        return event.payment_id
    return None


def _second_owed(booking: Booking, payment_id: str) -> SecondPayment | None:
    """The second payment `payment_id` names, if its refund is owed (its disputes hold
    no money, and it is neither made nor given up on)."""
    payment = booking.payment
    return None if payment is None else next(
        (s for s in payment.second_payments if s.payment_id == payment_id and s.refund_owed),
        None)
