"""Penny's Lambda entry points: every HTTP route of the booking API.

Each route parses (done by `route`), calls one service function, and maps the result.
Heavy modules (pydantic schemas, PynamoDB, pyjwt, argon2) load on the first request
that needs them, never at import: cold start is a budget.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from chalice import Chalice, Response

from chalicelib import bootstrap
from chalicelib.functions.errors import reshape_chalice_error
from chalicelib.functions.http import Operation, api_route
from chalicelib.functions.request_logs import with_log_keys
from chalicelib.integrations import logs
from chalicelib.store.queues import QUEUES


class Penny(Chalice):
    """Chalice, also answering the Lambda Function URL (Penny's free front door)."""

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        if not (isinstance(event, dict) and event.get("version") == "2.0"):
            return super().__call__(event, context)
        from chalicelib.functions import function_url

        method, path = event["requestContext"]["http"]["method"], event["rawPath"]
        matched = function_url.match_route(self.routes, path)
        # HEAD is GET without the body, wherever GET is answered (RFC 9110 section 9.3.2),
        # except on a webhook or OAuth callback: its GET acts (it may spend a one-time code).
        verb = "GET" if method == "HEAD" and not _is_edge(self, matched) else method
        if matched is None or verb not in self.routes[matched[0]]:
            response = function_url.not_found(method, path)
        else:
            rest_event = function_url.to_rest_event(event, *matched, method=verb)
            response = function_url.compressed(
                function_url.to_function_url_response(super().__call__(rest_event, context)),
                (event.get("headers") or {}).get("accept-encoding"))
        return function_url.without_body(response) if method == "HEAD" else response


def _is_edge(app: Chalice, matched: tuple[str, dict[str, str]] | None) -> bool:
    if matched is None:
        return False
    from chalicelib.functions.edge import edge_paths

    return matched[0] in edge_paths(app)


app = Penny(app_name="penny")

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # JSON logs for every function kind (chalicelib/integrations/logs.py; Powertools
    # loads with the first line logged, not here).
    logs.configure()
    # In Lambda the settings and secrets (Parameter Store) load at init: a missing or
    # development secret stops the function there with its reason in the log, never run.
    bootstrap.environment_settings()

AUTH_ERRORS = (400, 401, 404)


def services() -> bootstrap.ApiServices:
    return bootstrap.services()


def views() -> ModuleType:
    from chalicelib.functions import views as module

    return module


def browser_session() -> ModuleType:
    from chalicelib.functions import browser_session as module

    return module


def route(path: str, method: str, name: str, summary: str, tag: str,
          **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return api_route(app,
                     lambda request: browser_session().authenticate(services().browser, request),
                     lambda: services().settings.max_body_bytes,
                     Operation(path, method, name, summary, tag, **options))


@app.middleware("http")
def json_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return reshape_chalice_error(get_response(event))


# Request id (and booking uid) on every line a request logs; a booking write logs one.
app.middleware("http")(with_log_keys)


# ---- accounts ---------------------------------------------------------------------------

def _session(session: Any) -> dict[str, Any]:
    return {"host_id": session.host_id, "access_token": session.access_token,
            "refresh_token": session.refresh_token, "token_type": "Bearer",
            "expires_in": session.expires_in}


@route("/auth/signup", "POST", "sign_up", "Create a host account", "auth", status=201,
       body="SignupRequest", response="SignupOut", errors=(400, 409, 429), no_store=True)
def sign_up(body: Any) -> dict[str, Any]:
    from chalicelib.functions.http import source_ip

    profile, session = services().accounts.sign_up(
        body.email, body.password, body.slug, body.display_name, body.timezone,
        source=source_ip(app.current_request))
    return {**_session(session), "host": views().profile_out(profile).model_dump(mode="json")}


@route("/auth/login", "POST", "log_in", "Log in with email and password", "auth",
       body="LoginRequest", response="SessionOut", errors=(400, 401, 429), no_store=True)
def log_in(body: Any) -> dict[str, Any]:
    from chalicelib.functions.http import source_ip

    return _session(services().accounts.log_in(body.email, body.password,
                                               source=source_ip(app.current_request)))


@route("/auth/refresh", "POST", "refresh", "Rotate a refresh token for a new session", "auth",
       body="RefreshRequest", response="SessionOut", errors=(400, 401), no_store=True)
def refresh(body: Any) -> dict[str, Any]:
    return _session(services().accounts.refresh(body.refresh_token))


@route("/auth/logout", "POST", "log_out", "Revoke the session's refresh tokens", "auth",
       status=204, body="RefreshRequest", errors=(400,), no_store=True)
def log_out(body: Any) -> None:
    services().accounts.log_out(body.refresh_token)


# The dashboard's session: the same accounts, kept in httpOnly cookies with a CSRF token
# (chalicelib/functions/browser_session.py says how and why).
@route("/auth/session", "POST", "open_session",
       "Log in for the dashboard: sets httpOnly session cookies", "auth",
       body="LoginRequest", response="BrowserSessionOut", errors=(400, 401, 403, 429),
       no_store=True)
def open_session(body: Any) -> Response:
    return browser_session().log_in(services().browser, app.current_request, body)  # type: ignore[no-any-return]


@route("/auth/session/signup", "POST", "open_session_with_signup",
       "Create a host account and log in for the dashboard (httpOnly cookies)", "auth",
       status=201, body="SignupRequest", response="BrowserSignupOut",
       errors=(400, 403, 409, 429), no_store=True)
def open_session_with_signup(body: Any) -> Response:
    return browser_session().sign_up(services().browser, app.current_request, body)  # type: ignore[no-any-return]


@route("/auth/session/refresh", "POST", "refresh_session",
       "Rotate the dashboard's session cookies", "auth", query="RefreshSessionQuery",
       response="BrowserSessionOut", errors=(400, 401, 403),
       security=("refreshCookie", "csrfToken"), no_store=True)
def refresh_session(query: Any) -> Response:
    # ?realtime=true: the new session's WebSocket ticket comes with it, so a dashboard
    # coming back to a hidden tab reconnects with one request, not two.
    return browser_session().refresh(  # type: ignore[no-any-return]
        services().browser, app.current_request, _ticket_out if query.realtime else None)


@route("/auth/session", "DELETE", "close_session",
       "Log out of the dashboard: revoke the session and clear its cookies", "auth",
       status=204, errors=(403,), security=("refreshCookie", "csrfToken"), no_store=True)
def close_session() -> Response:
    return browser_session().log_out(services().browser, app.current_request)  # type: ignore[no-any-return]


# ---- the host's own settings ------------------------------------------------------------

@route("/me/profile", "GET", "get_profile", "Your profile", "host", auth=True,
       response="ProfileOut", errors=AUTH_ERRORS)
def get_profile(host_id: str) -> Any:
    return views().profile_out(services().profiles.config(host_id).profile)


@route("/me/profile", "PUT", "put_profile", "Update your profile (slug, timezone, ...)", "host",
       auth=True, body="ProfileIn", response="ProfileOut", errors=(*AUTH_ERRORS, 409))
def put_profile(host_id: str, body: Any) -> Any:
    profile = services().profiles.update_profile(host_id, views().profile_in(body))
    return views().profile_out(profile)


@route("/me/schedule", "GET", "get_schedule", "Your weekly hours and date overrides", "host",
       auth=True, response="ScheduleOut", errors=AUTH_ERRORS)
def get_schedule(host_id: str) -> Any:
    return views().schedule_out(services().profiles.config(host_id).schedule)


@route("/me/schedule", "PUT", "put_schedule", "Replace your weekly hours and overrides", "host",
       auth=True, body="ScheduleIn", response="ScheduleOut", errors=AUTH_ERRORS)
def put_schedule(host_id: str, body: Any) -> Any:
    schedule = services().profiles.update_schedule(host_id, views().schedule_in(body))
    return views().schedule_out(schedule)


@route("/me/event-types", "GET", "list_event_types", "Your event types", "host", auth=True,
       response="EventTypeList", errors=AUTH_ERRORS)
def list_event_types(host_id: str) -> dict[str, Any]:
    ets = services().profiles.config(host_id).event_types
    return {"event_types": [views().event_type_out(et).model_dump(mode="json") for et in ets]}


@route("/me/event-types", "POST", "create_event_type", "Create an event type", "host",
       auth=True, status=201, body="EventTypeIn", response="EventTypeOut",
       errors=(*AUTH_ERRORS, 409))
def create_event_type(host_id: str, body: Any) -> Any:
    et = services().profiles.create_event_type(host_id, views().event_type_in(body))
    return views().event_type_out(et)


@route("/me/event-types/{event_type_id}", "GET", "get_event_type", "One of your event types",
       "host", auth=True, response="EventTypeOut", errors=AUTH_ERRORS)
def get_event_type(host_id: str, event_type_id: str) -> Any:
    return views().event_type_out(services().profiles.event_type(host_id, event_type_id))


@route("/me/event-types/{event_type_id}", "PUT", "put_event_type", "Replace an event type",
       "host", auth=True, body="EventTypeIn", response="EventTypeOut",
       errors=(*AUTH_ERRORS, 409))
def put_event_type(host_id: str, event_type_id: str, body: Any) -> Any:
    et = services().profiles.update_event_type(host_id, event_type_id,
                                               views().event_type_in(body))
    return views().event_type_out(et)


@route("/me/event-types/{event_type_id}", "DELETE", "delete_event_type",
       "Delete an event type (its bookings stay)", "host", auth=True, status=204,
       errors=AUTH_ERRORS)
def delete_event_type(host_id: str, event_type_id: str) -> None:
    services().profiles.delete_event_type(host_id, event_type_id)


@route("/me/bookings", "GET", "list_bookings",
       "Your bookings: upcoming, past or cancelled, a page at a time", "host", auth=True,
       query="BookingListQuery", response="BookingList", errors=AUTH_ERRORS)
def list_bookings(host_id: str, query: Any) -> dict[str, Any]:
    found, cursor = services().changes.list_for_host(host_id, query.status, query.limit,
                                                     query.cursor)
    return {"bookings": [views().host_booking_out(b).model_dump(mode="json") for b in found],
            "next_cursor": cursor}


@route("/me/bookings/{uid}", "GET", "get_booking", "One of your bookings", "host", auth=True,
       response="HostBookingOut", errors=AUTH_ERRORS)
def get_booking(host_id: str, uid: str) -> Any:
    return views().host_booking_out(services().changes.host_view(host_id, uid))


@route("/me/bookings/{uid}/cancel", "POST", "host_cancel_booking", "Cancel one of your bookings",
       "host", auth=True, body="HostCancelIn", response="HostBookingOut",
       errors=(*AUTH_ERRORS, 409))
def host_cancel_booking(host_id: str, uid: str, body: Any) -> Any:
    return views().host_booking_out(services().changes.cancel_by_host(host_id, uid, body.reason))


@route("/me/realtime/ticket", "POST", "realtime_ticket",
       "A 60-second ticket that opens your live-updates WebSocket (and nothing else)", "host",
       auth=True, response="RealtimeTicketOut", errors=(*AUTH_ERRORS, 403), session=True)
def realtime_ticket(host_id: str, session_id: str | None) -> dict[str, Any]:
    return _ticket_out(host_id, session_id)


def _ticket_out(host_id: str, session_id: str | None) -> dict[str, Any]:
    # The ticket names the login, so that logging out closes the socket it opens.
    ticket = services().tickets.issue(host_id, session_id)
    return {"ticket": ticket.token, "expires_in": ticket.expires_in, "protocol": "penny.ticket",
            "url": services().settings.public_websocket_url}


# ---- connections: the host's platforms (chalicelib/services/connections.py) -------------

@route("/me/connections", "GET", "list_connections",
       "Your platforms: connected, broken (reconnect), not connected, or not available here",
       "connections", auth=True, response="ConnectionList", errors=AUTH_ERRORS)
def list_connections(host_id: str) -> dict[str, Any]:
    from chalicelib.services.connections import ProviderView

    found = services().connections.overview(host_id)
    found += [ProviderView(*view) for view in services().payment_accounts.overview(host_id)]
    listed = [views().connection_out(v).model_dump(mode="json") for v in found]
    for entry in listed:
        if entry["provider"] == "razorpay" and entry["status"] in ("connected", "broken"):
            entry["webhook_url"] = razorpay_webhook_url(host_id)
    return {"connections": listed}


PAYMENT_PROVIDERS = ("stripe", "razorpay")


@route("/me/connections/{provider}", "POST", "connect_provider",
       "Start connecting a platform: answers the consent page to open in this browser",
       "connections", auth=True, session=True, body="ConnectIn", response="ConnectOut",
       errors=(*AUTH_ERRORS, 403, 409), no_store=True)
def connect_provider(host_id: str, session_id: str | None, provider: str, body: Any) -> Response:
    from chalicelib.domain.providers.oauth import Feature
    from chalicelib.functions.connections import CONNECTIONS_PAGE, started
    from chalicelib.functions.http import base_path

    request = current_request()
    if provider in PAYMENT_PROVIDERS:
        return _connect_payments(host_id, provider)
    result = services().connections.start(host_id, session_id, provider,
                                          frozenset(Feature(f) for f in body.features),
                                          CONNECTIONS_PAGE)
    return started(request, base_path(request), result)


def _connect_payments(host_id: str, provider: str) -> Response:
    from chalicelib.domain.errors import ValidationError

    if provider != "stripe":
        raise ValidationError("Razorpay is connected with your keys: PUT "
                              "/me/connections/razorpay", "provider")
    email = services().profiles.config(host_id).email
    url = services().payment_accounts.connect_stripe(host_id, email)
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
    connected = [v.provider for v in granted.overview(host_id)
                 if v.provider in CALENDAR_ADAPTERS and v.status == "connected"
                 and not granted.lacks_feature(host_id, v.provider, Feature.CALENDAR)]
    setup, listed = services().calendars.calendars(host_id, connected)
    return views().calendar_list(setup, listed, [p for p in connected if p not in listed],
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


def _calendar_push(provider: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from chalicelib.functions.edge import Edge, edge_route

    return edge_route(app, Edge(f"/webhooks/calendar/{provider}", f"{provider}_calendar_push",
                                "callback", methods=("POST",), body_limit=256 * 1024))


@_calendar_push("google")
def google_calendar_push(incoming: Any) -> Response:
    from chalicelib.functions import calendar_push

    return calendar_push.google(services().calendars, incoming)


@_calendar_push("microsoft")
def microsoft_calendar_push(incoming: Any) -> Response:
    from chalicelib.functions import calendar_push

    return calendar_push.microsoft(services().calendars, incoming)


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


# ---- payment webhooks (chalicelib/services/payment_settlement.py) ----------------------

def _payment_webhook(path: str, name: str, provider: str,
                     verifier: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    from chalicelib.functions.edge import Edge, edge_route

    return edge_route(app, Edge(path, name, "webhook", provider=provider),
                      lambda: services().edge, verifier)


def _stripe_verifier() -> Any:
    from chalicelib.services.webhooks import PaymentWebhooks

    return PaymentWebhooks(services().payment_accounts.stripe_webhooks())


def _razorpay_verifier(host_id: str) -> Any:
    from chalicelib.services.webhooks import PaymentWebhooks

    return PaymentWebhooks(services().payment_accounts.razorpay_webhooks(host_id))


@_payment_webhook("/webhooks/stripe", "stripe_webhook", "stripe", _stripe_verifier)
def stripe_webhook(event: Any) -> None:
    services().payments.settle(event.payload, "stripe")


@_payment_webhook("/webhooks/razorpay/{host_id}", "razorpay_webhook", "razorpay",
                  _razorpay_verifier)
def razorpay_webhook(event: Any, host_id: str) -> None:
    services().payments.settle(event.payload, "razorpay", host_id)


def _oauth_callback() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from chalicelib.functions.edge import Edge, edge_route

    return edge_route(app, Edge("/oauth/{provider}/callback", "oauth_callback", "callback",
                                methods=("GET",)))


@_oauth_callback()
def oauth_callback(incoming: Any, provider: str) -> Response:
    from chalicelib.functions.connections import callback
    from chalicelib.functions.http import base_path, source_ip

    request = current_request()
    return callback(services().callback, incoming, provider, base_path(request),
                    source_ip(request))


# ---- sign in with Google or Microsoft (OpenID Connect; chalicelib/services/sign_in.py) --

@route("/auth/oidc/{provider}", "POST", "sign_in_with_provider",
       "Sign in (or sign up) with Google or Microsoft: answers the consent page to open",
       "auth", body="OidcStartIn", response="ConnectOut", errors=(400, 403, 404, 409),
       no_store=True)
def sign_in_with_provider(provider: str, body: Any) -> Response:
    from chalicelib.functions.browser_session import check_origin
    from chalicelib.functions.connections import started
    from chalicelib.functions.http import base_path

    request = current_request()
    check_origin(request, services().settings.public_base_url)  # no login CSRF
    result = services().connections.start_sign_in(provider, body.timezone or "", "/app")
    return started(request, base_path(request), result)


@route("/me/identities", "GET", "list_identities",
       "The Google and Microsoft accounts you can sign in with", "host", auth=True,
       response="IdentityList", errors=AUTH_ERRORS)
def list_identities(host_id: str) -> dict[str, Any]:
    found = services().sign_in.identities.for_host(host_id)
    return {"identities": [{"provider": i.provider, "email": i.email,
                            "linked_at": i.linked_at.isoformat()} for i in found]}


@route("/me/identities/{provider}", "POST", "link_identity",
       "Sign in with Google or Microsoft from now on: answers the consent page to open",
       "host", auth=True, session=True, response="ConnectOut",
       errors=(*AUTH_ERRORS, 403, 409), no_store=True)
def link_identity(host_id: str, session_id: str | None, provider: str) -> Response:
    from chalicelib.functions.connections import started
    from chalicelib.functions.http import base_path

    request = current_request()
    result = services().connections.start_link(host_id, session_id, provider, "/app/profile")
    return started(request, base_path(request), result)


@route("/me/identities/{provider}", "DELETE", "unlink_identity",
       "Stop signing in with that provider's account", "host", auth=True, status=204,
       errors=(*AUTH_ERRORS, 403))
def unlink_identity(host_id: str, provider: str) -> None:
    services().sign_in.unlink(host_id, provider)


# ---- public: profile, slots, booking ----------------------------------------------------

@route("/hosts/{host}", "GET", "public_profile", "A host's public profile and event types",
       "public", response="PublicProfile")
def public_profile(host: str) -> Any:
    return views().public_profile(services().public.profile(host))


@route("/hosts/{host}/{event}", "GET", "public_event_type", "One bookable event type", "public",
       response="PublicEventType")
def public_event_type(host: str, event: str) -> Any:
    _, et = services().public.event(host, event)
    return views().public_event_type(et)


@route("/hosts/{host}/{event}/slots", "GET", "list_slots",
       "Free start times between two dates (inclusive), grouped by date in timeZone",
       "public", query="SlotsQuery", response="SlotsOut")
def list_slots(host: str, event: str, query: Any) -> Any:
    result = services().public.slots(host, event, query.start, query.end, query.timeZone)
    return views().slots_out(result.event_type, result.time_zone, result.slots, result.stale)


@route("/hosts/{host}/{event}/bookings", "POST", "create_booking",
       "Book a slot; send an Idempotency-Key header to make retries safe", "public",
       status=201, body="BookingIn", response="BookingOut", headers=("Idempotency-Key",),
       errors=(400, 404, 409, 422, 429, 503), no_store=True)
def create_booking(host: str, event: str, body: Any) -> Response:
    from chalicelib.functions.requests import booking_request, idempotency_key

    request = app.current_request
    assert request is not None
    key = idempotency_key(request.headers)
    result = services().booking.book(host, event, booking_request(body), key)
    logs.note(booking_uid=result.booking.uid)
    out = views().booking_out(result.booking, services().booking.links)
    return Response(body=out.model_dump_json(), status_code=201,
                    headers={"Content-Type": "application/json",
                             "Location": f"/bookings/{result.booking.uid}",
                             "Idempotent-Replayed": str(result.replayed).lower()})


# ---- the attendee's secret links --------------------------------------------------------

@route("/bookings/{uid}", "GET", "view_booking", "A booking, from its secret link", "attendee",
       query="TokenQuery", response="BookingOut", no_store=True)
def view_booking(uid: str, query: Any) -> Any:
    return views().booking_out(services().changes.view(uid, query.token))


@route("/bookings/{uid}/cancel", "POST", "cancel_booking", "Cancel from the secret link",
       "attendee", body="CancelIn", response="BookingOut", errors=(400, 404, 409),
       no_store=True)
def cancel_booking(uid: str, body: Any) -> Any:
    return views().booking_out(services().changes.cancel_by_attendee(uid, body.token, body.reason))


@route("/bookings/{uid}/reschedule", "POST", "reschedule_booking",
       "Move the booking to another free slot, from the secret link", "attendee",
       body="RescheduleIn", response="BookingOut", errors=(400, 404, 409, 422, 503),
       no_store=True)
def reschedule_booking(uid: str, body: Any) -> Any:
    from chalicelib.services.links import LinkPurpose

    booking = services().changes.reschedule(uid, body.token, body.start)
    # Only the reschedule link was presented: answer with its links, never the cancel one.
    return views().booking_out(booking, services().booking.links, LinkPurpose.RESCHEDULE)


@route("/bookings/{uid}/slots", "GET", "move_slots",
       "The free start times this booking may move to (at its own length; its own time "
       "counts as free), from its secret link", "attendee", query="MoveSlotsQuery",
       response="SlotsOut", errors=(400, 404, 409), no_store=True)
def move_slots(uid: str, query: Any) -> Any:
    from chalicelib.services.public import check_window

    check_window(query.start, query.end, query.timeZone)
    booking, config, et = services().changes.move_target(uid, query.token)
    result = services().public.slots_for(config, et, query.start, query.end, query.timeZone,
                                         moving=booking)
    return views().slots_out(et, result.time_zone, result.slots, result.stale,
                             result.duration_minutes)


@route("/bookings/{uid}/payment/razorpay", "POST", "razorpay_paid",
       "Razorpay Checkout's handler, from the pay page: its signature is checked before "
       "anything changes", "attendee", body="RazorpayCallbackIn", response="BookingOut",
       errors=(400, 404, 409, 503), no_store=True)
def razorpay_paid(uid: str, body: Any) -> Any:
    booking = services().changes.view(uid, body.token)
    paid = services().payments.confirm_callback(booking, body.razorpay_order_id,
                                                body.razorpay_payment_id,
                                                body.razorpay_signature)
    return views().booking_out(paid)


@route("/bookings/{uid}/invite.ics", "GET", "booking_invite", "The booking as an .ics invite",
       "attendee", query="TokenQuery", produces="text/calendar", no_store=True)
def booking_invite(uid: str, query: Any) -> Response:
    from chalicelib.integrations.ics_invites import render_invite

    changes = services().changes
    booking, presented = changes.view_by_link(uid, query.token)
    ics = render_invite(booking, changes.host_config(booking), services().clock.now(),
                        changes.links.urls(uid, presented)["view"])
    return Response(body=ics.decode(), status_code=200,
                    headers={"Content-Type": "text/calendar; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="{uid}.ics"'})


# ---- the API's own description ----------------------------------------------------------

@route("/openapi.json", "GET", "openapi", "This document (OpenAPI 3.1)", "meta",
       response=None, errors=())
def openapi() -> dict[str, Any]:
    from chalicelib.functions.openapi import document

    return document(services().settings.public_base_url)


# ---- pages: HTML and static assets (chalicelib/web; not part of the JSON API) ------------

# Page routes are not in /openapi.json; tests compare the document with app.routes minus these.
PAGE_PATHS: set[str] = set()


def page(path: str, name: str, methods: tuple[str, ...] = ("GET",)
         ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    PAGE_PATHS.add(path)
    return app.route(path, methods=list(methods), name=name)


def booking_pages() -> ModuleType:
    from chalicelib.web import booking_pages as module

    return module


def current_request() -> Any:
    request = app.current_request
    assert request is not None  # Chalice sets it before calling a view
    return request


@page("/static/{name}", "static_file")
def static_file(name: str) -> Response:
    from chalicelib.web.assets import static_asset

    return static_asset(name, current_request().headers.get("if-none-match"))


@page("/{host}", "host_page")
def host_page(host: str) -> Response:
    return booking_pages().profile_page(services().pages, current_request(), host)  # type: ignore[no-any-return]


@page("/{host}/{event}", "event_page")
def event_page(host: str, event: str) -> Response:
    return booking_pages().event_page(services().pages, current_request(), host, event)  # type: ignore[no-any-return]


@page("/booking/{uid}", "manage_page")
def manage_page(uid: str) -> Response:
    return booking_pages().manage_page(services().pages, current_request(), uid)  # type: ignore[no-any-return]


@page("/booking/{uid}/cancel", "cancel_page")
def cancel_page(uid: str) -> Response:
    return booking_pages().manage_page(services().pages, current_request(), uid, cancel=True)  # type: ignore[no-any-return]


@page("/booking/{uid}/reschedule", "reschedule_page")
def reschedule_page(uid: str) -> Response:
    return booking_pages().reschedule_page(services().pages, current_request(), uid)  # type: ignore[no-any-return]


@page("/booking/{uid}/pay", "pay_page")
def pay_page(uid: str) -> Response:
    from chalicelib.web.pay_page import pay_page as page

    return page(services().pages, current_request(), uid)


# ---- the host dashboard (chalicelib/web/dashboard.py): one page, routed in the browser ---

@page("/app", "dashboard")
def dashboard() -> Response:
    from chalicelib.web.dashboard import dashboard_page

    return dashboard_page(services().settings, app.current_request)


@page("/app/{section}", "dashboard_section")
def dashboard_section(section: str) -> Response:
    from chalicelib.web.dashboard import dashboard_page

    return dashboard_page(services().settings, app.current_request, section)


# ---- realtime and fan-out: WebSocket, table stream, worker queues ----------------------

app.experimental_feature_flags.update(["WEBSOCKETS"])
# The deployed template points this at the table's stream (infra/template.py).
TABLE_STREAM_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/penny/stream/local"


def realtime_services() -> bootstrap.RealtimeServices:
    return bootstrap.realtime_services(app.websocket_api)


def realtime_entry() -> ModuleType:
    from chalicelib.functions import realtime as module

    return module


@app.on_ws_connect(name="ws_connect")
def ws_connect(event: Any) -> Response:
    return realtime_entry().connect(realtime_services().realtime, event.to_dict())  # type: ignore[no-any-return]


# No $disconnect route: a closed socket's record waits for its TTL or the next push to it
# (services/realtime.py), which costs less than a function and two writes per close.
@app.on_ws_message(name="ws_message")
def ws_message(event: Any) -> None:
    realtime_entry().message(realtime_services().realtime, event.connection_id, event.body)


@app.on_dynamodb_record(stream_arn=TABLE_STREAM_ARN, batch_size=100, name="booking_events")
def booking_events(event: Any) -> None:
    realtime_entry().publish(realtime_services().fanout, event.to_dict()["Records"])


# Subscribed to the booking-events topic by infra/ (SNS pushes one event per invocation;
# Lambda retries, then dead-letters); `make redrive` feeds them their dead-letter queue.
# One function per worker of the list (chalicelib/store/queues.py). Chalice names a
# function's handler after the Python function, so each is named as the list says and
# bound to this module under that name: `app.notes_worker` is what Lambda calls.
def _worker_function(name: str, function_name: str) -> Callable[[dict[str, Any], Any], Any]:
    def worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return realtime_entry().run_worker(bootstrap.worker(name), event)  # type: ignore[no-any-return]

    worker.__name__ = worker.__qualname__ = function_name
    return worker


for _spec in QUEUES:
    globals()[_spec.function_name] = app.lambda_function(name=_spec.function_name)(
        _worker_function(_spec.name, _spec.function_name))
