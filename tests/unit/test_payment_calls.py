"""A call to Stripe or Razorpay, its retries and their pauses included, ends inside the
function that makes it (a sum of the settings, not a measured time)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stripe

from chalicelib.bootstrap import API_PAYMENT_CALLS, WORKER_PAYMENT_CALLS, PaymentCalls
from chalicelib.integrations.razorpay_payments import RETRY_DELAY
from chalicelib.services.calendar_ports import GRACE
from chalicelib.services.fresh_busy import BOOKING_TIMEOUT
from chalicelib.store.queues import WORKER_TIMEOUT

CHALICE_CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"
# What a request does in the API besides its payment calls, at most: DynamoDB reads and
# writes, the hold's timer, and letting the hold go after a failed call (generous).
THE_REST = 1.0


def longest(calls: PaymentCalls, provider: str) -> float:
    """The longest a call can take: every try timing out, with the longest pauses."""
    pauses = range(1, calls.attempts)
    if provider == "stripe":  # the SDK's backoff: 0.5 s doubling, jittered at most up
        client = stripe.HTTPClient
        pause = sum(min(client.INITIAL_DELAY * 2 ** (n - 1), client.MAX_DELAY)
                    for n in pauses)
    else:  # the razorpay SDK's: initial_delay doubling, at most max_delay (2 x initial)
        pause = sum(min(RETRY_DELAY * 2 ** (n - 1), RETRY_DELAY * 2) for n in pauses)
    return calls.attempts * calls.timeout + pause


@pytest.mark.parametrize("provider", ["stripe", "razorpay"])
def test_a_paid_booking_ends_inside_the_api_functions_timeout_when_the_vendor_hangs(
        provider: str) -> None:
    api_timeout = json.loads(CHALICE_CONFIG.read_text())["lambda_timeout"]

    # the calendar re-check's wait (FreshBusy), then the checkout
    worst = BOOKING_TIMEOUT + GRACE + longest(API_PAYMENT_CALLS, provider) + THE_REST

    assert worst < api_timeout, (provider, worst, api_timeout)


@pytest.mark.parametrize("provider", ["stripe", "razorpay"])
def test_a_webhooks_two_calls_end_inside_the_api_functions_timeout(provider: str) -> None:
    # A late payment's refund, or connecting Stripe: two calls one after the other
    api_timeout = json.loads(CHALICE_CONFIG.read_text())["lambda_timeout"]

    assert 2 * longest(API_PAYMENT_CALLS, provider) + THE_REST < api_timeout


@pytest.mark.parametrize("provider", ["stripe", "razorpay"])
def test_a_workers_payment_call_ends_inside_the_workers_timeout(provider: str) -> None:
    assert longest(WORKER_PAYMENT_CALLS, provider) + THE_REST < WORKER_TIMEOUT
