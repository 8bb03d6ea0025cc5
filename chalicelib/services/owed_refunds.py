"""A refund Penny owes (a cancellation inside the policy; a payment late, or for a time
someone else took) is of what has not gone back yet: the payment less the provider's
own total of refunds the booking has recorded (parts the host gave back in the
dashboard). Nothing is asked for once the host has given it all back.

Its key names what had gone back before it (`{uid}-{reason}-after-{amount}`), so a retry
that finds the same total replays the one refund, and one made after the host gave back
more is a new refund of the new rest, never a replay of a larger one the provider would
refuse. With nothing given back it is `{uid}-{reason}`, the key refunds had before.

A refund the provider refuses (a 4xx, or the host's keys or access withdrawn: not an
outage), or that cannot be asked for because the host removed the provider's connection
in Penny, is counted on the booking; at the REFUND_ASKS-th refusal (domain/bookings.py)
Penny stops asking and the booking says so (`refund_refused_at`): the host refunds by
hand. Before that, as for an outage, the caller's retry asks again, under a key naming
the ask (`...-ask-2`): Stripe keeps a key's first answer for a day, a refusal too, so
asking again under the same key would only hear the first refusal again. A refusal made
no refund, so a new key cannot make a second; an outage or a timeout (which may have made
one) is never counted, and its retry keeps the key.

A refund refused because the payment is disputed (Stripe's `charge_disputed`: the
client's bank opened a dispute whose webhook has not come yet) is not counted: it is held
as an open dispute, as a cancellation is while a known dispute is open, and the dispute's
end decides (owed when won or closed as an inquiry, never when lost). That ask was made,
so the next one is numbered after it too (`...-ask-2`): Stripe would replay its refusal.
The same holds when the dispute's webhook was recorded while the ask was on its way: the
refusal is marked on that dispute, or the ask after its win would reuse the refused key,
hear the refusal again, and hold the refund by a dispute that no webhook would close.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from chalicelib.domain.bookings import Booking
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotConnectedError,
    PaymentNotConnectedError,
    PaymentUnavailableError,
    ProviderError,
    ProviderRejectedError,
    RefundDisputedError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.refund_asks import NOT_CONNECTED, REFUSED
from chalicelib.services.paid_booking_writes import PaidBookingWrites
from chalicelib.services.payment_ports import PaymentAdapters
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.payments")

# What a call to the payment provider ends in when it made nothing: refused (refused()
# below), or the provider, or the host's account at it, out of reach for now.
NOT_MADE = (ProviderError, PaymentNotConnectedError, NotConnectedError)


def refund_key(uid: str, reason: str, back_minor: int, refusals: int = 0) -> str:
    key = f"{uid}-{reason}-after-{back_minor}" if back_minor else f"{uid}-{reason}"
    return ask_key(key, refusals)


def ask_key(key: str, refusals: int) -> str:
    """The key of the ask after `refusals` refusals: the first ask keeps the plain key."""
    return f"{key}-ask-{refusals + 1}" if refusals else key


class OwedRefunds(PaidBookingWrites):
    """Held by PaymentService, which has these fields."""

    adapters: PaymentAdapters
    clock: Clock

    def _refund_rest(self, booking: Booking, reason: str, what: str) -> Booking:
        """Give back the rest of a payment the booking owes (`refund_owed`), recorded as
        made for the whole once the provider has it. A refund that cannot be made now
        (refused, or the provider down) raises PaymentUnavailableError for a retry:
        never recorded done with the money still out. `what`: the refund, in words."""
        payment = booking.payment
        if payment is None or not booking.refund_owed:
            return booking
        rest = booking.refund_rest_minor
        back = (payment.paid_minor or 0) - rest   # the host gave it back at the provider
        try:
            refund = self.adapters.for_booking(booking).refund(
                payment.payment_id or "", Price(rest, booking.currency or ""),
                key=refund_key(booking.uid, reason, back, payment.refund_refusals
                               + payment.refunds_refused_as_disputed))
        except RefundDisputedError as exc:
            # Disputed before its webhook came: held as an open dispute, never counted.
            # Recorded also when the dispute's webhook was recorded meanwhile (the refund
            # held already): the ask was made under this key, and the next needs its own.
            log.warning("refund refused as disputed: held until the dispute ends",
                        extra={"booking_uid": booking.uid})
            now, named = self.clock.now(), exc.dispute_id
            return self._update(booking.uid, lambda b: b.refund_disputed(named, now)
                                if b.refund_owed or b.refund_held else b)
        except NOT_MADE as exc:
            log.warning("refund owed, not made yet: %s", exc.code,
                        extra={"booking_uid": booking.uid})
            why = refusal_reason(exc)
            counted = self._count_refusal(
                booking.uid, exc, lambda b, now: b.refund_refused(now, why),
                lambda b: b.payment is not None and b.payment.refund_refused)
            if counted is not None:
                log.warning("refund refused at every ask: the host refunds by hand",
                            extra={"booking_uid": booking.uid})
                return counted
            raise PaymentUnavailableError(
                payment.provider, f"the refund of {what} could not be made yet; "
                "it is tried again") from exc
        now = self.clock.now()

        def made(b: Booking) -> Booking:
            p = b.payment
            if p is None or p.refund_failed or (p.refunded and p.refund_id != payment.refund_id
                                                 and not b.refund_owed):
                return b   # recorded meanwhile, from the refund's own event
            return b.refunded(refund.id, max(back + refund.amount.amount_minor,
                                             p.refunded_minor or 0), now, reason)

        return self._update(booking.uid, made)

    def _count_refusal(self, uid: str, exc: Exception,
                       count: Callable[[Booking, datetime], Booking],
                       given_up: Callable[[Booking], bool]) -> Booking | None:
        """A refund the provider refused (not an outage) is counted on the booking by
        `count`; the booking is returned once Penny has given it up (`given_up`: the
        last ask refused), else None and the caller fails for a retry."""
        if not refused(exc):
            return None
        now = self.clock.now()
        counted = self._update(uid, lambda b: count(b, now))
        return counted if given_up(counted) else None


def refused(exc: Exception) -> bool:
    """The provider said no to this refund (retrying the same request cannot help), or it
    cannot be asked at all: the host removed its connection in Penny (the same until they
    connect it again, which the next ask then finds); as against an outage or a timeout,
    which a retry may cure."""
    return isinstance(exc, ProviderRejectedError | ConnectionBrokenError
                      | PaymentNotConnectedError | NotConnectedError)


def refusal_reason(exc: Exception) -> str:
    """Why a refusal counted (`Payment.refund_refused_reason` at the last ask)."""
    return NOT_CONNECTED if isinstance(exc, PaymentNotConnectedError | NotConnectedError) \
        else REFUSED
