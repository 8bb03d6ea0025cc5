"""The host's platforms (services/connections.py) and what they are used for: the calendars
that block slots and get new bookings (services/calendar_cache.py), where client notes go
(services/notes_settings.py); Stripe and Razorpay are connected here too.
"""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.routes.routing import AUTH_ERRORS, api, services, views

bp = Blueprint(__name__)
route = api(bp)


@route("/me/connections", "GET", "list_connections",
       "Your platforms: connected, broken (reconnect), not connected, or not available here",
       "connections", auth=True, response="ConnectionList", errors=AUTH_ERRORS)
def list_connections(host_id: str) -> dict[str, Any]:
    from chalicelib.services.connections import ProviderView

    held = services().connections.held(host_id)  # one Query serves both lists
    found = services().connections.views(held)
    found += [ProviderView(*view) for view in services().payment_accounts.overview(held)]
    listed = [views().connection_out(v).model_dump(mode="json") for v in found]
    for entry in listed:
        if entry["provider"] == "razorpay" and entry["status"] in ("connected", "broken"):
            entry["webhook_url"] = razorpay_webhook_url(host_id)
    return {"connections": listed,
            "destination_provider": services().calendars.destination_provider(host_id)}


PAYMENT_PROVIDERS = ("stripe", "razorpay")


@route("/me/connections/{provider}", "POST", "connect_provider",
       "Start connecting a platform: answers the consent page to open in this browser",
       "connections", auth=True, session=True, body="ConnectIn", response="ConnectOut",
       errors=(*AUTH_ERRORS, 403, 409, 503), no_store=True)
def connect_provider(host_id: str, session_id: str | None, provider: str, body: Any) -> Response:
    from chalicelib.domain.providers.oauth import Feature
    from chalicelib.functions.connections import started

    request = bp.current_request
    if provider in PAYMENT_PROVIDERS:
        return _connect_payments(host_id, provider, body.return_to)
    result = services().connections.start(host_id, session_id, provider,
                                          frozenset(Feature(f) for f in body.features),
                                          f"/app/{body.return_to}")
    return started(request, result)


def _connect_payments(host_id: str, provider: str, view: str) -> Response:
    from chalicelib.domain.errors import ValidationError

    if provider != "stripe":
        raise ValidationError("Razorpay is connected with your keys: PUT "
                              "/me/connections/razorpay", "provider")
    email = services().profiles.config(host_id).email
    url = services().payment_accounts.connect_stripe(host_id, email, view)
    return Response(body=json.dumps({"authorize_url": url}), status_code=200,
                    headers={"Content-Type": "application/json"})


@route("/me/connections/razorpay", "PUT", "connect_razorpay",
       "Connect Razorpay with your own keys: checked with one call to Razorpay, then kept "
       "encrypted", "connections", auth=True, body="RazorpayKeysIn",
       response="RazorpayConnectionOut", errors=(*AUTH_ERRORS, 403, 409, 503), no_store=True)
def connect_razorpay(host_id: str, body: Any) -> Any:
    from chalicelib.services.connections import ProviderView

    connection = services().payment_accounts.connect_razorpay(
        host_id, body.key_id, body.key_secret, body.webhook_secret)
    out = views().connection_out(ProviderView("razorpay", True, connection))
    return {**out.model_dump(mode="json"), "webhook_url": razorpay_webhook_url(host_id)}


def razorpay_webhook_url(host_id: str) -> str:
    return f"{services().settings.public_base_url}/webhooks/razorpay/{host_id}"


@route("/me/connections/razorpay", "DELETE", "disconnect_razorpay",
       "Disconnect Razorpay: your keys are deleted from Penny", "connections", auth=True,
       status=204, errors=AUTH_ERRORS)
def disconnect_razorpay(host_id: str) -> None:
    # Its own route: the PUT above makes /me/connections/razorpay a path of its own, which
    # the {provider} route below never matches (a DELETE there answered 405).
    services().payment_accounts.disconnect(host_id, "razorpay")


@route("/me/connections/{provider}", "DELETE", "disconnect_provider",
       "Disconnect a platform: its tokens are revoked at the provider, then deleted",
       "connections", auth=True, status=204, errors=(*AUTH_ERRORS, 403))
def disconnect_provider(host_id: str, provider: str) -> None:
    if provider in PAYMENT_PROVIDERS:
        services().payment_accounts.disconnect(host_id, provider)
        return
    if provider in bootstrap.CALENDAR_ADAPTERS:
        services().calendars.stop_watches(host_id, provider)  # while the tokens work
    services().connections.disconnect(host_id, provider)
    services().calendars.forget_provider(host_id, provider)
    if provider in bootstrap.NOTES_ADAPTERS:
        services().notes.stop(host_id, provider)


# ---- the host's calendars (chalicelib/services/calendar_cache.py) ----------------------

@route("/me/calendars", "GET", "list_calendars",
       "Your connected calendars: which block slots, which gets new bookings, how fresh",
       "connections", auth=True, response="CalendarList", errors=AUTH_ERRORS, no_store=True)
def list_calendars(host_id: str) -> Any:
    from chalicelib.bootstrap import CALENDAR_ADAPTERS
    from chalicelib.domain.providers.oauth import Feature

    granted = services().connections
    # A Google connection made for Docs alone has no calendars to list.
    calendars = [v for v in granted.overview(host_id)
                 if v.provider in CALENDAR_ADAPTERS and v.status in ("connected", "broken")
                 and not granted.lacks_feature(host_id, v.provider, Feature.CALENDAR)]
    connected = [v.provider for v in calendars if v.status == "connected"]
    setup, listed = services().calendars.calendars(host_id, connected)
    # A broken one cannot be asked either: its calendars still count as chosen (and may
    # receive bookings), so they are out of reach, not gone. One with none of them chosen
    # holds nothing a Save could drop, and is left out (the dashboard holds Save back
    # while any provider is out of reach: the host's other calendars would wait on it).
    chosen = {ref.provider for ref in setup.refs} | (
        {setup.destination.provider} if setup.destination is not None else set())
    return views().calendar_list(setup, listed, [v.provider for v in calendars
                                                 if v.provider not in listed and
                                                 (v.status == "connected"
                                                  or v.provider in chosen)],
                                 services().clock.now())


@route("/me/calendars", "PUT", "choose_calendars",
       "Choose the calendars that block slots and the one new bookings go to",
       "connections", auth=True, body="CalendarsIn", response="CalendarList",
       errors=(*AUTH_ERRORS, 403, 409), no_store=True)
def choose_calendars(host_id: str, body: Any) -> Any:
    from chalicelib.domain.calendar_cache import CalendarRef

    conflicts = [CalendarRef.parse(key) for key in body.conflicts]
    destination = None if body.destination is None else CalendarRef.parse(body.destination)
    services().calendars.choose_listed(host_id, conflicts, destination)
    return list_calendars(host_id)


# ---- where client notes go (chalicelib/services/notes_settings.py) ---------------------

@route("/me/notes", "GET", "get_notes",
       "Where your client notes go, and where they could: Notion databases you shared "
       "with Penny, the Google Drive folder Penny made",
       "connections", auth=True, response="NotesOut", errors=(*AUTH_ERRORS, 404),
       no_store=True)
def get_notes(host_id: str) -> Any:
    return views().notes_out(services().notes.choices(host_id))


@route("/me/notes", "PUT", "choose_notes",
       "Choose where each booking's notes go (null: no notes)",
       "connections", auth=True, body="NotesIn", response="NotesOut",
       errors=(*AUTH_ERRORS, 404, 409, 503), no_store=True)
def choose_notes(host_id: str, body: Any) -> Any:
    from chalicelib.domain.errors import ValidationError

    if body.data_source_id is None:
        services().notes.stop(host_id)
    elif body.provider is None:
        raise ValidationError("say which provider the place is at: notion or google",
                              "provider")
    else:
        services().notes.choose(host_id, body.provider, body.data_source_id)
    return get_notes(host_id)


# ---- is a connection working? ---------------------------------------------------------

@route("/me/connections/{provider}/test", "POST", "test_connection",
       "Use a connection once (refreshing its token when due): it works, or it is broken",
       "connections", auth=True, response="ConnectionOut",
       errors=(*AUTH_ERRORS, 403, 409, 503), no_store=True)
def test_connection(host_id: str, provider: str) -> Any:
    from chalicelib.services.connections import ProviderView

    if provider in PAYMENT_PROVIDERS:
        connection = services().payment_accounts.check(host_id, provider)
    else:
        connection = services().connections.test(host_id, provider)
    return views().connection_out(ProviderView(provider, True, connection))
