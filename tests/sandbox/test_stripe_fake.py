"""The sandbox's Stripe, proved with the real stripe SDK: Checkout Sessions on a connected
account, idempotent replay, Stripe's expiry rules, refunds, Connect onboarding, the
`Stripe-Account` wall, Stripe's errors, and webhooks verified by `construct_event`."""

from __future__ import annotations

import socket
import threading
import time
from html.parser import HTMLParser
from typing import Any

import pytest
import requests
import stripe
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from sandbox import ProviderSandbox
from tests.sandbox.receiver import Receiver

SUCCESS = "https://penny.test/b/bk-1/paid?session={CHECKOUT_SESSION_ID}"
CANCEL = "https://penny.test/b/bk-1/pay"


def _client(sandbox: ProviderSandbox, key: str | None = None) -> stripe.StripeClient:
    settings = sandbox.stripe_settings()
    return stripe.StripeClient(key or settings["secret_key"],
                               base_addresses={"api": settings["base_url"]},
                               http_client=stripe.RequestsClient(timeout=10))


def _host(sandbox: ProviderSandbox) -> str:
    return str(sandbox.stripe_add_account("ada@sandbox.test", "Ada Consulting")["id"])


def _params(**changes: Any) -> Any:
    return {"mode": "payment",
            "line_items": [{"quantity": 2, "price_data": {
                "currency": "EUR", "unit_amount": 1500,
                "product_data": {"name": "Intro call with Ada"}}}],
            "customer_email": "grace@example.test", "client_reference_id": "bk-1",
            "metadata": {"booking_uid": "bk-1"},
            "payment_intent_data": {"metadata": {"booking_uid": "bk-1"}},
            "success_url": SUCCESS, "cancel_url": CANCEL,
            "expires_at": int(time.time()) + 3600, **changes}


def _session(client: stripe.StripeClient, account: str | None, key: str | None = None,
             **changes: Any) -> stripe.checkout.Session:
    options: stripe.RequestOptions = {"stripe_account": account}
    if key:
        options["idempotency_key"] = key
    return client.v1.checkout.sessions.create(params=_params(**changes), options=options)


class _Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def first(self, tag: str) -> dict[str, str]:
        return next(attrs for name, attrs in self.tags if name == tag)


# -- Checkout Sessions ------------------------------------------------------------------


def test_a_session_is_open_unpaid_with_its_total_in_lower_case_currency_and_a_hosted_page(
        provider_sandbox: ProviderSandbox) -> None:
    account = _host(provider_sandbox)

    made = _session(_client(provider_sandbox), account)

    assert made.id.startswith("cs_test_") and made.object == "checkout.session"
    assert (made.status, made.payment_status, made.payment_intent) == ("open", "unpaid", None)
    assert (made.amount_total, made.currency, made.livemode) == (3000, "eur", False)
    assert made.url == f"{provider_sandbox.stripe_settings()['base_url']}/pay/{made.id}"
    assert made.success_url == SUCCESS and made.metadata.to_dict() == {"booking_uid": "bk-1"}
    assert made.expires_at - made.created <= 3600 and made.client_reference_id == "bk-1"
    assert provider_sandbox.stripe_sessions()[0]["_account"] == account


def test_the_same_idempotency_key_with_the_same_parameters_replays_the_first_answer(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    expires = int(time.time()) + 3600

    first = _session(client, account, "hold-1", expires_at=expires)
    again = _session(client, account, "hold-1", expires_at=expires)

    assert again.id == first.id and len(provider_sandbox.stripe_sessions()) == 1
    assert again.last_response is not None
    assert again.last_response.headers["Idempotent-Replayed"] == "true"


def test_a_server_error_inside_the_endpoint_is_its_keys_answer_for_every_retry(
        provider_sandbox: ProviderSandbox) -> None:
    # As Stripe: a 500 is saved under the key like any answer, and says not to retry it.
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    expires = int(time.time()) + 3600
    provider_sandbox.stripe_fail_next_api_calls(500)

    with pytest.raises(stripe.APIError) as first:
        _session(client, account, "hold-1", expires_at=expires)
    with pytest.raises(stripe.APIError) as again:
        _session(client, account, "hold-1", expires_at=expires)
    made = _session(client, account, "hold-2", expires_at=expires)

    assert first.value.headers["Stripe-Should-Retry"] == "false"
    assert (again.value.http_status, again.value.headers["Idempotent-Replayed"]) == (
        500, "true")
    assert again.value.headers["Stripe-Should-Retry"] == "false"
    assert [s["id"] for s in provider_sandbox.stripe_sessions()] == [made.id]
    assert provider_sandbox.stripe_api_calls("checkout.sessions.create") == 3


def test_a_server_error_before_the_endpoint_is_not_kept_under_the_key(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    expires = int(time.time()) + 3600
    provider_sandbox.stripe_fail_next_api_calls(503)

    with pytest.raises(stripe.APIError):
        client.v1.checkout.sessions.create(params=_params(expires_at=expires), options={
            "stripe_account": account, "idempotency_key": "hold-1", "max_network_retries": 0})
    made = _session(client, account, "hold-1", expires_at=expires)

    assert [s["id"] for s in provider_sandbox.stripe_sessions()] == [made.id]


def test_the_same_idempotency_key_with_other_parameters_is_an_idempotency_error(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    _session(client, account, "hold-1")

    with pytest.raises(stripe.IdempotencyError, match="same parameters") as refused:
        _session(client, account, "hold-1", customer_email="someone@else.test")
    assert refused.value.http_status == 400


def test_idempotency_keys_are_kept_per_account(provider_sandbox: ProviderSandbox) -> None:
    client = _client(provider_sandbox)

    one = _session(client, _host(provider_sandbox), "hold-1")
    other = _session(client, _host(provider_sandbox), "hold-1")

    assert one.id != other.id


@pytest.mark.parametrize(("lifetime", "message"), [(29 * 60, "at least 30 minutes"),
                                                   (24 * 3600 + 60, "less than 24 hours")])
def test_expires_at_must_be_30_minutes_to_24_hours_away(
        provider_sandbox: ProviderSandbox, lifetime: int, message: str) -> None:
    with pytest.raises(stripe.InvalidRequestError, match=message) as refused:
        _session(_client(provider_sandbox), _host(provider_sandbox),
                 expires_at=int(time.time()) + lifetime)
    assert (refused.value.http_status, refused.value.param) == (400, "expires_at")
    assert provider_sandbox.stripe_sessions() == []


def test_an_unknown_parameter_or_a_missing_amount_is_refused_with_its_param(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        _session(client, account, payment_intent_data={"metadata": {}, "colour": "blue"})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        _session(client, account, line_items=[{"quantity": 1, "price_data": {
            "currency": "usd", "product_data": {"name": "Call"}}}])

    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "colour")
    assert (missing.value.code, missing.value.param) == (
        "parameter_missing", "line_items[0][price_data][unit_amount]")


def _line(currency: str, amount: int) -> list[dict[str, Any]]:
    return [{"quantity": 1, "price_data": {"currency": currency, "unit_amount": amount,
                                           "product_data": {"name": "Call"}}}]


@pytest.mark.parametrize(("currency", "refused", "taken", "code"), [
    ("isk", 500_050, 500_000, "invalid_charge_amount_no_decimal_compatible"),
    ("ugx", 500_001, 500_000, "invalid_charge_amount_no_decimal_compatible"),
    ("kwd", 5124, 5120, "invalid_charge_amount")])
def test_an_amount_stripe_cannot_carry_in_its_currency_is_refused_and_a_rounder_one_taken(
        provider_sandbox: ProviderSandbox, currency: str, refused: int, taken: int,
        code: str) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)

    with pytest.raises(stripe.InvalidRequestError) as refusal:
        _session(client, account, line_items=_line(currency, refused))
    made = _session(client, account, line_items=_line(currency, taken))

    assert (refusal.value.code, refusal.value.param) == (
        code, "line_items[0][price_data][unit_amount]")
    assert made.amount_total == taken


@pytest.mark.parametrize("currency", ["iqd", "lyd"])
def test_a_three_decimal_currency_that_is_not_stripes_is_refused_as_an_invalid_currency(
        provider_sandbox: ProviderSandbox, currency: str) -> None:
    # ISO 4217 gives IQD and LYD three decimals, but Stripe charges in neither: its
    # three-decimal currencies are BHD, JOD, KWD, OMR and TND.
    client, account = _client(provider_sandbox), _host(provider_sandbox)

    with pytest.raises(stripe.InvalidRequestError) as refusal:
        _session(client, account, line_items=_line(currency, 5000))

    assert refusal.value.http_status == 400
    assert (refusal.value.code, refusal.value.param) == (
        None, "line_items[0][price_data][currency]")
    message = str(refusal.value.user_message)
    assert message.startswith(f"Invalid currency: {currency}. Stripe currently supports "
                              "these currencies: usd, aed, afn")
    assert ", kwd, " in message and f", {currency}, " not in message
    assert provider_sandbox.stripe_sessions() == []


def test_a_refund_in_isk_must_be_whole_kronur_too(provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    intent = provider_sandbox.stripe_pay(
        _session(client, account, line_items=_line("isk", 500_000)).id)["payment_intent"]
    options: stripe.RequestOptions = {"stripe_account": account}

    with pytest.raises(stripe.InvalidRequestError) as refusal:
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 150},
                                 options=options)
    part = client.v1.refunds.create(params={"payment_intent": intent, "amount": 200},
                                    options=options)

    assert refusal.value.code == "invalid_charge_amount_no_decimal_compatible"
    assert part.amount == 200


def test_a_charge_refunded_in_full_is_refused_again_and_reads_so_on_its_payment_intent(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a payment its host gave back in full in the dashboard
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    intent = provider_sandbox.stripe_pay(_session(client, account).id)["payment_intent"]
    given = provider_sandbox.stripe_refund_in_dashboard(intent)
    options: stripe.RequestOptions = {"stripe_account": account}

    # WHEN another refund is asked for, and the PaymentIntent read with its charge
    with pytest.raises(stripe.InvalidRequestError) as refusal:
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 100},
                                 options=options)
    plain = client.v1.payment_intents.retrieve(intent, options=options)
    found = client.v1.payment_intents.retrieve(
        intent, params={"expand": ["latest_charge.refunds"]}, options=options)

    # THEN Stripe's code says so, and the charge says all of it went back, and by what
    assert refusal.value.code == "charge_already_refunded"
    assert isinstance(plain.latest_charge, str)
    charge = found.latest_charge
    assert isinstance(charge, stripe.Charge) and charge.id == plain.latest_charge
    assert (charge.refunded, charge.amount_refunded) == (True, 3000)
    assert charge.refunds is not None and [r.id for r in charge.refunds.data] == [given["id"]]


def test_the_hosted_page_shows_each_currency_in_its_decimals_at_stripe(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)

    pages = {currency: requests.get(str(_session(client, account, line_items=_line(
        currency, amount)).url), timeout=10).text
        for currency, amount in (("mga", 50_000), ("isk", 500_000), ("kwd", 5120))}

    assert "50000 MGA" in pages["mga"] and "5000.00 ISK" in pages["isk"]
    assert "5.120 KWD" in pages["kwd"]


def test_a_session_made_on_one_account_is_not_found_on_another_or_on_the_platform(
        provider_sandbox: ProviderSandbox) -> None:
    client = _client(provider_sandbox)
    made = _session(client, _host(provider_sandbox))

    for account in (_host(provider_sandbox), None):
        with pytest.raises(stripe.InvalidRequestError) as missing:
            client.v1.checkout.sessions.retrieve(made.id, options={"stripe_account": account})
        assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
        assert f"No such checkout.session: '{made.id}'" in str(missing.value)


def test_an_unknown_or_disconnected_account_is_refused_403(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    provider_sandbox.stripe_revoke_account(account)

    for refused_account in ("acct_1NotConnectedHere", account):
        with pytest.raises(stripe.PermissionError, match="does not have access") as refused:
            _session(client, refused_account)
        assert refused.value.http_status == 403
    assert provider_sandbox.stripe_api_calls("checkout.sessions.create (refused)") == 2
    assert provider_sandbox.stripe_events("account.application.deauthorized")[0]["account"] \
        == account


def test_a_wrong_or_missing_secret_key_is_refused_401(provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(stripe.AuthenticationError, match="Invalid API Key") as wrong:
        _session(_client(provider_sandbox, "sk_test_notTheSandboxKey1234"), None)
    missing = requests.post(f"{provider_sandbox.stripe_settings()['base_url']}/v1/refunds",
                            data={"payment_intent": "pi_1"}, timeout=10)

    assert wrong.value.http_status == 401 and missing.status_code == 401
    assert missing.json()["error"]["type"] == "invalid_request_error"
    assert "did not provide an API key" in missing.json()["error"]["message"]


def test_injected_rate_limit_and_server_errors_answer_in_stripes_shape(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    provider_sandbox.stripe_fail_next_api_calls(429, retry_after=3)

    with pytest.raises(stripe.RateLimitError) as limited:
        _session(client, account)
    provider_sandbox.stripe_fail_next_api_calls(500)
    with pytest.raises(stripe.APIError) as failed:
        _session(client, account)

    assert limited.value.json_body["error"]["code"] == "rate_limit"  # type: ignore[index]
    assert limited.value.headers["Retry-After"] == "3"
    assert failed.value.http_status == 500 and failed.value.json_body == {
        "error": {"type": "api_error", "message": "An unknown error occurred"}}
    assert provider_sandbox.stripe_api_calls("checkout.sessions.create") == 2


# -- expiry -----------------------------------------------------------------------------


def test_expire_ends_an_open_session_once_and_emits_checkout_session_expired(
        provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    made = _session(client, account)
    options: stripe.RequestOptions = {"stripe_account": account, "idempotency_key": "exp-1"}

    expired = client.v1.checkout.sessions.expire(made.id, options=options)
    with pytest.raises(stripe.InvalidRequestError, match=r"status in \[\"open\"\]") as again:
        client.v1.checkout.sessions.expire(made.id, options={"stripe_account": account})

    assert (expired.status, expired.url) == ("expired", None)
    assert "has a status of `expired`" in str(again.value) and again.value.http_status == 400
    [event] = provider_sandbox.stripe_events("checkout.session.expired")
    assert event["account"] == account and event["data"]["object"]["id"] == made.id
    assert event["request"]["idempotency_key"] == "exp-1" and event["request"]["id"]


def test_stripes_own_expiry_leaves_the_hosted_page_saying_so(
        provider_sandbox: ProviderSandbox) -> None:
    made = _session(_client(provider_sandbox), _host(provider_sandbox))
    provider_sandbox.stripe_expire_session(made.id)

    page = requests.get(str(made.url), timeout=10)
    paying = requests.post(str(made.url), data={"card": "4242424242424242"}, timeout=10,
                           allow_redirects=False)

    assert "has expired" in page.text and "has expired" in paying.text
    assert provider_sandbox.stripe_object(made.id)["payment_status"] == "unpaid"
    [event] = provider_sandbox.stripe_events("checkout.session.expired")
    assert event["request"] == {"id": None, "idempotency_key": None}


# -- paying -----------------------------------------------------------------------------


def test_the_hosted_page_is_labelled_and_shows_the_amount(
        provider_sandbox: ProviderSandbox) -> None:
    made = _session(_client(provider_sandbox), _host(provider_sandbox),
                    line_items=[{"quantity": 1, "price_data": {
                        "currency": "jpy", "unit_amount": 5000,
                        "product_data": {"name": "Intro call"}}}])

    page = requests.get(str(made.url), timeout=10)
    tags = _Page(page.text)

    assert page.status_code == 200 and "5000 JPY" in page.text and "Intro call" in page.text
    assert tags.first("html")["lang"] == "en" and ("main", {}) in tags.tags
    labelled = {attrs["for"] for name, attrs in tags.tags if name == "label"}
    assert labelled == {attrs["id"] for name, attrs in tags.tags if name == "input"}
    assert tags.first("a")["href"].endswith(f"/pay/{made.id}/cancel")


def test_paying_completes_the_session_and_sends_the_customer_to_success_url(
        provider_sandbox: ProviderSandbox) -> None:
    account = _host(provider_sandbox)
    made = _session(_client(provider_sandbox), account)

    paid = requests.post(str(made.url), data={"card": "4242 4242 4242 4242"}, timeout=10,
                         allow_redirects=False)

    assert paid.status_code == 303
    assert paid.headers["Location"] == SUCCESS.replace("{CHECKOUT_SESSION_ID}", made.id)
    session = provider_sandbox.stripe_object(made.id)
    assert (session["status"], session["payment_status"]) == ("complete", "paid")
    intent = provider_sandbox.stripe_object(session["payment_intent"])
    assert (intent["status"], intent["amount_received"], intent["_account"]) == (
        "succeeded", 3000, account)
    assert intent["metadata"] == {"booking_uid": "bk-1"}
    assert [e["type"] for e in provider_sandbox.stripe_events()] == [
        "payment_intent.succeeded", "checkout.session.completed"]


def test_a_paid_session_cannot_be_paid_again(provider_sandbox: ProviderSandbox) -> None:
    made = _session(_client(provider_sandbox), _host(provider_sandbox))
    provider_sandbox.stripe_pay(made.id)

    again = requests.post(str(made.url), data={"card": "4242424242424242"}, timeout=10,
                          allow_redirects=False)

    assert again.status_code == 200 and "already paid" in again.text
    assert len(provider_sandbox.stripe_events("payment_intent.succeeded")) == 1


def test_a_declined_card_leaves_the_session_open(provider_sandbox: ProviderSandbox) -> None:
    made = _session(_client(provider_sandbox), _host(provider_sandbox))

    declined = requests.post(str(made.url), data={"card": "4000 0000 0000 0002"}, timeout=10)

    assert declined.status_code == 402 and 'role="alert"' in declined.text
    assert provider_sandbox.stripe_object(made.id)["status"] == "open"


def test_cancel_returns_to_cancel_url_and_leaves_the_session_open(
        provider_sandbox: ProviderSandbox) -> None:
    made = _session(_client(provider_sandbox), _host(provider_sandbox))

    cancel = requests.get(f"{made.url}/cancel", timeout=10, allow_redirects=False)

    assert (cancel.status_code, cancel.headers["Location"]) == (303, CANCEL)
    assert provider_sandbox.stripe_object(made.id)["status"] == "open"


# -- refunds ----------------------------------------------------------------------------


def test_refunds_take_what_is_left_until_nothing_is(provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    intent = provider_sandbox.stripe_pay(_session(client, account).id)["payment_intent"]
    options: stripe.RequestOptions = {"stripe_account": account}

    part = client.v1.refunds.create(params={"payment_intent": intent, "amount": 1000,
                                            "metadata": {"booking_uid": "bk-1"}},
                                    options=options)
    with pytest.raises(stripe.InvalidRequestError, match=r"\(20.00 EUR\)") as too_much:
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 2500},
                                 options=options)
    rest = client.v1.refunds.create(params={"payment_intent": intent}, options=options)
    with pytest.raises(stripe.InvalidRequestError) as nothing_left:
        client.v1.refunds.create(params={"payment_intent": intent}, options=options)

    assert (part.status, part.amount, part.currency, part.payment_intent) == (
        "succeeded", 1000, "eur", intent)
    assert rest.amount == 2000 and too_much.value.param == "amount"
    assert nothing_left.value.code == "charge_already_refunded"
    assert [e["type"] for e in provider_sandbox.stripe_events()][2:] == [
        "refund.created", "charge.refunded", "refund.created", "charge.refunded"]
    charge = provider_sandbox.stripe_events("charge.refunded")[-1]["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"]) == (3000, True)


def test_a_refund_key_reused_replays_the_refund(provider_sandbox: ProviderSandbox) -> None:
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    intent = provider_sandbox.stripe_pay(_session(client, account).id)["payment_intent"]
    options: stripe.RequestOptions = {"stripe_account": account, "idempotency_key": "rf-1"}

    first = client.v1.refunds.create(params={"payment_intent": intent, "amount": 500},
                                     options=options)
    again = client.v1.refunds.create(params={"payment_intent": intent, "amount": 500},
                                     options=options)

    assert first.id == again.id and len(provider_sandbox.stripe_refunds()) == 1
    read = client.v1.payment_intents.retrieve(intent, options={"stripe_account": account})
    assert read.status == "succeeded" and read.latest_charge


def test_a_refund_refused_under_a_key_is_refused_again_under_it_as_stripe_replays_errors(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a refund refused for a balance too low, asked for under a key
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    intent = provider_sandbox.stripe_pay(_session(client, account).id)["payment_intent"]
    provider_sandbox.stripe_refuse_refunds(1)
    keyed: stripe.RequestOptions = {"stripe_account": account, "idempotency_key": "rf-no"}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent}, options=keyed)

    # WHEN it is asked for again once the balance would take it: under the same key, and
    # under another
    with pytest.raises(stripe.InvalidRequestError) as replayed:
        client.v1.refunds.create(params={"payment_intent": intent}, options=keyed)
    made = client.v1.refunds.create(params={"payment_intent": intent}, options={
        "stripe_account": account, "idempotency_key": "rf-no-2"})

    # THEN the key gives its first answer back, the refusal, and only a new key refunds
    assert refused.value.code == "balance_insufficient" and refused.value.http_status == 400
    assert replayed.value.code == "balance_insufficient"
    assert replayed.value.headers["Idempotent-Replayed"] == "true"
    assert made.status == "succeeded" and len(provider_sandbox.stripe_refunds()) == 1


# -- Connect ----------------------------------------------------------------------------


def test_a_standard_account_is_not_ready_until_its_owner_completes_onboarding(
        provider_sandbox: ProviderSandbox) -> None:
    client = _client(provider_sandbox)
    made = client.v1.accounts.create(params={"type": "standard", "email": "ada@sandbox.test",
                                             "business_profile": {"name": "Ada Consulting"}})
    link = client.v1.account_links.create(params={
        "account": made.id, "type": "account_onboarding",
        "refresh_url": "https://penny.test/stripe/refresh",
        "return_url": "https://penny.test/stripe/return"})

    page = requests.get(link.url, timeout=10)
    done = requests.post(link.url, data={"decision": "complete"}, timeout=10,
                         allow_redirects=False)
    spent = requests.get(link.url, timeout=10, allow_redirects=False)

    assert made.id.startswith("acct_") and made.type == "standard"
    assert (made.charges_enabled, made.details_submitted) == (False, False)
    assert link.object == "account_link" and link.expires_at > link.created
    assert "Complete onboarding" in page.text and "Not now" in page.text
    assert (done.status_code, done.headers["Location"]) == (303,
                                                             "https://penny.test/stripe/return")
    assert spent.headers["Location"] == "https://penny.test/stripe/refresh"
    ready = client.v1.accounts.retrieve(made.id)
    assert (ready.charges_enabled, ready.details_submitted) == (True, True)
    [updated] = provider_sandbox.stripe_events("account.updated")
    assert updated["account"] == made.id
    assert updated["data"]["previous_attributes"]["charges_enabled"] is False


def test_not_now_sends_the_owner_to_refresh_url_and_leaves_the_account_unready(
        provider_sandbox: ProviderSandbox) -> None:
    client = _client(provider_sandbox)
    made = client.v1.accounts.create(params={"type": "standard", "email": "ada@sandbox.test"})
    link = client.v1.account_links.create(params={
        "account": made.id, "type": "account_onboarding",
        "refresh_url": "https://penny.test/r", "return_url": "https://penny.test/b"})

    later = requests.post(link.url, data={"decision": "later"}, timeout=10,
                          allow_redirects=False)

    assert later.headers["Location"] == "https://penny.test/r"
    assert client.v1.accounts.retrieve(made.id).charges_enabled is False


# -- webhooks ---------------------------------------------------------------------------


def _endpoint(sandbox: ProviderSandbox, server: HTTPServer, receiver: Receiver) -> None:
    server.expect_request("/webhooks/stripe", method="POST").respond_with_handler(
        receiver.handler)
    sandbox.stripe_webhook_endpoint(server.url_for("/webhooks/stripe"))


def _verified(sandbox: ProviderSandbox, body: bytes, signature: str) -> stripe.Event:
    return stripe.Webhook.construct_event(body, signature,
                                          sandbox.stripe_settings()["webhook_secret"])


def test_events_are_posted_signed_and_verify_with_the_sdk(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    _endpoint(provider_sandbox, httpserver, receiver)
    account = _host(provider_sandbox)
    made = _session(_client(provider_sandbox), account)

    provider_sandbox.stripe_pay(made.id)
    received = receiver.wait_for(2)

    events = [_verified(provider_sandbox, r.body, r.headers["Stripe-Signature"])
              for r in received]
    assert [e.type for e in events] == ["payment_intent.succeeded",
                                        "checkout.session.completed"]
    completed = events[1].to_dict()
    assert completed["account"] == account and completed["livemode"] is False
    assert completed["data"]["object"]["id"] == made.id and completed["id"].startswith("evt_")
    assert completed["pending_webhooks"] == 1 and completed["api_version"]
    assert received[1].headers["Stripe-Signature"].startswith("t=")
    assert [d.status for d in provider_sandbox.stripe_wait_for_deliveries(2)] == [202, 202]


def test_the_api_answers_before_the_webhook_is_answered(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    answered = threading.Event()

    def slow(request: Request) -> Response:
        answered.wait(10)
        return Response(status=200)

    httpserver.expect_request("/webhooks/stripe").respond_with_handler(slow)
    provider_sandbox.stripe_webhook_endpoint(httpserver.url_for("/webhooks/stripe"))
    client, account = _client(provider_sandbox), _host(provider_sandbox)
    made = _session(client, account)

    client.v1.checkout.sessions.expire(made.id, options={"stripe_account": account})
    before = provider_sandbox.stripe_deliveries()
    answered.set()

    assert before == [] and provider_sandbox.stripe_wait_for_deliveries(1)[0].status == 200


def test_a_failed_delivery_is_retried_until_it_is_answered_2xx(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    answers = iter([500, 200])
    httpserver.expect_request("/webhooks/stripe").respond_with_handler(
        lambda request: Response(status=next(answers)))
    provider_sandbox.stripe_webhook_endpoint(httpserver.url_for("/webhooks/stripe"))
    provider_sandbox.stripe_webhook_retries([0.05, 0.05])

    provider_sandbox.stripe_expire_session(
        _session(_client(provider_sandbox), _host(provider_sandbox)).id)
    first, second = provider_sandbox.stripe_wait_for_deliveries(2)

    assert (first.status, first.attempt, second.status, second.attempt) == (500, 1, 200, 2)
    assert first.event_id == second.event_id and first.body == second.body
    assert len(provider_sandbox.stripe_deliveries()) == 2


def test_an_endpoint_that_never_answers_is_tried_a_few_times_then_given_up(
        provider_sandbox: ProviderSandbox) -> None:
    with socket.socket() as sock:  # a port nobody listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider_sandbox.stripe_webhook_endpoint(f"http://127.0.0.1:{port}/webhooks/stripe")
    provider_sandbox.stripe_webhook_retries([0.01, 0.01], timeout=1)

    provider_sandbox.stripe_expire_session(
        _session(_client(provider_sandbox), _host(provider_sandbox)).id)
    attempts = provider_sandbox.stripe_wait_for_deliveries(3)

    assert [(a.attempt, a.status, a.error) for a in attempts] == [
        (1, None, "ConnectionError"), (2, None, "ConnectionError"),
        (3, None, "ConnectionError")]


def test_every_event_can_be_delivered_several_times(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    _endpoint(provider_sandbox, httpserver, receiver)
    provider_sandbox.stripe_duplicate_deliveries(3)

    provider_sandbox.stripe_expire_session(
        _session(_client(provider_sandbox), _host(provider_sandbox)).id)
    received = receiver.wait_for(3)

    ids = {_verified(provider_sandbox, r.body, r.headers["Stripe-Signature"]).id
           for r in received}
    assert len(ids) == 1


def test_held_deliveries_are_released_in_the_order_a_test_chooses(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    _endpoint(provider_sandbox, httpserver, receiver)
    provider_sandbox.stripe_hold_deliveries()
    provider_sandbox.stripe_pay(_session(_client(provider_sandbox), _host(provider_sandbox)).id)
    intent_succeeded, completed = provider_sandbox.stripe_held_events()

    provider_sandbox.stripe_release_deliveries([completed, intent_succeeded])
    received = receiver.wait_for(2)

    assert [_verified(provider_sandbox, r.body, r.headers["Stripe-Signature"]).id
            for r in received] == [completed, intent_succeeded]


@pytest.mark.parametrize(("tamper", "refusal"), [
    ({"stale_by": 600}, "outside the tolerance zone"),
    ({"secret": "whsec_notTheEndpointsSecret"}, "No signatures found matching")])
def test_a_stale_or_forged_signature_fails_the_sdks_check(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer, tamper: dict[str, Any],
        refusal: str) -> None:
    receiver = Receiver()
    _endpoint(provider_sandbox, httpserver, receiver)
    provider_sandbox.stripe_sign_next_delivery(**tamper)

    provider_sandbox.stripe_expire_session(
        _session(_client(provider_sandbox), _host(provider_sandbox)).id)
    [received] = receiver.wait_for(1)

    with pytest.raises(stripe.SignatureVerificationError, match=refusal):
        _verified(provider_sandbox, received.body, received.headers["Stripe-Signature"])


def test_an_event_is_redelivered_on_several_threads_at_once(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    _endpoint(provider_sandbox, httpserver, receiver)
    provider_sandbox.stripe_expire_session(
        _session(_client(provider_sandbox), _host(provider_sandbox)).id)
    [first] = receiver.wait_for(1)
    event_id = _verified(provider_sandbox, first.body, first.headers["Stripe-Signature"]).id

    provider_sandbox.stripe_redeliver(event_id, threads=4)
    received = receiver.wait_for(5)

    assert {_verified(provider_sandbox, r.body, r.headers["Stripe-Signature"]).id
            for r in received} == {event_id}
    assert sum(d.redelivery for d in provider_sandbox.stripe_wait_for_deliveries(5)) == 4
