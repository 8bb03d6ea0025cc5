"""The public booking API: a host's profile and event types, free slots, booking a slot."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.integrations import logs
from chalicelib.routes.routing import api, services, views

bp = Blueprint(__name__)
route = api(bp)


@route("/hosts/{host}", "GET", "public_profile", "A host's public profile and event types",
       "public", response="PublicProfile")
def public_profile(host: str) -> Any:
    # Slugs are lower case: a link typed with capitals finds the same host.
    return views().public_profile(services().public.profile(host.lower()))


@route("/hosts/{host}/{event}", "GET", "public_event_type", "One bookable event type", "public",
       response="PublicEventType")
def public_event_type(host: str, event: str) -> Any:
    _, et = services().public.event(host.lower(), event.lower())
    return views().public_event_type(et)


@route("/hosts/{host}/{event}/slots", "GET", "list_slots",
       "Free start times between two dates (inclusive), grouped by date in timeZone",
       "public", query="SlotsQuery", response="SlotsOut")
def list_slots(host: str, event: str, query: Any) -> Any:
    result = services().public.slots(host.lower(), event.lower(), query.start, query.end,
                                     query.timeZone)
    return views().slots_out(result.event_type, result.time_zone, result.slots, result.stale)


@route("/hosts/{host}/{event}/bookings", "POST", "create_booking",
       "Book a slot; send an Idempotency-Key header to make retries safe", "public",
       status=201, body="BookingIn", response="BookingOut", headers=("Idempotency-Key",),
       errors=(400, 404, 409, 422, 429, 503), no_store=True)
def create_booking(host: str, event: str, body: Any) -> Response:
    from chalicelib.functions.requests import booking_request, idempotency_key

    key = idempotency_key(bp.current_request.headers)
    result = services().booking.book(host.lower(), event.lower(), booking_request(body), key)
    logs.note(booking_uid=result.booking.uid)
    out = views().booking_out(result.booking, services().booking.links)
    return Response(body=out.model_dump_json(), status_code=201,
                    headers={"Content-Type": "application/json",
                             "Location": f"/bookings/{result.booking.uid}",
                             "Idempotent-Replayed": str(result.replayed).lower()})
