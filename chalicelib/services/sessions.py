"""The dashboard's browser session: the account session kept in httpOnly cookies.

The dashboard's JavaScript never holds a credential: the access and refresh tokens live
in httpOnly cookies, which the browser attaches by itself, so a cross-site request
would carry them too. Every change made with a cookie therefore also needs the
session's CSRF token, which only a page of Penny's own origin can read (from a cookie
scoped to that origin, or from the login response). The token is an HMAC of the host
and the login (refresh-token family): it cannot be guessed or planted, stays the same
across refreshes, and dies with the login. Its key is derived from the link secret
under its own label, so there is no extra secret to provision.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from chalicelib.domain.errors import CsrfTokenError, UnknownRefreshTokenError
from chalicelib.domain.hosts import Profile
from chalicelib.services.access_tokens import AccessClaims
from chalicelib.services.accounts import AccountService, Session

_KEY_LABEL = b"penny csrf v1"


@dataclass(frozen=True)
class CsrfTokens:
    secret: str

    def token(self, host_id: str, session_id: str) -> str:
        key = hmac.new(self.secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
        mac = hmac.new(key, f"{host_id}\x00{session_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def check(self, presented: str | None, host_id: str, session_id: str | None) -> None:
        """CsrfTokenError unless `presented` is the token of this host's login."""
        if not presented or not session_id:
            raise CsrfTokenError("send the session's CSRF token in the X-CSRF-Token header")
        if not hmac.compare_digest(presented.encode(), self.token(host_id, session_id).encode()):
            raise CsrfTokenError("the X-CSRF-Token header does not match this session")


@dataclass(frozen=True)
class BrowserSession:
    session: Session
    csrf_token: str


@dataclass(frozen=True)
class BrowserSessions:
    accounts: AccountService
    csrf: CsrfTokens

    def sign_up(self, email: str, password: str, slug: str, display_name: str,
                timezone: str, source: str | None = None) -> tuple[Profile, BrowserSession]:
        profile, session = self.accounts.sign_up(email, password, slug, display_name, timezone,
                                                  bound=True, source=source)
        return profile, self._browser(session)

    def log_in(self, email: str, password: str, source: str | None = None) -> BrowserSession:
        return self._browser(self.accounts.log_in(email, password, bound=True, source=source))

    def refresh(self, refresh_token: str, csrf_token: str | None) -> BrowserSession:
        session = self.accounts.refresh(
            refresh_token, guard=lambda host, sid: self.csrf.check(csrf_token, host, sid),
            bound=True)
        return self._browser(session)

    def log_out(self, refresh_token: str | None, csrf_token: str | None) -> None:
        """UnknownRefreshTokenError when no login holds the token (the cookie session then
        tries the next refresh cookie sent: this one may be a sibling's plant)."""
        if not refresh_token or not self.accounts.log_out(
                refresh_token, guard=lambda host, sid: self.csrf.check(csrf_token, host, sid)):
            raise UnknownRefreshTokenError("no login holds this refresh token")

    def authenticate(self, access_token: str, csrf_token: str | None, changes: bool) -> str:
        """The host id; a request that changes something must carry the CSRF token."""
        return self.claims(access_token, csrf_token, changes).host_id

    def claims(self, access_token: str, csrf_token: str | None, changes: bool) -> AccessClaims:
        """The host and its login (refused once the login has ended, e.g. by logout)."""
        claims = self.accounts.claims(access_token)
        if changes:
            self.csrf.check(csrf_token, claims.host_id, claims.session_id)
        return claims

    def opened(self, session: Session) -> BrowserSession:
        """A login opened elsewhere (an OpenID sign-in), as a browser session."""
        return self._browser(session)

    def _browser(self, session: Session) -> BrowserSession:
        return BrowserSession(session, self.csrf.token(session.host_id, session.session_id))
