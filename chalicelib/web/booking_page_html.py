"""The booking page as it is rendered, for a booking and for a move: the data it embeds
(host, event, price), its facts (length, place, price, refund policy), the details step
with its pay note, and a move's own price and refund terms."""

from __future__ import annotations

from datetime import time
from html import escape
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalice import Response

from chalicelib.domain.availability import local_instant
from chalicelib.domain.event_types import EventType, LocationKind, Price
from chalicelib.web import labels
from chalicelib.web.forms import booking_fields
from chalicelib.web.pages import Markup, html_page, render
from chalicelib.web.public_page_answers import (
    PRIVATE,
    SECRET_PAGE,
    STYLES,
    short_description,
)

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.domain.bookings import Booking
    from chalicelib.domain.hosts import HostConfig


def page_data(config: HostConfig, et: EventType, mode: str) -> dict[str, Any]:
    p = config.profile
    price = None if et.price is None else {"amount_minor": et.price.amount_minor,
                                           "currency": et.price.currency}
    return {"mode": mode,
            "host": {"slug": p.slug, "display_name": p.display_name, "timezone": p.timezone},
            "event": {"slug": et.slug, "title": et.title, "duration_minutes": et.duration_minutes,
                      "booking_window_days": et.booking_window_days,
                      "booking_window_dates": window_dates(et, p.timezone),
                      **place_data(et.location_kind, et.location_details),
                      "price": price, "price_label": labels.price_label(et.price),
                      "refund_hours_before": et.refund_hours_before if et.is_paid else None,
                      # Sent back with the booking: refused if the host saved it since.
                      "version": et.version}}


def window_dates(et: EventType, zone: str) -> dict[str, str] | None:
    """The event type's booking dates, and the instants they open and close (the host's
    midnights, in UTC): the picker offers only the months those reach in the visitor's
    zone."""
    dates = et.booking_window_dates
    if dates is None:
        return None
    host = ZoneInfo(zone)
    opens = local_instant(dates.start, time(0), host)
    closes = local_instant(dates.end, None, host)
    return {"start": dates.start.isoformat(), "end": dates.end.isoformat(),
            "opens": opens.isoformat().replace("+00:00", "Z"),
            "closes": closes.isoformat().replace("+00:00", "Z")}


def place_data(kind: LocationKind, details: str | None) -> dict[str, Any]:
    """Where the meeting is, as the page's script says it before and after booking: the
    event type's place, or a move's, the booking's own (it keeps the place it was booked
    at when the host changes the event type's)."""
    return {"location_kind": kind.value, "location": kind.label,
            "location_note": labels.location_note(kind, details, shown=False),
            # After booking: the note with the number the client gave in it.
            "booked_note": labels.location_note(kind, details, shown=False, phone="{phone}"),
            "video": kind.is_video}


def _refund_fact(et: EventType) -> str:
    """A paid event's refund policy, beside its price: the visitor reads it before paying."""
    if not et.is_paid:
        return ""
    return (f'<div><dt>Refunds</dt><dd id="refund-policy">'
            f"{escape(labels.refund_policy(et.refund_hours_before))}</dd></div>")


def booking_page(base: str, config: HostConfig, et: EventType, step: str, current: str,
                  data: dict[str, Any], secret: bool = False,
                  terms: tuple[str, str] | None = None) -> Response:
    """`terms`: a move's price and refund facts, the booking's own (not the event type's
    as it is now: a move never charges, and keeps the refund terms it was paid under)."""
    minutes = data["event"]["duration_minutes"]   # a move's: the booking's own length
    place = data["event"]["location"]             # a move's: the booking's own place
    price, refund = terms or (labels.price_label(et.price), _refund_fact(et))
    return html_page("booking.html", {
        "host_slug": config.profile.slug, "host_name": config.profile.display_name,
        "event_title": et.title, "description": et.description,
        "duration": labels.duration_label(minutes),
        "location": place,
        "price": price, "refund": Markup(refund),
        "current": Markup(current), "picker": Markup(render("picker.html", {})),
        "step": Markup(step), "confirmation": Markup(render("confirmation.html", {}))},
        title=f"{et.title} · {config.profile.display_name} · Penny", base=base,
        description=(f"Book {et.title} with {config.profile.display_name}: "
                     f"{labels.duration_label(minutes)}, {place}, "
                     f"{price}. {short_description(et.description)}"),
        data={"penny-page": data}, scripts=("booking.js",), styles=STYLES,
        # A hidden event type is kept for the clients given its link: like the profile,
        # which does not list it, search engines are asked not to.
        cache=PRIVATE if secret else "no-cache",
        headers=SECRET_PAGE if secret or et.hidden else None)


def move_terms(booking: Booking, now: datetime) -> tuple[str, str]:
    """The reschedule page's price and refund facts: what this booking cost and what
    cancelling it gives back now. A free booking stays free when it moves, even if the
    event type has a price now; a paid one is never paid for again."""
    from chalicelib.web.payment_status import refund_terms

    payment = booking.payment
    if payment is None or booking.price_minor is None or not booking.currency:
        return "Free", ""
    amount = labels.price_label(Price(payment.paid_minor or booking.price_minor,
                                      booking.currency))
    price = f"{amount}, paid: moving it costs nothing" if payment.paid else amount
    refund = (f'<div><dt>Refunds</dt><dd id="refund-policy">'
              f"{escape(refund_terms(booking, now))}</dd></div>")
    return price, refund


def details_step(et: EventType) -> str:
    """The form; a paid event says what happens next (pay, with the time held) by its
    button."""
    pay = "" if not et.is_paid else (
        f'<p class="pay-note" id="pay-note">Next you pay {escape(labels.price_label(et.price))} '
        "online; your time is held for you while you pay. "
        # The policy, until a time is chosen: then its own terms (refund.js).
        f'<span id="pay-refund">{escape(labels.refund_policy(et.refund_hours_before))}'
        "</span></p>")
    return render("details.html", {
        "fields": Markup(booking_fields(et.booking_questions)), "pay_note": Markup(pay),
        "submit": "Continue to payment" if et.is_paid else "Confirm booking",
        "described": Markup(' aria-describedby="pay-note"' if et.is_paid else "")})
