"""Connections and OAuth states in the table, on moto: what is stored, who wins a refresh.

moto applies a conditional write as a read then a write with no lock between them;
DynamoDB applies each write to an item atomically. The `table` fixture holds one lock
around each of moto's DynamoDB requests, so it behaves as DynamoDB does, so the concurrency tests
test Penny's conditions and not moto's races. Threads start together at a barrier; no
test waits on a timer. The clock is a value passed in: 2026-11-23T12:00:00Z.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
import pytest

from chalicelib.domain.connections import (
    REFRESH_LEASE,
    Connection,
    ConnectionStatus,
    TokenDecryptionError,
    Tokens,
)
from chalicelib.integrations.token_cipher import AesGcmTokenCipher
from chalicelib.services.connection_ports import LeaseBusy, OAuthState, RefreshLease
from chalicelib.store import tables
from chalicelib.store.connections import ConnectionRepository
from chalicelib.store.oauth_states import OAuthStateRepository
from chalicelib.store.queues import QUEUES
from infra.functions import FUNCTION_ACCESS
from infra.messaging import worker_function
from tests.functional.conftest import TABLE, FixedClock
from tests.functional.dynamodb_requests import Requests, recorded

T = TypeVar("T")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONCURRENCY = 20


@pytest.fixture
def table(aws: None, atomic_moto: None) -> Iterator[None]:
    tables.configure(TABLE, "us-east-1", None)
    yield


@pytest.fixture
def cipher() -> AesGcmTokenCipher:
    return AesGcmTokenCipher({"k1": b"a-token-key-of-32-bytes-for-aes!"}, "k1")


@pytest.fixture
def connections(table: None, cipher: AesGcmTokenCipher) -> ConnectionRepository:
    return ConnectionRepository(cipher, FixedClock(NOW))


@pytest.fixture
def states(table: None, cipher: AesGcmTokenCipher) -> OAuthStateRepository:
    return OAuthStateRepository(cipher)


def connection(host_id: str = "host-1", provider: str = "zoom", grant_id: str = "grant-1",
               **changes: Any) -> Connection:
    made = Connection(host_id=host_id, provider=provider, grant_id=grant_id,
                      account_id="zoom-user-42", account_label="alice@example.com",
                      scopes=("meeting:write", "user:read"), connected_at=NOW,
                      token_expires_at=NOW + timedelta(hours=1))
    return replace(made, **changes)


TOKENS = Tokens("access-1", "refresh-1", NOW + timedelta(hours=1))


def together(count: int, action: Callable[[], T]) -> list[T]:
    """`action` in `count` threads released at once."""
    start = threading.Barrier(count)

    def run() -> T:
        start.wait()
        return action()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: run(), range(count)))


@pytest.fixture
def requests(table: None) -> Iterator[Requests]:
    with recorded() as recorder:
        yield recorder


# ---- save, get, list, delete -----------------------------------------------------------


def test_a_stripe_connection_is_found_by_its_account_and_no_other_provider_is(
        connections: ConnectionRepository) -> None:
    connections.save(connection(provider="stripe", account_id="acct_1"), TOKENS)
    connections.save(connection(host_id="host-2", account_id="acct_1"), TOKENS)  # zoom

    assert connections.host_of_account("stripe", "acct_1") == "host-1"
    assert connections.host_of_account("stripe", "acct_2") is None
    assert connections.host_of_account("zoom", "acct_1") is None  # only Stripe's indexed


def test_a_stripe_connection_saved_before_the_index_is_put_on_it_when_first_read(
        connections: ConnectionRepository) -> None:
    connections.save(connection(provider="stripe", account_id="acct_1"), TOKENS)
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=TABLE, Key={"pk": {"S": "CONNECTIONS#host-1"}, "sk": {"S": "PROVIDER#stripe"}},
        UpdateExpression="REMOVE gsi1pk, gsi1sk")
    assert connections.host_of_account("stripe", "acct_1") is None  # as saved before

    connections.for_host("host-1")  # the host's Connections page

    assert connections.host_of_account("stripe", "acct_1") == "host-1"
    assert connections.get("host-1", "stripe") == (
        connection(provider="stripe", account_id="acct_1"), TOKENS)


def test_a_saved_connection_reads_back_with_its_tokens_stored_only_encrypted(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)

    assert connections.get("host-1", "zoom") == (connection(), TOKENS)
    raw = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": "CONNECTIONS#host-1"}, "sk": {"S": "PROVIDER#zoom"}},
    )["Item"]
    assert "access-1" not in str(raw) and "refresh-1" not in str(raw)
    assert raw["access_token"]["S"].startswith("v1.k1.")
    assert connections.get("host-1", "google") is None


def test_a_hosts_connections_are_listed_without_another_hosts(
        connections: ConnectionRepository) -> None:
    connections.save(connection(provider="zoom"), TOKENS)
    connections.save(connection(provider="google", account_id="g-1"), TOKENS)
    connections.save(connection(host_id="host-2"), TOKENS)

    listed = connections.for_host("host-1")

    assert [(c.host_id, c.provider) for c in listed] == [("host-1", "google"),
                                                         ("host-1", "zoom")]
    assert connections.for_host("host-3") == []


def test_connecting_again_replaces_the_grant(connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)
    again = connection(grant_id="grant-2", account_label="alice@work.example",
                       token_expires_at=None)

    connections.save(again, Tokens("access-2", "refresh-2", None))

    assert connections.get("host-1", "zoom") == (again, Tokens("access-2", "refresh-2", None))
    assert len(connections.for_host("host-1")) == 1


def test_disconnecting_hands_back_the_tokens_to_revoke_once(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)

    assert connections.delete("host-1", "zoom") == (connection(), TOKENS)
    assert connections.delete("host-1", "zoom") is None
    assert connections.get("host-1", "zoom") is None


def test_a_ciphertext_copied_into_another_hosts_item_does_not_decrypt(
        connections: ConnectionRepository) -> None:
    connections.save(connection(host_id="host-1"), TOKENS)
    connections.save(connection(host_id="host-2"), Tokens("access-2", "refresh-2", None))
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")

    def key(host: str) -> dict[str, Any]:
        return {"pk": {"S": f"CONNECTIONS#{host}"}, "sk": {"S": "PROVIDER#zoom"}}

    stolen = dynamodb.get_item(TableName=TABLE, Key=key("host-1"))["Item"]["access_token"]
    dynamodb.update_item(TableName=TABLE, Key=key("host-2"),
                         UpdateExpression="SET access_token = :t",
                         ExpressionAttributeValues={":t": stolen})

    with pytest.raises(TokenDecryptionError, match="does not belong to host-2 at zoom"):
        connections.get("host-2", "zoom")


def test_a_whole_item_copied_under_another_host_does_not_decrypt(
        connections: ConnectionRepository) -> None:
    """The associated data is the host and provider the item is read under (its key), not
    what the item says of itself: copied whole, host_id attribute and all, into another
    host's row or under another provider, the tokens do not open."""
    connections.save(connection(host_id="host-1"), TOKENS)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    item = dynamodb.get_item(TableName=TABLE, Key={
        "pk": {"S": "CONNECTIONS#host-1"}, "sk": {"S": "PROVIDER#zoom"}})["Item"]
    dynamodb.put_item(TableName=TABLE, Item={**item, "pk": {"S": "CONNECTIONS#host-2"}})
    dynamodb.put_item(TableName=TABLE, Item={**item, "sk": {"S": "PROVIDER#notion"}})

    with pytest.raises(TokenDecryptionError, match="does not belong to host-2 at zoom"):
        connections.get("host-2", "zoom")
    with pytest.raises(TokenDecryptionError, match="does not belong to host-1 at notion"):
        connections.get("host-1", "notion")
    with pytest.raises(TokenDecryptionError):
        connections.with_tokens("host-2", frozenset({"zoom"}))
    assert connections.get("host-1", "zoom") is not None  # the original still opens


# ---- broken ------------------------------------------------------------------------------


def test_a_connection_is_marked_broken_once_and_says_why(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)

    first = connections.mark_broken("host-1", "zoom", "grant-1", "Zoom refused the refresh",
                                    NOW)
    second = connections.mark_broken("host-1", "zoom", "grant-1", "again", NOW)

    assert (first, second) == (True, False)
    found = connections.get("host-1", "zoom")
    assert found is not None
    assert found[0] == connection().broken("Zoom refused the refresh", NOW)
    assert found[0].status is ConnectionStatus.BROKEN


def test_of_many_workers_hitting_invalid_grant_exactly_one_tells_the_host(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)

    told = together(CONCURRENCY, lambda: connections.mark_broken(
        "host-1", "zoom", "grant-1", "invalid_grant", NOW))

    assert told.count(True) == 1


def test_an_old_grant_cannot_break_the_connection_that_replaced_it(
        connections: ConnectionRepository) -> None:
    connections.save(connection(grant_id="grant-2"), TOKENS)

    assert not connections.mark_broken("host-1", "zoom", "grant-1", "stale worker", NOW)
    assert not connections.mark_broken("host-1", "google", "grant-1", "never connected", NOW)
    found = connections.get("host-1", "zoom")
    assert found is not None and not found[0].is_broken


# ---- the refresh lease ---------------------------------------------------------------------


def test_of_twenty_concurrent_refreshes_one_takes_the_lease_and_the_rest_wait_for_it(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)

    outcomes = together(CONCURRENCY, lambda: connections.take_refresh_lease(connection(), NOW))

    won = [o for o in outcomes if isinstance(o, RefreshLease)]
    waiting = [o for o in outcomes if isinstance(o, LeaseBusy)]
    assert len(won) == 1 and len(waiting) == CONCURRENCY - 1
    assert won[0].tokens == TOKENS and won[0].until == NOW + REFRESH_LEASE
    assert {w.until for w in waiting} == {won[0].until}


@dataclass
class RotatingProvider:
    """A token endpoint that rotates refresh tokens as Zoom and Microsoft do: each refresh
    token works once, and using it again is invalid_grant."""

    live: str = "refresh-1"
    exchanges: int = 0

    def refresh(self, refresh_token: str | None) -> Tokens | None:
        if refresh_token != self.live:
            return None  # invalid_grant
        self.exchanges += 1
        self.live = f"refresh-{self.exchanges + 1}"
        return Tokens(f"access-{self.exchanges + 1}", self.live, NOW + timedelta(hours=1))


def test_twenty_concurrent_refreshes_exchange_the_rotating_token_once_and_all_read_it(
        connections: ConnectionRepository) -> None:
    # GIVEN a Zoom connection whose access token is about to expire
    connections.save(connection(), replace(TOKENS, expires_at=NOW + timedelta(seconds=30)))
    provider = RotatingProvider()

    def refresh() -> str:
        found = connections.get("host-1", "zoom")
        assert found is not None
        seen, tokens = found
        if not tokens.needs_refresh(NOW):
            return "fresh"
        outcome = connections.take_refresh_lease(seen, NOW)
        if not isinstance(outcome, RefreshLease):
            return "wait"
        fresh = provider.refresh(outcome.tokens.refresh_token)
        assert fresh is not None
        assert connections.finish_refresh(outcome, fresh)
        return "refreshed"

    # WHEN twenty callers find it expiring at once
    results = together(CONCURRENCY, refresh)

    # THEN one exchanged the refresh token, and everyone reads the new pair, which works
    assert results.count("refreshed") == 1 and provider.exchanges == 1
    found = connections.get("host-1", "zoom")
    assert found is not None and found[1] == Tokens("access-2", "refresh-2",
                                                    NOW + timedelta(hours=1))
    assert provider.refresh(found[1].refresh_token) is not None
    # and the lease is gone: the next expiry can be refreshed at once
    assert isinstance(connections.take_refresh_lease(found[0], NOW), RefreshLease)


def test_a_caller_who_read_the_tokens_before_another_refreshed_them_reads_again(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)
    lease = connections.take_refresh_lease(connection(), NOW)
    assert isinstance(lease, RefreshLease)
    assert connections.finish_refresh(lease, Tokens("access-2", "refresh-2", None))

    late = connections.take_refresh_lease(connection(), NOW)  # it read version 1

    assert late == LeaseBusy(NOW)  # no wait: the new tokens are there to read
    found = connections.get("host-1", "zoom")
    assert found is not None and found[0].tokens_version == 2


def test_a_lease_whose_holder_crashed_is_taken_again_once_it_expires(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)
    crashed = connections.take_refresh_lease(connection(), NOW)
    assert isinstance(crashed, RefreshLease)

    early = connections.take_refresh_lease(connection(),
                                           NOW + REFRESH_LEASE - timedelta(seconds=1))
    late = connections.take_refresh_lease(connection(),
                                          NOW + REFRESH_LEASE + timedelta(seconds=1))

    assert early == LeaseBusy(crashed.until)
    assert isinstance(late, RefreshLease) and late.holder != crashed.holder
    # The new holder's tokens are saved; the crashed holder, back from the dead with the
    # tokens of version 1, cannot overwrite them.
    assert connections.finish_refresh(late, Tokens("access-2", "refresh-2", None))
    assert not connections.finish_refresh(crashed, Tokens("zombie", "zombie", None))
    found = connections.get("host-1", "zoom")
    assert found is not None and found[1].access_token == "access-2"


def test_an_expired_lease_is_retaken_by_exactly_one_of_twenty(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)
    assert isinstance(connections.take_refresh_lease(connection(), NOW),
                      RefreshLease)

    later = NOW + timedelta(minutes=5)
    outcomes = together(CONCURRENCY, lambda: connections.take_refresh_lease(connection(), later))

    assert sum(isinstance(o, RefreshLease) for o in outcomes) == 1


def test_a_refresh_without_a_new_refresh_token_keeps_the_stored_one(
        connections: ConnectionRepository) -> None:
    connections.save(connection(provider="google"), TOKENS)
    lease = connections.take_refresh_lease(connection(provider="google"), NOW)
    assert isinstance(lease, RefreshLease)

    assert connections.finish_refresh(lease, Tokens("access-2", None,
                                                    NOW + timedelta(hours=2)))

    found = connections.get("host-1", "google")
    assert found is not None
    assert found[1] == Tokens("access-2", "refresh-1", NOW + timedelta(hours=2))
    assert found[0].token_expires_at == NOW + timedelta(hours=2)


def test_a_released_lease_lets_the_next_caller_refresh(
        connections: ConnectionRepository) -> None:
    connections.save(connection(), TOKENS)
    lease = connections.take_refresh_lease(connection(), NOW)
    assert isinstance(lease, RefreshLease)

    connections.release_refresh(lease)

    assert isinstance(connections.take_refresh_lease(connection(), NOW),
                      RefreshLease)
    found = connections.get("host-1", "zoom")
    assert found is not None and found[1] == TOKENS


def test_no_lease_on_a_broken_replaced_or_missing_connection(
        connections: ConnectionRepository) -> None:
    connections.save(connection(provider="zoom"), TOKENS)
    connections.save(connection(provider="google"), TOKENS)
    lease = connections.take_refresh_lease(connection(provider="google"), NOW)
    assert isinstance(lease, RefreshLease)
    # Breaking it ends the lease too: nothing refreshes a broken connection.
    assert connections.mark_broken("host-1", "google", "grant-1", "revoked", NOW)

    assert connections.take_refresh_lease(connection(provider="google"),
                                          NOW + timedelta(minutes=5)) is None
    assert not connections.finish_refresh(lease, Tokens("late", "late", None))
    assert connections.take_refresh_lease(connection(grant_id="grant-0"), NOW) is None
    assert connections.take_refresh_lease(connection(provider="notion"), NOW) is None


# ---- OAuth states ----------------------------------------------------------------------


def state(state_id: str = "state-1", **changes: Any) -> OAuthState:
    made = OAuthState(state_id=state_id, provider="google", host_id="host-1",
                      session_id="browser-session-1", code_verifier="pkce-verifier-" + "v" * 40,
                      nonce="nonce-1", redirect_to="/app/connections",
                      scopes=("https://www.googleapis.com/auth/calendar.events",),
                      created_at=NOW, binding="sha256-of-the-browser-cookie")
    return replace(made, **changes)


def test_a_state_is_taken_once_with_everything_it_was_put_with(
        states: OAuthStateRepository) -> None:
    assert states.put(state())

    assert states.take("state-1", NOW + timedelta(minutes=1)) == state()
    assert states.take("state-1", NOW + timedelta(minutes=1)) is None
    assert states.take("never-put", NOW) is None


def test_a_sign_in_state_has_no_host(states: OAuthStateRepository) -> None:
    assert states.put(state(host_id=None))

    taken = states.take("state-1", NOW)

    assert taken is not None and taken.host_id is None


def test_a_state_without_pkce_keeps_an_empty_verifier(states: OAuthStateRepository) -> None:
    assert states.put(state(provider="notion", code_verifier=""))

    assert states.take("state-1", NOW) == state(provider="notion", code_verifier="")


def test_a_state_id_is_put_once(states: OAuthStateRepository) -> None:
    assert states.put(state())
    assert not states.put(state(host_id="host-2"))
    assert states.take("state-1", NOW) == state()


def test_the_pkce_verifier_is_stored_encrypted_and_the_state_expires_by_ttl(
        states: OAuthStateRepository) -> None:
    states.put(state())

    raw = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": "OAUTHSTATE#state-1"}, "sk": {"S": "OAUTHSTATE"}},
    )["Item"]

    assert "pkce-verifier" not in str(raw)
    assert int(raw[tables.TTL_ATTRIBUTE]["N"]) == int((NOW + timedelta(minutes=10)).timestamp())


def test_a_state_past_ten_minutes_is_refused_though_ttl_has_not_removed_it(
        states: OAuthStateRepository) -> None:
    states.put(state("early"))
    states.put(state("late"))

    assert states.take("early", NOW + timedelta(minutes=9, seconds=59)) is not None
    assert states.take("late", NOW + timedelta(minutes=10)) is None
    assert states.take("late", NOW + timedelta(minutes=1)) is not None  # it was still there


def test_of_twenty_concurrent_callbacks_with_one_state_exactly_one_gets_it(
        states: OAuthStateRepository) -> None:
    states.put(state())

    taken = together(CONCURRENCY, lambda: states.take("state-1", NOW))

    assert [t for t in taken if t is not None] == [state()]


# ---- requests and roles ----------------------------------------------------------------


def test_each_operation_is_one_request_and_the_roles_allow_them(
        connections: ConnectionRepository, states: OAuthStateRepository,
        requests: Requests) -> None:
    counted = {}
    connections.save(connection(), replace(TOKENS, expires_at=NOW))
    counted["save"] = requests.take()
    connections.get("host-1", "zoom")
    counted["get"] = requests.take()
    connections.for_host("host-1")
    counted["list"] = requests.take()
    lease = connections.take_refresh_lease(connection(), NOW)
    counted["take lease"] = requests.take()
    connections.take_refresh_lease(connection(), NOW)
    counted["lease refused"] = requests.take()
    assert isinstance(lease, RefreshLease)
    connections.finish_refresh(lease, TOKENS)
    counted["finish refresh"] = requests.take()
    connections.mark_broken("host-1", "zoom", "grant-1", "revoked", NOW)
    counted["mark broken"] = requests.take()
    connections.delete("host-1", "zoom")
    counted["delete"] = requests.take()
    states.put(state())
    counted["put state"] = requests.take()
    states.take("state-1", NOW)
    counted["take state"] = requests.take()

    assert counted == {
        "save": {"PutItem": 1}, "get": {"GetItem": 1}, "list": {"Query": 1},
        "take lease": {"UpdateItem": 1}, "lease refused": {"UpdateItem": 1, "GetItem": 1},
        "finish refresh": {"UpdateItem": 1}, "mark broken": {"UpdateItem": 1},
        "delete": {"DeleteItem": 1}, "put state": {"PutItem": 1},
        "take state": {"DeleteItem": 1}}
    # The API function connects, lists, disconnects and refreshes; a worker refreshes
    # and marks broken (get, lease, finish): their roles already allow these.
    api = set(FUNCTION_ACCESS["APIHandler"]["table"])
    assert {name for calls in counted.values() for name in calls} <= api
    refresh = {name for op in ("get", "take lease", "lease refused", "finish refresh",
                               "mark broken") for name in counted[op]}
    for spec in QUEUES:
        assert refresh <= set(FUNCTION_ACCESS[worker_function(spec)]["table"])
