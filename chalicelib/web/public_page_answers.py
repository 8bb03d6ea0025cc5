"""How a public page answers: its styles, the cache and robots rules of a secret link's
page, a description cut to what a search result shows, the friendly 404 page for an
unknown host, event or link, the API's JSON 404 for a reserved first segment, and the
token a secret link carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.domain.errors import NotFoundError
from chalicelib.functions.errors import error_response
from chalicelib.web.pages import not_found_page

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


def api_not_found(request: Any, path: str) -> Response:
    # A reserved first segment is the JSON API's (/me, /hosts, /auth, ...), never a host:
    # an API client's typo gets the API's JSON 404, not a page.
    return error_response(404, "not_found", f"No route matches {request.method} {path}")


def link_token(request: Any) -> str:
    return str((request.query_params or {}).get("token") or "")
