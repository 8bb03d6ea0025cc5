"""The host's own settings: profile, weekly schedule, event types, bookings, realtime ticket."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.routes.routing import AUTH_ERRORS, api, services, ticket_out, views

bp = Blueprint(__name__)
route = api(bp)


@route("/me/profile", "GET", "get_profile", "Your profile", "host", auth=True,
       response="ProfileOut", errors=AUTH_ERRORS)
def get_profile(host_id: str) -> Any:
    return views().profile_out(services().profiles.profile(host_id))


@route("/me/profile", "PUT", "put_profile", "Update your profile (slug, timezone, ...)", "host",
       auth=True, body="ProfileIn", response="ProfileOut", errors=(*AUTH_ERRORS, 409))
def put_profile(host_id: str, body: Any) -> Any:
    profile = services().profiles.update_profile(host_id, views().profile_in(body),
                                                 body.version)
    return views().profile_out(profile)


@route("/me/schedule", "GET", "get_schedule", "Your weekly hours and date overrides", "host",
       auth=True, response="ScheduleOut", errors=AUTH_ERRORS)
def get_schedule(host_id: str) -> Any:
    return views().schedule_out(services().profiles.schedule(host_id))


@route("/me/schedule", "PUT", "put_schedule", "Replace your weekly hours and overrides", "host",
       auth=True, body="ScheduleIn", response="ScheduleOut", errors=(*AUTH_ERRORS, 409))
def put_schedule(host_id: str, body: Any) -> Any:
    schedule = services().profiles.update_schedule(host_id, views().schedule_in(body),
                                                   body.version)
    return views().schedule_out(schedule)


@route("/me/event-types", "GET", "list_event_types", "Your event types", "host", auth=True,
       response="EventTypeList", errors=AUTH_ERRORS)
def list_event_types(host_id: str) -> Any:
    return views().event_type_list(services().profiles.event_types(host_id))


@route("/me/event-types/order", "PUT", "order_event_types",
       "List your event types in this order (on your profile and here)", "host", auth=True,
       body="EventTypeOrderIn", response="EventTypeOrderOut", errors=(*AUTH_ERRORS, 409))
def order_event_types(host_id: str, body: Any) -> Any:
    order = services().profiles.order_event_types(host_id, body.ids, body.version)
    return views().event_type_order_out(order)


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
       "host", auth=True, body="EventTypeUpdateIn", response="EventTypeOut",
       errors=(*AUTH_ERRORS, 409))
def put_event_type(host_id: str, event_type_id: str, body: Any) -> Any:
    et = services().profiles.update_event_type(host_id, event_type_id,
                                               views().event_type_in(body), body.version)
    return views().event_type_out(et)


@route("/me/event-types/{event_type_id}", "DELETE", "delete_event_type",
       "Delete an event type (its bookings stay)", "host", auth=True, status=204,
       query="EventTypeDeleteQuery", errors=(*AUTH_ERRORS, 409))
def delete_event_type(host_id: str, event_type_id: str, query: Any) -> None:
    services().profiles.delete_event_type(host_id, event_type_id, query.version)


@route("/me/bookings", "GET", "list_bookings",
       "Your bookings: upcoming, past or cancelled, a page at a time, or one client's",
       "host", auth=True, query="BookingListQuery", response="BookingList",
       errors=AUTH_ERRORS)
def list_bookings(host_id: str, query: Any) -> dict[str, Any]:
    found, cursor = services().changes.list_for_host(host_id, query.status, query.limit,
                                                     query.cursor, query.attendee)
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


@route("/me/bookings/{uid}/calendar-event", "POST", "put_back_calendar_event",
       "Put back the event of one of your bookings that was deleted in your calendar",
       "host", auth=True, status=202, response="HostBookingOut", errors=(*AUTH_ERRORS, 409))
def put_back_calendar_event(host_id: str, uid: str) -> Any:
    return views().host_booking_out(services().changes.put_back_event(host_id, uid))


@route("/me/realtime/ticket", "POST", "realtime_ticket",
       "A 60-second ticket that opens your live-updates WebSocket (and nothing else)", "host",
       auth=True, response="RealtimeTicketOut", errors=(*AUTH_ERRORS, 403), session=True)
def realtime_ticket(host_id: str, session_id: str | None) -> dict[str, Any]:
    return ticket_out(host_id, session_id)

