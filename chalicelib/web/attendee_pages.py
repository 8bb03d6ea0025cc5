"""The attendee's pages, reached from the secret links: manage (and cancel) a booking,
and reschedule it (the booking page again, for a move)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.event_types import LocationKind
from chalicelib.functions.http import PATH_PARAMETER
from chalicelib.services.links import GRANTS, LinkPurpose
from chalicelib.web import labels
from chalicelib.web.booking_page_html import booking_page, move_terms, page_data, place_data
from chalicelib.web.pages import base_path, html_page, message_page, not_found_page, render
from chalicelib.web.public_page_answers import (
    PRIVATE,
    SECRET_PAGE,
    STYLES,
    link_token,
    page_or_404,
)

if TYPE_CHECKING:
    from chalicelib.web.page_services import PageServices


def manage_page(services: PageServices, request: Any, uid: str, cancel: bool = False) -> Response:
    base = base_path(request)
    if not PATH_PARAMETER.match(uid):
        return not_found_page(base)

    def make() -> Response:
        from chalicelib.web.manage import manage_context

        token = link_token(request)
        booking, presented = services.changes.view_by_link(uid, token)
        config = services.changes.host_config(booking)
        move = services.changes.links.token(uid, LinkPurpose.RESCHEDULE)
        # The reschedule link alone does not cancel: no cancel button for its holder.
        may_cancel = LinkPurpose.CANCEL in GRANTS[presented]
        context = manage_context(base, booking, config, token, move, services.clock.now(),
                                 cancel, may_cancel)
        return html_page("manage.html", context, title=f"{booking.event_title} · Penny",
                         description=f"Your booking of {booking.event_title} with "
                                     f"{config.profile.display_name}.",
                         base=base, scripts=("manage.js",), styles=STYLES, cache=PRIVATE,
                         headers=SECRET_PAGE)

    return page_or_404(base, make)


def reschedule_page(services: PageServices, request: Any, uid: str) -> Response:
    base = base_path(request)
    token = link_token(request)
    if not PATH_PARAMETER.match(uid):
        return not_found_page(base)

    def make() -> Response:
        changes = services.changes
        booking = changes.view(uid, token, LinkPurpose.RESCHEDULE)
        config = changes.host_config(booking)
        et = changes.bookable_event_type(config, booking)
        if et is None or not changes.movable(booking, services.clock.now()):
            reason = ("This event type no longer takes bookings." if et is None
                      else f"This booking is {booking.status.value.replace('_', ' ')} "
                           "or has already started, so it can no longer be moved.")
            return message_page(base, "This booking cannot be moved", reason, 409)
        if booking.status is BookingStatus.PENDING_PAYMENT:
            return message_page(base, "This booking cannot be moved yet", (
                "It is waiting for its payment: pay for it first, or cancel it and book "
                "another time."), 409)
        zone = booking.attendee.timezone
        when = labels.time_element(labels.when_label(booking.start, booking.end, zone),
                                   booking.start, zone, booking.end)
        current = (f'<p class="current">Currently booked: <strong>{when}</strong>. '
                   "Pick a new time below.</p>")
        data = page_data(config, et, "reschedule")
        # The move keeps the booking's own length (the host may have changed the event's).
        minutes = int((booking.end - booking.start).total_seconds() // 60)
        terms = move_terms(booking, services.clock.now())
        paid = None if terms[0] == "Free" or booking.price_minor is None else {
            "amount_minor": booking.price_minor, "currency": booking.currency}
        # The chosen time's refund terms, by the booking's own policy (not the event
        # type's as it is now), while a move still sets a new deadline.
        from chalicelib.web.payment_status import move_refund_hours

        hours = move_refund_hours(booking, services.clock.now())
        # The place the booking keeps (the host may have changed the event's since).
        place = place_data(LocationKind(booking.location_kind),
                           config.location_details(booking))
        data = {**data, "event": {**data["event"], **place, "duration_minutes": minutes,
                                  "price": paid, "price_label": terms[0],
                                  "refund_hours_before": hours},
                "booking": {"uid": uid, "start": booking.start.isoformat(),
                            "end": booking.end.isoformat(),
                            "attendee_timezone": booking.attendee.timezone}}
        return booking_page(base, config, et, render("move.html", {}), current, data,
                             secret=True, terms=terms)

    return page_or_404(base, make)
