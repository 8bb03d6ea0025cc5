"""Sign up, log in, refresh-token rotation with reuse detection, and access tokens.

Access tokens live 15 minutes and refresh tokens 30 days; the clock starts at
2026-03-02T12:00:00Z.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import jwt
import pytest

from chalicelib.domain.errors import (
    AuthenticationError,
    EmailTakenError,
    InvalidCredentialsError,
    InvalidTimezoneError,
    RefreshTokenReusedError,
    SlugTakenError,
    ValidationError,
)
from chalicelib.domain.hosts import Account, Profile
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.services.accounts import AccountService, Session, could_be_refresh_token
from tests.unit.fakes import (
    FakeHosts,
    FakeLoginSockets,
    FakeRefreshTokens,
    FastPasswords,
    FixedClock,
)

NOW = "2026-03-02T12:00:00+00:00"
OLD_KEY = "unit-test-signing-key-old-0123456789abcdef"
NEW_KEY = "unit-test-signing-key-new-0123456789abcdef"
PASSWORD = "correct horse battery"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def access_tokens(keys: dict[str, str] | None = None, active: str = "old",
                  audience: str = "penny-api") -> JwtAccessTokens:
    return JwtAccessTokens(keys or {"old": OLD_KEY}, active, "penny", audience,
                           timedelta(minutes=15))


@dataclass
class World:
    accounts: AccountService
    hosts: FakeHosts
    tokens: FakeRefreshTokens
    clock: FixedClock

    def sign_up(self, email: str = "Alice@Example.com", slug: str = "alice",
                timezone: str = "America/New_York") -> Session:
        return self.accounts.sign_up(email, PASSWORD, slug, "Alice", timezone)[1]


@pytest.fixture
def world() -> World:
    hosts, tokens, clock = FakeHosts(), FakeRefreshTokens(), FixedClock(at(NOW))
    accounts = AccountService(hosts, tokens, FastPasswords(), access_tokens(), clock,
                              refresh_ttl=timedelta(days=30))
    return World(accounts, hosts, tokens, clock)


# --- sign up --------------------------------------------------------------------------------


def test_signing_up_creates_the_host_and_starts_a_session(world: World) -> None:
    profile, session = world.accounts.sign_up(" Alice@Example.com ", PASSWORD, "alice",
                                              " Alice ", "America/New_York")

    assert profile.display_name == "Alice"
    assert world.hosts.config(profile.host_id).profile == profile
    assert world.hosts.account("alice@example.com") is not None
    assert session.host_id == profile.host_id
    assert session.expires_in == 15 * 60
    assert world.accounts.authenticate(session.access_token) == profile.host_id


@pytest.mark.parametrize(("slug", "error"), [
    ("Alice", ValidationError),
    ("-alice", ValidationError),
    ("a" * 41, ValidationError),
    ("admin", SlugTakenError),
])
def test_a_bad_slug_is_refused_before_anything_is_written(
        world: World, slug: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        world.sign_up(slug=slug)

    assert world.hosts.accounts == {} and world.tokens.logins == {}


@pytest.mark.parametrize("timezone",
                         ["", "Mars/Olympus_Mons", "../etc/passwd", "UTC+2", "localtime"])
def test_a_timezone_that_is_not_an_iana_zone_is_refused_before_anything_is_written(
        world: World, timezone: str) -> None:
    with pytest.raises(InvalidTimezoneError):
        world.sign_up(timezone=timezone)

    assert world.hosts.accounts == {} and world.tokens.logins == {}


def test_an_email_can_sign_up_only_once_whatever_its_case(world: World) -> None:
    world.sign_up(email="alice@example.com", slug="alice")

    with pytest.raises(EmailTakenError):
        world.sign_up(email="ALICE@example.com", slug="alice-two")


def test_a_slug_can_be_claimed_only_once(world: World) -> None:
    world.sign_up(email="alice@example.com", slug="alice")

    with pytest.raises(SlugTakenError):
        world.sign_up(email="other@example.com", slug="alice")


# --- log in ---------------------------------------------------------------------------------


def test_logging_in_with_the_right_password_starts_a_session(world: World) -> None:
    host_id = world.sign_up().host_id

    session = world.accounts.log_in("ALICE@example.com ", PASSWORD)

    assert session.host_id == host_id
    assert world.accounts.authenticate(session.access_token) == host_id


def test_a_wrong_password_and_an_unknown_email_fail_alike(world: World) -> None:
    world.sign_up()

    with pytest.raises(InvalidCredentialsError) as wrong_password:
        world.accounts.log_in("alice@example.com", "wrong horse battery")
    with pytest.raises(InvalidCredentialsError) as unknown_email:
        world.accounts.log_in("nobody@example.com", PASSWORD)

    assert wrong_password.value.message == unknown_email.value.message


def test_an_outdated_password_hash_is_upgraded_at_login(world: World) -> None:
    host_id = world.sign_up().host_id
    legacy = FastPasswords().hash(PASSWORD).replace("plain$", "legacy$")
    world.hosts.accounts["alice@example.com"] = Account(host_id, "alice@example.com", legacy)

    world.accounts.log_in("alice@example.com", PASSWORD)

    assert world.hosts.accounts["alice@example.com"].password_hash == FastPasswords().hash(
        PASSWORD)


# --- refresh tokens -------------------------------------------------------------------------


def test_refreshing_rotates_the_refresh_token(world: World) -> None:
    first = world.sign_up()

    second = world.accounts.refresh(first.refresh_token)
    third = world.accounts.refresh(second.refresh_token)

    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    assert third.host_id == first.host_id
    assert world.accounts.authenticate(third.access_token) == first.host_id


def test_reusing_a_used_refresh_token_revokes_its_whole_family(world: World) -> None:
    first = world.sign_up()
    second = world.accounts.refresh(first.refresh_token)

    with pytest.raises(RefreshTokenReusedError):
        world.accounts.refresh(first.refresh_token)
    with pytest.raises(AuthenticationError):
        world.accounts.refresh(second.refresh_token)


def test_reuse_revokes_only_the_family_of_that_login(world: World) -> None:
    first = world.sign_up()
    other_login = world.accounts.log_in("alice@example.com", PASSWORD)
    world.accounts.refresh(first.refresh_token)

    with pytest.raises(RefreshTokenReusedError):
        world.accounts.refresh(first.refresh_token)

    assert world.accounts.refresh(other_login.refresh_token).host_id == first.host_id


def test_two_refreshes_racing_with_one_token_count_as_reuse(world: World) -> None:
    first = world.sign_up()
    winner: list[Session] = []
    world.tokens.before_rotate.append(
        lambda: winner.append(world.accounts.refresh(first.refresh_token)))

    with pytest.raises(RefreshTokenReusedError):
        world.accounts.refresh(first.refresh_token)
    with pytest.raises(AuthenticationError):
        world.accounts.refresh(winner[0].refresh_token)


def test_an_expired_refresh_token_fails(world: World) -> None:
    session = world.sign_up()
    world.clock.advance(timedelta(days=30))  # expires_at == now: no longer valid

    with pytest.raises(AuthenticationError) as raised:
        world.accounts.refresh(session.refresh_token)

    assert not isinstance(raised.value, RefreshTokenReusedError)


def test_a_refresh_token_is_valid_until_just_before_it_expires(world: World) -> None:
    session = world.sign_up()
    world.clock.advance(timedelta(days=30) - timedelta(seconds=1))

    assert world.accounts.refresh(session.refresh_token).host_id == session.host_id


def test_an_unknown_refresh_token_fails(world: World) -> None:
    world.sign_up()

    with pytest.raises(AuthenticationError):
        world.accounts.refresh("never-issued")


def test_logging_out_revokes_the_session(world: World) -> None:
    first = world.sign_up()
    second = world.accounts.refresh(first.refresh_token)

    world.accounts.log_out(second.refresh_token)

    with pytest.raises(AuthenticationError):
        world.accounts.refresh(second.refresh_token)


def test_logging_out_with_an_unknown_token_does_nothing(world: World) -> None:
    session = world.sign_up()

    world.accounts.log_out("never-issued")

    assert world.accounts.refresh(session.refresh_token).host_id == session.host_id


def test_a_refresh_token_names_its_login_across_rotations(world: World) -> None:
    first = world.sign_up()

    second = world.accounts.refresh(first.refresh_token)

    assert first.refresh_token.startswith(f"{first.session_id}.")
    assert second.refresh_token.startswith(f"{first.session_id}.")
    assert second.session_id == first.session_id


def test_only_a_value_shaped_like_an_issued_refresh_token_could_be_one(world: World) -> None:
    session = world.sign_up()
    renewed = world.accounts.refresh(session.refresh_token)

    assert could_be_refresh_token(session.refresh_token)
    assert could_be_refresh_token(renewed.refresh_token)
    assert could_be_refresh_token("A" * 43)  # the old format: a bare secret
    for value in ("", "x", "0123456789abcdef.forged", f"{session.session_id}.{'A' * 42}",
                  f"{'G' * 16}.{'A' * 43}", f"{session.session_id}.{'A' * 43}=",
                  f"{renewed.refresh_token}\n", f"{'A' * 43};"):
        assert not could_be_refresh_token(value), value


def test_a_forged_token_naming_a_real_login_is_refused_and_ends_nothing(world: World) -> None:
    session = world.sign_up()
    forged = f"{session.session_id}.{'A' * 43}"

    with pytest.raises(AuthenticationError) as raised:
        world.accounts.refresh(forged)
    world.accounts.log_out(forged)

    assert not isinstance(raised.value, RefreshTokenReusedError)
    assert world.accounts.refresh(session.refresh_token).host_id == session.host_id


@pytest.mark.parametrize("token", [".secret", "ABCDEF0123456789.secret",
                                   "0123456789abcdef0.secret", "x" * 180 + ".secret"])
def test_a_token_naming_no_login_id_penny_makes_is_refused(world: World, token: str) -> None:
    world.sign_up()

    with pytest.raises(AuthenticationError):
        world.accounts.refresh(token)


def test_a_login_knows_its_last_five_spent_tokens_and_only_refuses_older_ones(
        world: World) -> None:
    # GIVEN a login rotated six times: tokens[6] is current, tokens[1..5] are remembered
    tokens = [world.sign_up().refresh_token]
    for _ in range(6):
        tokens.append(world.accounts.refresh(tokens[-1]).refresh_token)

    # WHEN the token spent six rotations ago comes back: refused, the login goes on
    with pytest.raises(AuthenticationError) as forgotten:
        world.accounts.refresh(tokens[0])
    assert not isinstance(forgotten.value, RefreshTokenReusedError)
    # THEN one spent five rotations ago is still recognised: reuse ends the login
    with pytest.raises(RefreshTokenReusedError):
        world.accounts.refresh(tokens[1])
    with pytest.raises(AuthenticationError):
        world.accounts.refresh(tokens[6])


# --- refresh tokens from before they named their login (read for one release) ----------------

OLD_LOGIN = "00000000000000aa"


def old_format_login(world: World, secret: str = "old-format-secret".ljust(43, "x")) -> str:
    """A login made by the previous release: a bare secret, kept as REFRESH#{sha256}."""
    host_id = world.sign_up().host_id
    world.tokens.issue_old_format(hashlib.sha256(secret.encode()).hexdigest(), host_id,
                                  OLD_LOGIN, at(NOW) + timedelta(days=3))
    return secret


def test_an_old_format_token_refreshes_into_one_naming_its_login(world: World) -> None:
    old = old_format_login(world)

    renewed = world.accounts.refresh(old)

    assert renewed.session_id == OLD_LOGIN
    assert renewed.refresh_token.startswith(f"{OLD_LOGIN}.")
    assert world.accounts.refresh(renewed.refresh_token).session_id == OLD_LOGIN


def test_a_replayed_old_format_token_revokes_its_login(world: World) -> None:
    old = old_format_login(world)
    renewed = world.accounts.refresh(old)

    with pytest.raises(RefreshTokenReusedError):
        world.accounts.refresh(old)
    with pytest.raises(AuthenticationError):
        world.accounts.refresh(renewed.refresh_token)


def test_logging_out_with_an_old_format_token_ends_its_login(world: World) -> None:
    old = old_format_login(world)

    world.accounts.log_out(old)

    assert not world.accounts.session_active(OLD_LOGIN)
    with pytest.raises(AuthenticationError):
        world.accounts.refresh(old)


# --- ending a login (the cookie session's tokens name it: `sid`) -----------------------------


def bound_world(world: World) -> tuple[World, FakeLoginSockets]:
    sockets = FakeLoginSockets()
    return World(replace(world.accounts, sockets=sockets), world.hosts, world.tokens,
                 world.clock), sockets


def test_a_token_naming_its_login_is_refused_once_the_login_is_logged_out(
        world: World) -> None:
    world.sign_up()
    session = world.accounts.log_in("alice@example.com", PASSWORD, bound=True)
    assert world.accounts.authenticate(session.access_token) == session.host_id

    world.accounts.log_out(session.refresh_token)

    with pytest.raises(AuthenticationError, match="session has ended"):
        world.accounts.authenticate(session.access_token)
    with pytest.raises(AuthenticationError):
        world.accounts.claims(session.access_token)


def test_a_token_naming_its_login_is_refused_once_reuse_revokes_the_login(
        world: World) -> None:
    world.sign_up()
    first = world.accounts.log_in("alice@example.com", PASSWORD, bound=True)
    second = world.accounts.refresh(first.refresh_token, bound=True)

    with pytest.raises(RefreshTokenReusedError):
        world.accounts.refresh(first.refresh_token, bound=True)

    with pytest.raises(AuthenticationError):
        world.accounts.authenticate(second.access_token)


def test_logging_out_leaves_the_hosts_other_logins_and_api_tokens_alone(world: World) -> None:
    api = world.sign_up()
    cookie = world.accounts.log_in("alice@example.com", PASSWORD, bound=True)
    other = world.accounts.log_in("alice@example.com", PASSWORD, bound=True)

    world.accounts.log_out(cookie.refresh_token)

    assert world.accounts.authenticate(other.access_token) == other.host_id
    assert world.accounts.authenticate(api.access_token) == api.host_id


def test_an_api_clients_token_names_its_login_unbound_and_outlives_its_logout(
        world: World) -> None:
    world.sign_up()
    session = world.accounts.log_in("alice@example.com", PASSWORD)
    refreshed = world.accounts.refresh(session.refresh_token)

    for access in (session.access_token, refreshed.access_token):
        claims = world.accounts.claims(access)
        assert (claims.session_id, claims.login_id) == (None, session.session_id)
        assert claims.login == session.session_id
    world.accounts.log_out(refreshed.refresh_token)
    # No request reads its login: it answers until it expires (its sockets do not).
    assert world.accounts.authenticate(refreshed.access_token) == session.host_id


def test_a_bound_token_names_its_login_once(world: World) -> None:
    world.sign_up()
    session = world.accounts.log_in("alice@example.com", PASSWORD, bound=True)

    claims = world.accounts.claims(session.access_token)

    assert (claims.session_id, claims.login_id, claims.login) == (
        session.session_id, None, session.session_id)


def test_logging_out_closes_that_logins_sockets(world: World) -> None:
    world, sockets = bound_world(world)
    world.sign_up()
    session = world.accounts.log_in("alice@example.com", PASSWORD, bound=True)

    world.accounts.log_out(session.refresh_token)

    assert sockets.closed == [(session.host_id, session.session_id)]


def test_a_reused_refresh_token_closes_that_logins_sockets(world: World) -> None:
    world, sockets = bound_world(world)
    session = world.sign_up()
    world.accounts.refresh(session.refresh_token)

    with pytest.raises(RefreshTokenReusedError):
        world.accounts.refresh(session.refresh_token)

    assert sockets.closed == [(session.host_id, session.session_id)]


# --- access tokens --------------------------------------------------------------------------


def test_an_access_token_verifies_until_it_expires() -> None:
    tokens = access_tokens()
    token = tokens.issue("host-1", at("2026-03-02T12:00:00+00:00"))

    assert tokens.verify(token, at("2026-03-02T12:14:59+00:00")) == "host-1"
    with pytest.raises(AuthenticationError):
        tokens.verify(token, at("2026-03-02T12:15:00+00:00"))


def test_an_access_token_is_rejected_sixteen_minutes_later(world: World) -> None:
    session = world.sign_up()
    world.clock.advance(timedelta(minutes=16))

    with pytest.raises(AuthenticationError):
        world.accounts.authenticate(session.access_token)


def test_an_access_token_for_another_audience_is_rejected() -> None:
    token = access_tokens(audience="someone-else").issue("host-1", at(NOW))

    with pytest.raises(AuthenticationError):
        access_tokens().verify(token, at(NOW))


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_a_malformed_access_token_is_rejected(token: str) -> None:
    with pytest.raises(AuthenticationError):
        access_tokens().verify(token, at(NOW))


def test_an_access_token_with_an_unknown_key_id_is_rejected() -> None:
    token = access_tokens({"stranger": OLD_KEY}, active="stranger").issue("host-1", at(NOW))

    with pytest.raises(AuthenticationError):
        access_tokens().verify(token, at(NOW))


def test_an_access_token_with_a_forged_signature_is_rejected() -> None:
    token = access_tokens({"old": NEW_KEY}).issue("host-1", at(NOW))

    with pytest.raises(AuthenticationError):
        access_tokens().verify(token, at(NOW))


def test_an_unsigned_access_token_with_alg_none_is_rejected() -> None:
    claims = {"sub": "host-1", "iss": "penny", "aud": "penny-api",
              "iat": int(at(NOW).timestamp()), "exp": int(at(NOW).timestamp()) + 600}
    token = jwt.encode(claims, "", algorithm="none", headers={"kid": "old"})

    with pytest.raises(AuthenticationError):
        access_tokens().verify(token, at(NOW))


def test_an_access_token_issued_in_the_future_is_rejected() -> None:
    token = access_tokens().issue("host-1", at("2026-03-02T12:05:00+00:00"))

    with pytest.raises(AuthenticationError):
        access_tokens().verify(token, at(NOW))


def test_tokens_signed_with_the_previous_key_still_verify_after_rotation() -> None:
    before = access_tokens({"old": OLD_KEY}, active="old")
    after = access_tokens({"old": OLD_KEY, "new": NEW_KEY}, active="new")
    old_token = before.issue("host-1", at(NOW))

    new_token = after.issue("host-1", at(NOW))

    assert jwt.get_unverified_header(new_token)["kid"] == "new"
    assert after.verify(old_token, at(NOW)) == "host-1"
    assert after.verify(new_token, at(NOW)) == "host-1"


def test_tokens_signed_with_a_retired_key_are_rejected() -> None:
    old_token = access_tokens({"old": OLD_KEY}, active="old").issue("host-1", at(NOW))
    retired = access_tokens({"new": NEW_KEY}, active="new")

    with pytest.raises(AuthenticationError):
        retired.verify(old_token, at(NOW))


def test_an_account_without_a_password_refuses_every_password_after_the_same_work(
        world: World) -> None:
    # GIVEN an account made by "Sign in with Google": no password hash at all
    world.hosts.create(Profile("h-google", "ada", "Ada", "UTC"), "ada@example.com", "", at(NOW))
    verified: list[str] = []
    real = world.accounts.passwords.verify

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    object.__setattr__(world.accounts.passwords, "verify", counting)

    for password in ("", "anything"):
        with pytest.raises(InvalidCredentialsError):
            world.accounts.log_in("ada@example.com", password)

    # THEN each attempt hashed once, as for an unknown e-mail: the time tells nothing
    assert len(verified) == 2 and "" not in verified
