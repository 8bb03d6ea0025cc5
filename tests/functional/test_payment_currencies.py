"""Prices in currencies whose unit a payment vendor has its own rule for, through the API
with the sandbox's Stripe and Razorpay: IQD and LYD, which Stripe does not take, and the
three-decimal currencies, which Razorpay takes in thousandths ending in 0."""

from __future__ import annotations

import pytest

from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional import test_payments as paid
from tests.functional.conftest import Api, FixedClock
from tests.functional.test_payments import book, connect_razorpay, connect_stripe, price_intro

# The payments module's fixtures: the sandbox, a host with no payment provider yet.
sandbox, host = paid.sandbox, paid.host


@pytest.mark.parametrize("currency", ["IQD", "LYD"])
def test_a_price_in_a_currency_stripe_does_not_take_is_refused_when_saved(
        api: Api, host: str, sandbox: ProviderSandbox, currency: str) -> None:
    # Three-decimal in ISO 4217 and no currency of Stripe's: every visitor's checkout
    # would fail, so the host hears it when saving, whatever the amount.
    connect_stripe(api, host, sandbox)
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]

    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(
        price={"amount_minor": 25_000, "currency": currency}), token=host)

    assert (r.status, r.code, r.json["error"]["field"]) == (
        400, "price_not_payable", "price.amount_minor")
    assert r.json["error"]["message"] == (
        f"Stripe takes no payments in {currency} (it is not one of Stripe's currencies); "
        "choose another currency or make the event type free")
    assert api.get("/me/event-types", token=host).json["event_types"] == [intro]


def test_a_three_decimal_price_razorpay_cannot_take_is_refused_and_a_round_one_charged(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # Razorpay alone: 5.125 KD it refuses (the last decimal must be 0); 5.120 KD is
    # sent as it is kept, 5120 thousandths.
    connect_razorpay(api, host, sandbox)
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]

    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(
        price={"amount_minor": 5125, "currency": "KWD"}), token=host)

    assert (r.status, r.code, r.json["error"]["field"]) == (
        400, "price_not_payable", "price.amount_minor")
    assert r.json["error"]["message"] == (
        "Razorpay takes KWD amounts to two decimals (the third one 0): 5.120 or 5.130, say")
    assert api.get("/me/event-types", token=host).json["event_types"] == [intro]
    price_intro(api, host, {"amount_minor": 5120, "currency": "KWD"})
    held = book(api, clock)
    [order] = sandbox.razorpay_orders()
    assert (held["status"], held["payment"]["order_id"]) == ("pending_payment", order["id"])
    assert (order["amount"], order["currency"]) == (5120, "KWD")
