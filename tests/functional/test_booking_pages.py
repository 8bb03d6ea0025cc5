"""The public pages through the app: HTML under a strict CSP, static assets, secret links."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.domain.bookings import Booking
from chalicelib.domain.errors import NotConnectedError, ProviderUnavailableError
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import (
    Checkout,
    CheckoutRequest,
    PaymentEvent,
    PaymentEventKind,
    PaymentProvider,
)
from chalicelib.provider_settings import Providers, RazorpayPlatform
from chalicelib.services.payment_ports import HostPayment, RazorpayCallbacks
from chalicelib.services.public import PublicService
from chalicelib.store.bookings import BookingRepository
from chalicelib.web.embedded_slots import sent_starts
from tests.fakes.providers import FakePayments
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock, Response
from tests.functional.dynamodb_requests import recorded
from tests.functional.hosts import make_host

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "style" or "style" in a or any(k.startswith("on") for k in a):
            self.problems.append(f"<{tag} {a}>")
        if tag == "script" and not a.get("src") and a.get("type") != "application/json":
            self.problems.append(f"inline <script {a}>")
        for key in ("src", "href"):
            if (a.get(key) or "").startswith("/static/"):
                self.assets.append(str(a[key]))


def parse(r: Response) -> Inline:
    parser = Inline()
    parser.feed(r.body.decode())
    return parser


def page_data(r: Response) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="penny-page">(.*?)</script>',
                      r.body.decode())
    assert match, r.body
    return dict(json.loads(match[1]))


def book(api: Api, **answers: str) -> dict[str, Any]:
    r = api.post("/hosts/alice/intro/bookings",
                 f.booking("2026-11-24T14:00:00Z", answers={"plan": "A", **answers}))
    assert r.status == 201, r.json
    return dict(r.json)


@pytest.fixture
def host(api: Api) -> str:
    return make_host(api, questions=[f.question("plan", "select", required=True,
                                                options=["A", "B"])])


def test_booking_page_is_html_under_a_strict_csp_with_no_inline_code(api: Api, host: str) -> None:
    r = api.get("/alice/intro")

    assert r.status == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert parse(r).problems == []


def test_booking_page_embeds_what_first_paint_needs(api: Api, host: str) -> None:
    r = api.get("/alice/intro")
    html = r.body.decode()

    data = page_data(r)
    assert data["mode"] == "book"
    assert data["host"] == {"slug": "alice", "display_name": "Alice",
                            "timezone": "America/New_York"}
    assert data["event"]["duration_minutes"] == 30
    # Field names are the API's error fields, so server errors land next to the field.
    for name in ("attendee.name", "attendee.email", "answers.plan"):
        assert f'name="{name}"' in html
    assert "<h1 id=\"event-title\">Intro</h1>" in html


# ---- the first two months' slots, sent with the page ----------------------------------------
# The clock stands at 2026-11-23T12:00Z: the page holds the UTC days 31 October to
# 1 January, November and December as any zone sees them.

def utc_starts(answer: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(s["start"]) for day in answer["slots"].values() for s in day]


def test_the_booking_page_embeds_the_slots_the_api_gives_for_its_window(
        api: Api, host: str) -> None:
    book(api)   # Tuesday 24 November 14:00Z is taken

    slots = page_data(api.get("/alice/intro"))["slots"]

    assert (slots["first"], slots["last"], slots["stale"]) == ("2026-10-31", "2027-01-01",
                                                               False)
    answer = api.get("/hosts/alice/intro/slots?start=2026-10-31&end=2026-12-01&timeZone=UTC")
    after = api.get("/hosts/alice/intro/slots?start=2026-12-02&end=2027-01-01&timeZone=UTC")
    starts = sent_starts(slots)
    assert [datetime.fromisoformat(s) for s in starts] == (utc_starts(answer.json)
                                                           + utc_starts(after.json))
    # Minutes after the start before, in order (today's 09:00 in New York is free; the
    # first after 31 October 00:00 UTC)
    assert slots["minutes"][:2] == [(23 * 24 + 14) * 60, 30]
    assert starts[:2] == ["2026-11-23T14:00:00Z", "2026-11-23T14:30:00Z"]
    assert "2026-11-24T14:00:00Z" not in starts


def test_the_booking_page_reads_the_hosts_config_once_with_its_slots(
        api: Api, host: str) -> None:
    with recorded() as requests:
        page = api.get("/alice/intro")
        page_reads = requests.take()
        api.get("/hosts/alice/intro/slots?start=2026-10-31&end=2026-12-01&timeZone=UTC")
        slots_reads = requests.take()

    # The host's config (GSI1), then the ledger with the calendars' cached days: what a
    # slots request alone reads.
    assert "slots" in page_data(page)
    assert page_reads == slots_reads == {"Query": 2}


def test_a_page_whose_slots_cannot_be_made_is_served_without_them_for_the_picker_to_ask(
        api: Api, host: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def unavailable(*_: Any, **__: Any) -> None:
        raise ProviderUnavailableError("google", "timeout")

    monkeypatch.setattr(PublicService, "slots_for", unavailable)

    with caplog.at_level(logging.ERROR, logger="penny.pages"):
        r = api.get("/alice/intro")

    assert r.status == 200
    data = page_data(r)
    assert "slots" not in data and data["event"]["slug"] == "intro"
    assert [m.message for m in caplog.records if m.name == "penny.pages"] == [
        "slots not embedded"]


def test_the_reschedule_page_embeds_no_slots(api: Api, host: str) -> None:
    booked = book(api)

    r = api.get(f"/booking/{booked['uid']}/reschedule?token="
                f"{booked['links']['reschedule_token']}")

    assert "slots" not in page_data(r)


def test_profile_page_lists_the_hosts_event_types(api: Api, host: str) -> None:
    r = api.get("/alice")

    assert r.status == 200
    assert 'href="/alice/intro"' in r.body.decode()
    assert parse(r).problems == []


@pytest.mark.parametrize("path", ["/nobody", "/alice/nothing", "/nobody/intro", "/Bad_Slug",
                                  "/booking/nope?token=nope", "/booking/nope/reschedule"])
def test_unknown_pages_are_a_friendly_html_404(api: Api, host: str, path: str) -> None:
    r = api.get(path)

    assert r.status == 404
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Security-Policy"] == CSP
    assert "does not" in r.body.decode()


@pytest.mark.parametrize("change", [{"slug": "intro-call"}, {"active": False}, None])
def test_an_old_link_to_a_renamed_or_removed_event_leads_to_the_hosts_profile(
        api: Api, change: dict[str, Any] | None) -> None:
    # GIVEN a client holding the link /alice/intro, and Alice renames the event type,
    # turns it off, or deletes it
    token = make_host(api)
    et = api.get("/me/event-types", token=token).json["event_types"][0]
    if change is None:
        assert api.delete(f"/me/event-types/{et['id']}", token=token).status == 204
    else:
        r = api.put(f"/me/event-types/{et['id']}", f.event_type(**{"slug": "intro", **change}),
                    token=token)
        assert r.status == 200, r.json

    # WHEN the client opens the old link
    r = api.get("/alice/intro")

    # THEN it is not found, but says whose page it was and leads to her booking pages
    assert r.status == 404
    body = r.body.decode()
    assert "Alice has no booking page at this link" in body
    assert 'href="/alice"' in body
    assert parse(r).problems == []


@pytest.mark.parametrize(("path", "form"), [("/login", "/app/login"), ("/signup", "/app/signup"),
                                            ("/Login", "/app/login")])
def test_the_login_and_signup_addresses_a_newcomer_types_lead_to_the_dashboards_forms(
        api: Api, path: str, form: str) -> None:
    r = api.get(path)

    assert (r.status, r.headers["Location"]) == (302, form)
    assert api.get(form).headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("path", ["/admin", "/docs", "/www", "/logout", "/admin/intro"])
def test_a_reserved_word_that_no_api_answers_is_the_friendly_html_404(
        api: Api, path: str) -> None:
    r = api.get(path)

    assert r.status == 404
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("path", ["/me", "/hosts", "/auth/nothing"])
def test_an_api_clients_typo_under_an_api_prefix_stays_the_json_404(
        api: Api, path: str) -> None:
    r = api.get(path)

    assert r.status == 404
    assert r.headers["Content-Type"] == "application/json"


def test_pages_are_not_part_of_the_openapi_document(api: Api) -> None:
    paths = api.get("/openapi.json").json["paths"]

    assert not {"/{host}", "/{host}/{event}", "/static/{name}", "/booking/{uid}"} & set(paths)


def test_hashed_assets_are_immutable_and_revalidate_by_etag(api: Api, host: str) -> None:
    css = next(a for a in parse(api.get("/alice/intro")).assets if a.endswith(".css"))

    r = api.get(css)
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/css; charset=utf-8"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = api.get(css, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status == 304
    assert api.get("/static/base.css").headers["Cache-Control"] == "no-cache"
    assert api.get("/static/nothing.js").status == 404


def test_a_page_loads_one_script_and_one_stylesheet(api: Api, host: str) -> None:
    page = api.get("/alice/intro")
    css, js = parse(page).assets

    assert re.fullmatch(r"/static/base~booking\.[0-9a-f]{10}\.css", css)
    assert re.fullmatch(r"/static/booking\.[0-9a-f]{10}\.js", js)
    assert '<link rel="icon" href="data:image/svg+xml,' in page.body.decode()
    r = api.get(js)
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "const __mod_picker=" in r.body.decode()  # its imports inlined
    assert 'from "./' not in r.body.decode()


def test_secret_links_lead_to_pages(api: Api, host: str) -> None:
    links = book(api)["links"]

    assert links["view"].startswith("http://penny.test/booking/")
    for name in ("view", "cancel", "reschedule"):
        r = api.get(links[name].removeprefix("http://penny.test"))
        assert r.status == 200, (name, r.body)
        assert r.headers["Cache-Control"] == "no-store"
        assert parse(r).problems == []


def test_manage_page_shows_the_booking_in_both_zones(api: Api, host: str) -> None:
    links = book(api)["links"]

    html = api.get(links["view"].removeprefix("http://penny.test")).body.decode()
    assert "Confirmed" in html
    assert "14:00\N{EN DASH}14:30 (Europe/London)" in html
    assert "09:00\N{EN DASH}09:30 (America/New York)" in html
    assert 'data-open="false"' in html
    assert 'data-open="true"' in api.get(links["cancel"].removeprefix(
        "http://penny.test")).body.decode()


def test_reschedule_page_needs_the_reschedule_token(api: Api, host: str) -> None:
    booked = book(api)
    uid, links = booked["uid"], booked["links"]

    r = api.get(f"/booking/{uid}/reschedule?token={links['cancel_token']}")
    assert r.status == 404
    r = api.get(f"/booking/{uid}/reschedule?token={links['reschedule_token']}")
    assert page_data(r)["booking"]["uid"] == uid


def test_a_started_booking_cannot_be_rescheduled_from_its_page(
        api: Api, host: str, clock: FixedClock) -> None:
    booked = book(api)
    clock.advance(days=2)

    r = api.get(f"/booking/{booked['uid']}/reschedule?token="
                f"{booked['links']['reschedule_token']}")
    assert r.status == 409
    assert "can no longer be moved" in r.body.decode()


DESCRIPTION = re.compile(r'<meta name="description" content="([^"]+)">')


def test_every_page_has_a_meta_description_and_secret_link_pages_are_not_indexed(
        api: Api, host: str) -> None:
    links = {k: v.removeprefix("http://penny.test") for k, v in book(api)["links"].items()
             if k in ("view", "cancel", "reschedule")}
    public = {"profile": "/alice", "event": "/alice/intro", "dashboard": "/app",
              "not found": "/nobody"}

    for name, path in {**public, **links}.items():
        r = api.get(path)
        found = DESCRIPTION.findall(r.body.decode())
        assert len(found) == 1 and len(found[0]) > 20, (name, found)
    assert "Alice" in DESCRIPTION.findall(api.get("/alice/intro").body.decode())[0]
    for path in links.values():
        assert api.get(path).headers["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in api.get("/alice/intro").headers


def test_a_hidden_event_types_page_is_not_indexed_though_it_opens_from_its_link(
        api: Api) -> None:
    # GIVEN a host's event type hidden from her profile, kept for the clients she sends
    # its link to
    token = make_host(api)
    api.post("/me/event-types", f.event_type("vip", hidden=True), token=token)

    r = api.get("/alice/vip")

    # THEN its page opens, and asks search engines not to list it, as the profile doesn't
    assert r.status == 200
    assert r.headers["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in api.get("/alice/intro").headers


# ---- the meeting's link (written by the calendar job some seconds after booking) ----------

def write_video(uid: str, url: str | None = None, note: str | None = None) -> None:
    """What the calendar job does once it has the link (or knows there will be none)."""
    repo = BookingRepository()
    booking = repo.get(uid)
    assert booking is not None
    assert repo.save_video(replace(booking, video_url=url, video_note=note))


def manage_html(api: Api, booked: dict[str, Any]) -> str:
    r = api.get(booked["links"]["view"].removeprefix("http://penny.test"))
    assert r.status == 200, r.body
    return r.body.decode()


def test_a_video_booking_page_tells_the_script_to_wait_for_the_link(api: Api, host: str) -> None:
    event = page_data(api.get("/alice/intro"))["event"]

    assert (event["location_kind"], event["video"]) == ("google_meet", True)
    assert event["location_note"] == "Google Meet video call"


def test_the_manage_page_says_the_link_is_on_its_way_until_the_job_writes_it(
        api: Api, host: str) -> None:
    booked = book(api)
    waiting = manage_html(api, booked)
    assert "Your meeting link is on its way." in waiting
    assert f'data-uid="{booked["uid"]}"' in waiting and 'data-label="Google Meet"' in waiting

    write_video(booked["uid"], url="https://meet.google.com/abc-defg-hij")

    # What the page's script asks for while it waits: the booking, from its secret link
    seen = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert seen["video_url"] == "https://meet.google.com/abc-defg-hij"
    # ... and a page opened now has the link in its HTML, with nothing left to wait for
    html = manage_html(api, booked)
    assert ('Join with Google Meet: <a href="https://meet.google.com/abc-defg-hij" '
            'rel="noopener noreferrer">https://meet.google.com/abc-defg-hij</a>') in html
    assert "on its way" not in html and 'role="status" data-uid' not in html
    assert parse(api.get(booked["links"]["view"].removeprefix("http://penny.test"))
                 ).problems == []


def test_the_manage_page_shows_the_note_when_no_link_can_be_made(api: Api, host: str) -> None:
    booked = book(api)

    write_video(booked["uid"], note="The host will send you the Google Meet link before the "
                                    "meeting.")

    html = manage_html(api, booked)
    assert "The host will send you the Google Meet link before the meeting." in html
    assert "on its way" not in html


def test_a_cancelled_booking_offers_no_link_to_join(api: Api, host: str) -> None:
    booked = book(api)
    write_video(booked["uid"], url="https://meet.google.com/abc-defg-hij")
    r = api.post(f"/bookings/{booked['uid']}/cancel", {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body

    html = manage_html(api, booked)
    assert "meet.google.com" not in html and "on its way" not in html


def test_a_phone_booking_waits_for_no_link(api: Api) -> None:
    make_host(api, location={"kind": "phone"}, questions=[
        f.question("plan", "select", required=True, options=["A", "B"])])
    assert page_data(api.get("/alice/intro"))["event"]["video"] is False

    html = manage_html(api, book(api, phone="+1 555 0100"))
    assert 'id="video"' not in html


# ---- paid bookings: the price and refund policy before paying, the wait for the payment --

USD_150 = {"amount_minor": 15000, "currency": "USD"}


@dataclass
class FakeHostPayments:
    """The hosts' payment providers (services/payment_ports.py PaymentAdapters): one fake."""

    provider: str = "stripe"
    payments: FakePayments = field(default_factory=FakePayments)

    def for_new_booking(self, host_id: str, price: Price) -> HostPayment:
        return HostPayment(self.provider, self.payments, None)

    def for_booking(self, booking: Booking) -> PaymentProvider:
        return self.payments

    def razorpay_for(self, booking: Booking) -> RazorpayCallbacks:
        raise NotConnectedError("the fake takes no Razorpay Checkout callbacks")


class FakeRazorpay(FakePayments):
    """Razorpay's checkout is an order, opened with a key id on Penny's own pay page."""

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        made = super().create_checkout(request)
        return Checkout(made.id, None, None, public_key="rzp_test_page0123")


def paid_host(api: Api, provider: str = "stripe", refund_hours: int = 48) -> FakeHostPayments:
    """Alice, whose "intro" costs $150 (full refund up to 48 hours before), on a Penny
    whose payment provider is a fake."""
    adapters = FakeHostPayments(provider, FakeRazorpay() if provider == "razorpay"
                                else FakePayments())
    current = bootstrap.services()
    bootstrap.install(bootstrap.build_api(current.core, current.accounts.passwords,
                                          payment_adapters=adapters))
    make_host(api, price=USD_150, refund_hours_before=refund_hours, questions=[
        f.question("plan", "select", required=True, options=["A", "B"])])
    return adapters


def hold(api: Api) -> dict[str, Any]:
    booked = book(api)
    assert booked["status"] == "pending_payment", booked
    return booked


def pay(uid: str, provider: str = "stripe") -> None:
    """The provider's verified event that the money came (what its webhook delivers)."""
    booking = BookingRepository().get(uid)
    assert booking is not None and booking.payment is not None
    event = PaymentEvent(f"evt-{uid}", PaymentEventKind.PAID, uid, booking.payment.checkout_id,
                         "pay_1", Price(15000, "USD"))
    assert bootstrap.services().payments.settle(event, provider).outcome == "confirmed"


def test_a_paid_event_page_shows_its_price_and_refund_policy_before_the_visitor_pays(
        api: Api) -> None:
    paid_host(api)

    r = api.get("/alice/intro")

    html = r.body.decode()
    assert "<dd>$150.00</dd>" in html
    assert ('<dd id="refund-policy">Full refund if you cancel at least 48 hours before; '
            "no refund after that.</dd>") in html
    assert "not connected yet" not in html
    # What happens next is said by the button that does it
    assert 'aria-describedby="pay-note">Continue to payment</button>' in html
    assert "Next you pay $150.00 online" in html
    # ... with the policy's hours, from which the page says the chosen time's own terms
    assert page_data(r)["event"]["refund_hours_before"] == 48
    assert ('<span id="pay-refund">Full refund if you cancel at least 48 hours before; '
            "no refund after that.</span>") in html
    assert parse(r).problems == []


def test_a_free_event_page_says_nothing_of_payment(api: Api, host: str) -> None:
    html = api.get("/alice/intro").body.decode()

    assert "Refunds" not in html and "pay-note" not in html
    assert page_data(api.get("/alice/intro"))["event"]["refund_hours_before"] is None
    assert ">Confirm booking</button>" in html


def test_the_booking_page_waits_for_the_payment_stripe_returns_to(
        api: Api, clock: FixedClock) -> None:
    paid_host(api)
    booked = hold(api)

    # Stripe's success (and cancel) URL is the booking's view link: this page
    html = manage_html(api, booked)

    assert 'id="booking-status">Awaiting payment</span>' in html
    assert 'role="status">Waiting for your payment to be confirmed…</p>' in html
    until = datetime.fromisoformat(booked["payment"]["hold_until"]) + timedelta(minutes=2)
    assert f'data-until="{until.isoformat()}"' in html  # how long payment.js asks
    assert f'href="{booked["payment"]["checkout_url"]}">Pay $150.00</a>' in html
    # Nothing to add to a calendar or to move before it is paid for; cancelling frees it
    assert 'id="ics-link"' not in html and 'id="reschedule-link"' not in html
    assert re.search(r'<section class="card" id="cancel-section" [^>]*>', html)
    assert parse(api.get(booked["links"]["view"].removeprefix("http://penny.test"))
                 ).problems == []


def test_a_paid_booking_says_paid_and_confirmed_with_its_refund_policy(api: Api) -> None:
    paid_host(api)
    booked = hold(api)

    pay(booked["uid"])

    html = manage_html(api, booked)
    assert 'id="booking-status">Paid · Confirmed</span>' in html
    assert ("Paid $150.00. Full refund if you cancel at least 48 hours before; no refund "
            "after that. That deadline has passed, so cancelling it now gives no refund."
            ) in html  # it starts 26 hours from now
    assert "Waiting for your payment" not in html and "data-until" not in html
    assert 'id="ics-link"' in html and 'id="reschedule-link"' in html
    assert "Your meeting link is on its way." in html  # as for any booking


def test_an_unpaid_hold_that_ended_says_the_time_is_free_and_offers_to_book_again(
        api: Api, clock: FixedClock) -> None:
    paid_host(api)
    booked = hold(api)

    clock.advance(minutes=16)
    assert bootstrap.services().payments.expire_hold(booked["uid"]) is not None

    html = manage_html(api, booked)
    assert 'id="booking-status">Expired</span>' in html
    assert "Your hold expired unpaid; the time is free again." in html
    assert '<a class="button primary" href="/alice/intro">Book again</a>' in html
    assert re.search(r'<section class="card" id="cancel-section" [^>]*hidden>', html)
    assert "Pay $150.00" not in html and "no longer be changed" not in html


def test_a_hold_waiting_for_its_payment_cannot_be_moved(api: Api) -> None:
    paid_host(api)
    booked = hold(api)
    link = booked["links"]["reschedule"]
    token = link.partition("token=")[2]

    page = api.get(link.removeprefix("http://penny.test"))
    moved = api.post(f"/bookings/{booked['uid']}/reschedule",
                     {"token": token, "start": "2026-11-25T14:00:00Z"})

    assert page.status == 409 and b"waiting for its payment" in page.body
    assert moved.status == 409 and "waiting for its payment" in moved.json["error"]["message"]
    stored = BookingRepository().get(booked["uid"])
    assert stored is not None and stored.start.isoformat() == "2026-11-24T14:00:00+00:00"


def test_a_lapsed_hold_is_shown_expired_before_its_timer_has_run(
        api: Api, clock: FixedClock) -> None:
    paid_host(api)
    booked = hold(api)

    clock.advance(minutes=15)  # the hold's end; no timer has marked the booking yet

    html = manage_html(api, booked)
    assert "Your hold expired unpaid; the time is free again." in html
    assert "data-until" not in html  # nothing left for the script to wait for


def test_a_refunded_booking_says_how_much_came_back_and_why(api: Api) -> None:
    paid_host(api, refund_hours=24)  # the booking starts 26 hours after "now"
    booked = hold(api)
    pay(booked["uid"])

    r = api.post(f"/bookings/{booked['uid']}/cancel", {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body
    assert "Your full refund is on its way." in manage_html(api, booked)
    bootstrap.services().payments.refund_cancelled(booked["uid"])  # the payments worker

    html = manage_html(api, booked)
    assert 'id="booking-status">Cancelled</span>' in html
    assert "Paid $150.00. Refunded $150.00 after the cancellation." in html


def test_a_late_cancellation_says_there_is_no_refund(api: Api) -> None:
    paid_host(api, refund_hours=48)
    booked = hold(api)
    pay(booked["uid"])

    r = api.post(f"/bookings/{booked['uid']}/cancel", {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body

    assert ("Paid $150.00. It was cancelled after its refund deadline (48 hours before the "
            "start), so there is no refund.") in manage_html(api, booked)


def test_a_paid_booking_moved_after_its_refund_deadline_says_cancelling_gives_no_refund(
        api: Api, clock: FixedClock) -> None:
    # A move made after the refund deadline does not bring the refund back
    # (payments.refund_deadline): the pages must not go on quoting the policy, which,
    # with the start a week off, reads as a full refund.
    paid_host(api, refund_hours=24)  # the booking starts 26 hours after "now"
    booked = hold(api)
    pay(booked["uid"])
    clock.advance(hours=3)  # 23 hours before the start: the deadline has passed
    r = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": "2026-12-01T14:00:00Z"})
    assert r.status == 200, r.body

    no_refund = ("Its refund deadline passed before it was moved, so cancelling it now "
                 "gives no refund (a move does not bring the refund back).")
    html = manage_html(api, booked)
    assert f"Paid $150.00. {no_refund}" in html
    assert "Full refund if you cancel" not in html
    move = api.get(booked["links"]["reschedule"].removeprefix("http://penny.test")).body.decode()
    assert f'<dd id="refund-policy">{no_refund}</dd>' in move
    assert "Full refund if you cancel" not in move

    r = api.post(f"/bookings/{booked['uid']}/cancel", {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body
    assert ("Paid $150.00. It was cancelled after its refund deadline, which had passed "
            "before it was moved, so there is no refund.") in manage_html(api, booked)


def test_a_paid_booking_the_host_refunded_says_so_on_its_reschedule_page(
        api: Api, clock: FixedClock) -> None:
    paid_host(api, refund_hours=24)
    booked = hold(api)
    pay(booked["uid"])
    # The host refunds it at the provider; the booking still stands, and may still move.
    repository = BookingRepository()
    booking = repository.get(booked["uid"])
    assert booking is not None and booking.payment is not None
    assert repository.save(replace(booking, payment=replace(
        booking.payment, refund_id="re_host", refunded_minor=15000,
        refunded_at=clock.current, refund_reason="provider")))

    move = api.get(booked["links"]["reschedule"].removeprefix("http://penny.test")).body.decode()

    assert ('<dd id="refund-policy">Refunded $150.00 by the host. Cancelling it gives '
            "nothing more back.</dd>") in move
    assert "Full refund if you cancel" not in move


def test_the_reschedule_page_shows_what_the_booking_cost_not_the_event_types_price_now(
        api: Api) -> None:
    paid_host(api, refund_hours=24)
    booked = hold(api)
    pay(booked["uid"])
    r = api.post("/auth/login", {"email": "alice@example.com",
                                 "password": "correct horse battery"})
    token = r.json["access_token"]
    (et,) = api.get("/me/event-types", token=token).json["event_types"]
    r = api.put(f"/me/event-types/{et['id']}", {
        **f.event_type(price={"amount_minor": 20000, "currency": "USD"},
                       refund_hours_before=72,
                       questions=[f.question("plan", "select", required=True,
                                             options=["A", "B"])])}, token=token)
    assert r.status == 200, r.body

    html = api.get(booked["links"]["reschedule"].removeprefix("http://penny.test")).body.decode()

    # Paid once, at the price and policy of then: a move never asks for more
    assert "<dd>$150.00, paid: moving it costs nothing</dd>" in html
    assert ('<dd id="refund-policy">Full refund if you cancel at least 24 hours before; '
            "no refund after that.</dd>") in html
    assert "$200.00" not in html and "72 hours" not in html


def test_moving_a_paid_booking_says_the_chosen_times_refund_terms_by_its_own_policy(
        api: Api, clock: FixedClock) -> None:
    # GIVEN a paid booking, still inside its refund deadline, whose event type's policy
    # has changed since (24 hours when booked, 72 now)
    paid_host(api, refund_hours=24)
    booked = hold(api)
    pay(booked["uid"])
    r = api.post("/auth/login", {"email": "alice@example.com",
                                 "password": "correct horse battery"})
    (et,) = api.get("/me/event-types", token=r.json["access_token"]).json["event_types"]
    r = api.put(f"/me/event-types/{et['id']}", {
        **f.event_type(price={"amount_minor": 15000, "currency": "USD"},
                       refund_hours_before=72,
                       questions=[f.question("plan", "select", required=True,
                                             options=["A", "B"])])},
        token=r.json["access_token"])
    assert r.status == 200, r.body

    # WHEN its reschedule page is opened
    move = api.get(booked["links"]["reschedule"].removeprefix("http://penny.test"))

    # THEN the page has a place for the chosen time's refund terms (a move made before the
    # deadline sets a new one from the new start: a time nearer than the policy's hours
    # can't be refunded once moved to), worked out from the booking's own policy
    assert '<p class="pay-note" id="move-refund" hidden></p>' in move.body.decode()
    assert page_data(move)["event"]["refund_hours_before"] == 24
    assert parse(move).problems == []

    # ... and once the deadline has passed a move changes nothing: no terms to say
    clock.advance(hours=3)   # 23 hours before the start
    late = api.get(booked["links"]["reschedule"].removeprefix("http://penny.test"))
    assert page_data(late)["event"]["refund_hours_before"] is None


def test_a_free_booking_moves_free_after_its_event_type_gets_a_price(api: Api) -> None:
    current = bootstrap.services()
    bootstrap.install(bootstrap.build_api(current.core, current.accounts.passwords,
                                          payment_adapters=FakeHostPayments()))
    host = make_host(api, questions=[f.question("plan", "select", required=True,
                                                options=["A", "B"])])
    booked = book(api)
    (et,) = api.get("/me/event-types", token=host).json["event_types"]
    r = api.put(f"/me/event-types/{et['id']}", {
        **f.event_type(price={"amount_minor": 20000, "currency": "USD"},
                       questions=[f.question("plan", "select", required=True,
                                             options=["A", "B"])])}, token=host)
    assert r.status == 200, r.body

    move = api.get(booked["links"]["reschedule"].removeprefix("http://penny.test"))
    html = move.body.decode()

    assert "<dt>Price</dt><dd>Free</dd>" in html
    assert "$200.00" not in html and "Refunds" not in html
    # and choosing a time says no refund terms: the price is not the booking's
    assert page_data(move)["event"]["refund_hours_before"] is None


def test_a_razorpay_hold_is_paid_on_pennys_own_pay_page(api: Api) -> None:
    paid_host(api, "razorpay")
    booked = hold(api)

    assert booked["payment"]["order_id"] and booked["payment"]["key_id"] == "rzp_test_page0123"
    html = manage_html(api, booked)
    token = booked["links"]["cancel_token"]
    assert f'href="/booking/{booked["uid"]}/pay?token={token}">Pay $150.00</a>' in html


def pay_page_data(r: Response) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="penny-pay">(.*?)</script>',
                      r.body.decode())
    assert match, r.body
    return dict(json.loads(match[1]))


def test_the_pay_page_opens_razorpay_checkout_and_only_it_may_load_razorpay(api: Api) -> None:
    paid_host(api, "razorpay")
    booked = hold(api)
    uid, token = booked["uid"], booked["links"]["cancel_token"]

    r = api.get(f"/booking/{uid}/pay?token={token}")

    assert r.status == 200, r.body
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self' https://checkout.razorpay.com;" in csp
    assert "frame-src https://api.razorpay.com;" in csp
    assert "connect-src 'self';" in csp and "'unsafe-inline'" not in csp
    # Checkout may open a window of its own (a bank's page): this page lets it keep in touch
    assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    assert (r.headers["Cache-Control"], r.headers["X-Robots-Tag"]) == ("no-store", "noindex")
    assert parse(r).problems == []
    data = pay_page_data(r)
    assert data["script"] == "https://checkout.razorpay.com/v1/checkout.js"
    assert (data["key"], data["order_id"]) == ("rzp_test_page0123",
                                               booked["payment"]["order_id"])
    assert (data["amount"], data["currency"]) == (15000, "USD")
    assert data["prefill"] == {"name": "Bo Booker", "email": "bo@example.com"}
    assert data["view"] == f"/booking/{uid}?token={token}"
    assert "Pay $150.00" in r.body.decode()
    # No other page lets Razorpay in
    assert "frame-src" not in api.get("/alice/intro").headers["Content-Security-Policy"]


def test_the_pay_page_loads_checkout_from_the_sandbox_when_razorpay_has_a_base_url(
        api: Api) -> None:
    paid_host(api, "razorpay")
    services = bootstrap.services()
    sandbox = Providers(razorpay=RazorpayPlatform(base_url="http://127.0.0.1:8002/razorpay"))
    bootstrap.install(replace(services, pages=replace(services.pages, providers=sandbox)))
    booked = hold(api)

    r = api.get(f"/booking/{booked['uid']}/pay?token={booked['links']['cancel_token']}")

    assert pay_page_data(r)["script"] == "http://127.0.0.1:8002/razorpay/v1/checkout.js"
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self' http://127.0.0.1:8002;" in csp
    assert "frame-src http://127.0.0.1:8002;" in csp


@pytest.mark.parametrize("provider", ["stripe", "razorpay"])
def test_a_booking_with_nothing_to_pay_here_goes_to_its_own_page(
        api: Api, provider: str) -> None:
    paid_host(api, provider)
    booked = hold(api)
    if provider == "razorpay":
        pay(booked["uid"], "razorpay")  # paid already: nothing left to pay
    path = f"/booking/{booked['uid']}?token={booked['links']['cancel_token']}"

    r = api.get(path.replace("?", "/pay?"))

    assert r.status == 303
    assert r.headers["Location"] == path


def test_a_forged_pay_link_is_the_not_found_page(api: Api) -> None:
    paid_host(api, "razorpay")
    booked = hold(api)

    r = api.get(f"/booking/{booked['uid']}/pay?token=forged")

    assert r.status == 404
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"


def test_an_in_person_booking_shows_the_address_on_its_own_page_and_only_there(
        api: Api) -> None:
    make_host(api, location={"kind": "in_person", "details": "Studio 4, 12 Baker Street"},
              questions=[f.question("plan", "select", required=True, options=["A", "B"])])

    public = page_data(api.get("/alice/intro"))["event"]["location_note"]
    html = manage_html(api, book(api))

    assert "Baker Street" not in public and "calendar invite" in public
    assert "In person:" in html and "Studio 4, 12 Baker Street" in html
    assert "will confirm the address" not in html


def test_a_booking_link_typed_with_capitals_moves_for_good_to_the_lower_case_one(
        api: Api) -> None:
    make_host(api, "alice")

    profile = api.get("/Alice")
    event = api.get("/ALICE/Intro?month=2026-12&utm_source=mail")
    reserved = api.get("/Docs")

    assert (profile.status, profile.headers["Location"]) == (301, "/alice")
    assert (event.status, event.headers["Location"]) == (
        301, "/alice/intro?month=2026-12&utm_source=mail")
    assert api.get(event.headers["Location"]).status == 200
    # A top-level path is no host link, whatever its case: the page's plain 404.
    assert reserved.status == 404 and "Location" not in reserved.headers


def test_an_unknown_host_typed_with_capitals_is_sent_on_and_then_not_found(api: Api) -> None:
    moved = api.get("/Nobody")

    assert (moved.status, moved.headers["Location"]) == (301, "/nobody")
    assert api.get("/nobody").status == 404
