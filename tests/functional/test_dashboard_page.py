"""GET /app: the dashboard page, its configuration and its Content-Security-Policy."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib.provider_settings import (
    GeminiKey,
    OAuthApp,
    Providers,
    RazorpayPlatform,
    StripePlatform,
)
from tests.functional.conftest import Api, rebuild

CONFIG = re.compile(r'<script type="application/json" id="penny-dashboard">(.*?)</script>')


def with_websocket(url: str | None) -> None:
    rebuild(websocket_url=url)


def config_of(html: str) -> dict[str, object]:
    match = CONFIG.search(html)
    assert match, html
    return dict(json.loads(match[1]))


@pytest.mark.parametrize("path", ["/app", "/app/bookings", "/app/event-types", "/app/login"])
def test_every_dashboard_path_serves_the_same_page(api: Api, path: str) -> None:
    r = api.get(path)

    assert r.status == 200, r.body
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert 'id="penny-dashboard"' in r.body.decode()


def test_an_unknown_dashboard_path_is_a_404_page(api: Api) -> None:
    r = api.get("/app/nothing-here")

    assert r.status == 404
    assert r.headers["Content-Type"].startswith("text/html")



def test_every_view_a_round_trip_may_come_back_to_is_a_view_the_page_serves(api: Api) -> None:
    # The API's list of views (sign-in, connect: schemas AppView) and the page's own
    # must agree: a view missing from the API's cannot be come back to after a sign-in.
    # (Logging in, signing up and resetting a password are no view to come back to.)
    from typing import get_args

    from chalicelib.functions.schemas.fields import AppView
    from chalicelib.web.dashboard import SECTIONS

    assert set(get_args(AppView)) == SECTIONS - {"login", "signup", "forgot-password",
                                                 "reset-password"}
    for view in get_args(AppView):
        assert api.get(f"/app/{view}").status == 200

def test_the_page_connects_only_to_itself_and_its_websocket(api: Api) -> None:
    with_websocket("wss://abc123defg.execute-api.eu-west-1.amazonaws.com/api")

    r = api.get("/app")

    csp = r.headers["Content-Security-Policy"]
    assert "connect-src 'self' wss://abc123defg.execute-api.eu-west-1.amazonaws.com;" in csp
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp
    config = config_of(r.body.decode())
    assert config["websocketUrl"] == "wss://abc123defg.execute-api.eu-west-1.amazonaws.com/api"
    assert config["publicUrl"] == "http://penny.test"


def test_without_a_websocket_the_page_says_so_and_connects_nowhere_else(api: Api) -> None:
    r = api.get("/app")

    assert "connect-src 'self';" in r.headers["Content-Security-Policy"]
    assert config_of(r.body.decode())["websocketUrl"] is None


def statuses(api: Api) -> dict[str, str]:
    integrations = config_of(api.get("/app").body.decode())["integrations"]
    assert isinstance(integrations, list)
    return {i["id"]: i["status"] for i in integrations}


def test_with_no_provider_set_up_every_integration_says_it_is_not_available(api: Api) -> None:
    found = statuses(api)

    assert list(found) == ["google_calendar", "outlook", "zoom", "notion", "google_docs",
                           "gemini_brief", "stripe", "razorpay"]
    assert set(found.values()) == {"not_available"}


def test_a_set_up_provider_makes_its_integrations_available_and_keeps_its_secrets(
        api: Api) -> None:
    # GIVEN Google, Stripe and Razorpay set up on this Penny, the others not
    providers = Providers(
        google=OAuthApp("google-client-id", "google-client-secret-0123456789"),
        stripe=StripePlatform("sk_test_platform_key_0123456789", "whsec_0123456789"),
        razorpay=RazorpayPlatform())
    rebuild(providers=providers)

    # WHEN the dashboard is served
    html = api.get("/app").body.decode()

    # THEN both Google integrations and the two payment providers are available, nothing
    # is connected, and no setting of a provider reaches the browser
    found = statuses(api)
    assert {i for i, status in found.items() if status == "available"} == {
        "google_calendar", "google_docs", "stripe", "razorpay"}
    assert set(found.values()) == {"available", "not_available"}
    for value in ("google-client-id", "google-client-secret", "sk_test_", "whsec_"):
        assert value not in html


def test_sign_in_buttons_are_offered_only_for_providers_set_up_here(api: Api) -> None:
    assert config_of(api.get("/app").body.decode())["signIn"] == []

    rebuild(providers=Providers(google=OAuthApp("google-client-id", "google-secret-0123"),
                                zoom=OAuthApp("zoom-client-id", "zoom-secret-0123")))

    assert config_of(api.get("/app").body.decode())["signIn"] == [
        {"provider": "google", "name": "Google"}]


def test_the_page_knows_whether_this_penny_can_email_a_reset_link_but_not_from_whom(
        api: Api) -> None:
    assert config_of(api.get("/app").body.decode())["passwordReset"] is False

    rebuild(email_sender="no-reply@penny.test")
    html = api.get("/app/forgot-password").body.decode()

    assert config_of(html)["passwordReset"] is True
    assert "no-reply@penny.test" not in html
    assert api.get("/app/reset-password").status == 200


def test_the_page_runs_no_inline_script_and_loads_one_script_and_stylesheet(api: Api) -> None:
    html = api.get("/app").body.decode()

    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "style=" not in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert [a.split("/")[-1].split(".")[0] for a in assets] == ["base~app", "app"]
    assert "modulepreload" not in html
    for url in assets:
        r = api.get(url)
        assert r.status == 200, url
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_calendars_section_and_the_location_warning_come_with_the_page(api: Api) -> None:
    html = api.get("/app/connections").body.decode()

    # Hidden until a calendar provider is connected (app-calendars.js decides)
    assert re.search(r'<section class="card" id="calendars" [^>]*hidden>', html)
    assert 'id="calendars-form"' in html and 'name="destination" value=""' in html
    # The event type editor's location describes itself with the warning beside it (and
    # the phone call's hint)
    described = re.search(r'<select id="et-location"[^>]*aria-describedby="([^"]*)"', html)
    assert described and "et-location-warning" in described[1].split(), described
    assert re.search(r'<p class="notice notice-warning" id="et-location-warning" hidden>', html)
    script = re.search(r'src="(/static/app\.[0-9a-f]{10}\.js)"', html)
    assert script
    body = api.get(script[1]).body.decode()
    assert "const __mod_app_calendars=" in body and "const __mod_video=" in body


def test_stripe_and_razorpay_can_be_connected_for_real(api: Api) -> None:
    integrations = config_of(api.get("/app").body.decode())["integrations"]
    assert isinstance(integrations, list)

    payments = {i["id"]: i for i in integrations if i["group"] == "payments"}
    assert set(payments) == {"stripe", "razorpay"}
    for integration in payments.values():
        assert integration["feature"] == "payments"
        assert "later" not in integration  # nothing says "coming soon"


def test_the_razorpay_keys_form_and_the_refund_policy_field_come_with_the_page(
        api: Api) -> None:
    html = api.get("/app/connections").body.decode()

    # Each field's name is the API's (PUT /me/connections/razorpay), so a refusal lands by it
    for name in ("key_id", "key_secret", "webhook_secret"):
        assert f'name="{name}"' in html
    assert 'id="razorpay-webhook-url" readonly' in html
    # The event type editor: the refund policy beside the price (EventTypeIn)
    assert 'name="refund_hours_before"' in html and 'aria-describedby="et-refund-hint"' in html


def test_the_brief_is_not_connected_by_a_host_and_says_what_it_does_once_set_up(
        api: Api) -> None:
    # GIVEN Gemini set up on this Penny
    rebuild(providers=Providers(gemini=GeminiKey("gemini-key-0123456789")))

    # WHEN the dashboard is served
    integrations = config_of(api.get("/app").body.decode())["integrations"]
    assert isinstance(integrations, list)
    found = {i["id"]: i for i in integrations}

    # THEN the brief is available, with no Connect, and says who gets it, in words
    brief = found["gemini_brief"]
    assert (brief["status"], brief["connectable"], brief["feature"]) == (
        "available", False, None)
    assert brief["note"] == ("On for premium hosts: each confirmed booking gets a brief, "
                             "shown with the booking and in its notes.")
    # ... and nothing says the notes feature is still to come
    assert all("later" not in i for i in integrations)


def test_google_docs_connects_google_for_notes_and_counts_only_with_the_docs_scopes(
        api: Api) -> None:
    # WHEN the dashboard is served
    integrations = config_of(api.get("/app").body.decode())["integrations"]
    assert isinstance(integrations, list)
    found = {i["id"]: i for i in integrations}

    # THEN Google Docs connects Google with the notes feature, and each Google card counts
    # the one Google connection as its own only with the scopes its feature needs (a
    # calendar-only grant has no Docs, a Docs-only grant no calendar)
    docs = found["google_docs"]
    assert (docs["provider"], docs["connectable"], docs["feature"]) == ("google", True, "notes")
    assert docs["scopes"] == ["https://www.googleapis.com/auth/documents",
                              "https://www.googleapis.com/auth/drive.file"]
    assert "folder Penny makes in your Drive" in str(docs["purpose"])
    calendar = found["google_calendar"]["scopes"]
    assert isinstance(calendar, list) and calendar and not set(calendar) & set(docs["scopes"])
    assert "scopes" not in found["notion"]  # Notion has none: pages are picked at consent


def test_the_page_knows_the_least_each_vendor_takes_as_the_api_refuses_below_it(
        api: Api) -> None:
    from chalicelib.domain.currencies import vendor_refusal

    minimums = config_of(api.get("/app").body.decode())["paymentMinimums"]

    assert isinstance(minimums, dict)
    stripe, razorpay = minimums["stripe"], minimums["razorpay"]
    assert (stripe["EUR"], stripe["GBP"], stripe["JPY"], razorpay["*"]) == (50, 30, 50, 100)
    for currency, least in stripe.items():
        assert vendor_refusal("stripe", least - 1, currency), currency
        assert vendor_refusal("stripe", least, currency) is None, currency
    assert vendor_refusal("razorpay", 99, "INR") and vendor_refusal("razorpay", 100, "INR") is None


def test_the_page_knows_every_currencys_decimals_as_the_api_counts_them(api: Api) -> None:
    from chalicelib.domain.currencies import CURRENCIES, minor_digits

    digits = config_of(api.get("/app").body.decode())["currencyDigits"]

    assert isinstance(digits, dict)
    # the codes the page is given; any other has 2 (app-formats.js fractionDigits)
    assert {code: digits.get(code, 2) for code in CURRENCIES} == {
        code: minor_digits(code) for code in CURRENCIES}
    assert (digits["JPY"], digits["IQD"], "HUF" in digits) == (0, 3, False)
