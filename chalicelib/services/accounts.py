"""Sign up, log in, refresh and log out.

A refresh token is `{login id}.{random secret}`, stored only as the SHA-256 of the
whole token (so the hash also binds the login id; an old-format token, a bare secret,
is hashed the same way). Naming the login lets a refresh read its one item by key.
Each use rotates the token; presenting a spent token again means it leaked, so the
whole login (refresh-token family) is revoked. A token the login never issued is only
refused: a forged token for someone's login id must not log them out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.errors import (
    AuthenticationError,
    ConcurrentWriteError,
    InvalidCredentialsError,
    RefreshTokenReusedError,
    UnknownRefreshTokenError,
)
from chalicelib.domain.hosts import Profile, validate_slug, validate_timezone
from chalicelib.services.access_tokens import AccessClaims, AccessTokens
from chalicelib.services.ports import (
    Clock,
    Hosts,
    LoginSockets,
    PasswordHasher,
    RefreshTokens,
    StoredRefreshToken,
)
from chalicelib.services.rate_limits import LoginBackoff, NetworkLogins, SignupLimit

# Verifying against this keeps login time the same whether or not the email exists.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$y1xZW6H3Blw7FCUjbC67GA$emm3Sx"
    "ISX/OYlEA5Rq2XGdnbCIAQfIu8sQJFBNrQKdY"
)


@dataclass(frozen=True)
class Session:
    host_id: str
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str = ""  # the refresh-token family: one per login, kept across rotations


# Called with (host id, session id) once a refresh token is found and before it is used:
# the cookie session checks its CSRF token here, so a forged request changes nothing.
# `bound=True` puts the login's id in the access token (a `sid` claim): the cookie
# session's CSRF token is tied to that login. API clients' tokens stay as they were.
Guard = Callable[[str, str], None]


# `{secrets.token_hex(8)}.{secrets.token_urlsafe(32)}`, as _start_session and refresh make
# it, or a bare token_urlsafe(32) (the old format): the only shapes Penny ever issued.
_TOKEN = re.compile(r"(?:[0-9a-f]{16}\.)?[A-Za-z0-9_-]{43}")


def could_be_refresh_token(value: str) -> bool:
    """Whether `value` has the shape of a refresh token Penny issues: anything else is
    refused without a read (a cookie planted by a sibling subdomain costs nothing)."""
    return _TOKEN.fullmatch(value) is not None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(family_id: str) -> str:
    return f"{family_id}.{secrets.token_urlsafe(32)}"  # URL-safe: no "." in the secret


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class AccountService:
    hosts: Hosts
    refresh_tokens: RefreshTokens
    passwords: PasswordHasher
    access: AccessTokens
    clock: Clock
    refresh_ttl: timedelta
    # None turns a limit off (unit tests of other behaviour); bootstrap wires them all.
    logins: LoginBackoff | None = None
    signups: SignupLimit | None = None
    networks: NetworkLogins | None = None   # failed logins per source network
    sockets: LoginSockets | None = None

    def sign_up(self, email: str, password: str, slug: str, display_name: str,
                timezone: str, bound: bool = False,
                source: str | None = None) -> tuple[Profile, Session]:
        """`source` is the caller's IP address: signups are limited per network."""
        profile = Profile(host_id=secrets.token_hex(8), slug=validate_slug(slug),
                          display_name=display_name.strip(), timezone=validate_timezone(timezone))
        if self.signups is not None:
            self.signups.take(source)  # before the hash: a refused signup costs no Argon2
        self.hosts.create(profile, normalize_email(email), self.passwords.hash(password),
                          self.clock.now())
        return profile, self._start_session(profile.host_id, bound)

    def log_in(self, email: str, password: str, bound: bool = False,
               source: str | None = None) -> Session:
        """`source` is the caller's IP address: failed logins are limited per network too."""
        email = normalize_email(email)
        if self.networks is not None:
            self.networks.check(source)
        seen = self.logins.check(email) if self.logins is not None else None
        account = self.hosts.account(email)
        if account is None or not account.password_hash:
            # The same Argon2 work for an unknown e-mail and for an account that signs in
            # only with Google or Microsoft (no password): the time tells neither apart.
            self.passwords.verify(_DUMMY_HASH, password)
        if account is None or not account.password_hash or \
                not self.passwords.verify(account.password_hash, password):
            if self.logins is not None:
                self.logins.failed(email, seen)
            if self.networks is not None:
                self.networks.failed(source)
            raise InvalidCredentialsError("email or password is wrong")
        if self.logins is not None:
            self.logins.succeeded(email, seen)
        if self.passwords.needs_rehash(account.password_hash):
            self.hosts.update_password_hash(account, self.passwords.hash(password))
        return self._start_session(account.host_id, bound)

    def refresh(self, refresh_token: str, guard: Guard | None = None,
                bound: bool = False) -> Session:
        stored = self._find(refresh_token)
        now = self.clock.now()
        if stored is None or stored.expires_at <= now or stored.family_revoked:
            # No live login holds it: nothing says whose it is (it may be a sibling
            # subdomain's planted cookie), so the cookie session tries the next one sent.
            raise UnknownRefreshTokenError("refresh token is invalid or expired; log in again")
        if guard is not None:
            guard(stored.host_id, stored.family_id)
        if stored.used:
            self._end(stored.host_id, stored.family_id)
            raise RefreshTokenReusedError("refresh token was already used; all sessions "
                                          "from that login are revoked")
        new_token = _new_token(stored.family_id)
        try:
            self.refresh_tokens.rotate(stored, _hash(new_token), now + self.refresh_ttl)
        except ConcurrentWriteError as exc:
            # Two refreshes raced with one token: the loser is treated as reuse.
            self._end(stored.host_id, stored.family_id)
            raise RefreshTokenReusedError("refresh token was already used") from exc
        return Session(stored.host_id,
                       self.access.issue(stored.host_id, now,
                                         stored.family_id if bound else None,
                                         login_id=stored.family_id), new_token,
                       int(self.access.ttl.total_seconds()), stored.family_id)

    def log_out(self, refresh_token: str, guard: Guard | None = None) -> bool:
        """End the token's login; False when no login holds the token (nothing to end)."""
        stored = self._find(refresh_token)
        if stored is None:
            return False
        if guard is not None:
            guard(stored.host_id, stored.family_id)
        self._end(stored.host_id, stored.family_id)
        return True

    def _find(self, refresh_token: str) -> StoredRefreshToken | None:
        """The presented token in its login, current or recently spent; None if unknown."""
        if not could_be_refresh_token(refresh_token):
            return None  # not a token we made: refused without a read
        family_id, dot, _ = refresh_token.partition(".")
        if not dot:
            return self.refresh_tokens.find_old_format(_hash(refresh_token))
        return self.refresh_tokens.find(family_id, _hash(refresh_token))

    def authenticate(self, access_token: str) -> str:
        return self.claims(access_token).host_id

    def claims(self, access_token: str) -> AccessClaims:
        """Who the token is for, and which login; a token of an ended login is refused.

        Only tokens that name their login (`sid`: the cookie session's) can be checked,
        at one read of the login's family per request; API clients' bearer tokens carry
        no `sid` and stay valid until they expire (15 minutes). They name their login
        unbound (`lid`): only a socket they open reads it (services/realtime.py).
        """
        now = self.clock.now()
        claims = self.access.claims(access_token, now)
        if claims.session_id is not None and not self.session_active(claims.session_id):
            raise AuthenticationError("this session has ended; log in again")
        return claims

    def session_active(self, session_id: str) -> bool:
        return self.refresh_tokens.is_active(session_id, self.clock.now())

    def end_login(self, host_id: str, family_id: str) -> None:
        """End a login as logout does (a password change ends the host's other logins)."""
        self._end(host_id, family_id)

    def _end(self, host_id: str, family_id: str) -> None:
        """Revoke a login, close the dashboard sockets it opened, and take it off the
        host's list of logins (services/passwords.py reads that list)."""
        self.refresh_tokens.revoke_family(family_id)
        if self.sockets is not None:
            self.sockets.close_login(host_id, family_id)
        self.refresh_tokens.unlist(host_id, [family_id])

    def open_session(self, host_id: str, bound: bool = True) -> Session:
        """A login for a host whose identity was proven elsewhere (an OpenID sign-in)."""
        return self._start_session(host_id, bound)

    def _start_session(self, host_id: str, bound: bool) -> Session:
        now = self.clock.now()
        family = secrets.token_hex(8)
        token = _new_token(family)
        self.refresh_tokens.issue(_hash(token), host_id, family, now + self.refresh_ttl,
                                  started_at=now)
        access = self.access.issue(host_id, now, family if bound else None, login_id=family)
        return Session(host_id, access, token,
                       int(self.access.ttl.total_seconds()), family)
