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
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from chalice import Response

from chalicelib.domain.errors import (
    AuthenticationError,
    CrossOriginError,
    CsrfTokenError,
    UnknownRefreshTokenError,
)
from chalicelib.functions.errors import from_exception
from chalicelib.functions.http import base_path, bearer_token, source_ip
from chalicelib.services.access_tokens import AccessClaims

if TYPE_CHECKING:
    from chalicelib.services.sessions import BrowserSessions

ACCESS, REFRESH, CSRF = "penny_access", "penny_refresh", "penny_csrf"
MAX_SAME_NAME = 3   # refresh cookies of one name tried, at most (the real one and plants)
T = TypeVar("T")
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class BearerTokens(Protocol):
    def claims(self, access_token: str) -> AccessClaims: ...


@dataclass(frozen=True)
class SessionServices:
    """What the session routes and the authentication of every route use."""

    sessions: BrowserSessions
    bearer: BearerTokens          # API clients' `Authorization: Bearer` (AccountService)
    public_base_url: str          # its origin may use the cookies
    refresh_ttl_seconds: int      # the refresh and CSRF cookies' lifetime


@dataclass(frozen=True)
class CookiePolicy:
    secure: bool
    base: str  # the prefix the app is served under ("" or "/api")

    def name(self, cookie: str) -> str:
        if not self.secure:
            return cookie
        return f"__Secure-{cookie}" if cookie == REFRESH else f"__Host-{cookie}"

    def path(self, cookie: str) -> str:
        return f"{self.base}/auth/session" if cookie == REFRESH else "/"

    def set(self, cookie: str, value: str, max_age: int) -> str:
        flags = ["HttpOnly"] if cookie != CSRF else []
        flags.append("SameSite=Strict")
        if self.secure:
            flags.append("Secure")
        return "; ".join([f"{self.name(cookie)}={value}", f"Path={self.path(cookie)}",
                          f"Max-Age={max_age}", *flags])

    def clear(self) -> list[str]:
        return [self.set(cookie, "", 0) for cookie in (ACCESS, REFRESH, CSRF)]


def policy(request: Any) -> CookiePolicy:
    return CookiePolicy(is_secure(request.headers), base_path(request))


def _proto(headers: Any) -> str:
    """The scheme the client used, as the front door forwards it ("" when not said)."""
    return str(headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()


def is_secure(headers: Any) -> bool:
    if _proto(headers) == "https":
        return True
    host = urlsplit(f"//{headers.get('host') or ''}").hostname or ""
    return not (host in _LOOPBACK or host.endswith(".localhost"))


def _sent(headers: Any) -> list[tuple[str, str]]:
    """The Cookie header's (name, value) pairs, in the order sent."""
    pairs = []
    for pair in str(headers.get("cookie") or "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name:
            pairs.append((name, value.strip()))
    return pairs


def cookies(headers: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in _sent(headers):
        found.setdefault(name, value)  # the first (most specific path) wins
    return found


def cookie_values(headers: Any, wanted: str) -> list[str]:
    """Every value sent under one name, in the order sent. `__Secure-` does not pin a
    cookie's Domain: a sibling subdomain may plant one of the same name (sent first, with
    a longer Path or an earlier creation), so the refresh cookie's value is the one that
    matches the session's CSRF token, whichever place it comes in."""
    return [value for name, value in _sent(headers) if name == wanted and value]


def _with_each(tokens: list[str], act: Callable[[str], T]) -> T:
    """`act` on the first token whose login the presented CSRF token is for: a token of
    another login is refused by its CSRF check before it is used, a token no login holds
    (made up, or a login gone) says nothing about whose it is, and either way the next is
    tried. A CSRF refusal wins over an unknown token: a forged request clears nothing."""
    refused: CsrfTokenError | None = None
    unknown: UnknownRefreshTokenError | None = None
    for token in tokens[:MAX_SAME_NAME]:
        try:
            return act(token)
        except CsrfTokenError as exc:
            refused = refused or exc
        except UnknownRefreshTokenError as exc:
            unknown = unknown or exc
    if refused is not None:
        raise refused
    if unknown is not None:
        raise unknown
    raise AuthenticationError("no session to refresh; log in again")


def check_origin(request: Any, public_base_url: str) -> None:
    """CrossOriginError unless the request says it comes from a page of Penny's origin."""
    headers = request.headers
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        raise CrossOriginError(f"requests from a {site} page may not use the session")
    origin = headers.get("origin")
    if not origin or origin == "null":
        raise CrossOriginError("a cookie-session request must send its Origin")
    if origin.rstrip("/") not in _allowed_origins(headers, public_base_url):
        raise CrossOriginError(f"origin {origin} may not use this session")


def _allowed_origins(headers: Any, public_base_url: str) -> set[str]:
    public = urlsplit(public_base_url)
    allowed = {f"{public.scheme}://{public.netloc}"}
    if headers.get("host"):
        # The Origin a page served by this very host sends; a cross-site page sends its own.
        allowed.add(f"{_proto(headers) or 'http'}://{headers['host']}")
    return allowed


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


# ---- the /auth/session routes ------------------------------------------------------------

def log_in(services: SessionServices, request: Any, body: Any) -> Response:
    check_origin(request, services.public_base_url)  # no login CSRF
    return _opened(services, policy(request),
                   services.sessions.log_in(body.email, body.password, source_ip(request)))


def sign_up(services: SessionServices, request: Any, body: Any) -> Response:
    from chalicelib.functions.views import profile_out

    check_origin(request, services.public_base_url)
    profile, browser = services.sessions.sign_up(body.email, body.password, body.slug,
                                                 body.display_name, body.timezone,
                                                 source_ip(request))
    return _opened(services, policy(request), browser, status=201,
                   extra={"host": profile_out(profile).model_dump(mode="json")})


def refresh(services: SessionServices, request: Any,
            ticket: Callable[[str, str | None], dict[str, Any]] | None = None) -> Response:
    """`ticket`: also answer with the new session's WebSocket ticket (as `realtime`)."""
    check_origin(request, services.public_base_url)
    cookie_policy = policy(request)
    tokens = cookie_values(request.headers, cookie_policy.name(REFRESH))
    csrf = request.headers.get(CSRF_HEADER)
    try:
        browser = _with_each(tokens, lambda token: services.sessions.refresh(token, csrf))
    except AuthenticationError as exc:  # the session is over: say so, and forget it
        response = from_exception(exc)
        response.headers["Set-Cookie"] = cookie_policy.clear()
        return response
    session = browser.session
    extra = None if ticket is None else {"realtime": ticket(session.host_id, session.session_id)}
    return _opened(services, cookie_policy, browser, extra=extra)


def log_out(services: SessionServices, request: Any) -> Response:
    check_origin(request, services.public_base_url)
    cookie_policy = policy(request)
    tokens = cookie_values(request.headers, cookie_policy.name(REFRESH))
    csrf = request.headers.get(CSRF_HEADER)
    # No live login holds any of them: nothing to end, and the cookies go all the same.
    with suppress(UnknownRefreshTokenError):
        if tokens:
            _with_each(tokens, lambda token: services.sessions.log_out(token, csrf))
    return Response(body="", status_code=204, headers={
        "Set-Cookie": cookie_policy.clear(), "Cache-Control": "no-store"})


def session_cookies(cookie_policy: CookiePolicy, browser: Any, lifetime: int) -> list[str]:
    session = browser.session
    return [cookie_policy.set(ACCESS, session.access_token, session.expires_in),
            cookie_policy.set(REFRESH, session.refresh_token, lifetime),
            cookie_policy.set(CSRF, browser.csrf_token, lifetime)]


def _opened(services: SessionServices, cookie_policy: CookiePolicy, browser: Any, status: int = 200,
            extra: dict[str, Any] | None = None) -> Response:
    import json

    session = browser.session
    lifetime = services.refresh_ttl_seconds
    body = {"host_id": session.host_id, "csrf_token": browser.csrf_token,
            "expires_in": session.expires_in, **(extra or {})}
    return Response(body=json.dumps(body), status_code=status, headers={
        "Content-Type": "application/json", "Cache-Control": "no-store",
        "Set-Cookie": session_cookies(cookie_policy, browser, lifetime)})
