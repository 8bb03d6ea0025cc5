"""Connecting Stripe again after the host disconnected it in Penny, through the API with
the sandbox's Stripe: the account the host already has comes back as it is now."""

from __future__ import annotations

from sandbox.server import ProviderSandbox
from tests.functional import test_payments as paid
from tests.functional.conftest import Api, FixedClock
from tests.functional.test_connections import status_of
from tests.functional.test_payments import book, connect_razorpay, connect_stripe, price_intro

# The payments module's fixtures: the sandbox, a host with no payment provider yet.
sandbox, host = paid.sandbox, paid.host


def test_stripe_connected_again_without_finishing_onboarding_is_connected_and_takes_usd(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a host whose Stripe account is ready, with Razorpay too, and a price in USD
    account = connect_stripe(api, host, sandbox)
    connect_razorpay(api, host, sandbox)
    price_intro(api, host)

    # WHEN they disconnect Stripe in Penny, connect it again and leave Stripe's
    # onboarding page unfinished (their account is already set up)
    assert api.delete("/me/connections/stripe", token=host).status == 204
    r = api.post("/me/connections/stripe", {"features": ["payments"]}, token=host)
    assert r.status == 200, r.body

    # THEN it is the same account, shown as Stripe has it now (Stripe's replay of the
    # first create said it could not take charges yet), and USD goes to Stripe
    assert [a["id"] for a in sandbox.stripe_accounts()] == [account]
    assert status_of(api, host, "stripe")["status"] == "connected"
    assert book(api, clock)["payment"]["provider"] == "stripe"
