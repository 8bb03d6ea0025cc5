"""Accounts: sign up, log in, refresh rotation, log out, and the access token itself."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest

from chalicelib.settings import Settings
from chalicelib.store.items import AccountItem
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock, Response

DEV_KID = "dev-1"
DEV_KEY = Settings().jwt_keys[DEV_KID]
NOW = 1795435200  # 2026-11-23T12:00:00Z, where the FixedClock starts


def sign_up(api: Api, slug: str = "alice", **overrides: Any) -> dict[str, Any]:
    r = api.post("/auth/signup", f.signup(slug, **overrides))
    assert r.status == 201, r.json
    return dict(r.json)


def refresh(api: Api, token: str) -> Response:
    return api.post("/auth/refresh", {"refresh_token": token})


def assert_unauthorized(r: Response, code: str = "unauthorized") -> None:
    assert r.status == 401, r.body
    assert r.code == code
    assert r.json["error"]["message"]
    assert r.headers.get("WWW-Authenticate") == "Bearer"
    assert r.headers.get("Content-Type") == "application/json"


# ---- sign up ----------------------------------------------------------------------------

def test_sign_up_returns_a_session_and_the_new_profile(api: Api) -> None:
    r = api.post("/auth/signup", f.signup("alice", display_name="Alice Liddell",
                                          timezone="Europe/Paris"))

    assert r.status == 201, r.json
    body = r.json
    assert set(body) == {"host_id", "access_token", "refresh_token", "token_type",
                         "expires_in", "host"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["access_token"] and body["refresh_token"]
    assert body["host"] == {"id": body["host_id"], "slug": "alice",
                            "display_name": "Alice Liddell", "description": "", "links": [],
                            "timezone": "Europe/Paris", "contact_email": None,
                            "version": 0}


def test_the_signup_access_token_opens_the_hosts_own_profile(api: Api) -> None:
    session = sign_up(api)

    r = api.get("/me/profile", token=session["access_token"])

    assert r.status == 200, r.json
    assert r.json["id"] == session["host_id"]
    assert r.json["slug"] == "alice"


def test_email_is_unique_whatever_its_case(api: Api) -> None:
    sign_up(api, "alice", email="alice@example.com")

    r = api.post("/auth/signup", f.signup("alice-two", email="ALICE@Example.COM"))

    assert r.status == 409, r.json
    assert r.code == "email_taken"
    assert r.json["error"]["field"] == "email"


def test_slug_taken_by_another_host_is_refused(api: Api) -> None:
    sign_up(api, "alice")

    r = api.post("/auth/signup", f.signup("alice", email="other@example.com"))

    assert r.status == 409, r.json
    assert r.code == "slug_taken"
    assert r.json["error"]["field"] == "slug"


def test_a_refused_slug_does_not_leave_the_email_claimed(api: Api) -> None:
    sign_up(api, "alice")
    refused = api.post("/auth/signup", f.signup("alice", email="carol@example.com"))
    assert refused.status == 409

    r = api.post("/auth/signup", f.signup("carol", email="carol@example.com"))

    assert r.status == 201, r.json


@pytest.mark.parametrize("slug", ["hosts", "me", "auth", "bookings", "api"])
def test_reserved_slug_is_reported_as_taken(api: Api, slug: str) -> None:
    r = api.post("/auth/signup", f.signup(slug))

    assert r.status == 409, r.json
    assert r.code == "slug_taken"
    assert r.json["error"]["field"] == "slug"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "UTC+01", "localtime"])
def test_unknown_timezone_is_refused_on_sign_up(api: Api, zone: str) -> None:
    # "localtime" is the server's own zone file, not an IANA name: the schedule would
    # silently follow whatever machine the Lambda runs on.
    r = api.post("/auth/signup", f.signup("alice", timezone=zone))

    assert r.status == 400, r.json
    assert r.code == "invalid_timezone"
    assert r.json["error"]["field"] == "timezone"


def test_password_shorter_than_ten_characters_is_refused(api: Api) -> None:
    r = api.post("/auth/signup", f.signup("alice", password="123456789"))

    assert r.status == 400, r.json
    assert r.code == "validation_error"
    assert r.json["error"]["field"] == "password"


@pytest.mark.parametrize("blank", [" " * 10, "\t" * 12, "\u00a0" * 10, "\u3000" * 10,
                                   "\u200b" * 10])
def test_a_password_of_spaces_alone_is_refused_on_the_field_in_plain_words(
        api: Api, blank: str) -> None:
    r = api.post("/auth/signup", f.signup("alice", password=blank))

    assert (r.status, r.code, r.json["error"]["field"]) == (400, "validation_error", "password")
    assert r.json["error"]["message"] == ("password must have something besides spaces "
                                          "(spaces between words are fine)")
    assert api.post("/auth/signup", f.signup("alice")).status == 201


def test_a_password_with_spaces_in_it_is_taken_as_typed(api: Api) -> None:
    # NIST SP 800-63B: spaces are characters like any other (a passphrase), not trimmed.
    sign_up(api, password="  two words  ")

    typed = api.post("/auth/login", {"email": "alice@example.com", "password": "  two words  "})
    trimmed = api.post("/auth/login", {"email": "alice@example.com", "password": "two words"})

    assert (typed.status, trimmed.status) == (200, 401)


def test_blank_display_name_is_refused_without_creating_the_account(api: Api) -> None:
    r = api.post("/auth/signup", f.signup("alice", display_name="   "))

    assert r.status == 400, r.json
    assert r.code == "validation_error"
    assert r.json["error"]["field"] == "display_name"
    assert api.post("/auth/signup", f.signup("alice")).status == 201


def test_stored_password_is_an_argon2id_hash_not_the_password(api: Api) -> None:
    from argon2 import PasswordHasher

    sign_up(api, "alice", email="Alice@Example.com", password="correct horse battery")

    item = AccountItem.get("EMAIL#alice@example.com", "ACCOUNT")

    assert item.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in item.password_hash
    assert PasswordHasher().verify(item.password_hash, "correct horse battery")


# ---- log in -----------------------------------------------------------------------------

def test_login_with_the_right_password_starts_a_session(api: Api) -> None:
    session = sign_up(api, "alice")

    r = api.post("/auth/login", {"email": "alice@example.com",
                                 "password": "correct horse battery"})

    assert r.status == 200, r.json
    assert r.json["host_id"] == session["host_id"]
    assert r.json["token_type"] == "Bearer"
    assert r.json["expires_in"] == 900
    assert r.json["refresh_token"] != session["refresh_token"]
    assert api.get("/me/profile", token=r.json["access_token"]).status == 200


def test_login_ignores_the_case_of_the_email(api: Api) -> None:
    session = sign_up(api, "alice")

    r = api.post("/auth/login", {"email": "ALICE@example.com",
                                 "password": "correct horse battery"})

    assert r.status == 200, r.json
    assert r.json["host_id"] == session["host_id"]


def test_wrong_password_and_unknown_email_fail_the_same_way(api: Api) -> None:
    sign_up(api, "alice")

    wrong_password = api.post("/auth/login", {"email": "alice@example.com",
                                              "password": "incorrect horse"})
    unknown_email = api.post("/auth/login", {"email": "nobody@example.com",
                                             "password": "correct horse battery"})

    assert_unauthorized(wrong_password, "invalid_credentials")
    assert_unauthorized(unknown_email, "invalid_credentials")
    assert wrong_password.json == unknown_email.json


# ---- refresh and log out ----------------------------------------------------------------

def test_refresh_rotates_the_refresh_token_and_issues_a_working_access_token(api: Api) -> None:
    session = sign_up(api)

    r = refresh(api, session["refresh_token"])

    assert r.status == 200, r.json
    assert r.json["host_id"] == session["host_id"]
    assert r.json["refresh_token"] != session["refresh_token"]
    assert api.get("/me/profile", token=r.json["access_token"]).status == 200
    assert refresh(api, r.json["refresh_token"]).status == 200


def test_reused_refresh_token_revokes_the_whole_family(api: Api) -> None:
    # GIVEN a login whose refresh token was rotated twice
    first = sign_up(api)["refresh_token"]
    second = refresh(api, first).json["refresh_token"]
    newest = refresh(api, second).json["refresh_token"]

    # WHEN the first, already used, token is presented again
    reused = refresh(api, first)

    # THEN it is refused as reuse, and even the newest token of that login stops working
    assert_unauthorized(reused, "refresh_token_reused")
    assert_unauthorized(refresh(api, newest))


def test_reuse_in_one_login_leaves_other_logins_alone(api: Api) -> None:
    first = sign_up(api)["refresh_token"]
    other_login = api.post("/auth/login", {"email": "alice@example.com",
                                           "password": "correct horse battery"})
    refresh(api, first)

    assert refresh(api, first).status == 401

    assert refresh(api, other_login.json["refresh_token"]).status == 200


def test_unknown_refresh_token_is_refused(api: Api) -> None:
    assert_unauthorized(refresh(api, "not-a-token-we-issued"))


def test_refresh_token_expires_after_thirty_days(api: Api, clock: FixedClock) -> None:
    token = sign_up(api)["refresh_token"]

    clock.advance(days=30, minutes=1)

    assert_unauthorized(refresh(api, token))


def test_logout_revokes_the_refresh_token(api: Api) -> None:
    token = sign_up(api)["refresh_token"]

    r = api.post("/auth/logout", {"refresh_token": token})

    assert r.status == 204
    assert r.body == b""
    assert_unauthorized(refresh(api, token))


def test_logout_revokes_tokens_rotated_from_the_same_login(api: Api) -> None:
    first = sign_up(api)["refresh_token"]
    newest = refresh(api, first).json["refresh_token"]

    api.post("/auth/logout", {"refresh_token": first})

    assert_unauthorized(refresh(api, newest))


def test_logout_with_an_unknown_token_is_a_no_op(api: Api) -> None:
    r = api.post("/auth/logout", {"refresh_token": "never-issued"})

    assert r.status == 204


def test_a_forged_refresh_token_naming_a_real_login_is_refused_and_logs_no_one_out(
        api: Api) -> None:
    token = sign_up(api)["refresh_token"]
    login_id = token.partition(".")[0]
    forged = f"{login_id}.{'A' * 43}"

    assert_unauthorized(refresh(api, forged))
    assert api.post("/auth/logout", {"refresh_token": forged}).status == 204

    assert refresh(api, token).status == 200


def test_a_refresh_token_from_the_previous_release_refreshes_once_then_counts_as_reuse(
        api: Api, clock: FixedClock) -> None:
    import hashlib

    from chalicelib.store.items import RefreshFamilyItem, RefreshTokenItem

    # GIVEN a login made before tokens named it: a bare secret (token_urlsafe(32), 43
    # characters), kept as REFRESH#{sha256}
    host_id = sign_up(api)["host_id"]
    old, login_id = "b4re-s3cret_from-the-previous-release-xxxxx", "00000000000000aa"
    expires = clock.now() + timedelta(days=10)
    RefreshFamilyItem(f"RFAMILY#{login_id}", "RFAMILY", host_id=host_id,
                      expires_at=expires).save()
    RefreshTokenItem(f"REFRESH#{hashlib.sha256(old.encode()).hexdigest()}", "REFRESH",
                     host_id=host_id, family_id=login_id, expires_at=expires).save()

    # WHEN it is refreshed: a token naming the login comes back
    renewed = refresh(api, old)
    assert renewed.status == 200, renewed.json
    assert renewed.json["refresh_token"].startswith(f"{login_id}.")

    # THEN the old token is spent: presenting it again revokes the login
    assert_unauthorized(refresh(api, old), "refresh_token_reused")
    assert_unauthorized(refresh(api, renewed.json["refresh_token"]))


# ---- the access token -------------------------------------------------------------------

def test_access_token_is_an_hs256_jwt_with_a_key_id_and_the_registered_claims(
        api: Api) -> None:
    session = sign_up(api)
    token = session["access_token"]

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, DEV_KEY, algorithms=["HS256"], audience="penny-api",
                        issuer="penny", options={"verify_exp": False, "verify_iat": False})

    assert header["alg"] == "HS256"
    assert header["kid"] == DEV_KID
    # `lid`: the login the token came from (the refresh token's prefix), named unbound.
    assert claims == {"sub": session["host_id"], "iss": "penny", "aud": "penny-api",
                      "iat": NOW, "exp": NOW + 900,
                      "lid": session["refresh_token"].partition(".")[0]}


def test_access_token_still_works_just_before_fifteen_minutes(
        api: Api, clock: FixedClock) -> None:
    token = sign_up(api)["access_token"]

    clock.advance(minutes=14, seconds=59)

    assert api.get("/me/profile", token=token).status == 200


def test_access_token_expires_after_fifteen_minutes(api: Api, clock: FixedClock) -> None:
    token = sign_up(api)["access_token"]

    clock.advance(minutes=16)

    assert_unauthorized(api.get("/me/profile", token=token))


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(host_id: str, **overrides: Any) -> dict[str, Any]:
    return {"sub": host_id, "iss": "penny", "aud": "penny-api", "iat": NOW,
            "exp": NOW + 900, **overrides}


def _alg_none(host_id: str, _valid: str) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': DEV_KID})}.{_b64(_claims(host_id))}."


def _unknown_kid(host_id: str, _valid: str) -> str:
    return jwt.encode(_claims(host_id), "a-key-penny-never-had-0123456789abcdef",
                      algorithm="HS256", headers={"kid": "rogue-1"})


def _no_kid(host_id: str, _valid: str) -> str:
    return jwt.encode(_claims(host_id), DEV_KEY, algorithm="HS256")


def _dev_kid_wrong_key(host_id: str, _valid: str) -> str:
    return jwt.encode(_claims(host_id), "a-key-penny-never-had-0123456789abcdef",
                      algorithm="HS256", headers={"kid": DEV_KID})


def _wrong_audience(host_id: str, _valid: str) -> str:
    return jwt.encode(_claims(host_id, aud="someone-else"), DEV_KEY, algorithm="HS256",
                      headers={"kid": DEV_KID})


def _wrong_issuer(host_id: str, _valid: str) -> str:
    return jwt.encode(_claims(host_id, iss="mallory"), DEV_KEY, algorithm="HS256",
                      headers={"kid": DEV_KID})


def _without_sub(host_id: str, _valid: str) -> str:
    claims = _claims(host_id)
    del claims["sub"]
    return jwt.encode(claims, DEV_KEY, algorithm="HS256", headers={"kid": DEV_KID})


def _issued_in_the_future(host_id: str, _valid: str) -> str:
    return jwt.encode(_claims(host_id, iat=NOW + 3600, exp=NOW + 4500), DEV_KEY,
                      algorithm="HS256", headers={"kid": DEV_KID})


def _string_expiry(host_id: str, _valid: str) -> str:
    return jwt.encode(_claims(host_id, exp=str(NOW + 900)), DEV_KEY, algorithm="HS256",
                      headers={"kid": DEV_KID})


def _tampered(_host_id: str, valid: str) -> str:
    header, _, signature = valid.split(".")
    return f"{header}.{_b64(_claims('someone-elses-host-id'))}.{signature}"


def _garbage(_host_id: str, _valid: str) -> str:
    return "not.a.jwt"


@pytest.mark.parametrize("forge", [_alg_none, _unknown_kid, _no_kid, _dev_kid_wrong_key,
                                   _wrong_audience, _wrong_issuer, _without_sub,
                                   _issued_in_the_future, _string_expiry, _tampered,
                                   _garbage])
def test_forged_or_altered_access_token_is_refused(
        api: Api, forge: Callable[[str, str], str]) -> None:
    session = sign_up(api)

    r = api.get("/me/profile", token=forge(session["host_id"], session["access_token"]))

    assert_unauthorized(r)


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic YWxpY2U6cHc=",
                                           "Token abc", "bearer"])
def test_missing_or_malformed_authorization_header_is_refused(
        api: Api, authorization: str | None) -> None:
    sign_up(api)
    headers = {} if authorization is None else {"Authorization": authorization}

    r = api.get("/me/profile", headers=headers)

    assert_unauthorized(r)


def test_refreshing_extends_the_session_and_logout_after_expiry_is_harmless(
        api: Api, clock: FixedClock) -> None:
    from chalicelib.store.items import RefreshFamilyItem

    first = api.post("/auth/signup", f.signup("slide")).json
    clock.advance(days=20)
    second = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}).json
    families = list(RefreshFamilyItem.scan())
    assert len(families) == 1
    assert families[0].expires_at == clock.now() + timedelta(days=30)
    # TTL removed the family (late, as DynamoDB does): logout still answers 204.
    for family in RefreshFamilyItem.scan():
        family.delete()
    r = api.post("/auth/logout", {"refresh_token": second["refresh_token"]})
    assert r.status == 204
