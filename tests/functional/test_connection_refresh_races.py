"""A refresh that outlives its lease (the provider slow to answer), overtaken by another:
the connection service on the store (moto), with a scripted provider that rotates its
refresh tokens as Zoom and Microsoft do.

No thread and no timer: the second refresh runs inside the first one's call to the
provider (or the first's late answer is saved inside the second's), and the clock is
moved past the lease by hand, so the interleaving is the same on every run.

Beside them, a refresh whose save the store fails (DynamoDB throttling past botocore's
own retries): a stub on the store raises the error, and the pauses are recorded, not slept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import UpdateError

from chalicelib.domain.connections import REFRESH_LEASE, Connection, ConnectionStatus, Tokens
from chalicelib.domain.errors import ConnectionBrokenError, NotConnectedError
from chalicelib.domain.events import EventKind
from chalicelib.domain.providers.oauth import OAuthProvider
from chalicelib.integrations.token_cipher import AesGcmTokenCipher
from chalicelib.services.connection_ports import Connections, OAuthStates, RefreshLease
from chalicelib.services.connection_tokens import SAVE_PAUSES_SECONDS, SAVE_WITHIN
from chalicelib.services.connections import ConnectionService, OpenLogins
from chalicelib.services.oauth_clients import OAuthClients
from chalicelib.services.oauth_state_signing import StateSigner
from chalicelib.store import tables
from chalicelib.store.connections import ConnectionRepository
from chalicelib.store.stream import events_of
from tests.functional.conftest import TABLE, FixedClock
from tests.functional.realtime_wiring import Stream

PAST_THE_LEASE = REFRESH_LEASE + timedelta(seconds=1)


@dataclass
class SlowRotatingZoom:
    """Zoom's token endpoint: each refresh token works once (its use rotates it), and a
    used one is refused as invalid_grant. `meanwhile` runs during the next refresh's
    call: before the answer when `answered_first` is False (the provider is slow to take
    it), after it otherwise (the answer is slow to come back)."""

    clock: FixedClock
    live: str = "refresh-1"
    exchanges: int = 0
    meanwhile: list[tuple[Callable[[], Any], bool]] = field(default_factory=list)

    name = "zoom"
    rotates_refresh_tokens = True

    def refresh(self, tokens: Tokens) -> Tokens:
        during, answered_first = self.meanwhile.pop(0) if self.meanwhile else (None, False)
        if during is not None and not answered_first:
            during()
        if tokens.refresh_token != self.live:
            raise ConnectionBrokenError("zoom", "Zoom refused the refresh; reconnect it")
        self.exchanges += 1
        self.live = f"refresh-{self.exchanges + 1}"
        fresh = Tokens(f"access-{self.exchanges + 1}", self.live,
                       self.clock.now() + timedelta(hours=1))
        if during is not None and answered_first:
            during()
        return fresh


@pytest.fixture
def repository(aws: None, atomic_moto: None, clock: FixedClock
               ) -> Iterator[ConnectionRepository]:
    tables.configure(TABLE, "us-east-1", None)
    yield ConnectionRepository(AesGcmTokenCipher({"k1": b"a-token-key-of-32-bytes-for-aes!"},
                                                 "k1"), clock)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def zoom(clock: FixedClock) -> SlowRotatingZoom:
    return SlowRotatingZoom(clock)


@pytest.fixture
def service(repository: ConnectionRepository, clock: FixedClock,
            zoom: SlowRotatingZoom) -> ConnectionService:
    def no_wait(seconds: float) -> None:
        raise AssertionError("a refresh waited on a lease it should have taken")

    return ConnectionService(
        connections=repository, states=cast(OAuthStates, None),
        clients=OAuthClients(frozenset({"zoom"}), lambda name: cast(OAuthProvider, zoom)),
        clock=clock, signer=StateSigner("a-link-secret-for-these-tests-only"),
        callback_url=lambda provider: "", logins=cast(OpenLogins, None),
        providers=("zoom",), sleep=no_wait)


@pytest.fixture
def expiring(repository: ConnectionRepository, clock: FixedClock) -> Connection:
    """A Zoom connection whose access token expires in 30 seconds: the next use refreshes."""
    made = Connection(host_id="host-1", provider="zoom", grant_id="grant-1",
                      account_id="zoom-user-42", account_label="ada@sandbox.test",
                      scopes=("meeting:write:meeting",), connected_at=clock.now(),
                      token_expires_at=clock.now() + timedelta(seconds=30))
    repository.save(made, Tokens("access-1", "refresh-1", made.token_expires_at))
    return made


def stored(repository: ConnectionRepository) -> tuple[Connection, Tokens]:
    found = repository.get("host-1", "zoom")
    assert found is not None
    return found


def test_a_refresh_overtaken_while_the_provider_is_slow_breaks_nothing(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    second: list[str] = []

    def overtaken() -> None:
        # While the first refresh waits on Zoom, its lease runs out and a second caller
        # refreshes: Zoom takes the second's exchange first and rotates the token.
        clock.advance(seconds=PAST_THE_LEASE.total_seconds())
        second.append(service.access_token("host-1", "zoom"))

    zoom.meanwhile.append((overtaken, False))

    # WHEN the first refresh's exchange then reaches Zoom, whose token it uses is spent
    first = service.access_token("host-1", "zoom")

    # THEN Zoom's refusal of the stale token breaks nothing: both use the second's tokens
    assert second == ["access-2"] and first == "access-2"
    connection, tokens = stored(repository)
    assert connection.status is ConnectionStatus.CONNECTED and connection.broken_reason is None
    assert (connection.tokens_version, tokens.refresh_token) == (2, "refresh-2")
    assert zoom.exchanges == 1


def test_a_late_answer_to_a_refresh_whose_lease_ran_out_is_kept_and_the_other_breaks_nothing(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    # GIVEN a refresh (a stalled Lambda) whose exchange Zoom accepted, rotating the token,
    # but whose answer comes back only after its lease ran out
    lease = repository.take_refresh_lease(expiring, clock.now())
    assert isinstance(lease, RefreshLease)
    late = zoom.refresh(lease.tokens)
    clock.advance(seconds=PAST_THE_LEASE.total_seconds())
    saved: list[bool] = []

    # WHEN a second caller refreshes, and the late answer is saved while the second's
    # exchange (of the token Zoom has rotated already) is on its way
    zoom.meanwhile.append((lambda: saved.append(repository.finish_refresh(lease, late)),
                           False))
    second = service.access_token("host-1", "zoom")

    # THEN the late answer's tokens are the ones kept (Zoom knows only them now), and
    # Zoom's refusal of the second's exchange broke nothing: it uses them too
    assert saved == [True] and second == late.access_token == "access-2"
    connection, tokens = stored(repository)
    assert connection.status is ConnectionStatus.CONNECTED
    assert (connection.tokens_version, tokens) == (2, late)


def test_a_stale_refresh_saves_nothing_over_the_tokens_that_replaced_it(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    lease = repository.take_refresh_lease(expiring, clock.now())
    assert isinstance(lease, RefreshLease)
    clock.advance(seconds=PAST_THE_LEASE.total_seconds())
    newer = service.access_token("host-1", "zoom")   # takes the lapsed lease, saves v2

    # WHEN the first refresh, tokens of version 1, comes back with an answer
    assert not repository.finish_refresh(lease, Tokens("stale", "stale", clock.now()))
    assert not repository.mark_broken("host-1", "zoom", "grant-1", "stale refusal",
                                      clock.now(), tokens_version=1)

    # THEN the tokens saved by the refresh that overtook it stand, and it works
    connection, tokens = stored(repository)
    assert connection.status is ConnectionStatus.CONNECTED
    assert (connection.tokens_version, tokens.access_token) == (2, newer)


def test_a_job_refused_with_a_grant_the_host_replaced_leaves_the_new_one_working(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        expiring: Connection) -> None:
    # GIVEN a job holding grant-1's token; the host reconnects Zoom (grant-2) meanwhile
    repository.save(replace(expiring, grant_id="grant-2"),
                    Tokens("access-9", "refresh-9", clock.now() + timedelta(hours=1)))

    # WHEN the job finds grant-1's access withdrawn at Zoom
    marked = service.broken("host-1", "zoom", "Zoom withdrew access", "grant-1")

    # THEN the grant that replaced it is not the one marked
    assert not marked
    assert stored(repository)[0].status is ConnectionStatus.CONNECTED
    # while a refusal of the grant in use still marks it
    assert service.broken("host-1", "zoom", "Zoom withdrew access", "grant-2")


def refused_meanwhile(service: ConnectionService, clock: FixedClock,
                      refusals: list[str]) -> Callable[[], None]:
    """While the first refresh's answer (Zoom accepted its exchange, rotating the token)
    is on its way back, its lease runs out and a second caller refreshes with the spent
    token: Zoom refuses it, and the connection is marked broken at the same version."""
    def second() -> None:
        clock.advance(seconds=PAST_THE_LEASE.total_seconds())
        with pytest.raises(ConnectionBrokenError) as refused:
            service.access_token("host-1", "zoom")
        refusals.append(refused.value.message)
    return second


def test_a_late_accepted_refresh_saves_over_the_broken_mark_its_overtaker_made(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    refusals: list[str] = []
    zoom.meanwhile.append((refused_meanwhile(service, clock, refusals), True))

    # WHEN the first refresh's late answer (the only tokens Zoom still knows) comes back
    first = service.access_token("host-1", "zoom")

    # THEN the second was refused and marked it broken, but the first's tokens are saved
    # over that mark: the connection works again, and the host need not reconnect
    assert refusals == ["Zoom refused the refresh; reconnect it"]
    assert first == "access-2"
    connection, tokens = stored(repository)
    assert connection.status is ConnectionStatus.CONNECTED
    assert (connection.broken_reason, connection.broken_at) == (None, None)
    assert (connection.tokens_version, tokens.refresh_token) == (2, "refresh-2")
    assert service.access_token("host-1", "zoom") == "access-2"
    assert zoom.exchanges == 1


def test_the_dashboards_hear_the_overtakers_mark_and_then_that_the_connection_works_again(
        service: ConnectionService, clock: FixedClock, zoom: SlowRotatingZoom,
        expiring: Connection) -> None:
    stream = Stream()
    zoom.meanwhile.append((refused_meanwhile(service, clock, []), True))

    service.access_token("host-1", "zoom")

    events = [e for record in stream.read() for e in events_of(record)]
    assert [(e.type, e.host_id, (e.connection or {}).get("status")) for e in events] == [
        (EventKind.CONNECTION_BROKEN, "host-1", "broken"),
        (EventKind.CONNECTION_REPAIRED, "host-1", "connected")]


def test_a_late_accepted_refresh_saves_nothing_over_a_host_who_reconnected_meanwhile(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    refusals: list[str] = []
    refused = refused_meanwhile(service, clock, refusals)

    def then_reconnected() -> None:
        refused()   # marked broken, the card says Reconnect: the host does
        repository.save(replace(expiring, grant_id="grant-2"),
                        Tokens("access-9", "refresh-9", clock.now() + timedelta(hours=1)))

    zoom.meanwhile.append((then_reconnected, True))

    # WHEN the first refresh's late answer for grant-1 comes back
    first = service.access_token("host-1", "zoom")

    # THEN the host's new grant stands as the host made it, and is the one used
    assert first == "access-9"
    connection, tokens = stored(repository)
    assert (connection.grant_id, connection.status) == ("grant-2", ConnectionStatus.CONNECTED)
    assert tokens.access_token == "access-9"


def test_a_late_accepted_refresh_saves_nothing_over_a_host_who_disconnected_meanwhile(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    refusals: list[str] = []
    refused = refused_meanwhile(service, clock, refusals)

    def then_disconnected() -> None:
        refused()
        repository.delete("host-1", "zoom")

    zoom.meanwhile.append((then_disconnected, True))

    with pytest.raises(NotConnectedError):
        service.access_token("host-1", "zoom")

    assert repository.get("host-1", "zoom") is None


def test_a_late_accepted_refresh_saves_nothing_over_a_mark_a_refused_call_made(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    # GIVEN a job that finds grant-1's access withdrawn at Zoom while a refresh is out
    zoom.meanwhile.append((lambda: service.broken("host-1", "zoom", "Zoom withdrew access",
                                                  "grant-1"), True))

    # WHEN the refresh's answer comes back
    with pytest.raises(ConnectionBrokenError):
        service.access_token("host-1", "zoom")

    # THEN the job's mark stands: fresh tokens do not bring back withdrawn access
    connection, _ = stored(repository)
    assert (connection.status, connection.broken_reason) == (ConnectionStatus.BROKEN,
                                                             "Zoom withdrew access")


def throttled() -> UpdateError:
    """What PynamoDB raises once botocore has given up retrying a throttled UpdateItem."""
    error = {"Error": {"Code": "ProvisionedThroughputExceededException",
                       "Message": "Rate of requests exceeds the allowed throughput."}}
    return UpdateError("Failed to update item", ClientError(error, "UpdateItem"))


@dataclass
class FailingSaves:
    """The store, whose next `failures` saves of refreshed tokens raise `throttled()`."""

    store: ConnectionRepository
    failures: int
    tries: int = 0
    each: Callable[[], Any] = lambda: None   # what a failing try costs (clock time)

    def finish_refresh(self, lease: RefreshLease, tokens: Tokens) -> bool:
        self.tries += 1
        if self.tries <= self.failures:
            self.each()
            raise throttled()
        return self.store.finish_refresh(lease, tokens)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def saving_through(store: FailingSaves, service: ConnectionService,
                   paused: list[float]) -> ConnectionService:
    return replace(service, connections=cast(Connections, store), sleep=paused.append)


def test_a_refresh_whose_save_is_throttled_is_saved_by_a_later_try(
        service: ConnectionService, repository: ConnectionRepository,
        zoom: SlowRotatingZoom, expiring: Connection) -> None:
    # GIVEN a store that fails every try at saving but the last one allowed
    store = FailingSaves(repository, failures=len(SAVE_PAUSES_SECONDS))
    paused: list[float] = []

    # WHEN Zoom accepts the refresh (and retires refresh-1)
    token = saving_through(store, service, paused).access_token("host-1", "zoom")

    # THEN the rotated tokens are saved, after a pause before each try again
    assert token == "access-2"
    assert paused == list(SAVE_PAUSES_SECONDS)
    connection, tokens = stored(repository)
    assert (connection.tokens_version, tokens.refresh_token) == (2, "refresh-2")
    assert zoom.exchanges == 1


def test_refreshed_tokens_the_store_never_saves_are_logged_as_lost(
        service: ConnectionService, repository: ConnectionRepository,
        zoom: SlowRotatingZoom, expiring: Connection,
        caplog: pytest.LogCaptureFixture) -> None:
    store, paused = FailingSaves(repository, failures=99), list[float]()

    with caplog.at_level(logging.WARNING, logger="penny.connections"), \
            pytest.raises(UpdateError):
        saving_through(store, service, paused).access_token("host-1", "zoom")

    # THEN it stopped after a bounded number of tries, and said loudly whose tokens went
    assert store.tries == len(SAVE_PAUSES_SECONDS) + 1
    lost = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage().split(":")[0] for r in lost] == ["refreshed tokens lost"]
    assert {key: getattr(lost[0], key) for key in
            ("provider", "host_id", "grant_id", "tokens_version", "attempts", "error")} == {
        "provider": "zoom", "host_id": "host-1", "grant_id": "grant-1",
        "tokens_version": 1, "attempts": 4, "error": "UpdateError"}
    assert "refresh-2" not in caplog.text and "access-2" not in caplog.text


def test_no_try_at_saving_refreshed_tokens_is_begun_past_its_time(
        service: ConnectionService, repository: ConnectionRepository, clock: FixedClock,
        expiring: Connection, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN tries that each take 60% of the time allowed (botocore backing off inside)
    store = FailingSaves(repository, failures=99, each=lambda: clock.advance(
        seconds=SAVE_WITHIN.total_seconds() * 0.6))

    with caplog.at_level(logging.ERROR, logger="penny.connections"), \
            pytest.raises(UpdateError):
        saving_through(store, service, []).access_token("host-1", "zoom")

    # THEN a second try starts within the time, no third: the loss is logged while the
    # Lambda still runs
    assert store.tries == 2
    assert [r.__dict__["attempts"] for r in caplog.records if r.levelno == logging.ERROR] == [2]
