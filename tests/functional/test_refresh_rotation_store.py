"""Logins on the store (moto): one RFAMILY# item each, so a login is one PutItem and a
rotation one consistent GetItem and one conditional UpdateItem (1 write unit each), with
the guarantees three writes (and before them a transaction) gave."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.errors import ConcurrentWriteError
from chalicelib.services.ports import SPENT_TOKENS_KEPT
from chalicelib.store import tables
from chalicelib.store.items import RefreshFamilyItem, RefreshTokenItem
from chalicelib.store.tokens import RefreshTokenRepository
from tests.functional.conftest import TABLE
from tests.functional.dynamodb_requests import Requests, recorded

LATER = datetime(2026, 12, 31, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
LOGIN = "0123456789abcdef"


@pytest.fixture
def tokens(aws: None, atomic_moto: None) -> Iterator[RefreshTokenRepository]:
    tables.configure(TABLE, "us-east-1", None)
    repository = RefreshTokenRepository()
    repository.issue("hash-1", "host-1", LOGIN, LATER)
    yield repository


@pytest.fixture
def requests(tokens: RefreshTokenRepository) -> Iterator[Requests]:
    with recorded() as recorder:
        yield recorder


def raw_login(family_id: str = LOGIN) -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": f"RFAMILY#{family_id}"}, "sk": {"S": "RFAMILY"}},
    )["Item"]
    return item


def test_a_login_is_one_put_of_its_item_and_one_of_its_line_in_the_hosts_list(
        requests: Requests, tokens: RefreshTokenRepository) -> None:
    tokens.issue("hash-a", "host-1", "fedcba9876543210", LATER, started_at=NOW)

    assert requests.take() == {"PutItem": 2}
    assert raw_login("fedcba9876543210")["current_hash"] == {"S": "hash-a"}
    assert tokens.started_at("fedcba9876543210") == NOW
    assert "fedcba9876543210" in tokens.for_host("host-1")


def test_a_password_change_finds_the_hosts_logins_and_forgets_the_ended(
        tokens: RefreshTokenRepository) -> None:
    tokens.issue("hash-a", "host-1", "aaaaaaaaaaaaaaaa", LATER, started_at=NOW)
    tokens.issue("hash-b", "host-1", "bbbbbbbbbbbbbbbb", LATER, started_at=NOW)
    tokens.issue("hash-c", "host-2", "cccccccccccccccc", LATER, started_at=NOW)

    assert {"aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"} <= set(tokens.for_host("host-1"))
    tokens.unlist("host-1", ["aaaaaaaaaaaaaaaa"])

    assert "aaaaaaaaaaaaaaaa" not in tokens.for_host("host-1")
    assert "bbbbbbbbbbbbbbbb" in tokens.for_host("host-1")
    assert tokens.for_host("host-2") == ["cccccccccccccccc"]


def test_a_rotation_spends_the_old_token_issues_the_new_and_slides_the_login(
        requests: Requests, tokens: RefreshTokenRepository) -> None:
    old = tokens.find(LOGIN, "hash-1")
    assert old is not None and not old.used

    tokens.rotate(old, "hash-2", LATER + timedelta(days=1))

    assert requests.take() == {"GetItem": 1, "UpdateItem": 1}
    spent, successor = tokens.find(LOGIN, "hash-1"), tokens.find(LOGIN, "hash-2")
    assert spent is not None and spent.used
    assert successor is not None and not successor.used and successor.spent == ("hash-1",)
    assert successor.expires_at == LATER + timedelta(days=1)
    assert tokens.is_active(LOGIN, LATER + timedelta(hours=12))


def test_a_login_keeps_its_last_spent_tokens_and_stays_under_one_kilobyte(
        tokens: RefreshTokenRepository) -> None:
    current = "hash-1"
    for n in range(2, 12):
        old = tokens.find(LOGIN, current)
        assert old is not None
        current = f"{n:064x}"  # a SHA-256 hex digest's length
        tokens.rotate(old, current, LATER)

    remembered = tokens.find(LOGIN, current)
    assert remembered is not None and len(remembered.spent) == SPENT_TOKENS_KEPT
    assert tokens.find(LOGIN, "hash-1") is None  # forgotten: refused, not reuse
    item = raw_login()
    size = sum(len(name) + len(str(value)) for name, value in item.items())
    assert size < 1024  # an over-estimate of DynamoDB's item size: still one unit


def test_two_rotations_of_one_token_have_one_winner(tokens: RefreshTokenRepository) -> None:
    old = tokens.find(LOGIN, "hash-1")
    assert old is not None
    outcomes: list[str] = []

    def rotate(new_hash: str) -> None:
        try:
            tokens.rotate(old, new_hash, LATER)
            outcomes.append(new_hash)
        except ConcurrentWriteError:
            outcomes.append("lost")

    racers = [threading.Thread(target=rotate, args=(f"hash-{n}",)) for n in (2, 3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert len(outcomes) == 2 and outcomes.count("lost") == 1
    winner = next(o for o in outcomes if o != "lost")
    loser = "hash-3" if winner == "hash-2" else "hash-2"
    assert tokens.find(LOGIN, winner) is not None and tokens.find(LOGIN, loser) is None


def test_a_revoked_login_rotates_into_nothing(tokens: RefreshTokenRepository) -> None:
    old = tokens.find(LOGIN, "hash-1")
    assert old is not None
    tokens.revoke_family(LOGIN)

    with pytest.raises(ConcurrentWriteError):
        tokens.rotate(old, "hash-2", LATER)

    assert tokens.find(LOGIN, "hash-2") is None
    assert not tokens.is_active(LOGIN, LATER - timedelta(days=1))


def test_a_hash_the_login_never_held_finds_nothing(tokens: RefreshTokenRepository) -> None:
    assert tokens.find(LOGIN, "forged") is None
    assert tokens.find("ffffffffffffffff", "hash-1") is None
    assert tokens.is_active(LOGIN, LATER - timedelta(days=1))


# ---- logins from before tokens named them: REFRESH#{hash} beside the family ----------------

def old_format_login(family_id: str = "00000000000000aa", token_hash: str = "old-hash") -> None:
    """The items the previous release wrote at a login."""
    RefreshFamilyItem(f"RFAMILY#{family_id}", "RFAMILY", host_id="host-1",
                      expires_at=LATER).save()
    RefreshTokenItem(f"REFRESH#{token_hash}", "REFRESH", host_id="host-1",
                     family_id=family_id, expires_at=LATER).save()


def test_an_old_format_token_rotates_once_into_the_new_format(
        tokens: RefreshTokenRepository) -> None:
    old_format_login()
    old = tokens.find_old_format("old-hash")
    assert old is not None and not old.used and not old.family_revoked

    tokens.rotate(old, "new-hash", LATER + timedelta(days=1))

    spent = tokens.find_old_format("old-hash")
    assert spent is not None and spent.used  # its login now has a current hash
    successor = tokens.find("00000000000000aa", "new-hash")
    assert successor is not None and not successor.used
    with pytest.raises(ConcurrentWriteError):
        tokens.rotate(old, "another-hash", LATER)


def test_a_new_format_token_naming_an_old_format_login_finds_nothing(
        tokens: RefreshTokenRepository) -> None:
    old_format_login()

    assert tokens.find("00000000000000aa", "old-hash") is None
    assert tokens.find_old_format("never-issued") is None
