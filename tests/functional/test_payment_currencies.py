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


def _withdraw_the_intro_price_currency(api: Api, token: str, code: str) -> str:
    """The intro's price as a save made while `code` was current left it (BGN until
    2026): the stored item, since no request may now name that code."""
    from chalicelib.store.items import EventTypeItem

    (intro,) = api.get("/me/event-types", token=token).json["event_types"]
    host = api.get("/me/profile", token=token).json["id"]
    item = EventTypeItem.get(f"HOST#{host}", f"EVENT#{intro['id']}")
    item.data = {**item.data, "price": [5000, code]}
    item.save()
    return str(intro["id"])


def test_a_price_in_a_currency_withdrawn_since_it_was_saved_is_shown_not_a_500(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect_stripe(api, host, sandbox)
    price_intro(api, host)
    intro_id = _withdraw_the_intro_price_currency(api, host, "BGN")
    bgn = {"amount_minor": 5000, "currency": "BGN"}

    listed = api.get("/me/event-types", token=host)
    one = api.get(f"/me/event-types/{intro_id}", token=host)
    profile = api.get("/hosts/alice")
    event = api.get("/hosts/alice/intro")

    assert [r.status for r in (listed, one, profile, event)] == [200, 200, 200, 200]
    assert listed.json["event_types"][0]["price"] == bgn
    assert one.json["price"] == bgn
    assert profile.json["event_types"][0]["price"] == bgn
    assert event.json["price"] == bgn


def test_a_booking_of_a_price_in_a_withdrawn_currency_is_refused_until_the_host_changes_it(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect_stripe(api, host, sandbox)
    price_intro(api, host)
    intro_id = _withdraw_the_intro_price_currency(api, host, "BGN")

    r = api.post("/hosts/alice/intro/bookings", f.booking(paid.slot(clock, 10)))

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "price_not_payable", "price")
    assert "BGN" in r.json["error"]["message"]
    assert api.get("/me/bookings", token=host).json["bookings"] == []
    # The host can still load it and change the currency; then it is booked again.
    changed = api.put(f"/me/event-types/{intro_id}", f.event_type(
        price={"amount_minor": 2500, "currency": "EUR"}), token=host)
    assert changed.status == 200, changed.json
    held = book(api, clock)
    assert (held["status"], held["price"]) == (
        "pending_payment", {"amount_minor": 2500, "currency": "EUR"})
