"""The dashboard's cookie session at the HTTP edge: cookies, the Origin check, CSRF.

API clients keep sending `Authorization: Bearer`; the dashboard's requests carry
httpOnly cookies instead (its JavaScript never sees a token, so an XSS cannot steal
one). A cookie is sent by the browser whoever asks, so every cookie-authenticated
change must also come from Penny's own origin (Origin, and Sec-Fetch-Site when sent)
and carry the session's CSRF token in `X-CSRF-Token` (services/sessions.py).
SameSite=Strict already keeps the cookies off cross-site requests in current
browsers; the two checks do not rely on it.

Cookies (names carry the `__Host-`/`__Secure-` prefixes whenever they are Secure; only
plain http to a loopback host, the local stack, drops Secure and the prefixes). A
`__Host-` cookie cannot be planted by a sibling subdomain; a `__Secure-` one (the refresh
cookie, whose Path keeps it off every other request) can, beside the real one: every
value sent is tried, and only the one whose login the CSRF token is for is used:

| cookie | value | HttpOnly | Path | lifetime |
|---|---|---|---|---|
| `__Host-penny_access` | the 15-minute access JWT | yes | `/` | the token's |
| `__Secure-penny_refresh` | `{login id}.{secret}` | yes | `{base}/auth/session` | 30 days |
| `__Host-penny_csrf` | the CSRF token | no: the page reads it | `/` | 30 days |

The cookies are session_cookies.py's, the Origin check and the CSRF header
cross_site_checks.py's, the /auth/session routes session_routes.py's; this module
authenticates every route, and names them all where the routes and the composition root
import them.
"""

from __future__ import annotations

from typing import Any

from chalicelib.functions.cross_site_checks import CSRF_HEADER, SAFE_METHODS, check_origin
from chalicelib.functions.http import bearer_token
from chalicelib.functions.session_cookies import (
    ACCESS,
    CSRF,
    REFRESH,
    CookiePolicy,
    cookie_values,
    cookies,
    is_secure,
    policy,
    session_cookies,
)
from chalicelib.functions.session_routes import MAX_SAME_NAME, log_in, log_out, refresh, sign_up
from chalicelib.functions.session_services import BearerTokens, SessionServices
from chalicelib.services.access_tokens import AccessClaims

# Where the routes, the OAuth callback and the composition root find them.
__all__ = ["ACCESS", "CSRF", "CSRF_HEADER", "MAX_SAME_NAME", "REFRESH", "SAFE_METHODS",
           "BearerTokens", "CookiePolicy", "SessionServices", "authenticate", "check_origin",
           "cookie_values", "cookies", "is_secure", "log_in", "log_out", "policy", "refresh",
           "session_cookies", "sign_up"]


def authenticate(services: SessionServices, request: Any) -> AccessClaims:
    """The host (and login), from a bearer token (API clients) or the session cookie."""
    headers = request.headers
    access = cookies(headers).get(policy(request).name(ACCESS))
    if headers.get("authorization") or not access:
        # With neither credential, bearer_token refuses, saying what to send.
        return services.bearer.claims(bearer_token(headers))
    changes = request.method not in SAFE_METHODS
    if changes:
        check_origin(request, services.public_base_url)
    return services.sessions.claims(access, headers.get(CSRF_HEADER), changes)
