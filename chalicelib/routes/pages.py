"""Pages: HTML and static assets (chalicelib/web), not part of the JSON API: the booking
pages, the attendee's manage and pay pages, and the host dashboard.
"""

from __future__ import annotations

from types import ModuleType

from chalice import Blueprint, Response

from chalicelib.routes.routing import pages, services

bp = Blueprint(__name__)
page = pages(bp)


def booking_pages() -> ModuleType:
    from chalicelib.web import booking_pages as module

    return module


@page("/static/{name}", "static_file")
def static_file(name: str) -> Response:
    from chalicelib.web.assets import static_asset

    return static_asset(name, bp.current_request.headers.get("if-none-match"))


@page("/{host}", "host_page")
def host_page(host: str) -> Response:
    return booking_pages().profile_page(services().pages, bp.current_request, host)  # type: ignore[no-any-return]


@page("/{host}/{event}", "event_page")
def event_page(host: str, event: str) -> Response:
    return booking_pages().event_page(services().pages, bp.current_request, host, event)  # type: ignore[no-any-return]


@page("/booking/{uid}", "manage_page")
def manage_page(uid: str) -> Response:
    return booking_pages().manage_page(services().pages, bp.current_request, uid)  # type: ignore[no-any-return]


@page("/booking/{uid}/cancel", "cancel_page")
def cancel_page(uid: str) -> Response:
    return booking_pages().manage_page(services().pages, bp.current_request, uid, cancel=True)  # type: ignore[no-any-return]


@page("/booking/{uid}/reschedule", "reschedule_page")
def reschedule_page(uid: str) -> Response:
    return booking_pages().reschedule_page(services().pages, bp.current_request, uid)  # type: ignore[no-any-return]


@page("/booking/{uid}/pay", "pay_page")
def pay_page(uid: str) -> Response:
    from chalicelib.web.pay_page import pay_page as page

    return page(services().pages, bp.current_request, uid)


# ---- the host dashboard (chalicelib/web/dashboard.py): one page, routed in the browser ---

@page("/app", "dashboard")
def dashboard() -> Response:
    from chalicelib.web.dashboard import dashboard_page

    return dashboard_page(services().settings, bp.current_request)


@page("/app/{section}", "dashboard_section")
def dashboard_section(section: str) -> Response:
    from chalicelib.web.dashboard import dashboard_page

    return dashboard_page(services().settings, bp.current_request, section)
