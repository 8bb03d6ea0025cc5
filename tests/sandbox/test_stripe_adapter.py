"""StripePayments (chalicelib/integrations/stripe_payments.py) against the sandbox's Stripe:
one checkout and one refund per key, Stripe's expiry minimum, expiring what is over,
errors as the port names them, webhooks verified on the exact bytes, Connect onboarding."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import stripe
from pytest_httpserver import HTTPServer

from chalicelib.bootstrap import API_PAYMENT_CALLS
from chalicelib.domain.errors import (
    AuthenticationError,
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
    RefundDisputedError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import (
    CheckoutRequest,
    PaymentAccount,
    PaymentEvent,
    PaymentEventKind,
    Refund,
)
from chalicelib.integrations.stripe_calls import translated
from chalicelib.integrations.stripe_payments import StripePayments
from chalicelib.provider_settings import StripePlatform
from sandbox import ProviderSandbox

LINE = 300
YEN = Price(5000, "JPY")


class Clock:
    """The adapter's clock in these tests: the moment each test starts, standing still
    (the fake checks expiry against its own clock, which is only milliseconds ahead)."""

    now = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _stopped_clock() -> None:
    Clock.now = datetime.now(UTC).replace(microsecond=0)


def _payments(sandbox: ProviderSandbox, account: str | None, *, timeout: float = 5.0,
              secret_key: str | None = None,
              clock: Callable[[], datetime] = lambda: Clock.now,
              attempts: int = 3) -> StripePayments:
    settings = sandbox.stripe_settings()
    entry = StripePlatform(secret_key or settings["secret_key"], settings["webhook_secret"],
                           settings["base_url"])
    return StripePayments(entry, account, timeout, clock=clock, attempts=attempts)


def _request(key: str = "hold-1", price: Price = YEN,
             hold: timedelta = timedelta(minutes=10),
             description: str = "Intro call with Ada") -> CheckoutRequest:
    return CheckoutRequest(key=key, booking_uid="bk-1", description=description, price=price,
                           customer_email="grace@example.test", customer_name="Grace Hopper",
                           success_url="https://penny.test/b/bk-1/paid",
                           cancel_url="https://penny.test/b/bk-1/pay", expires_at=Clock.now + hold)


def _host(sandbox: ProviderSandbox) -> str:
    return str(sandbox.stripe_add_account("ada@sandbox.test", "Ada Consulting")["id"])


def _line_after(moment: datetime) -> int:
    return math.ceil(moment.timestamp() / LINE) * LINE


# -- checkout ---------------------------------------------------------------------------


def test_a_checkout_is_made_once_per_key(provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))

    first = payments.create_checkout(_request())
    again = payments.create_checkout(_request())

    assert again == first and first.id.startswith("cs_test_") and first.url
    assert len(provider_sandbox.stripe_sessions()) == 1
    assert provider_sandbox.stripe_api_calls("checkout.sessions.create") == 2


def test_a_retry_minutes_later_still_finds_the_first_checkout(
        provider_sandbox: ProviderSandbox) -> None:
    account = _host(provider_sandbox)
    first = _payments(provider_sandbox, account).create_checkout(_request())

    later = _payments(provider_sandbox, account,
                      clock=lambda: Clock.now + timedelta(minutes=6)).create_checkout(_request())

    assert later == first and len(provider_sandbox.stripe_sessions()) == 1


def test_the_checkout_charges_the_hosts_account_in_jpy_untouched(
        provider_sandbox: ProviderSandbox) -> None:
    account = _host(provider_sandbox)

    made = _payments(provider_sandbox, account).create_checkout(_request())

    session = provider_sandbox.stripe_object(made.id)
    assert (session["amount_total"], session["currency"], session["_account"]) == (
        5000, "jpy", account)
    assert session["metadata"] == {"booking_uid": "bk-1"}
    assert (session["client_reference_id"], session["customer_email"]) == (
        "bk-1", "grace@example.test")
    intent = provider_sandbox.stripe_object(provider_sandbox.stripe_pay(made.id)["payment_intent"])
    assert intent["metadata"] == {"booking_uid": "bk-1"}


@pytest.mark.parametrize(("price", "charged"), [
    (Price(5000, "ISK"), (500_000, "isk")),       # two-decimal at Stripe, always 00
    (Price(5000, "UGX"), (500_000, "ugx")),
    (Price(5_000_000, "MGA"), (50_000, "mga")),   # zero-decimal at Stripe, two in ISO
    (Price(5120, "KWD"), (5120, "kwd"))])
def test_the_checkout_charges_a_currency_in_stripes_unit_and_the_paid_event_reads_it_back(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer, price: Price,
        charged: tuple[int, str]) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    made = payments.create_checkout(_request(price=price))

    delivered = _signed(provider_sandbox, httpserver,
                        lambda: provider_sandbox.stripe_pay(made.id), 2)

    session = provider_sandbox.stripe_object(made.id)
    assert (session["amount_total"], session["currency"]) == charged
    paid = payments.verify_webhook(*delivered[1])
    assert paid is not None and paid.amount == price


def test_an_isk_refund_is_made_and_told_in_whole_kronur(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = str(provider_sandbox.stripe_pay(payments.create_checkout(
        _request(price=Price(5000, "ISK"))).id)["payment_intent"])

    delivered = _signed(provider_sandbox, httpserver, lambda: payments.refund(
        intent, Price(2000, "ISK"), "refund-bk-1"), 2)

    [refund] = provider_sandbox.stripe_refunds()
    assert refund["amount"] == 200_000
    told = payments.verify_webhook(*delivered[0])
    assert told is not None and told.amount == Price(2000, "ISK")


def test_a_kept_price_stripe_cannot_carry_is_rejected_and_nothing_is_made(
        provider_sandbox: ProviderSandbox) -> None:
    # Ar 50,000.50, saved before Penny refused fractions of an ariary for Stripe.
    payments = _payments(provider_sandbox, _host(provider_sandbox))

    with pytest.raises(ProviderRejectedError):
        payments.create_checkout(_request(price=Price(5_000_050, "MGA")))

    assert provider_sandbox.stripe_sessions() == []


@pytest.mark.parametrize("price", [Price(5000, "IQD"), Price(5000, "LYD")])
def test_a_kept_price_in_a_currency_stripe_does_not_take_is_rejected_and_nothing_is_made(
        provider_sandbox: ProviderSandbox, price: Price) -> None:
    # Saved before Penny refused IQD and LYD for Stripe: rejected before any call.
    payments = _payments(provider_sandbox, _host(provider_sandbox))

    with pytest.raises(ProviderRejectedError, match=f"no payments in {price.currency}"):
        payments.create_checkout(_request(price=price))

    assert provider_sandbox.stripe_sessions() == []


def test_a_checkout_under_stripes_minimum_charge_is_refused_and_nothing_is_made(
        provider_sandbox: ProviderSandbox) -> None:
    # Penny refuses such a price when the event type is saved; one saved before that (or
    # for a currency outside Stripe's table) meets Stripe's own refusal at the checkout.
    account = _host(provider_sandbox)

    with pytest.raises(ProviderRejectedError) as refused:
        _payments(provider_sandbox, account).create_checkout(
            _request(price=Price(49, "JPY")))

    assert "at least ¥50 jpy" in str(refused.value)
    assert provider_sandbox.stripe_sessions() == []


def test_a_hold_shorter_than_stripes_minimum_gets_a_session_of_just_over_30_minutes(
        provider_sandbox: ProviderSandbox) -> None:
    made = _payments(provider_sandbox, _host(provider_sandbox)).create_checkout(_request())

    assert made.expires_at == datetime.fromtimestamp(
        _line_after(Clock.now + timedelta(minutes=32)), UTC)
    assert Clock.now + timedelta(minutes=32) <= made.expires_at < Clock.now + timedelta(minutes=37)


def test_a_long_hold_keeps_its_own_end(provider_sandbox: ProviderSandbox) -> None:
    made = _payments(provider_sandbox, _host(provider_sandbox)).create_checkout(
        _request(hold=timedelta(hours=2)))

    hold_end = Clock.now + timedelta(hours=2)
    assert made.expires_at == datetime.fromtimestamp(_line_after(hold_end), UTC)


def test_expiring_an_open_checkout_twice_is_fine(provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    made = payments.create_checkout(_request())

    payments.expire_checkout(made.id)
    payments.expire_checkout(made.id)

    assert provider_sandbox.stripe_object(made.id)["status"] == "expired"
    assert len(provider_sandbox.stripe_events("checkout.session.expired")) == 1


def test_a_checkout_whose_expiry_stripe_answered_500_is_expired_when_asked_again(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a hold's end whose expiry failed inside Stripe (replayed for a day)
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    made = payments.create_checkout(_request())
    provider_sandbox.stripe_fail_next_api_calls(500, endpoint="checkout.sessions.expire")
    with pytest.raises(ProviderUnavailableError, match="500"):
        payments.expire_checkout(made.id)

    # WHEN the hold's timer runs again
    payments.expire_checkout(made.id)

    # THEN the session is expired
    assert provider_sandbox.stripe_object(made.id)["status"] == "expired"
    assert len(provider_sandbox.stripe_events("checkout.session.expired")) == 1


@pytest.mark.parametrize("ending", ["stripe_pay", "stripe_expire_session"])
def test_expiring_a_checkout_that_is_paid_or_expired_already_is_fine(
        provider_sandbox: ProviderSandbox, ending: str) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    made = payments.create_checkout(_request())
    getattr(provider_sandbox, ending)(made.id)
    status = provider_sandbox.stripe_object(made.id)["status"]

    payments.expire_checkout(made.id)

    assert provider_sandbox.stripe_object(made.id)["status"] == status


def test_expiring_a_checkout_of_another_account_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    made = _payments(provider_sandbox, _host(provider_sandbox)).create_checkout(_request())

    with pytest.raises(ProviderRejectedError, match=r"No such checkout\.session"):
        _payments(provider_sandbox, _host(provider_sandbox)).expire_checkout(made.id)


# -- refunds ----------------------------------------------------------------------------


def _paid(sandbox: ProviderSandbox, payments: StripePayments) -> str:
    return str(sandbox.stripe_pay(payments.create_checkout(_request()).id)["payment_intent"])


def test_a_refund_is_made_once_per_key_and_names_the_booking(
        provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)

    first = payments.refund(intent, Price(2000, "JPY"), "refund-bk-1")
    again = payments.refund(intent, Price(2000, "JPY"), "refund-bk-1")

    assert again == first and first.amount == Price(2000, "JPY") and first.payment_id == intent
    [refund] = provider_sandbox.stripe_refunds()
    assert refund["metadata"]["booking_uid"] == "bk-1" and refund["status"] == "succeeded"


def test_a_refund_whose_ask_stripe_answered_500_is_made_when_asked_again(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a refund whose ask failed inside Stripe (a 500, which Stripe replays to every
    # retry under the same idempotency key for a day)
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)
    provider_sandbox.stripe_fail_next_api_calls(500, endpoint="refunds.create")
    with pytest.raises(ProviderUnavailableError, match="500"):
        payments.refund(intent, YEN, "bk-1-cancelled")

    # WHEN the job asks again, and once more (a retried Lambda)
    made = payments.refund(intent, YEN, "bk-1-cancelled")
    again = payments.refund(intent, YEN, "bk-1-cancelled")

    # THEN it is made, once
    assert made == again and made.amount == YEN
    [refund] = provider_sandbox.stripe_refunds()
    assert refund["id"] == made.id and refund["metadata"]["penny_refund_key"] == \
        "bk-1-cancelled"


def test_a_refund_stripe_made_after_answering_500_is_found_not_made_twice(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a refund ask Stripe answered 500, and the refund Stripe made for it anyway (its
    # engineers reconcile an incident's requests; the 500 stays the key's answer)
    account = _host(provider_sandbox)
    payments = _payments(provider_sandbox, account)
    intent = _paid(provider_sandbox, payments)
    provider_sandbox.stripe_fail_next_api_calls(500, endpoint="refunds.create")
    with pytest.raises(ProviderUnavailableError, match="500"):
        payments.refund(intent, YEN, "bk-1-cancelled")
    settings = provider_sandbox.stripe_settings()
    reconciled = stripe.StripeClient(settings["secret_key"], base_addresses={
        "api": settings["base_url"]}).v1.refunds.create(params={
            "payment_intent": intent, "metadata": {"penny_refund_key": "bk-1-cancelled",
                                                   "booking_uid": "bk-1"}},
        options={"stripe_account": account})

    # WHEN the job asks again
    made = payments.refund(intent, YEN, "bk-1-cancelled")

    # THEN that refund is the one, and no other is made
    assert made == Refund(reconciled.id, intent, YEN)
    assert len(provider_sandbox.stripe_refunds()) == 1


def test_a_full_refund_after_a_part_given_back_elsewhere_refunds_what_is_left(
        provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)
    # The host gives part back in Stripe's dashboard, which Penny's booking never hears of.
    payments.refund(intent, Price(1000, "JPY"), "the-hosts-own")

    made = payments.refund(intent, YEN, "bk-1-cancelled")   # the policy: all of it
    again = payments.refund(intent, YEN, "bk-1-cancelled")  # a retried Lambda

    assert made == again and made.amount == Price(4000, "JPY")
    assert sum(r["amount"] for r in provider_sandbox.stripe_refunds()) == 5000


def test_refunding_more_than_is_left_is_rejected(provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)
    payments.refund(intent, Price(4000, "JPY"), "refund-1")

    with pytest.raises(ProviderRejectedError, match="greater than unrefunded amount"):
        payments.refund(intent, Price(4000, "JPY"), "refund-2")


def test_a_refund_asked_of_a_payment_the_host_gave_back_in_full_is_done_not_refused(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a paid checkout its host gave back in full in Stripe's dashboard, before
    # charge.refunded reached Penny (so Penny still asks for all of it)
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)
    given = provider_sandbox.stripe_refund_in_dashboard(intent)

    # WHEN the cancellation's refund asks for the whole payment, and for a part
    made = payments.refund(intent, YEN, "bk-1-cancelled")
    part = payments.refund(intent, Price(1000, "JPY"), "bk-1-cancelled-ask-2")

    # THEN each is done by the host's refund (Stripe would say charge_already_refunded)
    assert made == Refund(given["id"], intent, YEN)
    assert part == Refund(given["id"], intent, Price(1000, "JPY"))
    assert [r["id"] for r in provider_sandbox.stripe_refunds()] == [given["id"]]


def test_a_refund_asked_again_after_the_rest_went_back_is_done_by_the_refund_that_ended_it(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN 1000 given back in the dashboard, then Penny's refund of all that was left
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)
    provider_sandbox.stripe_refund_in_dashboard(intent, 1000)
    rest = payments.refund(intent, YEN, "bk-1-cancelled")

    # WHEN a redelivered event asks, under another key, for the 1000 its booking misses
    again = payments.refund(intent, Price(1000, "JPY"), "bk-1-cancelled-after-4000")

    # THEN nothing is left at Stripe: done, by Penny's refund that gave back the last of it
    assert again == Refund(rest.id, intent, Price(1000, "JPY"))
    assert len(provider_sandbox.stripe_refunds()) == 2


@pytest.mark.parametrize(("status", "refunds"), [
    (None, False), ("lost", False), ("won", True), ("warning_closed", True)])
def test_a_charge_whose_dispute_is_open_or_lost_is_not_refunded(
        provider_sandbox: ProviderSandbox, status: str | None, refunds: bool) -> None:
    # GIVEN a paid checkout the client disputed, still open or decided
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)
    opened = provider_sandbox.stripe_dispute(intent, "fraudulent")
    if status is not None:
        provider_sandbox.stripe_close_dispute(opened["id"], status)

    # WHEN Penny refunds it, THEN Stripe refuses while the bank holds the money
    if refunds:
        assert payments.refund(intent, YEN, "bk-1-cancelled").amount == YEN
        return
    with pytest.raises(ProviderRejectedError, match="charged back") as refused:
        payments.refund(intent, YEN, "bk-1-cancelled")
    assert refused.value.__cause__ is not None
    assert getattr(refused.value.__cause__, "code", None) == "charge_disputed"
    assert provider_sandbox.stripe_refunds() == []
    # ... as disputed (the dispute decides, not a retry), naming no dispute: Stripe's
    # words name the charge alone
    assert isinstance(refused.value, RefundDisputedError)
    assert refused.value.dispute_id is None


def test_a_refusal_as_disputed_that_names_its_dispute_gives_its_id() -> None:
    answer = stripe.InvalidRequestError("Charge ch_1 has been charged back (dispute "
                                        "du_1AbC); cannot issue a refund.", None,
                                        code="charge_disputed", http_status=400)

    refused = translated(answer, "refunding")

    assert isinstance(refused, RefundDisputedError) and refused.dispute_id == "du_1AbC"


# -- errors -----------------------------------------------------------------------------


def test_a_key_stripe_refuses_breaks_the_connection(provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox),
                         secret_key="sk_test_notTheSandboxKey1234")

    with pytest.raises(ConnectionBrokenError, match="401") as broken:
        payments.create_checkout(_request())
    assert broken.value.provider == "stripe"


def test_a_host_who_disconnected_penny_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    account = _host(provider_sandbox)
    payments = _payments(provider_sandbox, account)
    provider_sandbox.stripe_revoke_account(account)

    with pytest.raises(ConnectionBrokenError, match="403"):
        payments.create_checkout(_request())
    with pytest.raises(ConnectionBrokenError):
        payments.account(account)


def test_rate_limiting_is_unavailable(provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    provider_sandbox.stripe_fail_next_api_calls(429, retry_after=2)

    with pytest.raises(ProviderUnavailableError, match=r"429.*Retry-After: 2 s"):
        payments.create_checkout(_request())


def test_server_errors_are_retried_twice_then_unavailable(
        provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    provider_sandbox.stripe_fail_next_api_calls(503, times=3)

    with pytest.raises(ProviderUnavailableError, match="503"):
        payments.create_checkout(_request())
    assert provider_sandbox.stripe_api_calls("checkout.sessions.create") == 3
    assert provider_sandbox.stripe_sessions() == []


def test_in_the_api_function_a_server_error_is_retried_once(
        provider_sandbox: ProviderSandbox) -> None:
    # The API's calls are tried twice, so a booking's request ends inside its 10 s
    payments = _payments(provider_sandbox, _host(provider_sandbox),
                         attempts=API_PAYMENT_CALLS.attempts)
    provider_sandbox.stripe_fail_next_api_calls(503, times=3)

    with pytest.raises(ProviderUnavailableError, match="503"):
        payments.create_checkout(_request())
    assert provider_sandbox.stripe_api_calls("checkout.sessions.create") == 2


def test_a_server_error_retried_with_the_same_key_makes_one_checkout(
        provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    provider_sandbox.stripe_fail_next_api_calls(503)

    made = payments.create_checkout(_request())

    assert [s["id"] for s in provider_sandbox.stripe_sessions()] == [made.id]


def test_a_slow_stripe_is_unavailable(provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox), timeout=0.1)
    provider_sandbox.stripe_set_api_delay(0.5)

    with pytest.raises(ProviderUnavailableError, match="could not be reached"):
        payments.expire_checkout("cs_test_a1Unknown")


def test_a_request_stripe_refuses_as_it_stands_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))

    with pytest.raises(ProviderRejectedError, match=r"400.*currency"):
        payments.create_checkout(_request(price=Price(5000, "EURO")))


# -- webhooks ---------------------------------------------------------------------------


def _signed(sandbox: ProviderSandbox, server: HTTPServer, act: Callable[[], Any],
            count: int) -> list[tuple[bytes, dict[str, str]]]:
    """What Stripe posts after `act`: the last `count` deliveries' bodies and headers."""
    server.expect_request("/webhooks/stripe").respond_with_data("", status=200)
    sandbox.stripe_webhook_endpoint(server.url_for("/webhooks/stripe"))
    before = len(sandbox.stripe_deliveries())
    act()
    sent = sandbox.stripe_wait_for_deliveries(before + count)[before:]
    return [(d.body, {"Stripe-Signature": d.signature}) for d in sent]


def test_a_paid_checkout_is_paid_and_the_payment_intents_event_is_ignored(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    account = _host(provider_sandbox)
    payments = _payments(provider_sandbox, account)
    made = payments.create_checkout(_request())

    delivered = _signed(provider_sandbox, httpserver,
                        lambda: provider_sandbox.stripe_pay(made.id), 2)

    intent_event, completed = (payments.verify_webhook(b, h) for b, h in delivered)
    session = provider_sandbox.stripe_object(made.id)
    assert intent_event is None
    assert completed == PaymentEvent(
        provider_sandbox.stripe_events("checkout.session.completed")[0]["id"],
        PaymentEventKind.PAID, "bk-1", made.id, session["payment_intent"],
        Price(5000, "JPY"), account)


def test_an_expired_checkout_is_expired(provider_sandbox: ProviderSandbox,
                                        httpserver: HTTPServer) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    made = payments.create_checkout(_request())

    [(body, headers)] = _signed(provider_sandbox, httpserver,
                                lambda: payments.expire_checkout(made.id), 1)

    event = payments.verify_webhook(body, headers)
    assert event is not None and (event.kind, event.checkout_id, event.booking_uid) == (
        PaymentEventKind.EXPIRED, made.id, "bk-1")


def test_a_refund_is_refunded_and_the_charges_event_is_ignored(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)

    delivered = _signed(provider_sandbox, httpserver,
                        lambda: payments.refund(intent, Price(5000, "JPY"), "refund-bk-1"), 2)

    refunded, charge = (payments.verify_webhook(b, h) for b, h in delivered)
    assert charge is None and refunded is not None
    assert (refunded.kind, refunded.booking_uid, refunded.checkout_id, refunded.payment_id,
            refunded.amount) == (PaymentEventKind.REFUNDED, "bk-1", "", intent,
                                 Price(5000, "JPY"))
    assert refunded.refund_id == provider_sandbox.stripe_refunds()[0]["id"]


def test_a_refund_the_host_makes_in_stripes_dashboard_is_told_by_the_charges_event(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    # GIVEN a paid checkout; WHEN its host gives part of it back in Stripe's dashboard
    account = _host(provider_sandbox)
    payments = _payments(provider_sandbox, account)
    intent = _paid(provider_sandbox, payments)

    delivered = _signed(provider_sandbox, httpserver,
                        lambda: provider_sandbox.stripe_refund_in_dashboard(intent, 2000), 2)

    # THEN the refund's own event (without Penny's metadata) names no booking, and the
    # charge's names it, with all that has gone back of it
    refund_event, charge_event = (payments.verify_webhook(b, h) for b, h in delivered)
    assert refund_event is None
    assert charge_event == PaymentEvent(
        provider_sandbox.stripe_events("charge.refunded")[0]["id"], PaymentEventKind.REFUNDED,
        "bk-1", "", intent, Price(2000, "JPY"), account, refunded_minor=2000)


def test_the_sandbox_pages_refund_button_refunds_a_payment_as_the_hosts_dashboard_would(
        provider_sandbox: ProviderSandbox) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    intent = _paid(provider_sandbox, payments)
    page = f"{provider_sandbox.stripe_settings()['base_url']}/_sandbox"
    assert f"/_sandbox/payments/{intent}/refund" in requests.get(page, timeout=10).text

    requests.post(f"{page}/payments/{intent}/refund", timeout=10)

    (refund,) = provider_sandbox.stripe_refunds()
    assert (refund["payment_intent"], refund["amount"], refund["metadata"]) == (intent, 5000, {})
    assert [e["type"] for e in provider_sandbox.stripe_events()][-2:] == [
        "refund.created", "charge.refunded"]
    assert requests.post(f"{page}/payments/{intent}/refund", timeout=10).status_code == 400


def test_a_dispute_is_told_for_the_booking_its_payment_intent_names(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    # GIVEN a paid checkout
    account = _host(provider_sandbox)
    payments = _payments(provider_sandbox, account)
    intent = _paid(provider_sandbox, payments)

    # WHEN the client's bank opens a dispute on it, and another on a payment Penny
    # cannot find on the account
    def disputes() -> None:
        opened = provider_sandbox.stripe_dispute(intent, "product_not_received")
        provider_sandbox.stripe_emit_event("charge.dispute.created",
                                           {**opened, "payment_intent": "pi_notPennys"},
                                           account)

    delivered = _signed(provider_sandbox, httpserver, disputes, 2)

    # THEN the dispute (which carries no metadata) is told for the booking its
    # PaymentIntent names; the other is not Penny's
    ours, not_ours = (payments.verify_webhook(b, h) for b, h in delivered)
    dispute = provider_sandbox.stripe_events("charge.dispute.created")[0]
    assert ours == PaymentEvent(dispute["id"], PaymentEventKind.DISPUTED, "bk-1", "", intent,
                                Price(5000, "JPY"), account,
                                dispute_id=dispute["data"]["object"]["id"],
                                reason="product_not_received")
    assert not_ours is None


def test_a_disputes_close_is_told_with_its_outcome_for_the_booking_its_intent_names(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    # GIVEN a paid checkout the client disputed
    account = _host(provider_sandbox)
    payments = _payments(provider_sandbox, account)
    intent = _paid(provider_sandbox, payments)
    opened = provider_sandbox.stripe_dispute(intent, "product_not_received")

    # WHEN the bank decides it (lost), and Stripe tells a close of a status Penny does
    # not know
    def closes() -> None:
        lost = provider_sandbox.stripe_close_dispute(opened["id"], "lost")
        provider_sandbox.stripe_emit_event("charge.dispute.closed",
                                           {**lost, "status": "prevented"}, account)

    delivered = _signed(provider_sandbox, httpserver, closes, 2)

    # THEN the close names the dispute, its booking and its outcome; the other is nothing
    told, odd = (payments.verify_webhook(b, h) for b, h in delivered)
    closed = provider_sandbox.stripe_events("charge.dispute.closed")[0]
    assert told == PaymentEvent(closed["id"], PaymentEventKind.DISPUTE_CLOSED, "bk-1", "",
                                intent, Price(5000, "JPY"), account, dispute_id=opened["id"],
                                reason="product_not_received", outcome="lost")
    assert odd is None
    with pytest.raises(ValueError):
        provider_sandbox.stripe_close_dispute(opened["id"], "won")   # decided already


def test_the_sandbox_pages_dispute_buttons_close_a_dispute(
        provider_sandbox: ProviderSandbox) -> None:
    account = _host(provider_sandbox)
    intent = _paid(provider_sandbox, _payments(provider_sandbox, account))
    opened = provider_sandbox.stripe_dispute(intent)
    page = f"{provider_sandbox.stripe_settings()['base_url']}/_sandbox"

    assert 'value="warning_closed"' in requests.get(page, timeout=10).text
    r = requests.post(f"{page}/disputes/{opened['id']}/close", data={"status": "won"},
                      timeout=10, allow_redirects=False)

    assert r.status_code == 303
    assert provider_sandbox.stripe_object(opened["id"])["status"] == "won"
    assert [e["data"]["object"]["status"] for e in
            provider_sandbox.stripe_events("charge.dispute.closed")] == ["won"]
    assert requests.post(f"{page}/disputes/{opened['id']}/close", data={"status": "lost"},
                         timeout=10).status_code == 404


def test_a_refund_that_fails_later_is_a_failed_refund_naming_it(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    account = _host(provider_sandbox)
    payments = _payments(provider_sandbox, account)
    intent = _paid(provider_sandbox, payments)
    refund = payments.refund(intent, Price(5000, "JPY"), "refund-bk-1")

    delivered = _signed(provider_sandbox, httpserver,
                        lambda: provider_sandbox.stripe_fail_refund(refund.id), 2)

    updated, failed = (payments.verify_webhook(b, h) for b, h in delivered)
    assert updated is not None and failed is not None
    assert {updated.kind, failed.kind} == {PaymentEventKind.REFUND_FAILED}
    assert (failed.booking_uid, failed.payment_id, failed.refund_id, failed.account) == (
        "bk-1", intent, refund.id, account)
    assert provider_sandbox.stripe_object(refund.id)["failure_reason"] == \
        "expired_or_canceled_card"


def test_the_sandbox_pages_fail_it_button_fails_a_refund_as_stripe_would(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    # GIVEN a refund made, listed on the sandbox's Stripe page with its "Fail it" button
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    refund = payments.refund(_paid(provider_sandbox, payments), Price(5000, "JPY"),
                             "refund-bk-1")
    page = f"{provider_sandbox.stripe_settings()['base_url']}/_sandbox"
    assert f"/_sandbox/refunds/{refund.id}/fail" in requests.get(page, timeout=10).text

    # WHEN the button is pressed (its form's POST)
    delivered = _signed(provider_sandbox, httpserver, lambda: requests.post(
        f"{page}/refunds/{refund.id}/fail", timeout=10), 2)

    # THEN Stripe's two events for it are sent, and the button is gone
    assert {payments.verify_webhook(b, h).kind for b, h in delivered  # type: ignore[union-attr]
            } == {PaymentEventKind.REFUND_FAILED}
    assert provider_sandbox.stripe_object(refund.id)["status"] == "failed"
    assert f"/_sandbox/refunds/{refund.id}/fail" not in requests.get(page, timeout=10).text
    assert requests.post(f"{page}/refunds/{refund.id}/fail", timeout=10).status_code == 404


def test_an_async_failure_is_failed_and_events_without_penny_metadata_are_ignored(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    session = provider_sandbox.stripe_object(payments.create_checkout(_request()).id)
    foreign = {**session, "metadata": {}}

    delivered = _signed(provider_sandbox, httpserver, lambda: [
        provider_sandbox.stripe_emit_event("checkout.session.async_payment_failed", session),
        provider_sandbox.stripe_emit_event("checkout.session.expired", foreign),
        provider_sandbox.stripe_emit_event("customer.created", {"id": "cus_1",
                                                                "object": "customer"})], 3)

    failed, not_ours, other = (payments.verify_webhook(b, h) for b, h in delivered)
    assert failed is not None and failed.kind is PaymentEventKind.FAILED
    assert not_ours is None and other is None


def test_a_body_with_non_ascii_text_verifies_byte_for_byte(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    made = payments.create_checkout(_request())

    _, (body, headers) = _signed(provider_sandbox, httpserver, lambda: provider_sandbox
                                 .stripe_pay(made.id, name="Zoë Åström 東京"), 2)

    assert "Zoë Åström 東京".encode() in body  # as UTF-8, not as \u escapes
    paid = payments.verify_webhook(body, {"stripe-signature": headers["Stripe-Signature"]})
    assert paid is not None and paid.kind is PaymentEventKind.PAID


@pytest.mark.parametrize("forgery", ["unsigned", "another secret", "stale", "edited body"])
def test_a_forged_unsigned_or_stale_webhook_is_refused(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer, forgery: str) -> None:
    payments = _payments(provider_sandbox, _host(provider_sandbox))
    made = payments.create_checkout(_request())
    if forgery == "another secret":
        provider_sandbox.stripe_sign_next_delivery(secret="whsec_someoneElsesSecret")
    if forgery == "stale":
        provider_sandbox.stripe_sign_next_delivery(stale_by=301 + 5)
    [(body, headers)] = _signed(provider_sandbox, httpserver,
                                lambda: payments.expire_checkout(made.id), 1)
    if forgery == "unsigned":
        headers = {}
    if forgery == "edited body":
        body = body.replace(b'"expired"', b'"complete"')

    with pytest.raises(AuthenticationError):
        payments.verify_webhook(body, headers)


# -- Connect ----------------------------------------------------------------------------


def test_a_hosts_account_is_made_once_per_key_and_not_ready_yet(
        provider_sandbox: ProviderSandbox) -> None:
    platform = _payments(provider_sandbox, None)

    first = platform.create_account("ada@sandbox.test", "host-1")
    again = platform.create_account("ada@sandbox.test", "host-1")

    assert again == first == PaymentAccount(first.id, "ada@sandbox.test", False)
    assert len(provider_sandbox.stripe_accounts()) == 1


def test_an_account_made_again_under_its_key_is_read_as_it_is_now_not_as_first_answered(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN an account made, then onboarded at Stripe
    platform = _payments(provider_sandbox, None)
    first = platform.create_account("ada@sandbox.test", "host-1")
    assert provider_sandbox.stripe_api_call_counts() == {"accounts.create": 1}  # no read
    provider_sandbox.stripe_complete_onboarding(first.id)
    provider_sandbox.stripe_reset_api_calls()

    # WHEN it is made again under its key (Stripe replays the first answer: not ready)
    again = platform.create_account("ada@sandbox.test", "host-1")

    # THEN it is the account as it is now, for one read more
    assert again == PaymentAccount(first.id, "ada@sandbox.test", True)
    assert provider_sandbox.stripe_api_call_counts() == {
        "accounts.create": 1, "accounts.retrieve": 1}


def test_onboarding_at_stripe_makes_the_account_ready(provider_sandbox: ProviderSandbox) -> None:
    platform = _payments(provider_sandbox, None)
    made = platform.create_account("ada@sandbox.test", "host-1")

    url = platform.onboarding_url(made.id, "https://penny.test/stripe/refresh",
                                  "https://penny.test/stripe/return")
    done = requests.post(url, data={"decision": "complete"}, timeout=10, allow_redirects=False)

    assert done.headers["Location"] == "https://penny.test/stripe/return"
    assert platform.account(made.id) == PaymentAccount(made.id, "ada@sandbox.test", True)
