"""The public pages: a host's profile, an event's booking page, and the attendee's pages
reached from the secret links (manage/cancel and reschedule).

Each page reads what it needs through the services (one host-config Query, one
booking GetItem) and embeds it, so first paint needs no API request. The booking page
also embeds the free slots of the visitor's current month (embedded_slots.py, with the
config it read): its first paint has times, and a view is one invocation, not two. The
browser asks for slots only for the other months (and the reschedule page for every
month). Unknown hosts, events and links are a friendly 404 page, never the JSON error.

The booking page is rendered by booking_page_html.py, the attendee's pages are
attendee_pages.py's, and what every page shares is public_page_answers.py's;
PageServices (page_services.py), manage_page and reschedule_page are re-exported here.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from chalice import Response

from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import RESERVED_SLUGS, SLUG_PATTERN
from chalicelib.domain.reservations import bookable_event_type
from chalicelib.web import labels
from chalicelib.web.attendee_pages import manage_page as manage_page
from chalicelib.web.attendee_pages import reschedule_page as reschedule_page
from chalicelib.web.booking_page_html import booking_page, details_step, page_data
from chalicelib.web.embedded_slots import embedded_slots
from chalicelib.web.page_services import PageServices as PageServices
from chalicelib.web.pages import Markup, base_path, html_page, not_found_page
from chalicelib.web.public_page_answers import (
    STYLES,
    no_event_page,
    page_or_404,
    reserved_answer,
    short_description,
)


def _event_card(base: str, host: str, et: EventType) -> str:
    facts = f"{labels.duration_label(et.duration_minutes)} · " \
            f"{et.location_kind.label} · {labels.price_label(et.price)}"
    # The whole card is the link (its name is all it says: WCAG 2.5.3, label in name).
    return (f'<li><a class="event-link" href="{escape(base)}/{escape(host)}/{escape(et.slug)}">'
            f'<span class="event-title">{escape(et.title)}</span>'
            f'<span class="event-facts">{escape(facts)}</span>'
            f'<span class="event-description">{escape(et.description)}</span>'
            '<span class="event-go" aria-hidden="true">&#8250;</span></a></li>')


def _lowercase(request: Any, base: str, *segments: str) -> Response | None:
    """A link typed or autocorrected with capitals (/Alice/Intro): slugs are lower case,
    so one host or event cannot differ from another by case alone. A 301 to the lower-case
    address (its query kept), the one canonical URL; None when it is lower case already."""
    lowered = [s.lower() for s in segments]
    if lowered == list(segments) or lowered[0] in RESERVED_SLUGS \
            or not all(SLUG_PATTERN.fullmatch(s) for s in lowered):
        return None
    query = urlencode(request.query_params or {})
    location = base + "".join(f"/{quote(s)}" for s in lowered) + (f"?{query}" if query else "")
    return Response(body="", status_code=301, headers={"Location": location})


def profile_page(services: PageServices, request: Any, host: str) -> Response:
    base = base_path(request)
    reserved = reserved_answer(request, base, host)
    if reserved is not None:
        return reserved
    moved = _lowercase(request, base, host)
    if moved is not None:
        return moved
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
            description=short_description(p.description) or f"Book a time with {p.display_name}.")

    return page_or_404(base, make)


def event_page(services: PageServices, request: Any, host: str, event: str) -> Response:
    base = base_path(request)
    reserved = reserved_answer(request, base, host, event)
    if reserved is not None:
        return reserved
    moved = _lowercase(request, base, host, event)
    if moved is not None:
        return moved
    if not (SLUG_PATTERN.fullmatch(host) and SLUG_PATTERN.fullmatch(event)):
        return not_found_page(base)

    def make() -> Response:
        config = services.public.profile(host)
        try:
            et = bookable_event_type(config.event_types, event)
        except NotFoundError:
            return no_event_page(base, config.profile)
        data = page_data(config, et, "book")
        slots = embedded_slots(services.public, config, et, services.clock.now())
        if slots is not None:
            data["slots"] = slots
        return booking_page(base, config, et, details_step(et), "", data)

    return page_or_404(base, make)
