"""The sandbox's Razorpay, proved with the real razorpay SDK: orders, payments and refunds
in Razorpay's wire, its errors, Checkout's signature, and webhooks as a merchant's
endpoint receives them (signed, retried, duplicated, reordered, forged)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import razorpay
import requests
from pytest_httpserver import HTTPServer
from razorpay.errors import BadRequestError, SignatureVerificationError
from werkzeug.wrappers import Request, Response

from sandbox import ProviderSandbox
from sandbox.razorpay_store import Merchant
from tests.sandbox.receiver import Received, Receiver

HOOK = "/webhooks/razorpay/conn-1"


def _client(sandbox: ProviderSandbox, merchant: Merchant | None = None,
            secret: str | None = None) -> Any:
    merchant = merchant or sandbox.razorpay_merchant()
    return razorpay.Client(auth=(merchant.key_id, secret or merchant.key_secret),
                           base_url=sandbox.penny_providers()["razorpay"]["base_url"])


def _order(sandbox: ProviderSandbox, amount: int = 50000, **extra: Any) -> dict[str, Any]:
    return dict(_client(sandbox).order.create(data={
        "amount": amount, "currency": "INR", "receipt": "hold-1",
        "notes": {"booking_uid": "bk_1"}, **extra}))


def _raw(sandbox: ProviderSandbox, method: str, path: str, secret: str | None = None,
         **kwargs: Any) -> requests.Response:
    merchant = sandbox.razorpay_merchant()
    return requests.request(method, f"{sandbox.razorpay.base_url}{path}", timeout=10,
                            auth=(merchant.key_id, secret or merchant.key_secret), **kwargs)


def _listening(sandbox: ProviderSandbox, httpserver: HTTPServer,
               handler: Any = None) -> Receiver:
    receiver = Receiver()
    httpserver.expect_request(HOOK, method="POST").respond_with_handler(
        handler or receiver.handler)
    sandbox.razorpay_webhook(sandbox.razorpay_merchant().key_id, httpserver.url_for(HOOK))
    return receiver


def _verified(sandbox: ProviderSandbox, seen: Received) -> dict[str, Any]:
    """The body, once the SDK's own verifier accepted its signature."""
    secret = sandbox.razorpay_merchant().webhook_secret
    _client(sandbox).utility.verify_webhook_signature(
        seen.body.decode("utf-8"), seen.headers["X-Razorpay-Signature"], secret)
    return dict(json.loads(seen.body))


class Flaky:
    """A webhook endpoint that answers 500 the first `failures` times."""

    def __init__(self, receiver: Receiver, failures: int) -> None:
        self.receiver, self.failures, self.lock = receiver, failures, threading.Lock()

    def handler(self, request: Request) -> Response:
        with self.lock:
            self.failures -= 1
            failing = self.failures >= 0
        return Response("down", status=500) if failing else self.receiver.handler(request)


# -- orders -------------------------------------------------------------------------


def test_an_order_is_created_in_paise_with_its_receipt_and_notes(
        provider_sandbox: ProviderSandbox) -> None:
    order = _order(provider_sandbox)

    assert order["id"].startswith("order_") and len(order["id"]) == len("order_") + 14
    assert {k: order[k] for k in ("entity", "amount", "amount_paid", "amount_due", "currency",
                                  "receipt", "status", "attempts", "notes")} == {
        "entity": "order", "amount": 50000, "amount_paid": 0, "amount_due": 50000,
        "currency": "INR", "receipt": "hold-1", "status": "created", "attempts": 0,
        "notes": {"booking_uid": "bk_1"}}
    assert isinstance(order["created_at"], int)
    assert _client(provider_sandbox).order.fetch(order["id"]) == order


def test_an_order_without_notes_renders_them_as_an_empty_list_as_razorpay_does(
        provider_sandbox: ProviderSandbox) -> None:
    order = _client(provider_sandbox).order.create(data={"amount": 100, "currency": "INR"})

    assert order["notes"] == [] and order["receipt"] is None


def test_orders_are_listed_newest_first_a_page_at_a_time(
        provider_sandbox: ProviderSandbox) -> None:
    made = [_order(provider_sandbox, receipt=f"hold-{n}")["id"] for n in range(3)]
    client = _client(provider_sandbox)

    first = client.order.all({"count": 2})
    rest = client.order.all({"count": 2, "skip": 2})

    assert first["entity"] == "collection" and first["count"] == 2
    assert [o["id"] for o in first["items"] + rest["items"]] == made[::-1]


@pytest.mark.parametrize(("body", "field", "description"), [
    ({"amount": 99, "currency": "INR"}, "amount", "The amount must be atleast INR 1.00"),
    ({"currency": "INR"}, "amount", "The amount field is required."),
    ({"amount": 500, "currency": "INR", "receipt": "r" * 41}, "receipt",
     "The receipt may not be greater than 40 characters."),
    ({"amount": 500, "currency": "INR", "notes": {f"n{i}": "x" for i in range(16)}}, "notes",
     "The notes may not have more than 15 items."),
    ({"amount": 500, "currency": "XYZ"}, "currency", "Currency is not supported"),
])
def test_an_order_razorpay_would_refuse_answers_400_naming_the_field(
        provider_sandbox: ProviderSandbox, body: dict[str, Any], field: str,
        description: str) -> None:
    answer = _raw(provider_sandbox, "POST", "/v1/orders", json=body)

    assert answer.status_code == 400
    assert answer.json() == {"error": {
        "code": "BAD_REQUEST_ERROR", "description": description, "source": "business",
        "step": "payment_initiation", "reason": "input_validation_failed", "metadata": {},
        "field": field}}


@pytest.mark.parametrize("currency", ["KWD", "BHD", "OMR"])
def test_a_three_decimal_order_is_taken_in_thousandths_only_with_its_last_digit_0(
        provider_sandbox: ProviderSandbox, currency: str) -> None:
    # Razorpay: "pass the last decimal number as 0 for three decimal currency payments";
    # 5.125 is refused, 5.120 taken as 5120 (thousandths, no conversion).
    refused = _raw(provider_sandbox, "POST", "/v1/orders",
                   json={"amount": 5125, "currency": currency})
    taken = _client(provider_sandbox).order.create(data={"amount": 5120,
                                                         "currency": currency})

    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST_ERROR", "amount")
    assert error["description"].startswith(
        f"The last decimal digit of a {currency} amount must be 0")
    assert (taken["amount"], taken["currency"]) == (5120, currency)
    assert [o["amount"] for o in _client(provider_sandbox).order.all()["items"]] == [5120]


def test_a_three_decimal_refund_must_end_in_0_too_and_the_page_shows_thousandths(
        provider_sandbox: ProviderSandbox) -> None:
    order = _client(provider_sandbox).order.create(data={"amount": 5120, "currency": "KWD"})
    page = requests.get(f"{provider_sandbox.razorpay.base_url}/v1/checkout/page",
                        params={"key_id": provider_sandbox.razorpay_merchant().key_id,
                                "order_id": order["id"], "origin": "http://127.0.0.1:1"},
                        timeout=10).text
    payment_id = provider_sandbox.razorpay_pay(order["id"])["razorpay_payment_id"]
    client = _client(provider_sandbox)

    with pytest.raises(BadRequestError, match="must be 0"):
        client.payment.refund(payment_id, {"amount": 1005})
    part = client.payment.refund(payment_id, {"amount": 1000})

    assert "KWD 5.120" in page
    assert (part["amount"], part["currency"]) == (1000, "KWD")
    assert client.payment.fetch(payment_id)["amount_refunded"] == 1000


def test_a_field_razorpay_does_not_know_is_refused(provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(BadRequestError, match="booking is/are not required"):
        _client(provider_sandbox).order.create(data={"amount": 500, "currency": "INR",
                                                     "booking": "x"})


def test_a_wrong_key_secret_answers_401_authentication_failed(
        provider_sandbox: ProviderSandbox) -> None:
    answer = _raw(provider_sandbox, "GET", "/v1/orders", secret="not-the-secret")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    assert answer.json()["error"]["description"] == "Authentication failed"
    with pytest.raises(BadRequestError, match="Authentication failed"):
        _client(provider_sandbox, secret="not-the-secret").order.all({})
    assert provider_sandbox.razorpay_api_calls("orders.all (refused)") == 2


def test_another_merchants_order_does_not_exist_for_this_one(
        provider_sandbox: ProviderSandbox) -> None:
    other = provider_sandbox.razorpay_add_merchant()
    order = _order(provider_sandbox)

    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        _client(provider_sandbox, other).order.fetch(order["id"])
    assert other.key_id.startswith("rzp_test_") and other.account_id.startswith("acc_")


def test_queued_faults_answer_in_razorpays_shape_then_the_api_recovers(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_fail_next_api_calls(429, retry_after=2)
    provider_sandbox.razorpay_fail_next_api_calls(503)

    limited = _raw(provider_sandbox, "GET", "/v1/orders")
    down = _raw(provider_sandbox, "GET", "/v1/orders")
    fine = _raw(provider_sandbox, "GET", "/v1/orders")

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2")
    assert limited.json()["error"]["description"] == "Too many requests"
    assert down.status_code == 503 and down.json()["error"]["code"] == "SERVER_ERROR"
    assert fine.status_code == 200
    assert provider_sandbox.razorpay_api_calls("orders.all") == 3


# -- paying and refunding -----------------------------------------------------------


def test_pay_gives_handler_fields_whose_signature_the_sdk_accepts(
        provider_sandbox: ProviderSandbox) -> None:
    order = _order(provider_sandbox)

    paid = provider_sandbox.razorpay_pay(order["id"])

    client = _client(provider_sandbox)
    assert paid["razorpay_order_id"] == order["id"]
    assert client.utility.verify_payment_signature(paid) is True
    with pytest.raises(SignatureVerificationError):
        client.utility.verify_payment_signature({**paid, "razorpay_order_id": "order_other"})
    after = client.order.fetch(order["id"])
    assert (after["status"], after["amount_paid"], after["amount_due"], after["attempts"]) == (
        "paid", 50000, 0, 1)
    [payment] = client.order.payments(order["id"])["items"]
    assert payment["id"] == paid["razorpay_payment_id"]
    assert (payment["status"], payment["captured"], payment["amount"]) == ("captured", True,
                                                                          50000)


def test_a_paid_order_cannot_be_paid_again(provider_sandbox: ProviderSandbox) -> None:
    order = _order(provider_sandbox)
    provider_sandbox.razorpay_pay(order["id"])

    with pytest.raises(Exception, match="already been paid"):
        provider_sandbox.razorpay_pay(order["id"])


def test_a_queued_failure_makes_a_failed_payment_and_leaves_the_order_payable(
        provider_sandbox: ProviderSandbox) -> None:
    order = _order(provider_sandbox)
    provider_sandbox.razorpay_fail_next_payments()

    failed = provider_sandbox.razorpay_pay(order["id"])
    paid = provider_sandbox.razorpay_pay(order["id"])

    assert failed["error"]["reason"] == "payment_failed"
    assert failed["error"]["metadata"]["order_id"] == order["id"]
    assert "razorpay_signature" in paid
    assert _client(provider_sandbox).order.fetch(order["id"])["attempts"] == 2
    assert [e.event for e in provider_sandbox.razorpay_events()] == [
        "payment.failed", "payment.authorized", "payment.captured", "order.paid"]


def test_partial_refunds_add_up_and_an_over_refund_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    payment_id = provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])[
        "razorpay_payment_id"]
    client = _client(provider_sandbox)

    first = client.payment.refund(payment_id, {"amount": 20000, "receipt": "bk_1-cancel"})
    with pytest.raises(BadRequestError, match="greater than amount captured"):
        client.payment.refund(payment_id, {"amount": 30001})
    rest = client.payment.refund(payment_id, {})

    assert first["id"].startswith("rfnd_") and first["status"] == "processed"
    assert (first["amount"], first["receipt"], rest["amount"]) == (20000, "bk_1-cancel", 30000)
    listed = client.payment.fetch_multiple_refund(payment_id, {"count": 10})
    assert [r["id"] for r in listed["items"]] == [rest["id"], first["id"]]
    assert client.refund.fetch(first["id"]) == first
    payment = client.payment.fetch(payment_id)
    assert (payment["status"], payment["refund_status"], payment["amount_refunded"]) == (
        "refunded", "full", 50000)


def test_a_refund_asked_again_under_its_idempotency_key_is_the_first_one(
        provider_sandbox: ProviderSandbox) -> None:
    # Razorpay's idempotent refunds: the same X-Refund-Idempotency key and body answer
    # the refund made first, and no second refund is made or announced
    payment_id = provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])[
        "razorpay_payment_id"]
    client = _client(provider_sandbox)
    key = {"X-Refund-Idempotency": "bk_1-cancelled"}

    first = client.payment.refund(payment_id, {"amount": 20000}, headers=dict(key))
    again = client.payment.refund(payment_id, {"amount": 20000}, headers=dict(key))

    assert again == first
    assert [r["id"] for r in provider_sandbox.razorpay_refunds()] == [first["id"]]
    assert [e.event for e in provider_sandbox.razorpay_events()].count(
        "refund.processed") == 1


def test_an_idempotency_key_reused_for_another_refund_or_too_short_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    payment_id = provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])[
        "razorpay_payment_id"]
    client = _client(provider_sandbox)
    client.payment.refund(payment_id, {"amount": 20000},
                          headers={"X-Refund-Idempotency": "bk_1-cancelled"})

    with pytest.raises(BadRequestError, match="Different request with the same idempotency"):
        client.payment.refund(payment_id, {"amount": 10000},
                              headers={"X-Refund-Idempotency": "bk_1-cancelled"})
    for key in ("short-key", "bk_1:cancelled"):
        with pytest.raises(BadRequestError, match="idempotency key"):
            client.payment.refund(payment_id, {"amount": 10000},
                                  headers={"X-Refund-Idempotency": key})

    assert len(provider_sandbox.razorpay_refunds()) == 1


# -- webhooks -----------------------------------------------------------------------


def test_a_payment_posts_authorized_captured_and_order_paid_signed_with_the_webhook_secret(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = _listening(provider_sandbox, httpserver)
    order = _order(provider_sandbox)

    paid = provider_sandbox.razorpay_pay(order["id"], notes={"booking_uid": "bk_1"})

    seen = receiver.wait_for(3)
    bodies = [_verified(provider_sandbox, s) for s in seen]
    assert [b["event"] for b in bodies] == ["payment.authorized", "payment.captured",
                                            "order.paid"]
    assert {b["account_id"] for b in bodies} == {"acc_PennySandbox01"}
    assert bodies[2]["contains"] == ["payment", "order"]
    assert bodies[2]["payload"]["order"]["entity"]["status"] == "paid"
    captured = bodies[1]["payload"]["payment"]["entity"]
    assert (captured["id"], captured["order_id"], captured["notes"]) == (
        paid["razorpay_payment_id"], order["id"], {"booking_uid": "bk_1"})
    assert len({s.headers["X-Razorpay-Event-Id"] for s in seen}) == 3
    assert seen[0].headers["Content-Type"] == "application/json"


def test_a_refund_posts_refund_processed_with_the_refund_and_its_payment(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    payment_id = provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])[
        "razorpay_payment_id"]
    receiver = _listening(provider_sandbox, httpserver)

    _client(provider_sandbox).payment.refund(payment_id, {"amount": 1000})

    processed = _verified(provider_sandbox, receiver.wait_for(2)[1])
    assert processed["event"] == "refund.processed"
    assert processed["contains"] == ["refund", "payment"]
    assert processed["payload"]["refund"]["entity"]["amount"] == 1000
    assert processed["payload"]["payment"]["entity"]["refund_status"] == "partial"


def test_a_manual_capture_merchants_payment_stays_authorized_until_captured(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_manual_capture()
    order = _order(provider_sandbox)
    payment_id = provider_sandbox.razorpay_pay(order["id"])["razorpay_payment_id"]
    client = _client(provider_sandbox)

    assert client.payment.fetch(payment_id)["status"] == "authorized"
    assert client.order.fetch(order["id"])["status"] == "attempted"
    assert [e.event for e in provider_sandbox.razorpay_events()] == ["payment.authorized"]
    with pytest.raises(BadRequestError, match="equal to the amount authorized"):
        client.payment.capture(payment_id, 40000, {"currency": "INR"})

    captured = client.payment.capture(payment_id, 50000, {"currency": "INR"})

    assert (captured["status"], captured["captured"]) == ("captured", True)
    assert client.order.fetch(order["id"])["status"] == "paid"
    assert [e.event for e in provider_sandbox.razorpay_events()] == [
        "payment.authorized", "payment.captured", "order.paid"]
    again = _raw(provider_sandbox, "POST", f"/v1/payments/{payment_id}/capture",
                 json={"amount": 50000, "currency": "INR"})
    assert again.status_code == 400
    assert again.json()["error"]["description"] == "This payment has already been captured"


def test_a_webhook_only_gets_the_events_the_merchant_chose(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request(HOOK).respond_with_handler(receiver.handler)
    provider_sandbox.razorpay_webhook(provider_sandbox.razorpay_merchant().key_id,
                                      httpserver.url_for(HOOK), events=["order.paid"])

    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])

    [only] = receiver.wait_for(1)
    assert json.loads(only.body)["event"] == "order.paid"
    assert len(provider_sandbox.razorpay_events()) == 3


def test_a_failing_endpoint_gets_retries_with_the_same_event_id_and_body(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    provider_sandbox.razorpay_webhook_retries(max_attempts=4, backoff=0.01)
    receiver = Receiver()
    _listening(provider_sandbox, httpserver, Flaky(receiver, failures=2).handler)
    provider_sandbox.razorpay_webhook(provider_sandbox.razorpay_merchant().key_id,
                                      httpserver.url_for(HOOK), events=["order.paid"])

    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])

    [arrived] = receiver.wait_for(1)
    attempts = provider_sandbox.razorpay_wait_for_webhook_deliveries(3)
    assert [(d.attempt, d.status) for d in attempts] == [(1, 500), (2, 500), (3, 202)]
    assert {d.event_id for d in attempts} == {arrived.headers["X-Razorpay-Event-Id"]}
    assert {d.body for d in attempts} == {arrived.body}


def test_retries_stop_after_the_last_attempt(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    provider_sandbox.razorpay_webhook_retries(max_attempts=2, backoff=0.01)
    httpserver.expect_request(HOOK).respond_with_data("down", status=503)
    provider_sandbox.razorpay_webhook(provider_sandbox.razorpay_merchant().key_id,
                                      httpserver.url_for(HOOK), events=["order.paid"])

    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])

    attempts = provider_sandbox.razorpay_wait_for_webhook_deliveries(2)
    assert [(d.attempt, d.status) for d in attempts] == [(1, 503), (2, 503)]


def test_an_endpoint_that_does_not_answer_is_retried_and_recorded_without_a_status(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.razorpay_webhook_retries(max_attempts=2, backoff=0.01, timeout=1)
    provider_sandbox.razorpay_webhook(provider_sandbox.razorpay_merchant().key_id,
                                      "http://127.0.0.1:9/nobody-listens", events=["order.paid"])

    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])

    attempts = provider_sandbox.razorpay_wait_for_webhook_deliveries(2)
    assert [(d.attempt, d.status, d.error) for d in attempts] == [
        (1, None, "ConnectionError"), (2, None, "ConnectionError")]


def test_copies_deliver_one_event_several_times_with_one_id(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = _listening(provider_sandbox, httpserver)
    provider_sandbox.razorpay_webhook(provider_sandbox.razorpay_merchant().key_id,
                                      httpserver.url_for(HOOK), events=["order.paid"])
    provider_sandbox.razorpay_webhook_copies(3)

    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])

    seen = receiver.wait_for(3)
    assert len({s.headers["X-Razorpay-Event-Id"] for s in seen}) == 1
    assert len({s.body for s in seen}) == 1


def test_a_concurrent_redelivery_sends_the_same_event_on_every_thread(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = _listening(provider_sandbox, httpserver)
    provider_sandbox.razorpay_webhook(provider_sandbox.razorpay_merchant().key_id,
                                      httpserver.url_for(HOOK), events=["order.paid"])
    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])
    [first] = receiver.wait_for(1)

    provider_sandbox.razorpay_redeliver_webhook(first.headers["X-Razorpay-Event-Id"],
                                                threads=4)

    seen = receiver.wait_for(5)
    assert {s.headers["X-Razorpay-Event-Id"] for s in seen} == {
        first.headers["X-Razorpay-Event-Id"]}
    assert {_verified(provider_sandbox, s)["event"] for s in seen} == {"order.paid"}


def test_held_deliveries_are_released_in_the_order_a_test_chooses(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = _listening(provider_sandbox, httpserver)
    provider_sandbox.razorpay_hold_webhooks()
    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])
    held = provider_sandbox.razorpay_held_webhooks()

    provider_sandbox.razorpay_release_webhooks([e.id for e in reversed(held)])

    seen = receiver.wait_for(3)
    assert [json.loads(s.body)["event"] for s in seen] == [
        "order.paid", "payment.captured", "payment.authorized"]


def test_a_delivery_signed_with_a_wrong_secret_fails_the_sdks_verification(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = _listening(provider_sandbox, httpserver)
    provider_sandbox.razorpay_sign_next_webhooks_with("forger-secret")

    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])

    forged, genuine, _ = receiver.wait_for(3)
    with pytest.raises(SignatureVerificationError):
        _verified(provider_sandbox, forged)
    assert _verified(provider_sandbox, genuine)["event"] == "payment.captured"


def test_a_delivery_can_come_without_its_signature_header(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = _listening(provider_sandbox, httpserver)
    provider_sandbox.razorpay_unsign_next_webhooks()

    provider_sandbox.razorpay_pay(_order(provider_sandbox)["id"])

    unsigned, signed, _ = receiver.wait_for(3)
    assert "X-Razorpay-Signature" not in unsigned.headers
    assert "X-Razorpay-Event-Id" in unsigned.headers
    assert "X-Razorpay-Signature" in signed.headers


# -- Checkout -----------------------------------------------------------------------


def test_checkout_js_defines_window_razorpay(provider_sandbox: ProviderSandbox) -> None:
    answer = requests.get(f"{provider_sandbox.razorpay.base_url}/v1/checkout.js", timeout=10)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/javascript")
    assert "window.Razorpay = Razorpay" in answer.text


def test_the_checkout_page_refuses_an_order_the_key_does_not_own(
        provider_sandbox: ProviderSandbox) -> None:
    order = _order(provider_sandbox)
    other = provider_sandbox.razorpay_add_merchant()
    page = f"{provider_sandbox.razorpay.base_url}/v1/checkout/page"
    query = {"order_id": order["id"], "origin": "http://127.0.0.1:8000"}

    mine = requests.get(page, params={**query, "key_id": "rzp_test_PennySandbox01"},
                        timeout=10)
    theirs = requests.get(page, params={**query, "key_id": other.key_id}, timeout=10)

    assert mine.status_code == 200 and "₹500.00" in mine.text
    assert theirs.status_code == 400 and "The id provided does not exist" in theirs.text


def test_a_dispute_is_opened_and_decided_once_on_the_sandbox_page(
        provider_sandbox: ProviderSandbox) -> None:
    order = _order(provider_sandbox)
    paid = provider_sandbox.razorpay_pay(order["id"])
    opened = provider_sandbox.razorpay_dispute(paid["razorpay_payment_id"], "fraud")
    page = f"{provider_sandbox.razorpay.base_url}/_sandbox"
    assert f"/_sandbox/disputes/{opened['id']}/decide" in requests.get(page, timeout=10).text

    r = requests.post(f"{page}/disputes/{opened['id']}/decide", data={"status": "lost"},
                      timeout=10, allow_redirects=False)
    again = requests.post(f"{page}/disputes/{opened['id']}/decide", data={"status": "won"},
                          timeout=10, allow_redirects=False)

    assert (r.status_code, again.status_code) == (303, 404)
    events = [e for e in provider_sandbox.razorpay_events() if "dispute" in e.event]
    assert [e.event for e in events] == ["payment.dispute.created", "payment.dispute.lost"]
    lost = json.loads(events[1].body)["payload"]
    assert (lost["payment"]["entity"]["id"], lost["dispute"]["entity"]["status"],
            lost["dispute"]["entity"]["amount_deducted"]) == (
        paid["razorpay_payment_id"], "lost", 50000)
