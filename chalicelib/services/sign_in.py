"""Sign in with Google or Microsoft (OpenID Connect): find the account an identity signs
in to, or make one, and open a login for it.

The identity is the provider's stable subject (Google `sub`, Microsoft `{tid}:{oid}`)
from an ID token the adapter verified (signature, iss, aud, exp, this round trip's
nonce). An e-mail never identifies anyone here:

- an identity linked to an account signs in to that account;
- an unknown identity with an e-mail the provider *verified* makes a new account (no
  password; slug from the e-mail, the browser's time zone), unless a Penny account has
  that e-mail already: then nothing is linked, and the host is told to log in with the
  password and link the identity from the dashboard (a password account links an
  identity only while logged in);
- an unknown identity whose e-mail is not verified (some Microsoft accounts) makes
  nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from chalicelib.domain.errors import (
    EmailTakenError,
    IdentityUnverifiedError,
    SlugTakenError,
    ValidationError,
)
from chalicelib.domain.hosts import Profile, slug_suggestion, validate_timezone
from chalicelib.domain.providers.oauth import Identity
from chalicelib.domain.text import name_problem
from chalicelib.services.accounts import AccountService, Session, normalize_email
from chalicelib.services.ports import Clock, Hosts, Identities

# An account made by a sign-in has no password: nothing verifies against this.
NO_PASSWORD = ""
SLUG_ATTEMPTS = 4


@dataclass(frozen=True)
class SignedIn:
    session: Session
    created: Profile | None        # the new account, when this sign-in made one


@dataclass(frozen=True)
class IdentitySignIn:
    accounts: AccountService
    hosts: Hosts
    identities: Identities
    clock: Clock

    def sign_in(self, identity: Identity, timezone: str, source: str | None) -> SignedIn:
        host_id = self.identities.find(identity.provider, identity.subject)
        if host_id is not None:
            return SignedIn(self.accounts.open_session(host_id), None)
        profile = self._sign_up(identity, timezone, source)
        return SignedIn(self.accounts.open_session(profile.host_id), profile)

    def link(self, host_id: str, identity: Identity) -> None:
        self.identities.link(host_id, identity, self.clock.now())

    def unlink(self, host_id: str, provider: str) -> None:
        """Refused for the last way into an account without a password."""
        account = self.hosts.account(self.hosts.config(host_id).email)
        passwordless = account is not None and account.password_hash == NO_PASSWORD
        self.identities.unlink(host_id, provider, keep_another=passwordless)

    def _sign_up(self, identity: Identity, timezone: str, source: str | None) -> Profile:
        name = identity.provider.title()
        if not (identity.email and identity.email_verified):
            raise IdentityUnverifiedError(
                f"{name} did not confirm this account's e-mail, so Penny cannot make an "
                f"account from it; sign up with a password, then link {name}")
        email = normalize_email(identity.email)
        if self.hosts.account(email) is not None:
            raise EmailTakenError(
                f"a Penny account with {email} exists: log in with its password, then "
                f"link {name} sign-in on your Profile page")
        if self.accounts.signups is not None:
            self.accounts.signups.take(source)
        try:
            zone = validate_timezone(timezone)
        except ValidationError:
            zone = "UTC"
        base = slug_suggestion(email.partition("@")[0])
        # The provider's name, held to the rules of a name typed on Penny's own forms (no
        # control or direction-override characters, something visible); else the
        # address's local part.
        given = (identity.name or "").strip()[:80]
        display = given if given and name_problem(given) is None else email.partition("@")[0]
        for attempt in range(SLUG_ATTEMPTS):
            slug = base if attempt == 0 else f"{base[:35]}-{secrets.token_hex(2)}"
            profile = Profile(host_id=secrets.token_hex(8), slug=slug, display_name=display,
                              timezone=zone)
            try:
                self.hosts.create(profile, email, NO_PASSWORD, self.clock.now(), identity)
            except SlugTakenError:
                continue
            return profile
        raise SlugTakenError("no free link could be made from this e-mail; sign up with a "
                             "password and choose one")
