"""The payments worker: a cancellation's refund and the end of a hold, by the booking's
uid (services/payments.py does both)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.events import Event, EventKind
from chalicelib.services.jobs import JobContext
from chalicelib.services.payments import PaymentService


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
