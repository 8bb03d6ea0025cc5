"""The attendee's secret links: view, cancel, reschedule, pay, the .ics invite."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.routes.routing import api, services, views

bp = Blueprint(__name__)
route = api(bp)


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
    from chalicelib.services.links import GRANTS, LinkPurpose

    changes = services().changes
    booking, presented = changes.view_by_link(uid, query.token)
    ics = render_invite(booking, changes.host_config(booking), services().clock.now(),
                        changes.links.urls(uid, presented)["view"],
                        cancels=LinkPurpose.CANCEL in GRANTS[presented])
    return Response(body=ics.decode(), status_code=200,
                    headers={"Content-Type": "text/calendar; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="{uid}.ics"'})
