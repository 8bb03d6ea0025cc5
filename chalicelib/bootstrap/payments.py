"""Payments (Stripe, Razorpay): the hosts' payment accounts and the payment service,
made on first use, so the SDKs load only then; and how long one call may take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.bootstrap.connections import connection_store


@dataclass(frozen=True)
class PaymentCalls:
    """How long one call to Stripe or Razorpay may take: `attempts` tries of `timeout`
    seconds each (the SDKs retry a timeout, a connection error or a 5xx with the same
    idempotency key)."""

    timeout: float
    attempts: int


# A call and its retries must end inside the function that makes it, so that what
# follows a failed call runs (a booking's hold let go, a 503 that says why) rather than
# Lambda cutting the request off. The API's 10 s also hold a booking's calendar re-check
# (3.5 s at most) and its DynamoDB writes, or a webhook's two calls (a late payment's
# refund: Stripe reads the payment, then refunds): two tries of 1.8 s each, with Stripe's
# 0.5 s pause between them, 4.1 s a call (tests/unit/test_payment_calls.py). A worker
# has 60 s.
API_PAYMENT_CALLS = PaymentCalls(timeout=1.8, attempts=2)
WORKER_PAYMENT_CALLS = PaymentCalls(timeout=5.0, attempts=3)


def build_payment_accounts(core: Core, calls: PaymentCalls = WORKER_PAYMENT_CALLS
                           ) -> PaymentAccounts:
    from chalicelib.services.payment_accounts import PAYMENT_PROVIDERS, PaymentAccounts

    entries = core.providers

    def stripe(account: str | None) -> Any:
        from chalicelib.integrations.stripe_payments import StripePayments

        return StripePayments(entries.stripe, account,  # type: ignore[arg-type]
                              calls.timeout, attempts=calls.attempts)

    def razorpay(keys: Any) -> Any:
        from chalicelib.integrations.razorpay_payments import RazorpayKeys, RazorpayPayments

        return RazorpayPayments(entries.razorpay,  # type: ignore[arg-type]
                                RazorpayKeys(keys.key_id, keys.key_secret, keys.webhook_secret),
                                calls.timeout, attempts=calls.attempts)

    return PaymentAccounts(
        connections=connection_store(core), clock=core.clock,
        available=frozenset(p for p in PAYMENT_PROVIDERS if getattr(entries, p) is not None),
        stripe=stripe, razorpay=razorpay,
        dashboard_url=f"{core.settings.public_base_url}/app")


def _hold_timers(core: Core) -> Any:
    from chalicelib.services.payment_holds import NoHoldTimers

    settings = core.settings
    if not (settings.hold_scheduler_role_arn and settings.events_topic_arn):
        return NoHoldTimers()
    import boto3

    from chalicelib.integrations.hold_timers import SchedulerHoldTimers

    return SchedulerHoldTimers(boto3.client("scheduler", region_name=settings.region),
                               settings.events_topic_arn, settings.hold_scheduler_role_arn,
                               settings.hold_schedule_group)


def build_payments(core: Core, reservations: Reservations, links: BookingLinks,
                   accounts: PaymentAdapters | None = None) -> PaymentService:
    """`accounts`: the hosts' payment providers (tests may pass fakes)."""
    from chalicelib.services.payments import PaymentService
    from chalicelib.store.bookings import BookingRepository

    return PaymentService(
        BookingRepository(), reservations, accounts or build_payment_accounts(core),
        core.clock, return_url=lambda uid: links.urls(uid)["view"],
        timers=_hold_timers(core), hold=timedelta(seconds=core.settings.payment_hold_seconds))


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.services.links import BookingLinks
    from chalicelib.services.payment_accounts import PaymentAccounts
    from chalicelib.services.payment_ports import PaymentAdapters
    from chalicelib.services.payments import PaymentService
    from chalicelib.services.reservations import Reservations
