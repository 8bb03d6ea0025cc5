"""Prices in currencies whose unit a payment vendor has its own rule for, through the API
with the sandbox's Stripe: IQD and LYD, which Stripe does not take."""

from __future__ import annotations

import pytest

from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional import test_payments as paid
from tests.functional.conftest import Api
from tests.functional.test_payments import connect_stripe

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

