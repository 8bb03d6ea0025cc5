"""The public pages: a host's profile, an event's booking page, and the attendee's pages
reached from the secret links (manage/cancel and reschedule).

Each page reads what it needs through the services (one host-config Query, one
booking GetItem) and embeds it, so first paint needs no API request. The booking page
also embeds the free slots of the visitor's current month (embedded_slots.py, with the
config it read): its first paint has times, and a view is one invocation, not two. The
browser asks for slots only for the other months (and the reschedule page for every
month). Unknown hosts, events and links are a friendly 404 page, never the JSON error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.event_types import EventType, Price
from chalicelib.domain.hosts import RESERVED_SLUGS, SLUG_PATTERN
from chalicelib.functions.errors import error_response
from chalicelib.functions.http import PATH_PARAMETER
from chalicelib.provider_settings import Providers
from chalicelib.services.links import GRANTS, LinkPurpose
from chalicelib.web import labels
from chalicelib.web.embedded_slots import embedded_slots
from chalicelib.web.forms import booking_fields
from chalicelib.web.pages import (
    Markup,
    base_path,
    html_page,
    message_page,
    not_found_page,
    render,
)

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.domain.bookings import Booking
    from chalicelib.domain.hosts import HostConfig
    from chalicelib.services.booking_changes import BookingChanges
    from chalicelib.services.ports import Clock
    from chalicelib.services.public import PublicService


@dataclass(frozen=True)
class PageServices:
    """What the booking pages use (built by bootstrap/api.py, which sits above web/)."""

    public: PublicService
    changes: BookingChanges
    clock: Clock
    # The providers set up on this Penny: the pay page loads Razorpay Checkout from the
    # razorpay entry's `base_url` when it has one (the provider sandbox).
    providers: Providers = field(default_factory=Providers)


STYLES = ("base.css", "booking.css")
PRIVATE = "no-store"  # pages of secret links: never kept by a cache, never indexed
SECRET_PAGE = {"X-Robots-Tag": "noindex"}
DESCRIPTION_CHARS = 160  # about what a search result shows


def _short_description(text: str) -> str:
    """A description cut at a word to what a search result shows."""
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"


def _page_or_404(base: str, make: Callable[[], Response]) -> Response:
    try:
        return make()
    except NotFoundError:
        return not_found_page(base, "Not found",
                              "This booking page or link does not exist, or is no longer valid.")


def _event_card(base: str, host: str, et: EventType) -> str:
    facts = f"{labels.duration_label(et.duration_minutes)} · " \
            f"{et.location_kind.label} · {labels.price_label(et.price)}"
    # The whole card is the link (its name is all it says: WCAG 2.5.3, label in name).
    return (f'<li><a class="event-link" href="{escape(base)}/{escape(host)}/{escape(et.slug)}">'
            f'<span class="event-title">{escape(et.title)}</span>'
            f'<span class="event-facts">{escape(facts)}</span>'
            f'<span class="event-description">{escape(et.description)}</span>'
            '<span class="event-go" aria-hidden="true">&#8250;</span></a></li>')


def _api_not_found(request: Any, path: str) -> Response:
    # A reserved first segment is the JSON API's (/me, /hosts, /auth, ...), never a host:
    # an API client's typo gets the API's JSON 404, not a page.
    return error_response(404, "not_found", f"No route matches {request.method} {path}")


def profile_page(services: PageServices, request: Any, host: str) -> Response:
    base = base_path(request)
    if host in RESERVED_SLUGS:
        return _api_not_found(request, f"/{host}")
    if not SLUG_PATTERN.fullmatch(host):
        return not_found_page(base)

    def make() -> Response:
        config = services.public.profile(host)
        p = config.profile
        listed = [et for et in config.event_types if et.active and not et.hidden]
        links = "".join(f'<li><a href="{escape(link.url)}" rel="noopener nofollow">'
                        f"{escape(link.label)}</a></li>" for link in p.links)
        events = "".join(_event_card(base, p.slug, et) for et in listed) or \
            '<li class="empty">No event types are open for booking right now.</li>'
        return html_page("profile.html", {
            "name": p.display_name, "description": p.description, "links": Markup(links),
            "events": Markup(events), "timezone": p.timezone.replace("_", " ")},
            title=f"{p.display_name} · Penny", base=base, styles=STYLES,
            description=_short_description(p.description) or f"Book a time with {p.display_name}.")

    return _page_or_404(base, make)


def _page_data(config: HostConfig, et: EventType, mode: str) -> dict[str, Any]:
    p = config.profile
    price = None if et.price is None else {"amount_minor": et.price.amount_minor,
                                           "currency": et.price.currency}
    return {"mode": mode,
            "host": {"slug": p.slug, "display_name": p.display_name, "timezone": p.timezone},
            "event": {"slug": et.slug, "title": et.title, "duration_minutes": et.duration_minutes,
                      "location_kind": et.location_kind.value,
                      "location": et.location_kind.label,
                      "location_note": labels.location_note(et.location_kind),
                      "video": et.location_kind.is_video,
                      "price": price, "price_label": labels.price_label(et.price)}}


def _refund_fact(et: EventType) -> str:
    """A paid event's refund policy, beside its price: the visitor reads it before paying."""
    if not et.is_paid:
        return ""
    return (f'<div><dt>Refunds</dt><dd id="refund-policy">'
            f"{escape(labels.refund_policy(et.refund_hours_before))}</dd></div>")


def _booking_page(base: str, config: HostConfig, et: EventType, step: str, current: str,
                  data: dict[str, Any], secret: bool = False,
                  terms: tuple[str, str] | None = None) -> Response:
    """`terms`: a move's price and refund facts, the booking's own (not the event type's
    as it is now: a move never charges, and keeps the refund terms it was paid under)."""
    minutes = data["event"]["duration_minutes"]   # a move's: the booking's own length
    price, refund = terms or (labels.price_label(et.price), _refund_fact(et))
    return html_page("booking.html", {
        "host_slug": config.profile.slug, "host_name": config.profile.display_name,
        "event_title": et.title, "description": et.description,
        "duration": labels.duration_label(minutes),
        "location": et.location_kind.label,
        "price": price, "refund": Markup(refund),
        "current": Markup(current), "picker": Markup(render("picker.html", {})),
        "step": Markup(step), "confirmation": Markup(render("confirmation.html", {}))},
        title=f"{et.title} · {config.profile.display_name} · Penny", base=base,
        description=(f"Book {et.title} with {config.profile.display_name}: "
                     f"{labels.duration_label(minutes)}, {et.location_kind.label}, "
                     f"{price}. {_short_description(et.description)}"),
        data={"penny-page": data}, scripts=("booking.js",), styles=STYLES,
        cache=PRIVATE if secret else "no-cache", headers=SECRET_PAGE if secret else None)


def _move_terms(booking: Booking, now: datetime) -> tuple[str, str]:
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


def _details_step(et: EventType) -> str:
    """The form; a paid event says what happens next (pay, with the time held) by its
    button."""
    pay = "" if not et.is_paid else (
        f'<p class="pay-note" id="pay-note">Next you pay {escape(labels.price_label(et.price))} '
        "online; your time is held for you while you pay. "
        f"{escape(labels.refund_policy(et.refund_hours_before))}</p>")
    return render("details.html", {
        "fields": Markup(booking_fields(et.questions)), "pay_note": Markup(pay),
        "submit": "Continue to payment" if et.is_paid else "Confirm booking",
        "described": Markup(' aria-describedby="pay-note"' if et.is_paid else "")})


def event_page(services: PageServices, request: Any, host: str, event: str) -> Response:
    base = base_path(request)
    if host in RESERVED_SLUGS:
        return _api_not_found(request, f"/{host}/{event}")
    if not (SLUG_PATTERN.fullmatch(host) and SLUG_PATTERN.fullmatch(event)):
        return not_found_page(base)

    def make() -> Response:
        config, et = services.public.event(host, event)
        data = _page_data(config, et, "book")
        slots = embedded_slots(services.public, config, et, services.clock.now())
        if slots is not None:
            data["slots"] = slots
        return _booking_page(base, config, et, _details_step(et), "", data)

    return _page_or_404(base, make)


def _token(request: Any) -> str:
    return str((request.query_params or {}).get("token") or "")


def manage_page(services: PageServices, request: Any, uid: str, cancel: bool = False) -> Response:
    base = base_path(request)
    if not PATH_PARAMETER.match(uid):
        return not_found_page(base)

    def make() -> Response:
        from chalicelib.web.manage import manage_context

        token = _token(request)
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

    return _page_or_404(base, make)


def reschedule_page(services: PageServices, request: Any, uid: str) -> Response:
    base = base_path(request)
    token = _token(request)
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
        data = _page_data(config, et, "reschedule")
        # The move keeps the booking's own length (the host may have changed the event's).
        minutes = int((booking.end - booking.start).total_seconds() // 60)
        terms = _move_terms(booking, services.clock.now())
        paid = None if terms[0] == "Free" or booking.price_minor is None else {
            "amount_minor": booking.price_minor, "currency": booking.currency}
        data = {**data, "event": {**data["event"], "duration_minutes": minutes,
                                  "price": paid, "price_label": terms[0]},
                "booking": {"uid": uid, "start": booking.start.isoformat(),
                            "end": booking.end.isoformat(),
                            "attendee_timezone": booking.attendee.timezone}}
        return _booking_page(base, config, et, render("move.html", {}), current, data,
                             secret=True, terms=terms)

    return _page_or_404(base, make)
