"""RazorpayPayments (chalicelib/integrations/razorpay_payments.py) against the sandbox's
Razorpay: orders, refunds, the keys check, each error as the port names it, and the
webhook and Checkout signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from chalicelib.bootstrap import WORKER_PAYMENT_CALLS
from chalicelib.domain.errors import (
    AuthenticationError,
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import (
    Checkout,
    CheckoutRequest,
    PaymentAccount,
    PaymentEvent,
    PaymentEventKind,
    ProviderPayment,
    Refund,
)
from chalicelib.integrations.razorpay_payments import (
    ATTEMPTS,
    RazorpayKeys,
    RazorpayPayments,
    idempotency_key,
    receipt,
)
from chalicelib.provider_settings import RazorpayPlatform
from sandbox import ProviderSandbox
from sandbox.razorpay_webhooks import WebhookEvent
from tests.sandbox.receiver import Receiver

HOLD = "hold_01JV3KX8M2Q7R5T9W4Y6Z0A1B2"
BOOKING = "bk_01JV3KX8M2Q7R5T9W4Y6Z0A1B2"
INTRO = CheckoutRequest(key=HOLD, booking_uid=BOOKING, description="Intro call",
                        price=Price(50000, "INR"), customer_email="grace@example.test",
                        customer_name="Grace Hopper",
                        success_url="http://127.0.0.1:8000/b/paid",
                        cancel_url="http://127.0.0.1:8000/b/cancelled",
                        expires_at=datetime.fromisoformat("2026-05-04T09:15:00+00:00"))


def _keys(sandbox: ProviderSandbox, **changes: str) -> RazorpayKeys:
    merchant = sandbox.razorpay_merchant()
    found = {"key_id": merchant.key_id, "key_secret": merchant.key_secret,
             "webhook_secret": merchant.webhook_secret, **changes}
    return RazorpayKeys(**found)


def _payments(sandbox: ProviderSandbox, timeout: float = 5.0, base_url: str | None = None,
              attempts: int = ATTEMPTS, **changes: str) -> RazorpayPayments:
    entry = RazorpayPlatform(base_url=base_url or sandbox.penny_providers()["razorpay"][
        "base_url"])
    return RazorpayPayments(entry, _keys(sandbox, **changes), timeout=timeout,
                            attempts=attempts)


def _signed(body: bytes, secret: str, event_id: str = "KzTn2lQ8pX0aBc") -> dict[str, str]:
    """Headers as API Gateway hands them to Penny: lower case."""
    return {"content-type": "application/json", "x-razorpay-event-id": event_id,
            "x-razorpay-signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def _delivered(sandbox: ProviderSandbox, event: WebhookEvent) -> tuple[bytes, dict[str, str]]:
    return event.body, _signed(event.body, sandbox.razorpay_merchant().webhook_secret, event.id)


def _event(sandbox: ProviderSandbox, name: str) -> WebhookEvent:
    return next(e for e in reversed(sandbox.razorpay_events()) if e.event == name)


def _paid(sandbox: ProviderSandbox, notes: dict[str, Any] | None = None) -> tuple[Checkout,
                                                                                 str]:
    checkout = _payments(sandbox).create_checkout(INTRO)
    return checkout, sandbox.razorpay_pay(checkout.id, notes=notes)["razorpay_payment_id"]


# -- orders -------------------------------------------------------------------------


def test_a_checkout_is_an_inr_order_in_paise_carrying_the_booking_uid(
        provider_sandbox: ProviderSandbox) -> None:
    checkout = _payments(provider_sandbox).create_checkout(INTRO)

    [order] = provider_sandbox.razorpay_orders()
    assert checkout == Checkout(id=order["id"], url=None, expires_at=None,
                                public_key="rzp_test_PennySandbox01")
    assert (order["amount"], order["currency"], order["receipt"], order["notes"]) == (
        50000, "INR", HOLD, {"booking_uid": BOOKING})


def test_a_three_decimal_price_is_sent_as_it_is_kept_in_thousandths_and_refunded_so(
        provider_sandbox: ProviderSandbox) -> None:
    # 5.120 KD is kept as 5120 (ISO 4217's thousandths), which is Razorpay's subunit too:
    # the SDK sends the amount untouched, and Razorpay takes it (its last digit 0).
    payments = _payments(provider_sandbox)
    checkout = payments.create_checkout(replace(INTRO, price=Price(5120, "KWD")))
    payment_id = provider_sandbox.razorpay_pay(checkout.id)["razorpay_payment_id"]

    refund = payments.refund(payment_id, Price(2560, "KWD"), "bk-1-cancelled")

    [order] = provider_sandbox.razorpay_orders()
    assert (order["id"], order["amount"], order["currency"]) == (checkout.id, 5120, "KWD")
    assert refund.amount == Price(2560, "KWD")
    assert [r["amount"] for r in provider_sandbox.razorpay_refunds()] == [2560]


def test_a_kept_three_decimal_price_razorpay_refuses_is_rejected_and_no_order_is_made(
        provider_sandbox: ProviderSandbox) -> None:
    # 5.125 KD, whose last digit Razorpay needs 0: saved before Penny refused it, it meets
    # Razorpay's 400 at the checkout, a refusal (the booking answers 409 payment_refused).
    with pytest.raises(ProviderRejectedError, match="last decimal digit of a KWD amount"):
        _payments(provider_sandbox).create_checkout(replace(INTRO, price=Price(5125, "KWD")))

    assert provider_sandbox.razorpay_orders() == []


def test_a_key_too_long_for_a_receipt_becomes_a_stable_hash_within_40_characters() -> None:
    long_key = "hold:" + "x" * 60

    assert receipt(long_key) == receipt(long_key)
    assert len(receipt(long_key)) <= 40 and receipt(long_key).startswith("penny_")
    assert receipt(HOLD) == HOLD


def test_expiring_a_checkout_asks_nothing_of_razorpay(provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox)
    checkout = payments.create_checkout(INTRO)
    provider_sandbox.razorpay_reset_api_calls()

    payments.expire_checkout(checkout.id)

    assert provider_sandbox.razorpay_api_calls() == 0
    assert provider_sandbox.razorpay_orders()[0]["status"] == "created"


# -- connecting -----------------------------------------------------------------------


def test_good_keys_pass_the_check_with_one_call(provider_sandbox: ProviderSandbox) -> None:
    account = _payments(provider_sandbox).check_keys()

    assert account == PaymentAccount(id="rzp_test_PennySandbox01",
                                     name="rzp_test_PennySandbox01", ready=True)
    assert provider_sandbox.razorpay_api_call_counts() == {"orders.all": 1}


def test_a_wrong_key_secret_fails_the_check_in_plain_words(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ProviderRejectedError, match="did not accept this key id and key "
                                                    "secret"):
        _payments(provider_sandbox, key_secret="typo").check_keys()


# -- refunds --------------------------------------------------------------------------


def test_a_refund_is_made_once_per_key_and_a_retry_finds_the_first(
        provider_sandbox: ProviderSandbox) -> None:
    _, payment_id = _paid(provider_sandbox)
    payments = _payments(provider_sandbox)

    first = payments.refund(payment_id, Price(20000, "INR"), key=f"{BOOKING}-cancelled")
    again = _payments(provider_sandbox).refund(payment_id, Price(20000, "INR"),
                                               key=f"{BOOKING}-cancelled")

    assert again == first
    assert (first.payment_id, first.amount) == (payment_id, Price(20000, "INR"))
    [refund] = provider_sandbox.razorpay_refunds()
    assert refund["id"] == first.id and refund["speed_requested"] == "normal"
    assert len(refund["receipt"]) <= 40


def test_two_refunds_asked_at_once_under_one_key_make_one(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN one refund asked twice at once (an event delivered twice, to two Lambdas), each
    # listing the payment's refunds before either made one
    _, payment_id = _paid(provider_sandbox)
    provider_sandbox.razorpay_set_api_delay(1.0)
    start = threading.Barrier(2)
    made: list[Refund] = []

    def ask() -> None:
        payments = _payments(provider_sandbox)
        start.wait(10)
        made.append(payments.refund(payment_id, Price(20000, "INR"),
                                    key=f"{BOOKING}-cancelled"))

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(30)

    # THEN Razorpay made one refund (its X-Refund-Idempotency key), and both were told of it
    [refund] = provider_sandbox.razorpay_refunds()
    assert [r.id for r in made] == [refund["id"]] * 2


def test_a_refund_razorpay_is_still_making_under_its_key_is_worth_a_retry_later(
        provider_sandbox: ProviderSandbox) -> None:
    _, payment_id = _paid(provider_sandbox)
    provider_sandbox.razorpay_fail_next_api_calls(409, endpoint="payments.refund")

    with pytest.raises(ProviderUnavailableError, match="\\(409\\)"):
        _payments(provider_sandbox).refund(payment_id, Price(20000, "INR"), key="k")


def test_a_refunds_idempotency_key_is_the_key_or_its_hash_in_razorpays_alphabet() -> None:
    assert idempotency_key(f"{BOOKING}-cancelled") == f"{BOOKING}-cancelled"
    for key in ("k", "bk 1: cancelled", "x" * 41):
        hashed = idempotency_key(key)
        assert re.fullmatch(r"[A-Za-z0-9_-]{10,40}", hashed) and hashed == idempotency_key(key)


def test_another_key_makes_another_refund(provider_sandbox: ProviderSandbox) -> None:
    _, payment_id = _paid(provider_sandbox)
    payments = _payments(provider_sandbox)

    payments.refund(payment_id, Price(10000, "INR"), key=f"{BOOKING}-goodwill")
    payments.refund(payment_id, Price(10000, "INR"), key=f"{BOOKING}-cancelled")

    assert len(provider_sandbox.razorpay_refunds()) == 2


def test_a_refund_of_the_rest_gives_back_what_is_left_after_a_part_given_in_the_dashboard(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a paid booking (500.00) whose host gave back 200.00 in Razorpay's dashboard,
    # before its refund.processed reached Penny (so Penny still asks for all of it)
    _, payment_id = _paid(provider_sandbox)
    provider_sandbox.razorpay_refund_in_dashboard(payment_id, 20000)

    # WHEN the cancellation's refund asks for the whole payment
    refund = _payments(provider_sandbox).refund(payment_id, Price(50000, "INR"),
                                                key=f"{BOOKING}-cancelled")

    # THEN Razorpay is asked for what is left, not refused the whole again and again
    assert refund.amount == Price(30000, "INR")
    assert provider_sandbox.razorpay_payments()[0]["status"] == "refunded"


def test_a_failed_refund_does_not_count_against_what_is_left(
        provider_sandbox: ProviderSandbox) -> None:
    _, payment_id = _paid(provider_sandbox)
    given = provider_sandbox.razorpay_refund_in_dashboard(payment_id, 20000)
    provider_sandbox.razorpay_fail_refund(given["id"])

    refund = _payments(provider_sandbox).refund(payment_id, Price(50000, "INR"), key="k")

    assert refund.amount == Price(50000, "INR")


def test_a_refund_asked_of_a_payment_the_host_gave_back_in_full_is_done_not_refused(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a paid booking (500.00) the host gave back in full in Razorpay's dashboard,
    # before its refund.processed reached Penny (so Penny still asks for all of it)
    _, payment_id = _paid(provider_sandbox)
    given = provider_sandbox.razorpay_refund_in_dashboard(payment_id)

    # WHEN the cancellation's refund asks for the whole payment
    refund = _payments(provider_sandbox).refund(payment_id, Price(50000, "INR"),
                                                key=f"{BOOKING}-cancelled")

    # THEN it is done by the host's refund (Razorpay would refuse another), none is made
    assert refund == Refund(given["id"], payment_id, Price(50000, "INR"))
    assert [r["id"] for r in provider_sandbox.razorpay_refunds()] == [given["id"]]
    assert provider_sandbox.razorpay_api_calls("payments.refund") == 0


def test_a_refund_asked_again_after_a_capped_refund_is_done_by_the_refund_that_ended_it(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN 200.00 given back in the dashboard, then Penny's refund capped at the 300.00 left
    _, payment_id = _paid(provider_sandbox)
    provider_sandbox.razorpay_refund_in_dashboard(payment_id, 20000)
    payments = _payments(provider_sandbox)
    capped = payments.refund(payment_id, Price(50000, "INR"), key=f"{BOOKING}-cancelled")

    # WHEN a redelivered event asks for the 200.00 its booking still counts as out
    again = payments.refund(payment_id, Price(20000, "INR"),
                            key=f"{BOOKING}-cancelled-after-30000")

    # THEN nothing is left at Razorpay: done, by Penny's refund that gave back the last of it
    assert again == Refund(capped.id, payment_id, Price(20000, "INR"))
    assert len(provider_sandbox.razorpay_refunds()) == 2


def test_a_refund_of_a_payment_with_a_little_left_still_gives_that_back(
        provider_sandbox: ProviderSandbox) -> None:
    _, payment_id = _paid(provider_sandbox)
    provider_sandbox.razorpay_refund_in_dashboard(payment_id, 49900)

    refund = _payments(provider_sandbox).refund(payment_id, Price(50000, "INR"), key="k")

    assert refund.amount == Price(100, "INR")
    assert provider_sandbox.razorpay_api_calls("payments.refund") == 1


def test_refunding_more_than_was_paid_is_rejected(provider_sandbox: ProviderSandbox) -> None:
    _, payment_id = _paid(provider_sandbox)

    with pytest.raises(ProviderRejectedError, match="greater than amount captured"):
        _payments(provider_sandbox).refund(payment_id, Price(50001, "INR"), key="k")


def test_a_refund_of_something_that_is_not_a_payment_id_asks_nothing_of_razorpay(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ProviderRejectedError, match="not a Razorpay payment id"):
        _payments(provider_sandbox).refund("pay_1/../../orders", Price(100, "INR"), key="k")

    assert provider_sandbox.razorpay_api_calls() == 0


# -- errors ---------------------------------------------------------------------------


def test_keys_razorpay_no_longer_accepts_break_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ConnectionBrokenError) as caught:
        _payments(provider_sandbox, key_secret="rotated-away").create_checkout(INTRO)

    assert caught.value.provider == "razorpay"


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_worth_a_retry_later(
        provider_sandbox: ProviderSandbox, status: int) -> None:
    provider_sandbox.razorpay_fail_next_api_calls(status, retry_after=3)

    with pytest.raises(ProviderUnavailableError, match=f"\\({status}\\)"):
        _payments(provider_sandbox).create_checkout(INTRO)
    assert provider_sandbox.razorpay_orders() == []


def test_an_order_razorpay_refuses_is_rejected(provider_sandbox: ProviderSandbox) -> None:
    too_small = CheckoutRequest(**{**INTRO.__dict__, "price": Price(50, "INR")})

    with pytest.raises(ProviderRejectedError, match=r"atleast INR 1\.00"):
        _payments(provider_sandbox).create_checkout(too_small)


def test_in_a_worker_a_hanging_answer_is_tried_three_times(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_set_api_delay(1.0)
    try:
        with pytest.raises(ProviderUnavailableError, match="did not answer"):
            _payments(provider_sandbox, timeout=0.2,
                      attempts=WORKER_PAYMENT_CALLS.attempts).check_keys()
        assert provider_sandbox.razorpay_api_calls("orders.all") == 3
    finally:
        provider_sandbox.razorpay_set_api_delay(0)


def test_a_hanging_answer_times_out_after_one_retry_instead_of_hanging(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_set_api_delay(1.0)
    try:
        with pytest.raises(ProviderUnavailableError, match="did not answer"):
            _payments(provider_sandbox, timeout=0.2).check_keys()
        assert provider_sandbox.razorpay_api_calls("orders.all") == ATTEMPTS
    finally:
        provider_sandbox.razorpay_set_api_delay(0)


def test_razorpay_out_of_reach_is_unavailable(provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ProviderUnavailableError, match="could not be reached"):
        _payments(provider_sandbox, base_url="http://127.0.0.1:9/razorpay").check_keys()


def test_an_error_page_that_is_not_json_is_unavailable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/orders").respond_with_data(
        "<html>502 Bad Gateway</html>", status=502, content_type="text/html")
    payments = RazorpayPayments(RazorpayPlatform(base_url=httpserver.url_for("")),
                                RazorpayKeys("rzp_test_x", "secret", "whsecret"))

    with pytest.raises(ProviderUnavailableError, match="502"):
        payments.check_keys()


# -- webhooks -------------------------------------------------------------------------


def test_order_paid_is_paid_with_the_booking_uid_from_the_orders_notes(
        provider_sandbox: ProviderSandbox) -> None:
    checkout, payment_id = _paid(provider_sandbox)
    order_paid = _event(provider_sandbox, "order.paid")

    event = _payments(provider_sandbox).verify_webhook(*_delivered(provider_sandbox,
                                                                   order_paid))

    assert event == PaymentEvent(id=order_paid.id, kind=PaymentEventKind.PAID,
                                 booking_uid=BOOKING, checkout_id=checkout.id,
                                 payment_id=payment_id, amount=Price(50000, "INR"))


def test_payment_captured_is_paid_when_checkout_passed_the_booking_uid(
        provider_sandbox: ProviderSandbox) -> None:
    checkout, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    payments = _payments(provider_sandbox)

    event = payments.verify_webhook(*_delivered(provider_sandbox, _event(
        provider_sandbox, "payment.captured")))

    assert event is not None and event.kind is PaymentEventKind.PAID
    assert (event.checkout_id, event.payment_id, event.booking_uid) == (checkout.id,
                                                                        payment_id, BOOKING)


def test_payment_captured_without_the_booking_uid_is_left_to_order_paid(
        provider_sandbox: ProviderSandbox) -> None:
    _paid(provider_sandbox)  # Checkout opened without `notes`: the payment has none

    event = _payments(provider_sandbox).verify_webhook(*_delivered(
        provider_sandbox, _event(provider_sandbox, "payment.captured")))

    assert event is None


def test_payment_failed_is_failed(provider_sandbox: ProviderSandbox) -> None:
    checkout = _payments(provider_sandbox).create_checkout(INTRO)
    provider_sandbox.razorpay_fail_next_payments()
    failed = provider_sandbox.razorpay_pay(checkout.id, notes={"booking_uid": BOOKING})

    event = _payments(provider_sandbox).verify_webhook(*_delivered(
        provider_sandbox, _event(provider_sandbox, "payment.failed")))

    assert event is not None and event.kind is PaymentEventKind.FAILED
    assert event.payment_id == failed["error"]["metadata"]["payment_id"]
    assert event.checkout_id == checkout.id and event.booking_uid == BOOKING


def test_refund_processed_is_refunded_with_the_refunds_amount(
        provider_sandbox: ProviderSandbox) -> None:
    checkout, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    payments = _payments(provider_sandbox)
    payments.refund(payment_id, Price(20000, "INR"), key=f"{BOOKING}-cancelled")

    event = payments.verify_webhook(*_delivered(provider_sandbox, _event(
        provider_sandbox, "refund.processed")))

    assert event is not None and event.kind is PaymentEventKind.REFUNDED
    assert (event.checkout_id, event.payment_id, event.amount) == (
        checkout.id, payment_id, Price(20000, "INR"))
    assert event.refund_id == provider_sandbox.razorpay_refunds()[0]["id"]


def test_refund_processed_carries_the_payments_total_refunded_beside_the_part(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a paid order of which the host gave back ₹100 in the dashboard before
    _, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    payments = _payments(provider_sandbox)
    provider_sandbox.razorpay_refund_in_dashboard(payment_id, 10000)

    # WHEN ₹200 more goes back
    provider_sandbox.razorpay_refund_in_dashboard(payment_id, 20000)
    event = payments.verify_webhook(*_delivered(provider_sandbox, _event(
        provider_sandbox, "refund.processed")))

    # THEN the event names this part and all that has gone back of the payment
    assert event is not None and event.amount == Price(20000, "INR")
    assert event.refunded_minor == 30000


def test_refund_failed_is_a_failed_refund_naming_the_refund(
        provider_sandbox: ProviderSandbox) -> None:
    checkout, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    payments = _payments(provider_sandbox)
    refund = payments.refund(payment_id, Price(20000, "INR"), key=f"{BOOKING}-cancelled")
    provider_sandbox.razorpay_fail_refund(refund.id)

    event = payments.verify_webhook(*_delivered(provider_sandbox, _event(
        provider_sandbox, "refund.failed")))

    assert event is not None and event.kind is PaymentEventKind.REFUND_FAILED
    assert (event.checkout_id, event.payment_id, event.refund_id, event.booking_uid) == (
        checkout.id, payment_id, refund.id, BOOKING)
    assert provider_sandbox.razorpay_payments()[0]["amount_refunded"] == 0


@pytest.mark.parametrize(("status", "kind", "outcome"), [
    ("open", PaymentEventKind.DISPUTED, None),
    ("won", PaymentEventKind.DISPUTE_CLOSED, "won"),
    ("lost", PaymentEventKind.DISPUTE_CLOSED, "lost"),
    ("closed", PaymentEventKind.DISPUTE_CLOSED, "closed")])
def test_a_disputes_events_name_the_dispute_its_booking_and_how_it_ended(
        provider_sandbox: ProviderSandbox, status: str, kind: PaymentEventKind,
        outcome: str | None) -> None:
    checkout, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    opened = provider_sandbox.razorpay_dispute(payment_id, "fraud")
    if status != "open":
        provider_sandbox.razorpay_close_dispute(opened["id"], status)
    name = "payment.dispute.created" if status == "open" else f"payment.dispute.{status}"

    event = _payments(provider_sandbox).verify_webhook(*_delivered(provider_sandbox, _event(
        provider_sandbox, name)))

    assert event is not None
    assert (event.kind, event.booking_uid, event.checkout_id, event.payment_id,
            event.dispute_id, event.reason, event.amount, event.outcome) == (
        kind, BOOKING, checkout.id, payment_id, opened["id"], "fraud",
        Price(50000, "INR"), outcome)


def test_a_dispute_under_review_says_nothing_new(provider_sandbox: ProviderSandbox) -> None:
    _, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    provider_sandbox.razorpay_dispute(payment_id)
    created = _event(provider_sandbox, "payment.dispute.created")
    body = created.body.replace(b'"payment.dispute.created"', b'"payment.dispute.under_review"')

    assert _payments(provider_sandbox).verify_webhook(
        body, _signed(body, created.secret)) is None


@pytest.mark.parametrize("body", [b"{not json", b"[" * 5_000 + b"]" * 5_000],
                         ids=["not JSON", "nested past the parser's depth"])
def test_a_signed_body_that_does_not_parse_is_rejected_in_plain_words(
        provider_sandbox: ProviderSandbox, body: bytes) -> None:
    secret = provider_sandbox.razorpay_merchant().webhook_secret

    with pytest.raises(ProviderRejectedError, match="signed Razorpay webhook is not JSON"):
        _payments(provider_sandbox).verify_webhook(body, _signed(body, secret))


# -- manual capture ----------------------------------------------------------------


def test_payment_authorized_is_authorized_naming_the_payment(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a host whose Razorpay account captures payments manually
    provider_sandbox.razorpay_manual_capture()
    checkout, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})

    event = _payments(provider_sandbox).verify_webhook(*_delivered(provider_sandbox, _event(
        provider_sandbox, "payment.authorized")))

    assert event is not None and event.kind is PaymentEventKind.AUTHORIZED
    assert (event.checkout_id, event.payment_id, event.booking_uid) == (checkout.id,
                                                                        payment_id, BOOKING)
    assert [e.event for e in provider_sandbox.razorpay_events()] == ["payment.authorized"]


def test_an_authorized_payment_is_read_then_captured_for_the_orders_amount(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_manual_capture()
    _, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    payments = _payments(provider_sandbox)

    before = payments.payment(payment_id)
    payments.capture(payment_id, Price(50000, "INR"))

    assert before == ProviderPayment(payment_id, "authorized", Price(50000, "INR"))
    assert payments.payment(payment_id).status == "captured"
    assert provider_sandbox.razorpay_orders()[0]["status"] == "paid"
    assert [e.event for e in provider_sandbox.razorpay_events()] == [
        "payment.authorized", "payment.captured", "order.paid"]


def test_capturing_a_payment_captured_already_is_done_not_an_error(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a payment Razorpay captured itself (the default: auto-capture)
    _, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    payments = _payments(provider_sandbox)

    payments.capture(payment_id, Price(50000, "INR"))  # Razorpay answers 400

    assert payments.payment(payment_id).status == "captured"
    assert provider_sandbox.razorpay_api_calls("payments.capture") == 1


def test_capturing_another_amount_than_the_payments_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_manual_capture()
    _, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})

    with pytest.raises(ProviderRejectedError, match="equal to the amount authorized"):
        _payments(provider_sandbox).capture(payment_id, Price(40000, "INR"))

    assert provider_sandbox.razorpay_payments()[0]["status"] == "authorized"


def test_a_capture_razorpay_fails_to_make_is_unavailable(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_manual_capture()
    _, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    provider_sandbox.razorpay_fail_next_api_calls(500)

    with pytest.raises(ProviderUnavailableError):
        _payments(provider_sandbox).capture(payment_id, Price(50000, "INR"))

    assert provider_sandbox.razorpay_payments()[0]["status"] == "authorized"


@pytest.mark.parametrize("name", ["refund.created"])
def test_genuine_events_penny_does_not_act_on_are_none(
        provider_sandbox: ProviderSandbox, name: str) -> None:
    _, payment_id = _paid(provider_sandbox, notes={"booking_uid": BOOKING})
    payments = _payments(provider_sandbox)
    payments.refund(payment_id, Price(100, "INR"), key="k")

    assert payments.verify_webhook(*_delivered(provider_sandbox,
                                               _event(provider_sandbox, name))) is None


def test_a_webhook_as_the_sandbox_delivers_it_verifies(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/webhooks/razorpay/conn-1").respond_with_handler(
        receiver.handler)
    provider_sandbox.razorpay_webhook("rzp_test_PennySandbox01", httpserver.url_for(
        "/webhooks/razorpay/conn-1"), events=["order.paid"])
    checkout, _ = _paid(provider_sandbox)

    [seen] = receiver.wait_for(1)
    event = _payments(provider_sandbox).verify_webhook(seen.body, seen.headers)

    assert event is not None and event.checkout_id == checkout.id
    assert event.id == seen.headers["X-Razorpay-Event-Id"]


def test_a_forged_webhook_is_refused(provider_sandbox: ProviderSandbox) -> None:
    _paid(provider_sandbox)
    body = _event(provider_sandbox, "order.paid").body

    with pytest.raises(AuthenticationError, match="does not match"):
        _payments(provider_sandbox).verify_webhook(body, _signed(body, "forger-secret"))


def test_a_webhook_changed_after_signing_is_refused(provider_sandbox: ProviderSandbox) -> None:
    _paid(provider_sandbox)
    body, headers = _delivered(provider_sandbox, _event(provider_sandbox, "order.paid"))

    with pytest.raises(AuthenticationError):
        _payments(provider_sandbox).verify_webhook(body.replace(b"50000", b"5000"), headers)


@pytest.mark.parametrize("header", ["x-razorpay-signature", "x-razorpay-event-id"])
def test_a_webhook_missing_its_signature_or_event_id_is_refused(
        provider_sandbox: ProviderSandbox, header: str) -> None:
    _paid(provider_sandbox)
    body, headers = _delivered(provider_sandbox, _event(provider_sandbox, "order.paid"))
    del headers[header]

    with pytest.raises(AuthenticationError):
        _payments(provider_sandbox).verify_webhook(body, headers)


def test_a_body_with_non_ascii_characters_verifies_byte_for_byte(
        provider_sandbox: ProviderSandbox) -> None:
    checkout, _ = _paid(provider_sandbox)
    event = json.loads(_event(provider_sandbox, "order.paid").body)
    event["payload"]["order"]["entity"]["notes"]["attendee"] = "Zoë Ñúñez — ₹500 🙂"
    raw = json.dumps(event, ensure_ascii=False).encode("utf-8")
    secret = provider_sandbox.razorpay_merchant().webhook_secret
    payments = _payments(provider_sandbox)

    found = payments.verify_webhook(raw, _signed(raw, secret))
    # The same JSON, escaped: other bytes, so the signature over the raw ones fails.
    escaped = json.dumps(event, ensure_ascii=True).encode("utf-8")

    assert found is not None and found.checkout_id == checkout.id
    with pytest.raises(AuthenticationError):
        payments.verify_webhook(escaped, _signed(raw, secret))


def test_a_body_that_is_not_utf8_is_refused(provider_sandbox: ProviderSandbox) -> None:
    raw = b'{"event": "order.paid", "x": "\xff"}'
    secret = provider_sandbox.razorpay_merchant().webhook_secret

    with pytest.raises(AuthenticationError):
        _payments(provider_sandbox).verify_webhook(raw, _signed(raw, secret))


# -- Checkout's handler -----------------------------------------------------------------


def test_checkouts_handler_fields_verify_and_tampered_ones_do_not(
        provider_sandbox: ProviderSandbox) -> None:
    checkout = _payments(provider_sandbox).create_checkout(INTRO)
    paid = provider_sandbox.razorpay_pay(checkout.id)
    payments = _payments(provider_sandbox)
    order_id, payment_id, signature = (paid["razorpay_order_id"], paid["razorpay_payment_id"],
                                       paid["razorpay_signature"])

    assert payments.verify_callback(order_id, payment_id, signature) is True
    assert payments.verify_callback(order_id, "pay_SomeoneElse01", signature) is False
    flipped = signature[:-1] + ("1" if signature.endswith("0") else "0")
    assert payments.verify_callback(order_id, payment_id, flipped) is False
    assert payments.verify_callback(order_id, payment_id, "not hex ₹") is False
    assert payments.verify_callback(order_id, payment_id, "") is False
