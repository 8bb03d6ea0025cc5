"""Password reset by e-mail: POST /auth/password-reset sends a link (Amazon SES v2, here
moto's), POST /auth/password-reset/confirm spends it. The link is read from the e-mail
moto kept, never made up: tests/functional/outbox.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.functional import factories as f
from tests.functional.browser import Browser
from tests.functional.conftest import Api, FixedClock, Response, rebuild
from tests.functional.outbox import SENDER, inbox, reset_token, verify_sender
from tests.functional.test_sign_in import sandbox, sign_in  # noqa: F401  (a fixture)

OLD = "correct horse battery"
NEW = "a brand new passphrase"
EMAIL = "alice@example.com"


@pytest.fixture
def sends(api: Api) -> Iterator[None]:
    """A Penny with a sender address, verified in (moto's) SES."""
    verify_sender()
    rebuild(email_sender=SENDER)
    yield


def ask(api: Api, email: str = EMAIL) -> Response:
    return api.post("/auth/password-reset", {"email": email})


def confirm(api: Api, token: str, password: str = NEW) -> Response:
    return api.post("/auth/password-reset/confirm", {"token": token, "new_password": password})


def logs_in(api: Api, password: str) -> int:
    return api.post("/auth/login", {"email": EMAIL, "password": password}).status


def test_a_host_resets_a_forgotten_password_from_the_emailed_link_and_every_login_ends(
        api: Api, sends: None) -> None:
    # GIVEN a host logged in on the dashboard and with an API client
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    dashboard = Browser(api)
    assert dashboard.post("/auth/session", {"email": EMAIL, "password": OLD}).status == 200
    client = api.post("/auth/login", {"email": EMAIL, "password": OLD}).json

    # WHEN they ask for a reset and open the link the e-mail holds
    asked = ask(api)
    (mail,) = inbox(EMAIL)
    done = confirm(api, reset_token(mail))

    # THEN the answer said only that a link is on its way, the mail came from the sender,
    # the new password works, the old one does not, and every login has ended
    assert asked.status == 202, asked.body
    assert mail.source == SENDER and "30 minutes" in mail.body
    assert done.status == 200, done.body
    assert done.json == {"logins_ended": 3}
    assert logs_in(api, NEW) == 200
    assert logs_in(api, OLD) == 401
    assert dashboard.get("/me/profile").status == 401
    assert api.post("/auth/refresh", {"refresh_token": client["refresh_token"]}).status == 401


def test_the_answer_is_the_same_whether_or_not_an_account_has_the_email(
        api: Api, sends: None) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201

    known, unknown = ask(api), ask(api, "nobody@example.com")

    assert (known.status, known.json) == (unknown.status, unknown.json)
    assert known.status == 202
    assert len(inbox(EMAIL)) == 1 and inbox("nobody@example.com") == []


def test_the_email_is_found_however_it_is_typed(api: Api, sends: None) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201

    assert ask(api, "Alice@Example.COM").status == 202

    (mail,) = inbox(EMAIL)
    assert confirm(api, reset_token(mail)).status == 200


def test_an_account_without_a_password_is_told_to_sign_in_with_its_provider_instead(
        api: Api, sandbox: object, sends: None) -> None:  # noqa: F811
    # GIVEN an account made by signing in with Google (it has no password)
    sign_in(Browser(api), "google")

    # WHEN a reset is asked for its e-mail
    asked = ask(api, "ada@sandbox.test")

    # THEN the same answer, and an e-mail that says how to get in, with no reset link
    assert asked.status == 202
    (mail,) = inbox("ada@sandbox.test")
    assert "Sign in with Google" in mail.body
    assert "#token=" not in mail.body


def test_a_link_works_once(api: Api, sends: None) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    ask(api)
    token = reset_token(inbox(EMAIL)[0])
    assert confirm(api, token).status == 200

    again = confirm(api, token, "yet another passphrase")

    assert (again.status, again.code) == (410, "reset_link_used")
    assert "already used" in again.json["error"]["message"]
    assert logs_in(api, NEW) == 200


def test_a_link_expires_after_30_minutes(api: Api, sends: None, clock: FixedClock) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    ask(api)
    token = reset_token(inbox(EMAIL)[0])

    clock.advance(minutes=30, seconds=1)
    late = confirm(api, token)

    assert (late.status, late.code) == (410, "reset_link_expired")
    assert "Ask for a new link" in late.json["error"]["message"]
    assert logs_in(api, OLD) == 200


def test_a_newer_request_makes_the_older_link_stop_working(api: Api, sends: None) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    ask(api)
    ask(api)
    first, second = (reset_token(mail) for mail in inbox(EMAIL))

    old = confirm(api, first)
    new = confirm(api, second)

    assert (old.status, old.code) == (410, "reset_link_replaced")
    assert new.status == 200, new.body


@pytest.mark.parametrize("token", ["", "not a token", "0123456789abcdef." + "A" * 43,
                                   "x" * 300])
def test_a_link_penny_never_sent_is_refused_in_plain_words(
        api: Api, sends: None, token: str) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201

    r = confirm(api, token)

    assert r.status == 400 and r.code in ("reset_link_invalid", "validation_error"), r.body
    assert logs_in(api, OLD) == 200


@pytest.mark.parametrize(("password", "words"), [(" " * 12, "besides spaces"),
                                                 ("short", "at least 10")])
def test_a_new_password_is_held_to_the_sign_up_rules_and_the_link_still_works(
        api: Api, sends: None, password: str, words: str) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    ask(api)
    token = reset_token(inbox(EMAIL)[0])

    weak = confirm(api, token, password)

    assert (weak.status, weak.code, weak.json["error"]["field"]) == (
        400, "validation_error", "new_password")
    assert words in weak.json["error"]["message"]
    assert confirm(api, token).status == 200


def test_a_reset_ends_the_lock_of_failed_logins(api: Api, sends: None) -> None:
    # GIVEN an account locked by failed logins (someone guessing, or the owner forgetting)
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    while logs_in(api, "a wrong guess!") != 429:
        pass
    ask(api)

    # WHEN the owner resets the password
    assert confirm(api, reset_token(inbox(EMAIL)[0])).status == 200

    # THEN they can log in with it at once
    assert logs_in(api, NEW) == 200


def test_requests_for_one_email_are_limited_whether_or_not_it_has_an_account(
        api: Api, sends: None) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201
    for email in (EMAIL, "nobody@example.com"):
        answers = [ask(api, email) for _ in range(4)]

        assert [r.status for r in answers] == [202, 202, 202, 429]
        assert answers[-1].code == "too_many_resets"
        assert int(answers[-1].headers["Retry-After"]) > 0
    assert len(inbox(EMAIL)) == 3


def test_requests_from_one_network_are_limited(api: Api, sends: None) -> None:
    rebuild(resets_per_network=5)

    answers = [ask(api, f"someone{n}@example.com") for n in range(6)]

    assert [r.status for r in answers] == [202] * 5 + [429]
    assert answers[-1].code == "too_many_resets"


def test_a_penny_that_sends_no_email_says_so_and_what_to_do(api: Api) -> None:
    assert api.post("/auth/signup", f.signup("alice")).status == 201

    r = ask(api)

    assert (r.status, r.code) == (409, "password_reset_not_available")
    assert "Google or Microsoft" in r.json["error"]["message"]
    assert inbox(EMAIL) == []


def test_two_uses_of_one_link_at_once_set_one_password(
        api: Api, sends: None, atomic_moto: None) -> None:
    from chalicelib import bootstrap

    assert api.post("/auth/signup", f.signup("alice")).status == 201
    ask(api)
    token = reset_token(inbox(EMAIL)[0])
    resets = bootstrap.services().password_resets
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def use(password: str) -> None:
        start.wait()
        try:
            resets.confirm(token, password)
            outcomes.append(password)
        except Exception as exc:  # the loser's error is what is checked
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=use, args=(p,))
               for p in ("first new passphrase", "second new passphrase")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [o for o in outcomes if o.endswith("passphrase")]
    assert len(winners) == 1 and "ResetLinkUsedError" in outcomes, outcomes
    assert logs_in(api, winners[0]) == 200
