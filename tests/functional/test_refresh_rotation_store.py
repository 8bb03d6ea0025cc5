"""Refresh-token rotation on the store (moto): three single-item writes, with the claim of
the old token first, keep the guarantees the transaction gave."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import ConcurrentWriteError
from chalicelib.store import tables
from chalicelib.store.tokens import RefreshTokenRepository
from tests.functional.conftest import TABLE

LATER = datetime(2026, 12, 31, tzinfo=UTC)


@pytest.fixture
def tokens(aws: None) -> Iterator[RefreshTokenRepository]:
    tables.configure(TABLE, "us-east-1", None)
    repository = RefreshTokenRepository()
    repository.issue("hash-1", "host-1", "family-1", LATER)
    yield repository


def test_a_rotation_spends_the_old_token_issues_the_new_and_slides_the_login(
        tokens: RefreshTokenRepository) -> None:
    old = tokens.find("hash-1")
    assert old is not None

    tokens.rotate(old, "hash-2", LATER + timedelta(days=1))

    spent, successor = tokens.find("hash-1"), tokens.find("hash-2")
    assert spent is not None and spent.used
    assert successor is not None and not successor.used and successor.family_id == "family-1"
    assert tokens.is_active("family-1", LATER + timedelta(hours=12))


def test_two_rotations_of_one_token_have_one_winner(tokens: RefreshTokenRepository) -> None:
    old = tokens.find("hash-1")
    assert old is not None
    tokens.rotate(old, "hash-2", LATER)

    with pytest.raises(ConcurrentWriteError):
        tokens.rotate(old, "hash-3", LATER)

    assert tokens.find("hash-3") is None


def test_a_revoked_login_rotates_into_nothing(tokens: RefreshTokenRepository) -> None:
    old = tokens.find("hash-1")
    assert old is not None
    tokens.revoke_family("family-1")

    with pytest.raises(ConcurrentWriteError):
        tokens.rotate(old, "hash-2", LATER)

    assert tokens.find("hash-2") is None
