"""When a connection's tokens were sealed, in the table on moto: every write that seals
them (connecting, a refresh that stores tokens, sealing them again under the key that
seals now) records it, on the write it makes anyway; and a token under a key id the
container's ring lacks is told retired (sealed before the ring was read) from newer.

Each repository is a container: the key ring it read, when it read it, and its clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.connections import (
    Connection,
    RetiredTokenKeyError,
    Tokens,
    UnknownTokenKeyError,
)
from chalicelib.integrations.token_cipher import AesGcmTokenCipher
from chalicelib.services.connection_ports import RefreshLease
from chalicelib.store import tables
from chalicelib.store.connections import ConnectionRepository
from chalicelib.store.items import ConnectionItem
from tests.functional.conftest import TABLE, FixedClock

NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")
OLD = {"old-1": b"an-old-token-key-of-32-bytes-xyz"}
NEW = {"new-1": b"a-new-token-key-of-32-bytes-abcd"}
TOKENS = Tokens("access-1", "refresh-1", NOW + timedelta(hours=1))
CONNECTION = Connection(host_id="host-1", provider="zoom", grant_id="grant-1",
                        account_id="zoom-user-42", account_label="alice@example.com",
                        scopes=("meeting:write",), connected_at=NOW,
                        token_expires_at=NOW + timedelta(hours=1))


@pytest.fixture
def table(aws: None) -> Iterator[None]:
    tables.configure(TABLE, "us-east-1", None)
    yield


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def container(clock: FixedClock, keys: dict[str, bytes], active: str,
              ring_read_at: datetime | None = None) -> ConnectionRepository:
    return ConnectionRepository(AesGcmTokenCipher(keys, active), clock, ring_read_at)


def sealed_at() -> datetime | None:
    return ConnectionItem.get("CONNECTIONS#host-1", "PROVIDER#zoom").sealed_at


# ---- what records it ---------------------------------------------------------------------


def test_connecting_records_when_the_tokens_were_sealed(
        table: None, clock: FixedClock) -> None:
    container(clock, OLD, "old-1").save(CONNECTION, TOKENS)

    assert sealed_at() == NOW


def test_a_refresh_that_stores_tokens_records_when_they_were_sealed(
        table: None, clock: FixedClock) -> None:
    connections = container(clock, OLD, "old-1")
    connections.save(CONNECTION, TOKENS)
    clock.advance(minutes=58)
    lease = connections.take_refresh_lease(CONNECTION, clock.now())
    assert isinstance(lease, RefreshLease)

    assert connections.finish_refresh(lease, Tokens("access-2", "refresh-2",
                                                    clock.now() + timedelta(hours=1)))

    assert sealed_at() == NOW + timedelta(minutes=58)


def test_tokens_read_under_an_older_key_are_sealed_again_and_say_when(
        table: None, clock: FixedClock) -> None:
    container(clock, OLD, "old-1").save(CONNECTION, TOKENS)
    clock.advance(days=3)
    rotated = container(clock, {**NEW, **OLD}, "new-1", ring_read_at=clock.now())

    assert rotated.get("host-1", "zoom") == (CONNECTION, TOKENS)

    item = ConnectionItem.get("CONNECTIONS#host-1", "PROVIDER#zoom")
    assert item.access_token.startswith("v1.new-1.")
    assert item.refresh_token is not None and item.refresh_token.startswith("v1.new-1.")
    assert item.sealed_at == NOW + timedelta(days=3)


# ---- a key the ring lacks: retired or newer ----------------------------------------------


def test_a_token_under_a_key_retired_before_the_ring_was_read_is_refused_as_retired(
        table: None, clock: FixedClock) -> None:
    container(clock, OLD, "old-1").save(CONNECTION, TOKENS)
    clock.advance(hours=2)
    started_since = container(clock, NEW, "new-1", ring_read_at=NOW + timedelta(hours=1))

    with pytest.raises(RetiredTokenKeyError, match="'old-1' is not in the key ring"):
        started_since.get("host-1", "zoom")
    with pytest.raises(RetiredTokenKeyError):
        started_since.with_tokens("host-1", frozenset({"zoom"}))
    # Disconnecting still forgets it (nothing to revoke with).
    assert started_since.delete("host-1", "zoom") == (CONNECTION, None)


def test_a_token_sealed_after_the_ring_was_read_under_a_key_it_lacks_is_newer(
        table: None, clock: FixedClock) -> None:
    # An old container (its ring read an hour ago) meets tokens a new one sealed now.
    container(clock, NEW, "new-1").save(CONNECTION, TOKENS)
    old_container = container(clock, OLD, "old-1", ring_read_at=NOW - timedelta(hours=1))

    with pytest.raises(UnknownTokenKeyError, match="'new-1' is not in the key ring"):
        old_container.get("host-1", "zoom")


def test_a_token_without_a_sealing_time_under_a_key_the_ring_lacks_is_not_taken_for_retired(
        table: None, clock: FixedClock) -> None:
    container(clock, OLD, "old-1").save(CONNECTION, TOKENS)
    ConnectionItem.get("CONNECTIONS#host-1", "PROVIDER#zoom").update(
        actions=[ConnectionItem.sealed_at.remove()])  # written before it was recorded
    clock.advance(days=30)
    started_since = container(clock, NEW, "new-1", ring_read_at=clock.now())

    with pytest.raises(UnknownTokenKeyError) as raised:
        started_since.get("host-1", "zoom")
    assert not isinstance(raised.value, RetiredTokenKeyError)

