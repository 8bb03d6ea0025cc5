"""A payment account whose stored keys (Razorpay's secrets, Stripe's account id) are
sealed under a key id the container's ring lacks, end to end: through Penny's API, the
Stripe and Razorpay sandbox, the store on moto and the table's stream.

As a connection's tokens (docs/connections.md): sealed before the container read its
ring, the key was retired while they still used it, and the account is broken, once,
the host told live and able to connect again; sealed after (a rotation rolling out),
another container opens them, so the use is a "try again" (503) and nothing is marked.
Never a 500, and a client's booking holds no time in either case.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.store.items import ConnectionItem
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional import test_payments as paid
from tests.functional.conftest import Api, FixedClock, rebuild
from tests.functional.realtime_wiring import Stream
from tests.functional.test_connections import broken_events, status_of
from tests.functional.test_payments import book, deliver_stripe, host_id, slot

# The payments module's fixtures: the sandbox, a host connected to Stripe or Razorpay.
sandbox, host = paid.sandbox, paid.host
stripe_host, razorpay_host = paid.stripe_host, paid.razorpay_host

NEW_KEY = base64.b64encode(bytes(range(32))).decode()
RETIRED = "retired"   # sealed an hour before this container read a ring without the key
NEWER = "newer"       # sealed after this container read its ring: another one opens it


def key_gone(api: Api, host: str, clock: FixedClock, provider: str, how: str) -> Stream:
    """The host's `provider` keys as stored, then a container whose ring holds only a
    new key, the key they are under `how` gone from it; the stream, read to now."""
    sealed_ago = timedelta(hours=1) if how == RETIRED else timedelta(0)
    ring_read_ago = timedelta(minutes=10) if how == RETIRED else timedelta(hours=1)
    ConnectionItem.get(f"CONNECTIONS#{host_id(api, host)}", f"PROVIDER#{provider}").update(
        actions=[ConnectionItem.sealed_at.set(clock.now() - sealed_ago)])
    rebuild(token_keys={"new-1": NEW_KEY}, token_active_kid="new-1",
            token_keys_read_at=clock.now() - ring_read_ago)
    stream = Stream()
    stream.read()
    return stream


def with_the_key_again(old: dict[str, str], old_kid: str, clock: FixedClock) -> None:
    """A container that holds the key the keys are under (a newer one, for the other)."""
    rebuild(token_keys=old, token_active_kid=old_kid, token_keys_read_at=clock.now())


def ring() -> tuple[dict[str, str], str]:
    settings = bootstrap.services().settings
    return dict(settings.token_keys), settings.token_active_kid


# ---- a client booking a paid event ---------------------------------------------------------


@pytest.mark.parametrize("provider", ["stripe", "razorpay"])
def test_a_paid_booking_with_keys_under_a_retired_key_is_refused_and_the_account_broken_once(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
        provider: str) -> None:
    # GIVEN a host taking payments through `provider`, its keys under a key since retired
    if provider == "stripe":
        paid.connect_stripe(api, host, sandbox)
        paid.price_intro(api, host)
    else:
        paid.connect_razorpay(api, host, sandbox)
        paid.price_intro(api, host, {"amount_minor": 150000, "currency": "INR"})
    stream = key_gone(api, host, clock, provider, RETIRED)

    # WHEN a client books the paid event
    r = api.post("/hosts/alice/intro/bookings", f.booking(slot(clock)))

    # THEN it is refused as the host's payments not connected (no 500, no time held),
    # and the account is broken, the host's dashboards told, once
    assert (r.status, r.code) == (409, "payment_not_connected"), r.body
    shown = status_of(api, host, provider)
    assert shown["status"] == "broken" and "reconnect" in shown["broken_reason"]
    assert [(e.connection or {}).get("provider") for e in broken_events(stream)] == [provider]
    again = api.post("/hosts/alice/intro/bookings", f.booking(slot(clock)))
    assert (again.status, again.code) == (409, "payment_not_connected"), again.body
    assert broken_events(stream) == []
    assert status_of(api, host, provider)["broken_at"] == shown["broken_at"]


@pytest.mark.parametrize("provider", ["stripe", "razorpay"])
def test_a_paid_booking_with_keys_under_a_newer_key_says_try_again_and_holds_no_time(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
        provider: str) -> None:
    # GIVEN a host taking payments through `provider`, and an old container meeting its
    # keys sealed under a key newer than its ring (a rotation rolling out)
    if provider == "stripe":
        paid.connect_stripe(api, host, sandbox)
        paid.price_intro(api, host)
    else:
        paid.connect_razorpay(api, host, sandbox)
        paid.price_intro(api, host, {"amount_minor": 150000, "currency": "INR"})
    old, old_kid = ring()
    stream = key_gone(api, host, clock, provider, NEWER)

    # WHEN a client books the paid event there
    r = api.post("/hosts/alice/intro/bookings", f.booking(slot(clock)))

    # THEN "try again", in JSON, nothing marked, and the time not held: a container
    # holding the key books that very time
    assert (r.status, r.code) == (503, "provider_unavailable"), r.body
    assert status_of(api, host, provider)["status"] == "connected"
    assert broken_events(stream) == []
    with_the_key_again(old, old_kid, clock)
    assert book(api, clock)["status"] == "pending_payment"


# ---- the host connecting Stripe ------------------------------------------------------------


def test_connecting_stripe_whose_stored_account_is_under_a_retired_key_makes_a_new_one(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    (first,) = [a["id"] for a in sandbox.stripe_accounts()]
    stream = key_gone(api, stripe_host, clock, "stripe", RETIRED)

    r = api.post("/me/connections/stripe", {"features": ["payments"]}, token=stripe_host)

    # The stored account id cannot be read by anyone: shown broken (told once), and the
    # host onboards a new account, as after one that disconnected Penny
    assert r.status == 200, r.body
    assert "/stripe/setup/" in r.json["authorize_url"]
    assert [a["id"] for a in sandbox.stripe_accounts() if a["id"] != first] != []
    assert [(e.connection or {}).get("provider") for e in broken_events(stream)] == ["stripe"]
    assert status_of(api, stripe_host, "stripe")["status"] == "pending"


def test_connecting_stripe_whose_stored_account_is_under_a_newer_key_says_try_again(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    stream = key_gone(api, stripe_host, clock, "stripe", NEWER)

    r = api.post("/me/connections/stripe", {"features": ["payments"]}, token=stripe_host)

    assert (r.status, r.code) == (503, "provider_unavailable"), r.body
    assert len(sandbox.stripe_accounts()) == 1  # no second account made
    assert status_of(api, stripe_host, "stripe")["status"] == "connected"
    assert broken_events(stream) == []


# ---- Stripe telling Penny the account is gone ------------------------------------------------


@pytest.mark.parametrize("how", [RETIRED, NEWER])
def test_a_stripe_account_that_disconnects_penny_is_shown_broken_whatever_its_keys(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        how: str) -> None:
    # GIVEN a connected Stripe account whose stored id this container cannot read
    (acct,) = [a["id"] for a in sandbox.stripe_accounts()]
    stream = key_gone(api, stripe_host, clock, "stripe", how)

    # WHEN the host disconnects Penny in Stripe's dashboard (its webhook: no 500)
    sandbox.stripe_revoke_account(acct)
    deliver_stripe(api, sandbox, 1)  # account.application.deauthorized

    # THEN the account is shown broken, the host told (its keys were never needed)
    shown = status_of(api, stripe_host, "stripe")
    assert shown["status"] == "broken" and "disconnected Penny" in shown["broken_reason"]
    assert [(e.connection or {}).get("provider") for e in broken_events(stream)] == ["stripe"]


# ---- a Stripe account whose onboarding is not finished ---------------------------------------


def test_a_pending_stripe_account_under_a_retired_key_is_shown_broken_to_reconnect(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a Stripe account made, its onboarding not finished, its id under a retired key
    r = api.post("/me/connections/stripe", {"features": ["payments"]}, token=host)
    assert r.status == 200, r.body
    assert status_of(api, host, "stripe")["status"] == "pending"
    stream = key_gone(api, host, clock, "stripe", RETIRED)

    # WHEN the host comes back from Stripe's onboarding (the dashboard checks it)
    checked = api.post("/me/connections/stripe/test", token=host)

    # THEN it is broken, told once, and connecting again starts a new account
    assert (checked.status, checked.json["status"]) == (200, "broken"), checked.body
    shown = status_of(api, host, "stripe")
    assert shown["status"] == "broken" and "reconnect" in shown["broken_reason"]
    assert [(e.connection or {}).get("provider") for e in broken_events(stream)] == ["stripe"]
    assert api.post("/me/connections/stripe/test", token=host).json["status"] == "broken"
    assert broken_events(stream) == []
    again = api.post("/me/connections/stripe", {"features": ["payments"]}, token=host)
    assert again.status == 200 and len(sandbox.stripe_accounts()) == 2
    assert status_of(api, host, "stripe")["status"] == "pending"
