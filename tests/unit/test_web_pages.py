"""The page-serving layer's pure parts: base path, escaping, CSP, hashed assets, labels."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus, Dispute, Payment
from chalicelib.domain.event_types import LocationKind, Price
from chalicelib.provider_settings import RazorpayPlatform
from chalicelib.web import assets, labels
from chalicelib.web.assets import STATIC
from chalicelib.web.embedded_slots import gaps, month_window, sent_starts, utc_instant
from chalicelib.web.manage import video_line
from chalicelib.web.pages import (
    Markup,
    base_path,
    content_security_policy,
    html_page,
    json_script,
    render,
)
from chalicelib.web.pay_page import CheckoutSource
from chalicelib.web.payment_status import PayLinks, PaymentState, payment_block, payment_state

REPO = Path(__file__).resolve().parents[2]


def request(path: str, resource: str) -> SimpleNamespace:
    return SimpleNamespace(context={"path": path, "resourcePath": resource})


@pytest.mark.parametrize(("path", "resource", "base"), [
    ("/demo/intro", "/{host}/{event}", ""),  # Lambda Function URL, custom domain
    ("/api/demo/intro", "/{host}/{event}", "/api"),  # API Gateway REST stage
    ("/api/static/base.0123456789.css", "/static/{name}", "/api"),
    ("/api/demo/intro/", "/{host}/{event}", "/api"),
    ("/a%22b/demo", "/{host}", ""),  # nothing unsafe reaches a URL or an attribute
])
def test_base_path_is_the_request_path_before_the_route(path: str, resource: str,
                                                         base: str) -> None:
    assert base_path(request(path, resource)) == base


def test_embedded_json_cannot_close_its_script_element() -> None:
    hostile = {"name": "</script><script>alert(1)</script> & \u2028"}

    out = json_script("penny-page", hostile)

    assert out.count("</script>") == 1
    body = re.fullmatch(r'<script type="application/json" id="penny-page">(.*)</script>', out)
    assert body and json.loads(body[1]) == hostile


@pytest.mark.parametrize(("today", "first", "last"), [
    (date(2026, 12, 15), date(2026, 11, 30), date(2027, 2, 1)),
    (date(2028, 1, 1), date(2027, 12, 31), date(2028, 3, 1)),   # with a leap February
    (date(2026, 1, 31), date(2025, 12, 31), date(2026, 3, 1)),
])
def test_the_booking_page_embeds_the_utc_days_either_side_of_its_month_and_the_next(
        today: date, first: date, last: date) -> None:
    # Any zone's day lies inside the UTC days either side of it (UTC-12 to UTC+14).
    assert month_window(today) == (first, last)


def test_embedded_starts_are_minutes_after_the_one_before_and_read_back_whole() -> None:
    first = date(2026, 11, 30)
    starts = [datetime(2026, 11, 30, 14, 0, tzinfo=UTC), datetime(2026, 11, 30, 14, 30,
                                                                   tzinfo=UTC),
              datetime(2026, 12, 2, 9, 15, tzinfo=UTC)]

    minutes = gaps(first, starts)

    assert minutes == [840, 30, 2565]
    assert sent_starts({"first": "2026-11-30", "minutes": minutes}) == [
        "2026-11-30T14:00:00Z", "2026-11-30T14:30:00Z", "2026-12-02T09:15:00Z"]


def test_embedded_starts_are_utc_instants_to_the_second() -> None:
    kolkata = datetime(2026, 3, 4, 0, 0, tzinfo=ZoneInfo("Asia/Kolkata"))

    assert utc_instant(kolkata) == "2026-03-03T18:30:00Z"


def test_template_values_are_escaped_unless_marked_trusted() -> None:
    out = render("message.html", {"heading": "<b>Hi</b>", "message": Markup("<em>ok</em>")})

    assert "&lt;b&gt;Hi&lt;/b&gt;" in out
    assert "<em>ok</em>" in out


def test_connect_src_adds_the_websocket_origin() -> None:
    policy = content_security_policy(("wss://ws.example.com",))

    assert "connect-src 'self' wss://ws.example.com;" in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_page_under_a_prefix_links_every_asset_under_it() -> None:
    body = html_page("message.html", {"heading": "H", "message": "M"}, title="T",
                     description="D", base="/api", scripts=("manage.js",)).body

    urls = re.findall(r'(?:href|src)="([^"]+)"', body)
    assert 'data-base="/api"' in body
    assert all(u.startswith("/api/static/") for u in urls if "static" in u)
    assert any(re.fullmatch(r"/api/static/manage\.[0-9a-f]{10}\.js", u) for u in urls)


def test_a_page_links_one_script_one_stylesheet_and_an_inline_icon() -> None:
    body = html_page("message.html", {"heading": "H", "message": "M"}, title="T",
                     description="D", base="", scripts=("booking.js",),
                     styles=("base.css", "booking.css")).body

    css, js = re.findall(r'(?:href|src)="(/static/[^"]+)"', body)
    assert re.fullmatch(r"/static/base~booking\.[0-9a-f]{10}\.css", css)
    assert re.fullmatch(r"/static/booking\.[0-9a-f]{10}\.js", js)
    assert 'rel="icon" href="data:image/svg+xml,' in body
    assert "modulepreload" not in body


def test_a_page_script_is_its_entry_with_every_import_inlined() -> None:
    booking = assets.assets()["booking.js"]

    assert booking.parts[-1] == "booking.js"
    assert {"picker.js", "calendar.js", "clock.js", "api.js"} <= set(booking.parts)
    assert "const __mod_picker=" in booking.body and 'from "./' not in booking.body
    # The confirmation and the manage page wait for the meeting's link the same way
    assert "video.js" in booking.parts and "video.js" in assets.assets()["manage.js"].parts


def test_scripts_and_stylesheets_are_sent_without_their_comments() -> None:
    built = assets.assets()
    booking, source = built["booking.js"].body, (STATIC / "picker.js").read_text()

    assert "// Choosing a time: the month calendar" in source
    assert "Choosing a time" not in booking and "\n  " not in booking
    assert "`${this.path}?${query}`" in booking          # template literals kept as written
    assert "/*" not in built["base.css"].body and len(built["app.css"].body) < len(
        (STATIC / "app.css").read_text())


def test_a_combined_stylesheet_is_its_files_in_order() -> None:
    built = assets.assets()
    url = assets.asset_url("", assets.stylesheet_name(("base.css", "app.css")))

    served = assets.static_asset(url.removeprefix("/static/"))
    assert served.headers["Cache-Control"] == assets.IMMUTABLE
    assert served.body == f"{built['base.css'].body}\n{built['app.css'].body}"
    assert assets.static_asset("base~base.css").status_code == 404
    assert assets.static_asset("base~nothing.css").status_code == 404


@pytest.mark.parametrize(("price", "text"), [
    (None, "Free"), (Price(15000, "USD"), "$150.00"), (Price(5000, "JPY"), "¥5,000"),
    (Price(123456, "CHF"), "1,234.56 CHF")])
def test_price_label(price: Price | None, text: str) -> None:
    assert labels.price_label(price) == text


def test_when_label_is_wall_clock_time_in_the_zone() -> None:
    start = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    end = datetime(2026, 3, 9, 13, 30, tzinfo=UTC)

    assert labels.when_label(start, end, "Asia/Kolkata") == \
        "Monday, 9 March 2026, 18:30\N{EN DASH}19:00 (Asia/Kolkata)"


def test_a_time_the_clocks_show_twice_says_which_of_the_two_it_is() -> None:
    # New York, 2026-11-01: 01:00 to 01:59 comes twice (EDT, then EST)
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)    # 01:30 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)   # 01:30 EST, an hour later

    assert labels.when_label(first, second, "America/New_York") == \
        "Sunday, 1 November 2026, 01:30 EDT\N{EN DASH}01:30 EST (America/New York)"
    assert labels.clock_label(second, "America/New_York") == "01:30 EST"
    # Any other time of that day says the time alone
    assert labels.clock_label(datetime(2026, 11, 1, 7, 0, tzinfo=UTC),
                              "America/New_York") == "02:00"


def test_a_video_location_says_where_and_leaves_the_link_to_its_own_line() -> None:
    assert labels.location_note(LocationKind.ZOOM) == "Zoom video call"
    assert "not connected" not in labels.location_note(LocationKind.GOOGLE_MEET)
    assert labels.location_note(LocationKind.PHONE).startswith("Phone call")



def test_a_place_with_the_hosts_details_is_never_said_to_be_confirmed_later() -> None:
    # The booking's own page shows the details beside the note.
    assert labels.location_note(LocationKind.IN_PERSON, "12 Baker Street") == "In person:"
    assert labels.location_note(LocationKind.PHONE, "+44 20 7946 0000") == "Phone call:"
    # The public page does not show them, and says where the booker finds them.
    hidden = labels.location_note(LocationKind.IN_PERSON, "12 Baker Street", shown=False)
    assert hidden.startswith("In person: ") and "calendar invite" in hidden
    assert "Baker" not in hidden
    # With none written, the host confirms (or calls) as before; blank counts as none.
    assert labels.location_note(LocationKind.IN_PERSON, "  ") == \
        "In person: the host will confirm the address."
    assert labels.location_note(LocationKind.ZOOM, "Bring slides") == "Zoom video call"

# ---- the manage page's video line ---------------------------------------------------------

def a_booking(location: str = "google_meet", **changes: object) -> Booking:
    start = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    booking = Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=start, end=start + timedelta(minutes=30), buffer_before=timedelta(0),
        buffer_after=timedelta(0), attendee=Attendee("Bo Booker", "bo@example.com", "UTC"),
        answers={}, status=BookingStatus.CONFIRMED, created_at=start - timedelta(days=1),
        location_kind=location)
    return replace(booking, **changes)  # type: ignore[arg-type]


def test_a_booking_with_its_link_shows_it_to_join_with_the_providers_name() -> None:
    line = video_line(a_booking(video_url="https://meet.google.com/abc-defg-hij"), waiting=True)

    assert line.startswith('<p class="video" id="video">Join with Google Meet: <a href="'
                           'https://meet.google.com/abc-defg-hij" rel="noopener noreferrer">')
    assert "data-uid" not in line  # nothing left to wait for


def test_a_booking_without_a_link_shows_the_note_it_was_given() -> None:
    note = "The host will send you the Zoom link before the meeting."

    line = video_line(a_booking("zoom", video_note=note), waiting=True)

    assert note in line and "<a " not in line and "data-uid" not in line


def test_a_video_booking_with_neither_yet_says_the_link_is_on_its_way_for_the_script() -> None:
    line = video_line(a_booking("teams"), waiting=True)

    assert "Your meeting link is on its way." in line
    assert 'role="status"' in line and 'data-uid="b-1"' in line
    assert 'data-label="Microsoft Teams"' in line


@pytest.mark.parametrize(("booking", "waiting"), [
    (a_booking("phone"), True),  # no video meeting
    (a_booking(), False),  # started or over: nothing will come any more
    (a_booking(status=BookingStatus.CANCELLED, video_url="https://meet.google.com/x"), True),
    (a_booking(status=BookingStatus.PENDING_PAYMENT), True),
], ids=["phone", "started", "cancelled", "pending-payment"])
def test_no_line_when_there_is_no_meeting_to_join_or_wait_for(booking: Booking,
                                                              waiting: bool) -> None:
    assert video_line(booking, waiting=waiting) == ""


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "meet.google.com/x",
                                 "https://"])
def test_a_link_a_browser_would_not_open_as_a_web_page_is_never_linked(url: str) -> None:
    line = video_line(a_booking(video_url=url), waiting=True)

    assert "<a " not in line and "javascript" not in line
    assert "on its way" in line  # as if it had none


def test_the_link_and_note_are_escaped() -> None:
    linked = video_line(a_booking(video_url='https://x.test/"><script>'), waiting=True)
    noted = video_line(a_booking(video_note="<b>soon</b>"), waiting=True)

    assert '"><script>' not in linked and "&quot;&gt;&lt;script&gt;" in linked
    assert "&lt;b&gt;soon&lt;/b&gt;" in noted


# ---- paid bookings: the refund policy, the payment lines, Razorpay Checkout's origins ----

@pytest.mark.parametrize(("hours", "text"), [
    (24, "Full refund if you cancel at least 24 hours before; no refund after that."),
    (1, "Full refund if you cancel at least 1 hour before; no refund after that."),
    (0, "Full refund if you cancel before the meeting starts.")])
def test_the_refund_policy_in_words(hours: int, text: str) -> None:
    assert labels.refund_policy(hours) == text


def test_a_page_may_let_in_one_other_sites_script_and_frames() -> None:
    policy = content_security_policy((), ("https://checkout.razorpay.com",),
                                     ("https://api.razorpay.com",))

    assert "script-src 'self' https://checkout.razorpay.com;" in policy
    assert "frame-src https://api.razorpay.com;" in policy
    assert "frame-src" not in content_security_policy()  # default-src 'none' keeps frames out


def test_razorpay_checkout_comes_from_razorpay_or_from_the_sandboxs_base_url() -> None:
    real = CheckoutSource.of(RazorpayPlatform())
    sandboxed = CheckoutSource.of(RazorpayPlatform(base_url="http://127.0.0.1:8002/razorpay/"))

    assert real == CheckoutSource("https://checkout.razorpay.com/v1/checkout.js",
                                  "https://checkout.razorpay.com", "https://api.razorpay.com")
    assert sandboxed == CheckoutSource("http://127.0.0.1:8002/razorpay/v1/checkout.js",
                                       "http://127.0.0.1:8002", "http://127.0.0.1:8002")
    assert CheckoutSource.of(None) == real


HOLD_ENDS = datetime(2026, 3, 2, 12, 15, tzinfo=UTC)


def a_paid_booking(**payment: object) -> Booking:
    return a_booking(status=BookingStatus.PENDING_PAYMENT, hold_until=HOLD_ENDS,
                     price_minor=15000, currency="USD",
                     payment=Payment("stripe", "cs_1", "https://checkout.stripe.test/cs_1",
                                     **payment))  # type: ignore[arg-type]


@pytest.mark.parametrize(("booking", "now", "state"), [
    (a_booking(), HOLD_ENDS, PaymentState.NONE),
    (a_paid_booking(), HOLD_ENDS - timedelta(minutes=1), PaymentState.AWAITING),
    # lapsed, before the hold's timer has written it so
    (a_paid_booking(), HOLD_ENDS, PaymentState.EXPIRED),
    (replace(a_paid_booking(), status=BookingStatus.EXPIRED), HOLD_ENDS - timedelta(minutes=5),
     PaymentState.EXPIRED),
    (replace(a_paid_booking(payment_id="pi_1", paid_minor=15000),
             status=BookingStatus.CONFIRMED), HOLD_ENDS, PaymentState.PAID),
    (replace(a_paid_booking(payment_id="pi_1", refund_id="re_1", refunded_minor=15000),
             status=BookingStatus.CANCELLED), HOLD_ENDS, PaymentState.REFUNDED),
    (replace(a_paid_booking(), status=BookingStatus.CANCELLED), HOLD_ENDS, PaymentState.NONE),
], ids=["free", "held", "hold-lapsed", "expired", "paid", "refunded", "cancelled-unpaid"])
def test_the_payment_state_a_booking_page_shows(booking: Booking, now: datetime,
                                                state: PaymentState) -> None:
    assert payment_state(booking, now) is state


def test_a_held_booking_says_it_waits_for_its_payment_and_until_when_the_script_asks() -> None:
    links = PayLinks('https://checkout.stripe.test/cs_1?"x', "/alice/intro")

    block = payment_block(a_paid_booking(), HOLD_ENDS - timedelta(minutes=5), links)

    assert 'role="status">Waiting for your payment to be confirmed…</p>' in block
    # The script asks just after the hold's end, and gives up a grace after it
    assert 'data-hold="2026-03-02T12:15:00+00:00"' in block
    assert 'data-until="2026-03-02T12:17:00+00:00"' in block
    assert ('<time datetime="2026-03-02T12:15:00+00:00" data-zone="UTC" data-clock>12:15'
            "</time>") in block
    assert 'href="https://checkout.stripe.test/cs_1?&quot;x">Pay $150.00</a>' in block
    assert 'id="book-again" hidden' in block  # the script shows it if the hold ends


def test_an_ended_hold_offers_to_book_again() -> None:
    block = payment_block(replace(a_paid_booking(), status=BookingStatus.EXPIRED), HOLD_ENDS,
                          PayLinks(None, "/alice/intro"))

    assert "Your hold expired unpaid; the time is free again." in block
    assert '<a class="button primary" href="/alice/intro">Book again</a>' in block
    assert "data-until" not in block and "Pay " not in block


def a_disputed_booking(outcome: str | None = None) -> Booking:
    """Paid for 2026-03-04 15:00 (its refund deadline 24 hours before), then disputed."""
    disputed = Dispute("dp_1", "fraudulent", 15000, outcome=outcome)
    return replace(a_paid_booking(payment_id="pi_1", paid_minor=15000, disputes=(disputed,)),
                   status=BookingStatus.CONFIRMED)


@pytest.mark.parametrize(("outcome", "now", "words"), [
    (None, HOLD_ENDS, "Paid $150.00. Your bank is disputing this payment: cancelling now "
     "makes no refund; the dispute decides the money. If the dispute ends in the host&#x27;s "
     "favour, your full refund follows."),
    (None, datetime(2026, 3, 4, 9, 0, tzinfo=UTC), "Paid $150.00. Your bank is disputing "
     "this payment: cancelling now makes no refund; the dispute decides the money. Its "
     "refund deadline has passed, so none follows whatever the dispute decides."),
    ("lost", HOLD_ENDS, "Paid $150.00. Your bank&#x27;s dispute of this payment gave the "
     "money back to you: cancelling makes no refund from the host."),
], ids=["open-inside-policy", "open-past-deadline", "lost"])
def test_a_disputed_payments_page_says_before_cancelling_that_it_makes_no_refund(
        outcome: str | None, now: datetime, words: str) -> None:
    block = payment_block(a_disputed_booking(outcome), now, PayLinks(None, "/alice/intro"))

    assert f'<p id="payment-state">{words}</p>' in block
    assert "Full refund if you cancel" not in block


def test_a_dispute_won_leaves_the_refund_policy_to_say_what_cancelling_gives() -> None:
    block = payment_block(a_disputed_booking("won"), HOLD_ENDS, PayLinks(None, "/alice/intro"))

    assert "Paid $150.00. Full refund if you cancel at least 24 hours before" in block
    assert "disput" not in block


def test_importing_app_does_not_load_the_page_layer() -> None:
    # Cold start budget: pages load on the first page request, not with the API.
    code = "import app, sys; print([m for m in sys.modules if m.startswith('chalicelib.web')])"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)

    assert out.stdout.strip() == "[]"
