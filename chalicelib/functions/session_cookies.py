"""The dashboard session's cookies: their names (with the `__Host-`/`__Secure-` prefixes
whenever they are Secure), paths and flags, whether a request is Secure, and the values
a Cookie header sends (browser_session.py's table says which cookie holds what)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.functions.http import base_path

ACCESS, REFRESH, CSRF = "penny_access", "penny_refresh", "penny_csrf"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


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


def forwarded_proto(headers: Any) -> str:
    """The scheme the client used, as the front door forwards it ("" when not said)."""
    return str(headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()


def is_secure(headers: Any) -> bool:
    """Secure (and prefixed) cookies, unless over plain http to a loopback host."""
    if forwarded_proto(headers) == "https":
        return True
    try:
        host = urlsplit(f"//{headers.get('host') or ''}").hostname or ""
    except ValueError:  # no host at all ("[::1", "[abc]"): no loopback one either
        return True
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


def session_cookies(cookie_policy: CookiePolicy, browser: Any, lifetime: int) -> list[str]:
    session = browser.session
    return [cookie_policy.set(ACCESS, session.access_token, session.expires_in),
            cookie_policy.set(REFRESH, session.refresh_token, lifetime),
            cookie_policy.set(CSRF, browser.csrf_token, lifetime)]
