"""Paid bookings end to end: Penny's API, the real stripe and razorpay SDKs, the provider
sandbox answering and signing webhooks as the vendors do, and the store on moto.

The sandbox posts its webhooks to Penny's public URL, which no server answers in these
tests; each delivery it recorded is handed to Penny's webhook route as it was sent
(headers and raw body), as the Function URL would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from html import unescape
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
import requests
from icalendar import Calendar

from chalicelib import bootstrap
from chalicelib.domain.bookings import Booking
from chalicelib.domain.events import Event, EventKind
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.deliveries import DeliveryItem
from chalicelib.store.queues import QUEUES
from sandbox.server import ProviderSandbox, start_sandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.hosts import make_host, make_sandbox_host
from tests.functional.test_calendars import run_calendar_job
from tests.functional.test_connections import PUBLIC, connect, expire_in_penny, status_of
from tests.functional.test_function_url import call, url_event

NEW_YORK = ZoneInfo("America/New_York")
STRIPE_HOOK = f"{PUBLIC}/webhooks/stripe"
USD_150 = {"amount_minor": 15000, "currency": "USD"}


@pytest.fixture
def sandbox() -> Iterator[ProviderSandbox]:
    with start_sandbox(redirect_uris=(f"{PUBLIC}/oauth/{{provider}}/callback",)) as running:
        running.stripe_webhook_endpoint(STRIPE_HOOK)
        running.stripe_webhook_retries([])  # nothing answers there: the test delivers
        running.razorpay_webhook_retries(1, 0.0)
        DELIVERED[running.url] = 0
        yield running


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


# ---- connecting ------------------------------------------------------------------------


def connect_stripe(api: Api, token: str, sandbox: ProviderSandbox) -> str:
    """Connect, finish Stripe's onboarding as the host would, come back: the account id."""
    r = api.post("/me/connections/stripe", {"features": ["payments"]}, token=token)
    assert r.status == 200, r.body
    assert "/stripe/setup/" in r.json["authorize_url"]
    account = next(a for a in sandbox.stripe_accounts() if a["email"] == "alice@example.com")
    sandbox.stripe_complete_onboarding(account["id"])
    deliver_stripe(api, sandbox, 1)  # account.updated: nothing Penny acts on
    r = api.post("/me/connections/stripe/test", token=token)
    assert (r.status, r.json["status"]) == (200, "connected"), r.body
    return str(account["id"])


def connect_razorpay(api: Api, token: str, sandbox: ProviderSandbox) -> str:
    merchant = sandbox.razorpay_merchant()
    r = api.put("/me/connections/razorpay", {
        "key_id": merchant.key_id, "key_secret": merchant.key_secret,
        "webhook_secret": merchant.webhook_secret}, token=token)
    assert r.status == 200, r.body
    sandbox.razorpay_webhook(merchant.key_id, r.json["webhook_url"])
    return str(r.json["webhook_url"])


def price_intro(api: Api, token: str, price: dict[str, Any] = USD_150,
                **more: Any) -> None:
    (intro,) = api.get("/me/event-types", token=token).json["event_types"]
    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(price=price, **more),
                token=token)
    assert r.status == 200, r.body


def host_id(api: Api, token: str) -> str:
    return str(api.get("/me/profile", token=token).json["id"])


# ---- booking and paying -----------------------------------------------------------------


def next_weekday(clock: FixedClock, days: int = 7) -> date:
    day = (clock.current + timedelta(days=days)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def slot(clock: FixedClock, hour: int = 10) -> str:
    return datetime.combine(next_weekday(clock), time(hour), NEW_YORK).isoformat()


def book(api: Api, clock: FixedClock, hour: int = 10, email: str = "bo@example.com",
         expect: int = 201, start: str | None = None) -> dict[str, Any]:
    """A booking of the intro call at `hour` New York a week on, or at `start` (another
    booking's: the clock moved since may have crossed midnight UTC, and a week on is then
    another day)."""
    body = f.booking(start or slot(clock, hour))
    body["attendee"]["email"] = email
    r = api.post("/hosts/alice/intro/bookings", body)
    assert r.status == expect, r.body
    return dict(r.json)


def view(api: Api, booking: dict[str, Any]) -> dict[str, Any]:
    token = booking["links"]["cancel_token"]
    r = api.get(f"/bookings/{booking['uid']}?token={token}")
    assert r.status == 200, r.body
    return dict(r.json)


def cancelled_job_tried_three_times(api: Api, held: dict[str, Any], host: str,
                                    before_each: Callable[[], object] = lambda: None
                                    ) -> None:
    """The payments job of a cancel run as Lambda runs one event: its first two tries
    fail (the refund still owed after each), the third ends it."""
    for attempt in range(3):
        before_each()
        if attempt < 2:
            with pytest.raises(Exception):  # noqa: B017 - failed for Lambda's retry
                run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])
            assert view(api, held)["payment"]["state"] == "refund_owed"
        else:
            run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])


def session_of(booking: dict[str, Any]) -> str:
    return str(booking["payment"]["checkout_url"].rsplit("/", 1)[-1])


def deliver_stripe(api: Api, sandbox: ProviderSandbox, count: int,
                   expect: tuple[int, ...] = (200,)) -> None:
    """Hand Penny the next `count` webhooks the sandbox sent (after those handed before)."""
    seen = DELIVERED.get(sandbox.url, 0)
    sandbox.stripe_wait_for_deliveries(seen + count)
    for delivery in sandbox.stripe_deliveries()[seen:seen + count]:
        r = post_stripe(api, delivery.body, delivery.signature)
        assert r.status in expect, (delivery.event_type, r.status, r.body)
    DELIVERED[sandbox.url] = seen + count


# How many of each sandbox's webhooks the test has handed Penny (or let pass).
DELIVERED: dict[str, int] = {}


def post_stripe(api: Api, body: bytes, signature: str | None) -> Any:
    headers = {} if signature is None else {"Stripe-Signature": signature}
    return api.post("/webhooks/stripe", raw=body, headers=headers)


def as_it_is(uid: str) -> Booking:
    found = BookingRepository().get(uid)
    assert found is not None
    return found


def run_payments_job(kind: EventKind, host: str, uid: str, n: int = 1) -> None:
    spec = next(s for s in QUEUES if s.name == "payments")
    runner = bootstrap.build_worker(bootstrap.core(), spec)
    runner.handle(Event(kind, f"{uid}-{kind.value}-{n}", bootstrap.core().clock.now(),
                        host, {"uid": uid}))


@pytest.fixture
def stripe_host(api: Api, host: str, sandbox: ProviderSandbox) -> str:
    connect_stripe(api, host, sandbox)
    price_intro(api, host)
    return host


def test_a_priced_event_type_needs_a_connected_payment_provider_first(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]

    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(price=USD_150), token=host)

    assert (r.status, r.code) == (409, "payment_not_connected")
    assert r.json["error"]["field"] == "price"


def test_a_price_under_the_vendors_minimum_charge_is_refused_when_saved(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    # Stripe takes no card payment under €0.50, Razorpay no order under ₹1.00: saved, such
    # a price would fail every visitor at the checkout instead.
    connect_stripe(api, host, sandbox)
    connect_razorpay(api, host, sandbox)
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]

    euro = api.put(f"/me/event-types/{intro['id']}",
                   f.event_type(price={"amount_minor": 10, "currency": "EUR"}), token=host)
    rupee = api.put(f"/me/event-types/{intro['id']}",
                    f.event_type(price={"amount_minor": 50, "currency": "INR"}), token=host)

    assert (euro.status, euro.code, euro.json["error"]["field"]) == (
        400, "price_not_payable", "price.amount_minor")
    assert euro.json["error"]["message"].startswith("Stripe takes payments of at least 0.50 EUR")
    assert (rupee.status, rupee.code) == (400, "price_not_payable")
    assert rupee.json["error"]["message"].startswith("Razorpay takes payments of at least 1.00")
    assert api.get("/me/event-types", token=host).json["event_types"] == [intro]
    price_intro(api, host, {"amount_minor": 50, "currency": "EUR"})  # the minimum itself


def test_a_kept_price_the_vendor_refuses_at_the_checkout_holds_nothing(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # ₹0.50 was saved while Stripe (minimum ₹0.50) would take it; Razorpay, connected
    # since, takes rupees and refuses an order under ₹1.00.
    connect_stripe(api, host, sandbox)
    price_intro(api, host, {"amount_minor": 50, "currency": "INR"})
    connect_razorpay(api, host, sandbox)

    r = api.post("/hosts/alice/intro/bookings", f.booking(slot(clock)))

    assert (r.status, r.code) == (409, "payment_refused"), r.body
    assert r.json["error"]["message"].startswith("Razorpay would not take this payment")
    price_intro(api, host, {"amount_minor": 100, "currency": "INR"})
    assert book(api, clock)["status"] == "pending_payment"  # the time was let go


def test_stripe_stays_pending_until_its_onboarding_is_finished(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    r = api.post("/me/connections/stripe", {"features": ["payments"]}, token=host)
    assert r.status == 200, r.body

    listed = api.get("/me/connections", token=host).json["connections"]
    stripe = next(c for c in listed if c["provider"] == "stripe")
    assert stripe["status"] == "pending"
    assert api.post("/me/connections/stripe/test", token=host).json["status"] == "pending"
    again = api.post("/me/connections/stripe", {"features": ["payments"]}, token=host)
    assert len(sandbox.stripe_accounts()) == 1 and again.status == 200  # the same account


@pytest.mark.parametrize(("view", "decision"), [
    ("welcome", "complete"), ("welcome", "later"), ("connections", "complete")])
def test_stripe_onboarding_comes_back_to_the_view_connect_was_pressed_on(
        api: Api, host: str, view: str, decision: str) -> None:
    r = api.post("/me/connections/stripe", {"features": ["payments"], "return_to": view},
                 token=host)
    assert r.status == 200, r.body

    back = leave_stripe_onboarding(r.json["authorize_url"], decision)

    assert back == f"{PUBLIC}/app/{view}?stripe=return"


@pytest.mark.parametrize("where", ["https://evil.example/app", "//evil.example", "login"])
def test_a_stripe_way_back_that_is_not_a_view_of_the_dashboard_is_refused(
        api: Api, host: str, where: str) -> None:
    r = api.post("/me/connections/stripe", {"features": ["payments"], "return_to": where},
                 token=host)

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", "return_to")


def leave_stripe_onboarding(link: str, decision: str) -> str:
    """The host's browser on the sandbox's onboarding page: Complete (or anything else, as
    Not now); where Stripe then sends it."""
    with requests.Session() as browser:
        page = browser.get(link, timeout=30)
        form = re.search(r'<form\b[^>]*\baction="(?P<action>[^"]+)"', page.text)
        assert page.ok and form, page.text
        left = browser.post(urljoin(page.url, unescape(form["action"])),
                            data={"decision": decision}, allow_redirects=False, timeout=30)
    assert left.status_code == 303, left.text
    return str(left.headers["Location"])


def test_a_paid_booking_is_held_then_confirmed_by_stripes_signed_webhook(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    assert held["status"] == "pending_payment"
    payment = held["payment"]
    assert (payment["provider"], payment["state"], payment["amount_minor"]) == (
        "stripe", "awaiting", 15000)
    assert payment["hold_until"] == (clock.current + timedelta(minutes=15)).isoformat()
    session = sandbox.stripe_object(session_of(held))
    assert session["status"] == "open" and session["metadata"]["booking_uid"] == held["uid"]

    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)  # checkout.session.completed, payment_intent.succeeded

    confirmed = view(api, held)
    assert confirmed["status"] == "confirmed"
    assert confirmed["payment"]["state"] == "paid" and confirmed["payment"]["hold_until"] is None


def test_the_checkout_names_the_time_on_the_clients_own_clock(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a client in Tokyo booking the New York host's 10:00 (00:00 the next day there)
    body = f.booking(slot(clock))
    body["attendee"]["timezone"] = "Asia/Tokyo"
    r = api.post("/hosts/alice/intro/bookings", body)
    assert r.status == 201, r.body

    # THEN Stripe's checkout page says the time the client picked, as they picked it
    start = datetime.fromisoformat(r.json["start"]).astimezone(ZoneInfo("Asia/Tokyo"))
    (item,) = sandbox.stripe_line_items(session_of(dict(r.json)))
    assert item["description"] == (f"Intro · {start:%a} {start.day} "
                                   f"{start:%b %Y}, 00:00 JST")


def test_an_unpaid_bookings_invite_is_tentative_and_once_its_hold_lapses_cancels_it(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)

    def invite() -> tuple[str, Any]:
        r = api.get(f"/bookings/{held['uid']}/invite.ics?token={held['links']['cancel_token']}")
        assert r.status == 200, r.body
        cal = Calendar.from_ical(r.body)
        return str(cal["METHOD"]), cal.walk("VEVENT")[0]

    method, event = invite()
    assert (method, str(event["STATUS"])) == ("REQUEST", "TENTATIVE")
    assert "held until it is paid" in str(event["DESCRIPTION"])
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"

    clock.advance(minutes=15)
    method, event = invite()
    assert (method, str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCEL", "CANCELLED", 1)
    assert "not booked" in str(event["DESCRIPTION"])


def test_the_success_redirect_alone_confirms_nothing(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)

    sandbox.stripe_pay(session_of(held))  # the client is back on the success URL...

    assert view(api, held)["status"] == "pending_payment"  # ...until the webhook says so


@pytest.mark.parametrize("forgery", ["unsigned", "wrong_secret", "stale", "tampered"])
def test_a_forged_unsigned_or_stale_webhook_is_400_and_changes_nothing(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        forgery: str) -> None:
    held = book(api, clock)
    if forgery == "wrong_secret":
        sandbox.stripe_sign_next_delivery(secret="whsec_not_the_platforms")
    elif forgery == "stale":
        sandbox.stripe_sign_next_delivery(stale_by=600)
    sandbox.stripe_pay(session_of(held))
    seen = DELIVERED[sandbox.url]
    sandbox.stripe_wait_for_deliveries(seen + 1)
    delivery = sandbox.stripe_deliveries()[seen]
    body, signature = delivery.body, delivery.signature
    sent: str | None = None if forgery == "unsigned" else signature
    if forgery == "tampered":
        body = body + b" "  # one byte more than was signed

    r = post_stripe(api, body, sent)

    assert (r.status, r.code) == (400, "invalid_signature")
    assert view(api, held)["status"] == "pending_payment"


def test_five_deliveries_of_one_event_confirm_once(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.stripe_duplicate_deliveries(5)
    sandbox.stripe_pay(session_of(held))
    sandbox.stripe_wait_for_deliveries(DELIVERED[sandbox.url] + 10)
    completed = [d for d in sandbox.stripe_deliveries()
                 if d.event_type == "checkout.session.completed"]

    answers = [post_stripe(api, d.body, d.signature) for d in completed]

    assert len(completed) == 5 and {r.status for r in answers} == {200}
    assert [r.headers.get("Penny-Delivery") for r in answers] == [
        "processed", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert view(api, held)["status"] == "confirmed"


def test_five_concurrent_deliveries_of_one_event_confirm_once(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        atomic_moto: None) -> None:
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    sandbox.stripe_wait_for_deliveries(DELIVERED[sandbox.url] + 2)
    completed = next(d for d in sandbox.stripe_deliveries()
                     if d.event_type == "checkout.session.completed")
    gate, outcomes = threading.Barrier(5), []

    def deliver() -> None:
        gate.wait()
        r = post_stripe(api, completed.body, completed.signature)
        outcomes.append((r.status, r.headers.get("Penny-Delivery")))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(o[1] or "" for o in outcomes).count("processed") == 1
    assert all(status in (200, 503) for status, _ in outcomes)
    assert view(api, held)["status"] == "confirmed"


def test_the_hold_timer_expires_the_session_and_frees_the_slot(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    alice = host_id(api, stripe_host)
    clock.advance(minutes=15)

    run_payments_job(EventKind.PAYMENT_HOLD_EXPIRED, alice, held["uid"])

    assert sandbox.stripe_object(session_of(held))["status"] == "expired"
    assert view(api, held)["status"] == "expired"
    rival = book(api, clock, email="cy@example.com", start=held["start"])
    assert rival["status"] == "pending_payment"


def test_a_retried_request_after_its_hold_lapsed_answers_it_expired_with_nothing_to_pay(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid booking request whose hold lapsed before its timer ran
    body = f.booking(slot(clock))
    key = {"Idempotency-Key": "retry-after-the-hold"}
    first = api.post("/hosts/alice/intro/bookings", body, headers=key)
    assert (first.status, first.json["status"]) == (201, "pending_payment"), first.body
    clock.advance(minutes=16)

    # WHEN the client retries it with the same Idempotency-Key
    again = api.post("/hosts/alice/intro/bookings", body, headers=key)

    # THEN the replay says the booking as it stands: expired, with no checkout to pay
    assert (again.status, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json["uid"] == first.json["uid"] and again.json["status"] == "expired"
    payment = again.json["payment"]
    assert (payment["state"], payment["checkout_url"], payment["hold_until"]) == (
        "expired", None, None)
    assert len(sandbox.stripe_sessions()) == 1


def test_a_payment_after_the_hold_lapsed_is_confirmed_while_the_time_is_free(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    clock.advance(minutes=20)  # Penny's hold lapsed; Stripe's session lives 30 minutes

    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)

    assert view(api, held)["status"] == "confirmed"
    assert sandbox.stripe_refunds() == []


def test_a_payment_after_someone_else_took_the_time_is_refunded_automatically(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    clock.advance(minutes=20)
    rival = book(api, clock, email="cy@example.com", start=held["start"])
    sandbox.stripe_pay(session_of(rival))
    deliver_stripe(api, sandbox, 2)

    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)

    late = view(api, held)
    assert late["status"] != "confirmed"
    assert late["payment"]["state"] == "refunded"
    assert late["payment"]["refund_reason"] == "taken"
    (refund,) = sandbox.stripe_refunds()
    assert refund["amount"] == 15000 and refund["status"] == "succeeded"
    assert view(api, rival)["status"] == "confirmed"
    # and the client's page offers another time, as for a hold that lapsed unpaid
    page = api.get(f"/booking/{held['uid']}?token={held['links']['cancel_token']}").body
    assert 'id="book-again"><a class="button primary" href="/alice/intro"' in page.decode()
    rival_page = api.get(f"/booking/{rival['uid']}?token={rival['links']['cancel_token']}")
    assert 'id="book-again"' not in rival_page.body.decode()


def test_a_payment_after_the_host_filled_the_lapsed_time_in_google_is_refunded_as_taken(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect(api, stripe_host, "google")          # her calendar counts for conflicts
    held = book(api, clock)                      # 10:00-10:30 New York, held
    clock.advance(minutes=20)                    # the hold lapsed: the time is offered
    start = datetime.fromisoformat(held["start"])
    sandbox.add_event("google", "Doctor", start, start + timedelta(minutes=30))

    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)

    late = view(api, held)
    assert late["status"] != "confirmed"
    assert (late["payment"]["state"], late["payment"]["refund_reason"]) == (
        "refunded", "taken")
    (refund,) = sandbox.stripe_refunds()
    assert refund["amount"] == 15000


def test_a_paid_booking_while_google_is_broken_still_says_the_link_will_follow(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a Google Meet intro paid through Stripe while Alice's Google is revoked
    connect(api, stripe_host, "google")
    alice = host_id(api, stripe_host)
    sandbox.revoke("google")
    sandbox.expire_access_tokens("google")
    expire_in_penny(api, stripe_host, clock)
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    # ...and Stripe's second delivery of the payment, which read the booking before the
    # first confirmed it, settles it again while the calendar job waits on Google: it
    # writes the booking as it reads it now (services/payment_confirmation.py `_paid`), a
    # new version.
    real_broken = bootstrap.HostAdapters.broken

    def broken_while_the_payment_settles_again(self: Any, host: str, provider: str,
                                               reason: str) -> None:
        monkeypatch.setattr(bootstrap.HostAdapters, "broken", real_broken)
        bootstrap.services().payments.reservations.settle(lambda now: as_it_is(held["uid"]))
        real_broken(self, host, provider, reason)

    monkeypatch.setattr(bootstrap.HostAdapters, "broken",
                        broken_while_the_payment_settles_again)

    # WHEN the calendar job runs for the confirmation
    run_calendar_job(EventKind.BOOKING_CONFIRMED, alice, held["uid"])

    # THEN Google shows broken, and the client is told the host will send the link
    assert status_of(api, stripe_host, "google")["status"] == "broken"
    seen = view(api, held)
    assert seen["video_url"] is None
    assert seen["video_note"] == "The host will send you the Google Meet link before the meeting."


def test_out_of_order_expiry_after_the_payment_leaves_it_paid(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.stripe_hold_deliveries()
    sandbox.stripe_pay(session_of(held))
    completed = sandbox.stripe_held_events()
    session = sandbox.stripe_object(session_of(held))
    expired = sandbox.stripe_emit_event("checkout.session.expired",
                                        {**session, "status": "expired"},
                                        account=session.get("_account"))
    sandbox.stripe_release_deliveries([*completed, expired["id"]])
    deliver_stripe(api, sandbox, len(completed) + 1)

    assert view(api, held)["status"] == "confirmed"


def test_cancelling_in_time_refunds_in_full_once_and_moving_never_charges_again(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    r = api.post(f"/bookings/{held['uid']}/reschedule",
                 {"token": held["links"]["reschedule_token"], "start": slot(clock, 14)})
    assert (r.status, r.json["status"]) == (200, "confirmed"), r.body
    assert len(sandbox.stripe_sessions()) == 1

    r = api.post(f"/bookings/{held['uid']}/cancel",
                 {"token": held["links"]["cancel_token"], "reason": "plans changed"})
    assert r.status == 200, r.body
    for n in (1, 2):  # booking.cancelled, and its redelivery
        run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"],
                         n)

    (refund,) = sandbox.stripe_refunds()
    assert refund["amount"] == 15000
    assert view(api, held)["payment"]["state"] == "refunded"


def manage_page_payment(api: Api, booking: dict[str, Any]) -> str:
    r = api.get(f"/booking/{booking['uid']}?token={booking['links']['cancel_token']}")
    assert r.status == 200
    text = r.body.decode() if isinstance(r.body, bytes) else str(r.body)
    return text.split('id="payment-state"', 1)[1].split("</p>", 1)[0]


def test_a_stripe_refund_that_fails_later_is_shown_failed_and_not_made_again(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"])
    (refund,) = sandbox.stripe_refunds()

    sandbox.stripe_fail_refund(refund["id"])   # the card was closed: the bank sent it back
    # refund.created, charge.refunded, refund.updated (to failed), refund.failed
    deliver_stripe(api, sandbox, len(sandbox.stripe_events()) - DELIVERED[sandbox.url])
    run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"], 2)

    failed = view(api, held)["payment"]
    assert (failed["state"], failed["refunded_minor"]) == ("refund_failed", 15000)
    assert len(sandbox.stripe_refunds()) == 1    # never made again (the card would refuse)
    assert "could not reach your card" in manage_page_payment(api, held)


def test_a_refund_owed_that_the_host_makes_in_stripes_dashboard_is_shown_refunded(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled booking whose refund Stripe refused (the dashboard: "Refund owed")
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    sandbox.stripe_fail_next_api_calls(status=400)
    with pytest.raises(Exception):  # noqa: B017 - the job fails for its retries and DLQ
        run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"])
    assert view(api, held)["payment"]["state"] == "refund_owed"
    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]

    # WHEN the host refunds it in Stripe's dashboard (refund.created, without Penny's
    # metadata, and charge.refunded), each event delivered twice
    sandbox.stripe_duplicate_deliveries(2)
    sandbox.stripe_refund_in_dashboard(str(intent))
    deliver_stripe(api, sandbox, 4)

    # THEN the booking says refunded, for what Stripe says went back; nothing more is made
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"]) == ("refunded", 15000)
    run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"], 2)
    assert len(sandbox.stripe_refunds()) == 1


def test_a_refund_owed_given_back_in_part_in_stripes_dashboard_is_made_for_the_rest(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled booking whose refund Stripe refused ("Refund owed"), of which
    # the host then gives back 50.00 of 150.00 in Stripe's dashboard
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    sandbox.stripe_fail_next_api_calls(status=400)
    with pytest.raises(Exception):  # noqa: B017 - the job fails for its retries and DLQ
        run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"])
    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    sandbox.stripe_refund_in_dashboard(str(intent), amount=5000)
    deliver_stripe(api, sandbox, 2)   # refund.created, charge.refunded
    assert view(api, held)["payment"]["state"] == "refund_owed"

    # WHEN the job is redriven, and once more
    for n in (2, 3):
        run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"],
                         n)

    # THEN Penny refunds the rest alone, once, keyed by what the host had given back
    refunds = sandbox.stripe_refunds()
    assert sorted(r["amount"] for r in refunds) == [5000, 10000]
    (own,) = [r for r in refunds if r["metadata"].get("penny_refund_key")]
    assert own["metadata"]["penny_refund_key"] == f"{held['uid']}-cancelled-after-5000-ask-2"
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"]) == ("refunded", 15000)


def test_a_refund_owed_the_host_gave_back_in_full_before_penny_hears_ends_refunded(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled booking whose refund Stripe refused ("Refund owed"), which the
    # host then gives back in full in Stripe's dashboard, its charge.refunded not at Penny
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    host = host_id(api, stripe_host)
    sandbox.stripe_refuse_refunds(1)
    with pytest.raises(Exception):  # noqa: B017 - failed for Lambda's retry
        run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])
    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    given = sandbox.stripe_refund_in_dashboard(str(intent))

    # WHEN Lambda tries the job again, twice (Stripe says charge_already_refunded now)
    for n in (2, 3):
        run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"], n)

    # THEN the booking ends refunded in full by the host's refund, never "refund by
    # hand"; and the dashboard's events, when they come, change nothing
    assert [r["id"] for r in sandbox.stripe_refunds()] == [given["id"]]
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"], shown["refund_refused"]) == (
        "refunded", 15000, False)
    deliver_stripe(api, sandbox, 2)   # refund.created, charge.refunded
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"]) == ("refunded", 15000)


def test_a_refund_stripe_refuses_at_each_of_the_workers_tries_is_left_to_the_host(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled paid booking, and Stripe refusing Penny's refund (a 400) each time
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    host = host_id(api, stripe_host)

    # WHEN the payments job runs and Lambda retries it twice (one event: its 3 tries)
    cancelled_job_tried_three_times(api, held, host,
                                    lambda: sandbox.stripe_fail_next_api_calls(status=400))

    # THEN the booking says the refund failed, refused: the host refunds by hand, and a
    # redrive of the DLQ (another delivery) asks Stripe for nothing
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refund_refused"]) == ("refund_failed", True)
    assert "the host has been told and will refund you" in manage_page_payment(api, held)
    calls = sandbox.stripe_api_calls()
    run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"], 2)
    assert sandbox.stripe_api_calls() == calls and sandbox.stripe_refunds() == []

    # WHEN the host refunds it in Stripe's dashboard
    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    sandbox.stripe_refund_in_dashboard(str(intent))
    deliver_stripe(api, sandbox, 2)   # refund.created, charge.refunded

    # THEN it shows refunded
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refund_refused"]) == ("refunded", False)


def test_a_refund_stripe_refused_once_is_made_at_the_retry_under_a_key_of_its_own(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled paid booking, and Stripe refusing its refund once (the host's
    # balance too low, topped up before the retry): Stripe keeps that refusal for a day as
    # the answer of its Idempotency-Key
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    host = host_id(api, stripe_host)
    sandbox.stripe_refuse_refunds(1)
    with pytest.raises(Exception):  # noqa: B017 - failed for Lambda's retry
        run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])

    # WHEN Lambda retries the job
    run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])

    # THEN the retry asks under the second ask's key, and the refund is made
    (refund,) = sandbox.stripe_refunds()
    assert refund["metadata"]["penny_refund_key"] == f"{held['uid']}-cancelled-ask-2"
    assert view(api, held)["payment"]["state"] == "refunded"


def test_a_paid_booking_refunded_in_stripes_dashboard_says_the_host_refunded_it(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)

    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    sandbox.stripe_refund_in_dashboard(str(intent), amount=5000)
    deliver_stripe(api, sandbox, 2)   # refund.created, charge.refunded

    shown = view(api, held)
    assert (shown["status"], shown["payment"]["state"]) == ("confirmed", "refunded")
    assert (shown["payment"]["refunded_minor"], shown["payment"]["refund_reason"]) == (
        5000, "provider")


def test_two_parts_refunded_in_stripes_dashboard_show_stripes_total_however_told(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid booking, of which the host gives back 10.00, then 20.00, in Stripe's
    # dashboard
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    intent = str(as_it_is(held["uid"]).payment.payment_id)  # type: ignore[union-attr]
    sandbox.stripe_refund_in_dashboard(intent, amount=1000)
    sandbox.stripe_refund_in_dashboard(intent, amount=2000)
    first, second = (e["id"] for e in sandbox.stripe_events("charge.refunded"))

    # WHEN their events come (refund.created and charge.refunded each), then the first
    # part's charge.refunded again, late
    deliver_stripe(api, sandbox, 4)
    sandbox.stripe_redeliver(first)
    deliver_stripe(api, sandbox, 1)

    # THEN the booking shows what Stripe counts gone back: both parts, once each
    assert second != first
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"], shown["refund_reason"]) == (
        "refunded", 3000, "provider")


def test_a_disputed_stripe_payment_is_shown_to_the_host_and_the_booking_stays_paid(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]

    sandbox.stripe_duplicate_deliveries(2)
    sandbox.stripe_dispute(str(intent), "product_not_received")
    deliver_stripe(api, sandbox, 2)   # charge.dispute.created, and its redelivery

    shown = view(api, held)
    assert (shown["status"], shown["payment"]["state"]) == ("confirmed", "paid")
    assert shown["payment"]["dispute"] == {"reason": "product_not_received",
                                           "amount_minor": 15000, "outcome": None}
    r = api.get("/me/bookings", token=stripe_host)
    (row,) = [b for b in r.json["bookings"] if b["uid"] == held["uid"]]
    assert row["payment"]["dispute"]["reason"] == "product_not_received"


def test_a_stripe_disputes_close_told_before_its_opening_shows_the_outcome_once(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid booking whose payment the client disputes, and the bank decides
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    sandbox.stripe_hold_deliveries()
    sandbox.stripe_duplicate_deliveries(2)
    opened = sandbox.stripe_dispute(str(intent), "fraudulent")
    sandbox.stripe_close_dispute(opened["id"], "lost")
    created, closed = (e["id"] for e in sandbox.stripe_events()[-2:])

    # WHEN the close is delivered first, twice, and the opening after it (twice)
    sandbox.stripe_release_deliveries([closed, created])
    deliver_stripe(api, sandbox, 4)
    assert [d.event_type for d in sandbox.stripe_deliveries()[-4:]] == [
        "charge.dispute.closed", "charge.dispute.closed", "charge.dispute.created",
        "charge.dispute.created"]

    # THEN the booking stands, and its payment says the dispute was lost
    shown = view(api, held)
    assert (shown["status"], shown["payment"]["state"]) == ("confirmed", "paid")
    assert shown["payment"]["dispute"] == {"reason": "fraudulent", "amount_minor": 15000,
                                           "outcome": "lost"}
    r = api.get("/me/bookings", token=stripe_host)
    (row,) = [b for b in r.json["bookings"] if b["uid"] == held["uid"]]
    assert row["payment"]["dispute"]["outcome"] == "lost"


@pytest.mark.parametrize(("outcome", "refunded"), [("won", True), ("lost", False)])
def test_cancelling_a_disputed_stripe_booking_waits_for_the_dispute_to_refund(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        outcome: str, refunded: bool) -> None:
    # GIVEN a paid booking whose payment the client disputed with their bank
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    intent = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    opened = sandbox.stripe_dispute(str(intent), "fraudulent")
    deliver_stripe(api, sandbox, 1)                                  # charge.dispute.created

    # THEN before cancelling, the client's link (the API's payment.dispute, and the page)
    # says cancelling makes no refund, not the event type's policy alone
    assert view(api, held)["payment"]["dispute"]["outcome"] is None
    before = manage_page_payment(api, held)
    assert "Your bank is disputing this payment: cancelling now makes no refund" in before
    assert "Full refund if you cancel" not in before

    # WHEN it is cancelled inside its refund policy (the job delivered twice)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    for n in (1, 2):
        run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, stripe_host), held["uid"],
                         n)

    # THEN no refund is asked of Stripe (it would refuse: charge_disputed), and both the
    # API and the client's page say the dispute decides the money
    assert sandbox.stripe_refunds() == []
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refund_held"]) == ("paid", True)
    assert "No refund while your bank's dispute of this payment is open" in \
        manage_page_payment(api, held)

    # WHEN the bank decides the dispute
    sandbox.stripe_close_dispute(opened["id"], outcome)
    deliver_stripe(api, sandbox, 1)                                   # charge.dispute.closed

    # THEN won, the policy's refund is made then, once; lost, never
    refunds = sandbox.stripe_refunds()
    assert [r["amount"] for r in refunds] == ([15000] if refunded else [])
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refund_held"]) == (
        ("refunded", False) if refunded else ("paid", True))
    if refunded:
        assert refunds[0]["metadata"]["penny_refund_key"] == f"{held['uid']}-cancelled"


def test_cancelling_after_the_policys_deadline_refunds_nothing(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect_stripe(api, host, sandbox)
    price_intro(api, host, refund_hours_before=24 * 30)  # a month: always too late
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})

    run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, host), held["uid"])

    assert sandbox.stripe_refunds() == []
    assert view(api, held)["payment"]["state"] == "paid"


def test_a_zero_decimal_currency_is_charged_in_whole_yen(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    connect_stripe(api, host, sandbox)
    price_intro(api, host, {"amount_minor": 5000, "currency": "JPY"})

    held = book(api, clock)

    session = sandbox.stripe_object(session_of(held))
    assert (session["amount_total"], session["currency"]) == (5000, "jpy")


def test_an_isk_price_is_charged_and_refunded_in_stripes_two_decimal_form(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # 5,000 kr: ISK has no decimals, but Stripe takes it two-decimal (500000), so sent as
    # it is stored, Stripe would charge 50 kr.
    connect_stripe(api, host, sandbox)
    price_intro(api, host, {"amount_minor": 5000, "currency": "ISK"})
    held = book(api, clock)
    session = sandbox.stripe_object(session_of(held))
    assert (session["amount_total"], session["currency"]) == (500_000, "isk")
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    assert view(api, held)["payment"]["state"] == "paid"

    r = api.post(f"/bookings/{held['uid']}/cancel",
                 {"token": held["links"]["cancel_token"], "reason": "plans changed"})
    assert r.status == 200, r.body
    run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, host), held["uid"], 1)

    (refund,) = sandbox.stripe_refunds()
    assert refund["amount"] == 500_000
    assert view(api, held)["payment"]["state"] == "refunded"


def test_a_fraction_of_an_ariary_is_refused_when_saved_for_stripe_and_whole_ones_charged(
        api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # Stripe has MGA without decimals (ISO gives it two): Ar 50,000.50 it cannot charge.
    connect_stripe(api, host, sandbox)
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]

    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(
        price={"amount_minor": 5_000_050, "currency": "MGA"}), token=host)

    assert (r.status, r.code, r.json["error"]["field"]) == (
        400, "price_not_payable", "price.amount_minor")
    assert r.json["error"]["message"] == (
        "Stripe takes MGA amounts in whole units only: 50000.00 or 50001.00, say")
    price_intro(api, host, {"amount_minor": 5_000_000, "currency": "MGA"})
    session = sandbox.stripe_object(session_of(book(api, clock)))
    assert (session["amount_total"], session["currency"]) == (50_000, "mga")


def test_stripe_down_at_checkout_books_nothing_and_says_try_again(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    sandbox.stripe_fail_next_api_calls(status=500)  # Stripe-Should-Retry: false: one call

    r = api.post("/hosts/alice/intro/bookings", f.booking(slot(clock)))

    assert (r.status, r.code) == (503, "payment_unavailable"), r.body
    assert book(api, clock)["status"] == "pending_payment"  # the time was let go


def test_a_stripe_account_that_disconnects_penny_shows_broken_and_takes_no_booking(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    account = status_of(api, stripe_host, "stripe")
    assert account["status"] == "connected"
    (acct,) = [a["id"] for a in sandbox.stripe_accounts()]

    # WHEN the host disconnects Penny in Stripe's dashboard (Stripe tells the platform)
    sandbox.stripe_revoke_account(acct)
    deliver_stripe(api, sandbox, 1)  # account.application.deauthorized

    # THEN the Connections page says so, and a paid booking is refused plainly
    broken = status_of(api, stripe_host, "stripe")
    assert broken["status"] == "broken", broken
    assert "disconnected Penny" in broken["broken_reason"]
    r = api.post("/hosts/alice/intro/bookings", f.booking(slot(clock)))
    assert (r.status, r.code) == (409, "payment_not_connected"), r.body


def test_a_host_whose_stripe_account_disconnected_penny_can_connect_stripe_again(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    (gone,) = [a["id"] for a in sandbox.stripe_accounts()]
    sandbox.stripe_revoke_account(gone)
    deliver_stripe(api, sandbox, 1)  # account.application.deauthorized: shown broken

    r = api.post("/me/connections/stripe", {"features": ["payments"]}, token=stripe_host)

    # A new account (making it again under the first one's key gave the gone one back).
    assert r.status == 200, r.body
    (new,) = [a["id"] for a in sandbox.stripe_accounts() if a["id"] != gone]
    again = api.post("/me/connections/stripe", {"features": ["payments"]}, token=stripe_host)
    assert again.status == 200 and len(sandbox.stripe_accounts()) == 2  # that one, once
    sandbox.stripe_complete_onboarding(new)
    deliver_stripe(api, sandbox, 1)  # account.updated
    r = api.post("/me/connections/stripe/test", token=stripe_host)
    assert (r.status, r.json["status"]) == (200, "connected"), r.body
    assert book(api, clock)["status"] == "pending_payment"


def test_an_account_revoked_event_for_no_host_of_ours_changes_nothing(
        api: Api, stripe_host: str, sandbox: ProviderSandbox) -> None:
    stranger = sandbox.stripe_add_account("zed@example.com", "Zed")["id"]
    sandbox.stripe_revoke_account(stranger)

    deliver_stripe(api, sandbox, 1)

    assert status_of(api, stripe_host, "stripe")["status"] == "connected"


def test_a_paid_event_of_a_host_without_payments_is_refused_plainly(
        api: Api, stripe_host: str, clock: FixedClock) -> None:
    r = api.delete("/me/connections/stripe", token=stripe_host)
    assert r.status == 204, r.body

    r = api.post("/hosts/alice/intro/bookings", f.booking(slot(clock)))

    assert (r.status, r.code) == (409, "payment_not_connected")


def test_a_paid_event_type_can_still_be_hidden_after_its_provider_is_disconnected(
        api: Api, stripe_host: str) -> None:
    # A host who stops taking payments takes the paid event off the profile: its price
    # unchanged, that is no new price to refuse (only a new or changed one needs a
    # provider); it stays unbookable through its link until one is connected again.
    assert api.delete("/me/connections/stripe", token=stripe_host).status == 204
    (intro,) = api.get("/me/event-types", token=stripe_host).json["event_types"]
    body = {k: v for k, v in intro.items() if k != "id"}

    r = api.put(f"/me/event-types/{intro['id']}", {**body, "hidden": True},
                token=stripe_host)

    assert r.status == 200, r.body
    assert (r.json["hidden"], r.json["price"]) == (True, USD_150)
    r = api.put(f"/me/event-types/{intro['id']}",
                {**body, "price": {"amount_minor": 9900, "currency": "USD"}},
                token=stripe_host)
    assert (r.status, r.code) == (409, "payment_not_connected")
    assert r.json["error"]["field"] == "price"


# ---- Razorpay ------------------------------------------------------------------------------


@pytest.fixture
def razorpay_host(api: Api, host: str, sandbox: ProviderSandbox) -> str:
    connect_razorpay(api, host, sandbox)
    price_intro(api, host, {"amount_minor": 150000, "currency": "INR"})
    return host


def deliver_razorpay(api: Api, sandbox: ProviderSandbox, seen: int, count: int) -> int:
    sandbox.razorpay_wait_for_webhook_deliveries(seen + count)
    for delivery in sandbox.razorpay_webhook_deliveries()[seen:seen + count]:
        r = api.post(delivery.url.removeprefix(PUBLIC), raw=delivery.body,
                     headers=dict(delivery.headers))
        assert r.status == 200, (r.status, r.body)
    return seen + count


def test_a_host_can_disconnect_razorpay_and_is_then_refused_paid_bookings(
        api: Api, razorpay_host: str, clock: FixedClock) -> None:
    r = api.delete("/me/connections/razorpay", token=razorpay_host)

    assert r.status == 204, r.body
    listed = api.get("/me/connections", token=razorpay_host).json["connections"]
    assert next(c for c in listed if c["provider"] == "razorpay")["status"] == "not_connected"
    assert book(api, clock, expect=409)["error"]["code"] == "payment_not_connected"


def test_razorpay_keys_are_checked_before_they_are_kept(
        api: Api, host: str, sandbox: ProviderSandbox) -> None:
    merchant = sandbox.razorpay_merchant()

    r = api.put("/me/connections/razorpay", {
        "key_id": merchant.key_id, "key_secret": "notTheSecret0123",
        "webhook_secret": merchant.webhook_secret}, token=host)

    assert (r.status, r.code) == (400, "validation_error")
    listed = api.get("/me/connections", token=host).json["connections"]
    assert next(c for c in listed if c["provider"] == "razorpay")["status"] == "not_connected"


def test_an_inr_booking_is_an_order_in_paise_confirmed_by_the_signed_webhook(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    payment = held["payment"]
    assert (payment["provider"], payment["amount_minor"], payment["currency"]) == (
        "razorpay", 150000, "INR")
    (order,) = sandbox.razorpay_orders()
    assert (order["id"], order["amount"]) == (payment["order_id"], 150000)
    assert payment["key_id"] == sandbox.razorpay_merchant().key_id

    sandbox.razorpay_pay(payment["order_id"], notes={"booking_uid": held["uid"]})
    deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))

    assert view(api, held)["status"] == "confirmed"


def test_checkouts_signed_handler_confirms_and_a_forged_one_changes_nothing(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    paid = sandbox.razorpay_pay(held["payment"]["order_id"])
    body = {"token": held["links"]["view"].rsplit("token=", 1)[-1], **paid}

    forged = api.post(f"/bookings/{held['uid']}/payment/razorpay",
                      {**body, "razorpay_signature": "0" * 64})
    assert (forged.status, forged.code) == (400, "invalid_signature")
    assert view(api, held)["status"] == "pending_payment"

    r = api.post(f"/bookings/{held['uid']}/payment/razorpay", body)
    assert (r.status, r.json["status"]) == (200, "confirmed"), r.body


def test_a_manual_capture_account_is_captured_by_checkouts_handler_before_it_confirms(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a host whose Razorpay account captures payments manually
    sandbox.razorpay_manual_capture()
    held = book(api, clock)
    paid = sandbox.razorpay_pay(held["payment"]["order_id"],
                                notes={"booking_uid": held["uid"]})
    assert sandbox.razorpay_payments()[0]["status"] == "authorized"

    # WHEN the pay page sends Checkout's handler fields
    r = api.post(f"/bookings/{held['uid']}/payment/razorpay",
                 {"token": held["links"]["view"].rsplit("token=", 1)[-1], **paid})

    # THEN Penny captured the payment for the order's amount, then confirmed the booking
    assert (r.status, r.json["status"]) == (200, "confirmed"), r.body
    (payment,) = sandbox.razorpay_payments()
    assert (payment["status"], payment["amount"]) == ("captured", 150000)
    assert sandbox.razorpay_api_calls("payments.fetch") == 1
    assert sandbox.razorpay_api_calls("payments.capture") == 1
    # and the events the capture caused find it confirmed
    assert [e.event for e in sandbox.razorpay_events()] == [
        "payment.authorized", "payment.captured", "order.paid"]
    deliver_razorpay(api, sandbox, 0, 3)
    assert sandbox.razorpay_api_calls("payments.capture") == 1
    assert view(api, held)["status"] == "confirmed"


def test_a_capture_razorpay_fails_leaves_the_booking_waiting_for_the_authorized_webhook(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    sandbox.razorpay_manual_capture()
    held = book(api, clock)
    paid = sandbox.razorpay_pay(held["payment"]["order_id"],
                                notes={"booking_uid": held["uid"]})
    sandbox.razorpay_wait_for_webhook_deliveries(1)
    sandbox.razorpay.gate.fail_next(500, 1, None, endpoint="payments.capture")

    # WHEN Razorpay fails the handler's capture of the payment
    r = api.post(f"/bookings/{held['uid']}/payment/razorpay",
                 {"token": held["links"]["view"].rsplit("token=", 1)[-1], **paid})

    # THEN the client is told it is being confirmed, and nothing is confirmed yet
    assert (r.status, r.code) == (503, "payment_unavailable"), r.body
    assert "still confirming it" in r.json["error"]["message"]
    assert view(api, held)["status"] == "pending_payment"
    assert sandbox.razorpay_payments()[0]["status"] == "authorized"
    # WHEN payment.authorized reaches Penny (Razorpay retries it until it is taken)
    (delivery,) = sandbox.razorpay_webhook_deliveries()
    assert delivery.event == "payment.authorized"
    r = api.post(delivery.url.removeprefix(PUBLIC), raw=delivery.body,
                 headers=dict(delivery.headers))
    # THEN it captures the payment and confirms the booking
    assert r.status == 200, r.body
    assert sandbox.razorpay_payments()[0]["status"] == "captured"
    assert view(api, held)["status"] == "confirmed"


def test_an_authorized_payment_for_a_time_someone_else_took_is_left_uncaptured(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    sandbox.razorpay_manual_capture()
    held = book(api, clock)
    clock.advance(minutes=20)                       # the hold lapsed
    rival = book(api, clock, email="cy@example.com", start=held["start"])
    rival_paid = sandbox.razorpay_pay(rival["payment"]["order_id"],
                                      notes={"booking_uid": rival["uid"]})
    r = api.post(f"/bookings/{rival['uid']}/payment/razorpay",
                 {"token": rival["links"]["view"].rsplit("token=", 1)[-1], **rival_paid})
    assert r.json["status"] == "confirmed"
    paid = sandbox.razorpay_pay(held["payment"]["order_id"],
                                notes={"booking_uid": held["uid"]})

    r = api.post(f"/bookings/{held['uid']}/payment/razorpay",
                 {"token": held["links"]["view"].rsplit("token=", 1)[-1], **paid})

    assert (r.status, r.json["status"]) == (200, "expired"), r.body
    statuses = {p["id"]: p["status"] for p in sandbox.razorpay_payments()}
    assert statuses[paid["razorpay_payment_id"]] == "authorized"  # lapses back by itself
    assert sandbox.razorpay_refunds() == []
    assert view(api, rival)["status"] == "confirmed"
    # and the booking's payment says so (the host's list shows the same PaymentOut)
    assert view(api, held)["payment"]["released"] == {"amount_minor": 150000,
                                                      "reason": "taken"}
    assert view(api, rival)["payment"]["released"] is None


def test_a_razorpay_webhook_signed_with_another_secret_is_400(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.razorpay_sign_next_webhooks_with("someone-elses-secret", times=10)
    sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    sandbox.razorpay_wait_for_webhook_deliveries(1)

    for delivery in sandbox.razorpay_webhook_deliveries():
        r = api.post(delivery.url.removeprefix(PUBLIC), raw=delivery.body,
                     headers=dict(delivery.headers))
        assert (r.status, r.code) == (400, "invalid_signature")
    assert view(api, held)["status"] == "pending_payment"


def test_another_hosts_own_signed_webhook_cannot_confirm_a_booking(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # Mallory, a host with her own Razorpay account, books Alice's paid event as a
    # visitor (the answer names the booking and its order) ...
    mallory = make_host(api, slug="mallory")
    own = sandbox.razorpay_add_merchant("Mallory's Studio")
    r = api.put("/me/connections/razorpay", {
        "key_id": own.key_id, "key_secret": own.key_secret,
        "webhook_secret": own.webhook_secret}, token=mallory)
    assert r.status == 200, r.body
    held = book(api, clock)
    uid, order_id = held["uid"], held["payment"]["order_id"]
    # ... then signs an order.paid for it with her own secret, to her own endpoint.
    notes = {"booking_uid": uid}
    payment = {"id": "pay_Forged000001", "entity": "payment", "amount": 150000,
               "currency": "INR", "status": "captured", "order_id": order_id, "notes": notes}
    order = {"id": order_id, "entity": "order", "amount": 150000, "currency": "INR",
             "status": "paid", "notes": notes}
    body = json.dumps({"entity": "event", "event": "order.paid",
                       "contains": ["payment", "order"],
                       "payload": {"payment": {"entity": payment},
                                   "order": {"entity": order}}}).encode()
    signature = hmac.new(own.webhook_secret.encode(), body, hashlib.sha256).hexdigest()

    r = api.post(f"/webhooks/razorpay/{host_id(api, mallory)}", raw=body, headers={
        "X-Razorpay-Signature": signature, "x-razorpay-event-id": "evt_forged_1"})

    assert r.status == 200  # verified (with her secret), and not about her bookings
    assert view(api, held)["status"] == "pending_payment"
    assert sandbox.razorpay_payments() == []


def test_a_razorpay_event_sent_first_to_another_hosts_url_of_the_account_still_confirms(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN Bob, another Penny host, connected to the same Razorpay account as Alice, so
    # that account has two webhook URLs, and Razorpay sends each event (one
    # x-razorpay-event-id) to both
    merchant = sandbox.razorpay_merchant()
    bob = make_host(api, slug="bob")
    r = api.put("/me/connections/razorpay", {
        "key_id": merchant.key_id, "key_secret": merchant.key_secret,
        "webhook_secret": merchant.webhook_secret}, token=bob)
    assert r.status == 200, r.body
    held = book(api, clock)
    sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    seen = len(sandbox.razorpay_events())
    deliveries = sandbox.razorpay_wait_for_webhook_deliveries(seen)

    # WHEN each reaches Bob's URL first (not his booking: ignored there), then Alice's
    for delivery in deliveries:
        for url in (f"/webhooks/razorpay/{host_id(api, bob)}", delivery.url.removeprefix(PUBLIC)):
            r = api.post(url, raw=delivery.body, headers=dict(delivery.headers))
            assert (r.status, r.headers["Penny-Delivery"]) == (200, "processed"), r.body

    # THEN Alice's delivery was run, not dropped as a duplicate: her booking is confirmed
    assert view(api, held)["status"] == "confirmed"


def test_a_razorpay_event_the_version_before_processed_runs_once_more_and_changes_nothing(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid booking whose events the version before this one processed: their
    # claims are under `razorpay` alone, not `razorpay#{host id}`
    held = book(api, clock)
    sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    for item in list(DeliveryItem.scan()):
        old = DeliveryItem(item.pk.replace(f"#{host_id(api, razorpay_host)}#", "#"), item.sk,
                           status=item.status, event_type=item.event_type,
                           received_at=item.received_at, lease_until=item.lease_until,
                           outcome=item.outcome, expires_at=item.expires_at)
        old.save()
        item.delete()
    before = as_it_is(held["uid"])
    calls = sandbox.razorpay_api_calls()

    # WHEN Razorpay delivers them again after the deploy
    for delivery in sandbox.razorpay_webhook_deliveries()[:seen]:
        r = api.post(delivery.url.removeprefix(PUBLIC), raw=delivery.body,
                     headers=dict(delivery.headers))
        assert (r.status, r.headers["Penny-Delivery"]) == (200, "processed"), r.body

    # THEN each ran once more and found the booking paid: nothing was written or asked
    assert as_it_is(held["uid"]).version == before.version
    assert sandbox.razorpay_api_calls() == calls and sandbox.razorpay_refunds() == []


def test_cancelling_a_razorpay_booking_refunds_it_once(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})

    for n in (1, 2):
        run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, razorpay_host),
                         held["uid"], n)

    (refund,) = sandbox.razorpay_refunds()
    assert refund["amount"] == 150000
    assert view(api, held)["payment"]["state"] == "refunded"

    seen = len(sandbox.razorpay_events())          # all sent before (each delivered once)
    sandbox.razorpay_wait_for_webhook_deliveries(seen)
    sandbox.razorpay_fail_refund(refund["id"])
    deliver_razorpay(api, sandbox, seen, 1)                          # refund.failed
    assert view(api, held)["payment"]["state"] == "refund_failed"


def paid_razorpay_booking_then_cancelled(api: Api, clock: FixedClock,
                                         sandbox: ProviderSandbox) -> dict[str, Any]:
    held = book(api, clock)
    sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    r = api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    assert r.status == 200, r.body
    return held


def test_a_refund_owed_after_the_host_removed_razorpay_is_left_to_the_host_saying_why(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid Razorpay booking the client cancelled in time, after the host removed
    # Razorpay from Penny (switching to Stripe, say)
    held = paid_razorpay_booking_then_cancelled(api, clock, sandbox)
    host = host_id(api, razorpay_host)
    assert api.delete("/me/connections/razorpay", token=razorpay_host).status == 204

    # WHEN the payments job runs and Lambda retries it twice (one event: its 3 tries)
    cancelled_job_tried_three_times(api, held, host)

    # THEN Penny stops asking, counted as a refusal: the host refunds by hand, told that
    # Razorpay was no longer connected; the client's page says the host will refund them
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refund_refused"], shown["refund_refused_reason"]) == (
        "refund_failed", True, "not_connected")
    page = manage_page_payment(api, held)
    assert "no longer connected to Penny" in page and "will refund you another way" in page
    assert sandbox.razorpay_refunds() == []


def test_a_refund_owed_is_made_at_the_retry_once_the_host_connects_razorpay_again(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled paid Razorpay booking whose refund found Razorpay removed once
    held = paid_razorpay_booking_then_cancelled(api, clock, sandbox)
    host = host_id(api, razorpay_host)
    assert api.delete("/me/connections/razorpay", token=razorpay_host).status == 204
    with pytest.raises(Exception):  # noqa: B017 - failed for Lambda's retry
        run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])

    # WHEN the host connects it again before Lambda's retry
    connect_razorpay(api, razorpay_host, sandbox)
    run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])

    # THEN the retry makes the refund
    (refund,) = sandbox.razorpay_refunds()
    assert refund["amount"] == 150000
    assert view(api, held)["payment"]["state"] == "refunded"


def test_checkouts_handler_after_the_host_removed_razorpay_is_409_payment_not_connected(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    held = book(api, clock)
    paid = sandbox.razorpay_pay(held["payment"]["order_id"])
    assert api.delete("/me/connections/razorpay", token=razorpay_host).status == 204

    r = api.post(f"/bookings/{held['uid']}/payment/razorpay",
                 {"token": held["links"]["view"].rsplit("token=", 1)[-1], **paid})

    assert (r.status, r.code) == (409, "payment_not_connected"), r.body
    assert view(api, held)["status"] == "pending_payment"


def test_a_refund_owed_given_back_by_hand_in_razorpays_dashboard_is_made_for_the_rest(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN two cancelled bookings whose refunds Razorpay refused ("Refund owed"), of
    # which the host then gives back a part of one, and all of the other, in Razorpay's
    # dashboard
    by_hand = {10: 50000, 12: 150000}
    held = {hour: book(api, clock, hour) for hour in by_hand}
    seen = 0
    for booking in held.values():
        sandbox.razorpay_pay(booking["payment"]["order_id"],
                             notes={"booking_uid": booking["uid"]})
        seen = deliver_razorpay(api, sandbox, seen, len(sandbox.razorpay_events()) - seen)
        api.post(f"/bookings/{booking['uid']}/cancel",
                 {"token": booking["links"]["cancel_token"]})
        sandbox.razorpay_fail_next_api_calls(status=400)
        with pytest.raises(Exception):  # noqa: B017 - the job fails for its retries and DLQ
            run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, razorpay_host),
                             booking["uid"])
    for hour, booking in held.items():
        payment_id = as_it_is(booking["uid"]).payment.payment_id  # type: ignore[union-attr]
        sandbox.razorpay_refund_in_dashboard(str(payment_id), by_hand[hour])
        seen = deliver_razorpay(api, sandbox, seen, 2)   # refund.created, refund.processed

    # WHEN each job is redriven, and once more
    for booking in held.values():
        for n in (2, 3):
            run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, razorpay_host),
                             booking["uid"], n)

    # THEN Penny refunds the rest of the first, once, keyed by what the host had given
    # back, and nothing of the second; both show all of it refunded
    own = [r for r in sandbox.razorpay_refunds() if r["notes"]]
    assert [(r["amount"], r["notes"]["penny_refund_key"]) for r in own] == [
        (100000, f"{held[10]['uid']}-cancelled-after-50000-ask-2")]
    for booking in held.values():
        shown = view(api, booking)["payment"]
        assert (shown["state"], shown["refunded_minor"]) == ("refunded", 150000)


def test_a_razorpay_refund_owed_given_back_in_part_before_penny_hears_is_made_for_the_rest(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled booking whose refund Razorpay refused ("Refund owed"), of which
    # the host then gives back 500.00 of 1,500.00 in Razorpay's dashboard, whose refund
    # events have not reached Penny yet (normal-speed refunds may be processed days later)
    held = book(api, clock)
    sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    sandbox.razorpay_fail_next_api_calls(status=400)
    host = host_id(api, razorpay_host)
    with pytest.raises(Exception):  # noqa: B017 - the job fails for its retries and DLQ
        run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])
    payment_id = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    sandbox.razorpay_refund_in_dashboard(str(payment_id), 50000)

    # WHEN the job is redriven
    run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"], 2)

    # THEN Penny refunds the rest (Razorpay would refuse the whole, at every try), and
    # once every refund's events have come, the booking shows all of it refunded
    own = [r for r in sandbox.razorpay_refunds() if r["notes"]]
    assert [r["amount"] for r in own] == [100000]
    deliver_razorpay(api, sandbox, seen, len(sandbox.razorpay_events()) - seen)
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"]) == ("refunded", 150000)


def test_a_razorpay_refund_owed_the_host_gave_back_in_full_before_penny_hears_ends_refunded(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a cancelled booking whose refund Razorpay refused ("Refund owed"), which the
    # host then gives back in full in Razorpay's dashboard, its events not at Penny yet
    held = book(api, clock)
    sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    sandbox.razorpay_fail_next_api_calls(status=400)
    host = host_id(api, razorpay_host)
    with pytest.raises(Exception):  # noqa: B017 - the job fails for its retries and DLQ
        run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"])
    payment_id = as_it_is(held["uid"]).payment.payment_id  # type: ignore[union-attr]
    given = sandbox.razorpay_refund_in_dashboard(str(payment_id))

    # WHEN the job is tried again, twice (Razorpay would refuse any refund now)
    for n in (2, 3):
        run_payments_job(EventKind.BOOKING_CANCELLED, host, held["uid"], n)

    # THEN the booking ends refunded in full by the host's refund, never "refund by
    # hand"; no refund is made, and the host's own events, when they come, change nothing
    assert [r["id"] for r in sandbox.razorpay_refunds()] == [given["id"]]
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"], shown["refund_refused"]) == (
        "refunded", 150000, False)
    assert "will refund you" not in manage_page_payment(api, held)
    seen = deliver_razorpay(api, sandbox, seen, len(sandbox.razorpay_events()) - seen)
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"]) == ("refunded", 150000)

    # WHEN the host's refund comes back later, THEN the booking says so (it names it)
    sandbox.razorpay_fail_refund(str(given["id"]))
    deliver_razorpay(api, sandbox, seen, len(sandbox.razorpay_events()) - seen)
    assert view(api, held)["payment"]["state"] == "refund_failed"


def test_a_razorpay_order_paid_twice_in_two_tabs_refunds_the_second_payment_once(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a booking paid, then paid again in a second tab opened before the first paid
    held = book(api, clock)
    notes = {"booking_uid": held["uid"]}
    first = sandbox.razorpay_pay(held["payment"]["order_id"], notes=notes)
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    second = sandbox.razorpay_pay(held["payment"]["order_id"], notes=notes,
                                  opened_before_paid=True)

    # WHEN the second payment's events come (payment.captured and order.paid, the
    # refund's own refund.processed after them), each delivered twice
    sent = len(sandbox.razorpay_events())
    deliver_razorpay(api, sandbox, seen, sent - seen)
    deliver_razorpay(api, sandbox, seen, sent - seen)
    deliver_razorpay(api, sandbox, sent, len(sandbox.razorpay_events()) - sent)

    # THEN the second payment alone is refunded, in full and once; the booking stays paid
    (refund,) = sandbox.razorpay_refunds()
    assert (refund["payment_id"], refund["amount"]) == (second["razorpay_payment_id"], 150000)
    shown = view(api, held)
    assert shown["status"] == "confirmed" and shown["payment"]["state"] == "paid"
    assert shown["payment"]["second_payments"] == [
        {"amount_minor": 150000, "refunded": True, "refund_failed": False,
         "refund_refused": False, "refund_held": False, "disputes": []}]
    assert first["razorpay_payment_id"] != second["razorpay_payment_id"]

    # WHEN that refund comes back (the card was closed): Razorpay's refund.failed
    seen = len(sandbox.razorpay_events())
    sandbox.razorpay_wait_for_webhook_deliveries(seen)
    sandbox.razorpay_fail_refund(refund["id"])
    deliver_razorpay(api, sandbox, seen, 1)                          # refund.failed

    # THEN the host's row says so; the booking stays paid and nothing is made again
    r = api.get("/me/bookings", token=razorpay_host)
    (row,) = [b for b in r.json["bookings"] if b["uid"] == held["uid"]]
    assert row["payment"]["state"] == "paid"
    assert row["payment"]["second_payments"] == [
        {"amount_minor": 150000, "refunded": True, "refund_failed": True,
         "refund_refused": False, "refund_held": False, "disputes": []}]
    assert len(sandbox.razorpay_refunds()) == 1


def test_two_parts_refunded_in_razorpays_dashboard_show_its_total_told_out_of_order(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid booking, of which the host gives back ₹100, then ₹200, in Razorpay's
    # dashboard
    held = book(api, clock)
    paid = sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    sandbox.razorpay_hold_webhooks()
    sandbox.razorpay_refund_in_dashboard(paid["razorpay_payment_id"], 10000)
    sandbox.razorpay_refund_in_dashboard(paid["razorpay_payment_id"], 20000)
    first, second = (e.id for e in sandbox.razorpay_held_webhooks()
                     if e.event == "refund.processed")

    # WHEN the second part's refund.processed comes first, then the first's, then the
    # second's again
    sandbox.razorpay_release_webhooks([second, first])
    seen = deliver_razorpay(api, sandbox, seen, 2)
    sandbox.razorpay_redeliver_webhook(second)
    deliver_razorpay(api, sandbox, seen, 1)

    # THEN the booking shows what Razorpay counts gone back (the payment's
    # amount_refunded), never one part alone nor a part twice
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refunded_minor"], shown["refund_reason"]) == (
        "refunded", 30000, "provider")


def test_cancelling_a_disputed_razorpay_booking_refunds_once_the_dispute_closes(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid booking whose payment the client's bank disputes
    held = book(api, clock)
    paid = sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    opened = sandbox.razorpay_dispute(paid["razorpay_payment_id"], "fraud")
    seen = deliver_razorpay(api, sandbox, seen, 1)                # payment.dispute.created

    # WHEN it is cancelled inside its refund policy
    api.post(f"/bookings/{held['uid']}/cancel", {"token": held["links"]["cancel_token"]})
    run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, razorpay_host), held["uid"])

    # THEN nothing is refunded while the dispute is open
    assert sandbox.razorpay_refunds() == []
    assert view(api, held)["payment"]["refund_held"] is True

    # WHEN the dispute closes without a chargeback (a retrieval request), told twice
    sandbox.razorpay_close_dispute(opened["id"], "closed")
    deliver_razorpay(api, sandbox, seen, 1)                        # payment.dispute.closed
    run_payments_job(EventKind.BOOKING_CANCELLED, host_id(api, razorpay_host), held["uid"], 2)

    # THEN the policy's refund is made, once
    (refund,) = sandbox.razorpay_refunds()
    assert refund["amount"] == 150000
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refund_held"]) == ("refunded", False)


@pytest.mark.parametrize("outcome", ["won", "lost", "closed"])
def test_a_razorpay_disputes_end_told_first_and_again_shows_once_for_its_hosts_booking(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        outcome: str) -> None:
    # GIVEN a paid booking whose payment the client disputes, and the bank decides
    held = book(api, clock)
    paid = sandbox.razorpay_pay(held["payment"]["order_id"], notes={"booking_uid": held["uid"]})
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    sandbox.razorpay_hold_webhooks()
    opened = sandbox.razorpay_dispute(paid["razorpay_payment_id"], "fraud")
    sandbox.razorpay_close_dispute(opened["id"], outcome)
    created, ended = sandbox.razorpay_held_webhooks()
    assert (created.event, ended.event) == ("payment.dispute.created",
                                            f"payment.dispute.{outcome}")

    # WHEN another host signs the end with her own secret, to her own endpoint ...
    mallory = make_host(api, slug="mallory")
    own = sandbox.razorpay_add_merchant("Mallory's Studio")
    assert api.put("/me/connections/razorpay", {
        "key_id": own.key_id, "key_secret": own.key_secret,
        "webhook_secret": own.webhook_secret}, token=mallory).status == 200
    forged = api.post(f"/webhooks/razorpay/{host_id(api, mallory)}", raw=ended.body, headers={
        "X-Razorpay-Signature": hmac.new(own.webhook_secret.encode(), ended.body,
                                         hashlib.sha256).hexdigest(),
        "x-razorpay-event-id": "evt_forged_dispute"})
    assert forged.status == 200
    assert view(api, held)["payment"].get("dispute") is None

    # ... and Razorpay tells the end first, then its opening, then the end again
    sandbox.razorpay_release_webhooks([ended.id, created.id])
    seen = deliver_razorpay(api, sandbox, seen, 2)
    sandbox.razorpay_redeliver_webhook(ended.id)
    deliver_razorpay(api, sandbox, seen, 1)

    # THEN the booking stands, paid, and its payment says how the dispute ended
    shown = view(api, held)
    assert (shown["status"], shown["payment"]["state"]) == ("confirmed", "paid")
    assert shown["payment"]["dispute"] == {"reason": "fraud", "amount_minor": 150000,
                                           "outcome": outcome}


# ---- the raw body through the Function URL --------------------------------------------


@pytest.mark.parametrize("base64_encoded", [False, True], ids=["text", "base64"])
def test_a_webhook_with_non_ascii_text_verifies_through_the_function_url(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        base64_encoded: bool) -> None:
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held), name="Zoë Ñandú 山田")
    seen = DELIVERED[sandbox.url]
    sandbox.stripe_wait_for_deliveries(seen + 2)
    sent = sandbox.stripe_deliveries()[seen:seen + 2]
    assert any("Zoë Ñandú 山田".encode() in d.body for d in sent)  # raw UTF-8, not \u escapes
    for delivery in sent:
        event = url_event("POST", "/webhooks/stripe",
                          headers={"stripe-signature": delivery.signature})
        if base64_encoded:  # as the Function URL sends a body it does not take for text
            event["body"] = base64.b64encode(delivery.body).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = delivery.body.decode("utf-8")

        status, _ = call(event)

        assert status == 200
    assert view(api, held)["status"] == "confirmed"
