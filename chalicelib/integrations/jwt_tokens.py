"""Short-lived JWT access tokens (pyjwt), with a key id so the signing key can rotate.

The `AccessTokens` port (services/access_tokens.py) says what a token carries; this
adapter signs and checks it. The algorithm is pinned (HS256) and every registered claim
is required and checked; a token signed with a retired key is refused once that key
leaves the key ring. pyjwt is imported on first use: public slot pages never pay for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import AuthenticationError
from chalicelib.services.access_tokens import AccessClaims

ALGORITHM = "HS256"


@dataclass(frozen=True)
class JwtAccessTokens:
    """HS256 JWTs; `keys` is the key ring, `active_kid` signs new tokens."""

    keys: Mapping[str, str]     # kid -> secret; old kids stay until their tokens expire
    active_kid: str
    issuer: str
    audience: str
    ttl: timedelta

    def issue(self, host_id: str, now: datetime, session_id: str | None = None,
              token_id: str | None = None, login_id: str | None = None) -> str:
        import jwt  # imported on first use: public slot pages never pay for it

        claims: dict[str, object] = {
            "sub": host_id, "iss": self.issuer, "aud": self.audience,
            "iat": int(now.timestamp()), "exp": int((now + self.ttl).timestamp())}
        if session_id is not None:
            claims["sid"] = session_id
        elif login_id is not None:
            claims["lid"] = login_id  # named, not bound: no request checks it
        if token_id is not None:
            claims["jti"] = token_id
        return jwt.encode(claims, self.keys[self.active_kid], algorithm=ALGORITHM,
                          headers={"kid": self.active_kid})

    def verify(self, token: str, now: datetime) -> str:
        """The host id the token was issued to, or AuthenticationError."""
        return self.claims(token, now).host_id

    def claims(self, token: str, now: datetime) -> AccessClaims:
        """Who the token was issued to and for which login, or AuthenticationError."""
        import jwt

        try:
            kid = jwt.get_unverified_header(token).get("kid")
            if not isinstance(kid, str) or kid not in self.keys:
                raise AuthenticationError("access token signed with an unknown key")
            claims = jwt.decode(
                token, self.keys[kid], algorithms=[ALGORITHM], audience=self.audience,
                issuer=self.issuer,
                # Time claims are checked below against the injected clock, not pyjwt's.
                options={"require": ["exp", "iat", "iss", "aud", "sub"],
                         "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidTokenError as exc:
            # pyjwt's wording ("Not enough segments") is for developers, not callers.
            raise AuthenticationError("the access token is not valid; log in again") from exc
        exp, iat = claims["exp"], claims["iat"]
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise AuthenticationError("the access token is not valid; log in again")
        if exp <= now.timestamp():
            raise AuthenticationError("access token expired; refresh it")
        if iat > now.timestamp() + 60:
            raise AuthenticationError("access token issued in the future")
        sid, jti, lid = (_text(claims.get(name)) for name in ("sid", "jti", "lid"))
        return AccessClaims(str(claims["sub"]), sid, jti, None if sid else lid)


def _text(claim: object) -> str | None:
    return claim if isinstance(claim, str) else None
