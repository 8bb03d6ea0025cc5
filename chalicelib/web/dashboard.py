"""The host dashboard at /app: one HTML page, routed in the browser (app.js).

The page holds no user data, so it is the same for everyone and needs no session to
serve: the script asks the API for the host's data with the session cookie. What the
page must know before its first request is rendered into it as JSON: the WebSocket URL
(its origin is also added to the CSP's connect-src), the public URL booking links
are built on, whether each integration's provider is set up on this Penny
(settings.providers), and which providers a visitor can sign in with (the login and
sign-up buttons; a provider not set up here has none), whether it can e-mail a password
reset link (a sender is set up; never the address), and the least Stripe and Razorpay
take in each currency (the event type editor refuses a smaller price before sending it,
and says the least beside the price), and how many decimals each currency has as
the API counts them (ISO 4217; the browser's own count differs for some, HUF or IDR):
the currencies whose minor unit is not a hundredth, so the dashboard shows and reads
a price as the API does. The host's own connections come
from GET /me/connections, its sign-in identities from GET /me/identities.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from chalice import Response

from chalicelib.domain.currencies import CURRENCIES, least_amounts, minor_digits
from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import GOOGLE
from chalicelib.settings import Settings

# Client-side routes; anything else under /app is a 404 page.
SECTIONS = frozenset({"login", "signup", "forgot-password", "reset-password", "welcome",
                      "bookings", "event-types", "availability", "profile", "connections"})

# What a host is offered, in the order sign-up asks, each with the provider it needs
# (chalicelib/provider_settings.py) and that provider's name for people. The server says
# only whether the provider is set up on this Penny ("available" or "not_available");
# the page asks GET /me/connections for the host's own state (connected, broken, ...).
# `feature` is what Connect turns on (POST /me/connections/{provider}): each asks the
# provider only for its own scopes ("payments": Stripe's onboarding, or Razorpay's keys,
# app-payments.js). One Google connection serves the calendar and the Docs: `scopes` are
# those it must hold for each card to count as connected (a Google connection made for
# the calendar alone has no Docs, one made for the Docs alone no calendar). The brief
# is not something a host connects (the operator sets up Gemini and switches the premium
# plan on per host: infra/premium.py), so it has no button at all; `note` says what it
# does once Gemini is set up here.
Integration = dict[str, str | bool | tuple[str, ...] | None]
INTEGRATIONS: tuple[Integration, ...] = (
    {"id": "google_calendar", "name": "Google Calendar", "group": "calendar",
     "provider": "google", "vendor": "Google", "connectable": True, "feature": "calendar",
     "scopes": GOOGLE[Feature.CALENDAR],
     "purpose": "Check for conflicts and add bookings to your calendar, with Google Meet links."},
    {"id": "outlook", "name": "Outlook Calendar", "group": "calendar",
     "provider": "microsoft", "vendor": "Microsoft", "connectable": True, "feature": "calendar",
     "purpose": "Check for conflicts and add bookings to Outlook, with Teams links."},
    {"id": "zoom", "name": "Zoom", "group": "calendar",
     "provider": "zoom", "vendor": "Zoom", "connectable": True, "feature": "video",
     "purpose": "Create a Zoom meeting for each booking."},
    {"id": "notion", "name": "Notion", "group": "notes",
     "provider": "notion", "vendor": "Notion", "connectable": True, "feature": "notes",
     "purpose": "Save each client's answers as notes in a Notion database."},
    {"id": "google_docs", "name": "Google Docs", "group": "notes",
     "provider": "google", "vendor": "Google", "connectable": True, "feature": "notes",
     "scopes": GOOGLE[Feature.NOTES],
     "purpose": "Save each client's answers as notes: a Google Doc per booking, in a "
                "folder Penny makes in your Drive."},
    {"id": "gemini_brief", "name": "Pre-meeting brief", "group": "notes",
     "provider": "gemini", "vendor": "Gemini", "connectable": False, "feature": None,
     "note": "On for premium hosts: each confirmed booking gets a brief, shown with the "
             "booking and in its notes.",
     "purpose": "A short AI brief (Gemini) about each client before you meet them, "
                "for premium hosts."},
    {"id": "stripe", "name": "Stripe", "group": "payments",
     "provider": "stripe", "vendor": "Stripe", "connectable": True, "feature": "payments",
     "purpose": "Take payment for paid event types with Stripe Checkout."},
    {"id": "razorpay", "name": "Razorpay", "group": "payments",
     "provider": "razorpay", "vendor": "Razorpay", "connectable": True, "feature": "payments",
     "purpose": "Take payment for paid event types with Razorpay (UPI, cards); "
                "a host with both takes rupees through Razorpay."},
)


# The OpenID Connect providers (POST /auth/oidc/{provider}), in the order the buttons
# show, each with its name as its own button guidelines say it ("Sign in with Google").
SIGN_IN_PROVIDERS: tuple[tuple[str, str], ...] = (("google", "Google"),
                                                  ("microsoft", "Microsoft"))


def sign_in_providers(available: frozenset[str]) -> list[dict[str, str]]:
    """The providers a visitor can sign in with here: those set up on this Penny."""
    return [{"provider": provider, "name": name}
            for provider, name in SIGN_IN_PROVIDERS if provider in available]


def integrations(available: frozenset[str]) -> list[Integration]:
    """Each integration and whether its provider is set up here; never a setting of it."""
    return [{**i, "status": "available" if i["provider"] in available else "not_available"}
            for i in INTEGRATIONS]


def currency_digits() -> dict[str, int]:
    """The currencies whose minor unit is not a hundredth, and their decimals (any other
    code, known or not, has 2, as minor_digits says)."""
    return {code: minor_digits(code) for code in sorted(CURRENCIES) if minor_digits(code) != 2}


def websocket_origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("ws", "wss") else None


def dashboard_page(settings: Settings, request: Any, section: str | None = None) -> Response:
    from chalicelib.web.pages import base_path, html_page, not_found_page

    base = base_path(request)
    if section is not None and section not in SECTIONS:
        return not_found_page(base, "Page not found", "The dashboard has no such page.")
    websocket = settings.public_websocket_url
    origin = websocket_origin(websocket)
    config = {"websocketUrl": websocket if origin else None,
              "publicUrl": settings.public_base_url,
              "integrations": integrations(settings.providers.available),
              "paymentMinimums": least_amounts(),
              "currencyDigits": currency_digits(),
              "signIn": sign_in_providers(settings.providers.available),
              # "Forgot password?" sends a link, or says this Penny cannot (no sender).
              "passwordReset": settings.email_sender is not None}
    return html_page("app.html", title="Dashboard · Penny", base=base,
                     description="Penny's dashboard: your bookings, event types, hours, "
                                 "profile and connections.",
                     data={"penny-dashboard": config}, scripts=("app.js",),
                     styles=("base.css", "app.css"), connect_src=(origin,) if origin else (),
                     headers={"X-Robots-Tag": "noindex"})
