"""The answers providers and browsers expect from the edge (functions/edge.py).

No JSON here: a redirect back from an OAuth consent page, a token echoed as plain text for
Microsoft Graph's subscription handshake, an empty acknowledgement for a notification.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from chalice import Response

if TYPE_CHECKING:
    from chalicelib.functions.edge import EdgeRequest

# A path on this site ("/app/connections?...", never "//host" or "/\\host", which
# browsers read as another site) or an absolute http(s) URL; printable ASCII only, so
# nothing can end the header early (percent-encode the rest).
_LOCATION = re.compile(r"^(?:/(?![/\\])|https?://(?![/\\])(?=.))[\x21-\x7e]*\Z")


def redirect(location: str, status: int = 303) -> Response:
    """Send the browser on: 303 (GET the next page, whatever the method) or 302."""
    if status not in (302, 303):
        raise ValueError(f"a redirect is 302 or 303, not {status}")
    if not _LOCATION.match(location):
        raise ValueError(f"not a location to redirect to: {location!r}")
    return Response(body="", status_code=status,
                    headers={"Location": location, "Cache-Control": "no-store"})


def plain_text(text: str, status: int = 200) -> Response:
    """`text` exactly, as text/plain: never escaped, never sniffed as HTML by a browser."""
    return Response(body=text, status_code=status,
                    headers={"Content-Type": "text/plain; charset=utf-8",
                             "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "no-store"})


def empty(status: int = 200) -> Response:
    """An acknowledgement with no body (Google's watch notifications want nothing else)."""
    return Response(body="", status_code=status, headers={})


def echo_query(name: str) -> Callable[[EdgeRequest], Response | None]:
    """A handshake: when the query carries `name`, answer its (URL-decoded) value as
    plain text, unchanged. Microsoft Graph validates a subscription's notification URL
    this way (`?validationToken=...`, 200 text/plain within 10 s; the body must match
    exactly, so HTML-escaping it would fail the subscription)."""

    def handshake(request: EdgeRequest) -> Response | None:
        token = request.query.get(name)
        return None if token is None else plain_text(token)

    return handshake
