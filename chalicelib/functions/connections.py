"""Connecting platforms and signing in with them, at the HTTP edge: the answer that
starts a round trip, and the OAuth callback that ends it.

Starting (`POST /me/connections/{provider}`, `/me/identities/{provider}`,
`/auth/oidc/{provider}`) answers the provider's consent URL and sets the *binding*
cookie: `__Host-` (Secure, `Path=/`, no Domain, so no sibling subdomain can plant one:
it is all that ties a callback to the browser that started it), httpOnly,
`SameSite=Lax` (the provider's redirect back is a top-level cross-site GET: a Strict
cookie, like the session's, would not be sent with it), gone in 10 minutes. Over plain
http to a loopback host (the local stack) it is unprefixed and not Secure, like the
session's cookies (session_cookies.py). The callback (`GET /oauth/{provider}/callback`, an
edge route) hands the query and that cookie to the service, clears the cookie, and:

- connect: 303 to `/app/connections?connected=<p>`, or to the welcome steps
  (`/app/welcome?...`) when the host connected from there;
- sign in: the session cookies, and 303 to the view the host asked for while logged out
  (`/app/availability`, a bookmark), else `/app/bookings`; `/app/welcome` for a new
  account;
- link: 303 to `/app/profile?linked=<p>`;
- refused after a valid state (Deny, a provider's refusal, an e-mail that has a password
  account): 303 to that page with `?provider=<p>&error=<code>`, said there in words
  (`scopes_declined` adds `&missing=calendar,...`: what the unticked permissions were for).

Where the start asked to come back is a view's name from a fixed list (schemas AppView),
kept in the single-use state the callback takes; the callback follows it only if it is
still one of those views, so no state leads anywhere but the dashboard's own views.

A state that is forged, used, expired, or from another browser or an ended login gets a
page saying so (400) with nothing to follow: such a request did not come from the
host's own click.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import urlencode

from chalice import Response

from chalicelib.domain.errors import OAuthStateError, PennyError, ScopesDeclinedError
from chalicelib.functions.browser_session import (
    CookiePolicy,
    cookies,
    is_secure,
    session_cookies,
)
from chalicelib.functions.edge_responses import redirect
from chalicelib.functions.schemas.fields import AppView
from chalicelib.services.connection_ports import STATE_TTL

log = logging.getLogger("penny.connections")

if TYPE_CHECKING:
    from chalicelib.functions.edge import EdgeRequest
    from chalicelib.services.connections import ConnectionService
    from chalicelib.services.oauth_round_trip import Started
    from chalicelib.services.sessions import BrowserSessions
    from chalicelib.services.sign_in import IdentitySignIn

BINDING = "penny_oauth"
STATE_NAME_CHARS = 16
STATE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
CONNECTIONS_PAGE = "/app/connections"
# Where each round trip goes back to, and where a refused one says why.
PAGES = {"connect": CONNECTIONS_PAGE, "sign_in": "/app/login", "link": "/app/profile"}
# The views a round trip may have asked to come back to (a state from before asked none).
VIEWS = frozenset(f"/app/{view}" for view in get_args(AppView))


@dataclass(frozen=True)
class CallbackServices:
    connections: ConnectionService
    sign_in: IdentitySignIn
    sessions: BrowserSessions
    refresh_ttl_seconds: int
    # After a connection is saved: set up what it is for (a calendar's conflicts and
    # push channel). Best effort: a failure leaves the connection saved.
    connected: Callable[[str, str], None] = lambda host_id, provider: None


def binding_name(secure: bool, state_id: str) -> str:
    """One cookie per round trip (named by its state), so a round trip started in another
    tab never overwrites this one's. `__Host-`, not `__Secure-`: a `__Secure-` cookie may
    come from a sibling subdomain (Domain=<parent>), which could then finish its own round
    trip in the host's browser (sign the host into its account, or take the host's
    calendar grant into it)."""
    name = f"{BINDING}_{state_id[:STATE_NAME_CHARS]}"
    return f"__Host-{name}" if secure else name


def binding_cookie(value: str, secure: bool, max_age: int, state_id: str) -> str:
    # `__Host-` requires Path=/ (whatever the base path the callback is served under).
    flags = ["HttpOnly", "SameSite=Lax", *(["Secure"] if secure else [])]
    return "; ".join([f"{binding_name(secure, state_id)}={value}", "Path=/",
                      f"Max-Age={max_age}", *flags])


def started(request: Any, result: Started) -> Response:
    secure = is_secure(request.headers)
    cookie = binding_cookie(result.binding, secure, int(STATE_TTL.total_seconds()),
                            result.state_id)
    return Response(body=json.dumps({"authorize_url": result.url}), status_code=200,
                    headers={"Content-Type": "application/json", "Cache-Control": "no-store",
                             "Set-Cookie": cookie})


def _set_up(services: CallbackServices, host_id: str, provider: str) -> None:
    try:
        services.connected(host_id, provider)
    except PennyError as exc:
        log.warning("setting up a new connection failed",
                    extra={"provider": provider, "error_code": exc.code})


def callback(services: CallbackServices, incoming: EdgeRequest, provider: str, base: str,
             source: str | None) -> Response:
    from chalicelib.web.pages import message_page

    secure = is_secure(incoming.headers)
    # The state's id picks the cookie (unverified here: a forged one finds no cookie, and
    # the service refuses it either way).
    state_id = (incoming.query.get("state") or "").partition(".")[0]
    if not STATE_ID.fullmatch(state_id):
        state_id = ""
    spent = binding_cookie("", secure, 0, state_id)
    try:
        state = services.connections.take(
            provider, incoming.query, cookies(incoming.headers).get(binding_name(secure, state_id)))
    except OAuthStateError as exc:
        response = message_page(base, "This link cannot be used", exc.message, 400)
        response.headers["Set-Cookie"] = spent
        return response
    page = PAGES.get(state.purpose, CONNECTIONS_PAGE)
    asked = state.redirect_to if state.redirect_to in VIEWS else None
    if state.purpose == "connect" and asked in (CONNECTIONS_PAGE, "/app/welcome"):
        page = asked
    set_cookies = [spent]
    try:
        finished = services.connections.complete(state, incoming.query)
        if state.purpose == "sign_in":
            assert finished.identity is not None
            signed = services.sign_in.sign_in(finished.identity, state.timezone, source)
            browser = services.sessions.opened(signed.session)
            set_cookies += session_cookies(CookiePolicy(secure, base), browser,
                                           services.refresh_ttl_seconds)
            location = f"{base}{'/app/welcome' if signed.created else asked or '/app/bookings'}"
        elif state.purpose == "link":
            assert finished.identity is not None and state.host_id is not None
            services.sign_in.link(state.host_id, finished.identity)
            location = f"{base}{page}?{urlencode({'linked': provider})}"
        else:
            assert state.host_id is not None
            _set_up(services, state.host_id, provider)
            location = f"{base}{page}?{urlencode({'connected': provider})}"
    except PennyError as exc:
        said = {"provider": provider, "error": exc.code}
        if isinstance(exc, ScopesDeclinedError):
            said["missing"] = ",".join(exc.features)  # which permissions, said in words
        location = f"{base}{page}?{urlencode(said)}"
    response = redirect(location)
    response.headers["Set-Cookie"] = set_cookies
    return response
