"""How a public page answers: its styles, the cache and robots rules of a secret link's
page, a description cut to what a search result shows, the friendly 404 page for an
unknown host, event or link, the answer for a reserved first segment (the API's JSON 404,
the page, or the way to the dashboard's login and sign-up), and the token a secret link
carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.hosts import RESERVED_SLUGS, Profile
from chalicelib.functions.errors import error_response
from chalicelib.web.pages import html_page, not_found_page

STYLES = ("base.css", "booking.css")
PRIVATE = "no-store"  # pages of secret links: never kept by a cache, never indexed
SECRET_PAGE = {"X-Robots-Tag": "noindex"}
DESCRIPTION_CHARS = 160  # about what a search result shows


def short_description(text: str) -> str:
    """A description cut at a word to what a search result shows."""
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"


def page_or_404(base: str, make: Callable[[], Response]) -> Response:
    try:
        return make()
    except NotFoundError:
        return not_found_page(base, "Not found",
                              "This booking page or link does not exist, or is no longer valid.")


def no_event_page(base: str, profile: Profile) -> Response:
    """The 404 for a link under a host that names none of their open event types: a
    link shared before the host renamed, turned off or deleted the event type leads the
    client on to the host's profile, not to a dead end."""
    heading = f"{profile.display_name} has no booking page at this link"
    return html_page("no_event.html", {"name": profile.display_name,
                                       "profile": f"{base}/{profile.slug}"},
                     title="Not found · Penny", description=heading, base=base, status=404,
                     cache="no-store")


# The first segments the JSON API answers under. The other reserved words (/admin, /docs,
# /www, ...) are no API: whoever types them is in a browser.
API_SEGMENTS = frozenset({"api", "auth", "me", "hosts", "bookings", "openapi.json",
                          "webhooks", "oauth"})
# What a newcomer types to log in or sign up: the dashboard's forms.
SIGN_IN_PAGES = {"login": "/app/login", "signup": "/app/signup"}


def reserved_answer(request: Any, base: str, *segments: str) -> Response | None:
    """The answer for a path whose first segment is reserved (never a host), else None.
    An API client's typo (/me, /hosts) gets the API's JSON 404, not a page; /login and
    /signup go to the dashboard's forms; any other reserved word is the page's 404."""
    first = segments[0].lower()
    if first not in RESERVED_SLUGS:
        return None
    if len(segments) == 1 and first in SIGN_IN_PAGES:
        return Response(body="", status_code=302,
                        headers={"Location": base + SIGN_IN_PAGES[first]})
    if segments[0] in API_SEGMENTS:
        path = "".join(f"/{s}" for s in segments)
        return error_response(404, "not_found", f"No route matches {request.method} {path}")
    return not_found_page(base)


def link_token(request: Any) -> str:
    return str((request.query_params or {}).get("token") or "")
