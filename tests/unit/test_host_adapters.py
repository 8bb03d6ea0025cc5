"""The hosts' provider adapters (bootstrap.HostAdapters): made per host and per use, with
the host's own token, only for a provider set up on this Penny, and never before the
host's connection is known to work.

A stub stands in for the connection service (its `access` and `broken` are the only calls made),
and a recording adapter for the vendor's, so no database and no network is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import pytest

from chalicelib.bootstrap import Core, HostAdapters, host_adapters
from chalicelib.domain.errors import ConnectionBrokenError, NotConnectedError
from chalicelib.provider_settings import MicrosoftApp, OAuthApp, Providers
from chalicelib.services.connections import ConnectionService
from chalicelib.settings import Settings
from tests.unit.fakes import FixedClock

CLOCK = FixedClock(datetime(2026, 3, 2, 12, tzinfo=UTC))
# As host_adapters names them, before the fixture below swaps them for the recording one.
REAL_CALENDARS = dict(host_adapters.CALENDAR_ADAPTERS)
REAL_VIDEO = dict(host_adapters.VIDEO_ADAPTERS)
GOOGLE = OAuthApp("google-client", "google-secret")
ZOOM = OAuthApp("zoom-client", "zoom-secret")
MICROSOFT = MicrosoftApp("ms-client", "ms-secret")


class RecordingAdapter:
    """Stands in for a vendor adapter: keeps what it was made with."""

    made: ClassVar[list[RecordingAdapter]] = []

    def __init__(self, entry: Any, token: Callable[[bool], str], timeout: float) -> None:
        self.entry, self.token, self.timeout = entry, token, timeout
        RecordingAdapter.made.append(self)


@dataclass(frozen=True)
class StubGrant:
    grant_id: str


@dataclass
class StubConnections:
    """The connection service's `access` (a new token each call, of the host's current
    grant, or its error) and `broken` (recorded)."""

    connected: set[tuple[str, str]] = field(default_factory=set)
    refusing: set[tuple[str, str]] = field(default_factory=set)  # broken connections
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)
    grant: str = "grant-1"
    marked: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    def access(self, host_id: str, provider: str,
               refused: str | None = None) -> tuple[StubGrant, str]:
        self.calls.append((host_id, provider, refused))
        if (host_id, provider) in self.refusing:
            raise ConnectionBrokenError(provider, "refresh refused: reconnect")
        if (host_id, provider) not in self.connected:
            raise NotConnectedError(f"{provider.title()} is not connected")
        return StubGrant(self.grant), f"token-{len(self.calls)}"

    def broken(self, host_id: str, provider: str, reason: str,
             grant_id: str | None = None) -> bool:
        self.marked.append((host_id, provider, reason, grant_id))
        return True


@dataclass
class World:
    connections: StubConnections
    built: list[str]            # each time the connection service was asked for
    adapters: HostAdapters


def world(providers: Providers, *connected: tuple[str, str]) -> World:
    stub = StubConnections(set(connected))
    built: list[str] = []

    def connections() -> ConnectionService:
        built.append("connections")
        return cast(ConnectionService, stub)

    return World(stub, built, HostAdapters(Core(Settings(providers=providers), CLOCK),
                                           connections))


@pytest.fixture(autouse=True)
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every adapter is the recording one; a module that does not exist stands for a
    vendor SDK that must not be imported (importing it would fail the test)."""
    RecordingAdapter.made = []
    here = f"{__name__}:RecordingAdapter"
    monkeypatch.setitem(host_adapters.CALENDAR_ADAPTERS, "google", here)
    monkeypatch.setitem(host_adapters.CALENDAR_ADAPTERS, "microsoft",
                        "tests.unit.no_such_vendor_sdk:GraphCalendar")
    monkeypatch.setitem(host_adapters.VIDEO_ADAPTERS, "zoom", here)
    yield


def test_an_adapter_is_made_with_the_providers_entry_the_hosts_token_and_the_timeout(
        ) -> None:
    given = world(Providers(google=GOOGLE), ("alice", "google"))

    calendar = given.adapters.calendar("alice", "google", 2.5)

    (made,) = RecordingAdapter.made
    assert cast(object, calendar) is made
    assert (made.entry, made.timeout) == (GOOGLE, 2.5)
    # The token read to check the connection works is the adapter's first: one read.
    assert made.token(False) == "token-1"
    assert given.connections.calls == [("alice", "google", None)]
    # Later, it is read afresh (another container may have refreshed it meanwhile).
    assert made.token(False) == "token-2"


def test_after_a_refusal_the_token_is_asked_for_again_naming_the_refused_one() -> None:
    given = world(Providers(zoom=ZOOM), ("alice", "zoom"))
    given.adapters.video("alice", "zoom", 3.0)
    (made,) = RecordingAdapter.made

    used = made.token(False)
    fresh = made.token(True)
    after = made.token(False)

    assert (used, fresh, after) == ("token-1", "token-2", "token-3")  # read afresh
    assert given.connections.calls[-2] == ("alice", "zoom", "token-1")


def test_a_job_marks_broken_the_grant_whose_token_it_used_not_one_made_since() -> None:
    given = world(Providers(zoom=ZOOM), ("alice", "zoom"))
    given.adapters.video("alice", "zoom", 3.0)   # its token is of grant-1

    # WHEN the host reconnects Zoom while the job runs, and the job then finds its
    # meeting refused (access withdrawn at Zoom)
    given.connections.grant = "grant-2"
    given.adapters.broken("alice", "zoom", "Zoom withdrew access")

    # THEN what is marked is the grant the job used: the new one is left working
    assert given.connections.marked == [("alice", "zoom", "Zoom withdrew access", "grant-1")]


def test_a_provider_not_set_up_here_is_not_connected_and_nothing_is_loaded() -> None:
    # Microsoft's adapter path names a module that does not exist: importing it would
    # raise ModuleNotFoundError, not NotConnectedError.
    given = world(Providers(google=GOOGLE), ("alice", "microsoft"))

    with pytest.raises(NotConnectedError) as raised:
        given.adapters.calendar("alice", "microsoft", 3.0)

    assert raised.value.message == "Microsoft has no calendar in Penny here"
    assert given.built == [] and RecordingAdapter.made == []


def test_a_provider_without_that_kind_of_adapter_is_not_connected_for_it() -> None:
    given = world(Providers(google=GOOGLE, microsoft=MICROSOFT), ("alice", "google"))

    with pytest.raises(NotConnectedError) as raised:
        given.adapters.video("alice", "google", 3.0)   # Meet rides on the calendar

    assert raised.value.message == "Google has no meetings in Penny here"
    assert given.built == [] and RecordingAdapter.made == []


def test_a_host_who_has_not_connected_the_provider_gets_no_adapter() -> None:
    given = world(Providers(google=GOOGLE), ("bob", "google"))

    with pytest.raises(NotConnectedError):
        given.adapters.calendar("alice", "google", 3.0)

    assert given.connections.calls == [("alice", "google", None)]


def test_a_broken_connection_is_raised_before_any_vendor_call() -> None:
    given = world(Providers(zoom=ZOOM), ("alice", "zoom"))
    given.connections.refusing.add(("alice", "zoom"))

    with pytest.raises(ConnectionBrokenError):
        given.adapters.video("alice", "zoom", 3.0)

    assert RecordingAdapter.made == []


def test_the_connection_service_is_asked_for_only_when_an_adapter_is_made() -> None:
    given = world(Providers(google=GOOGLE), ("alice", "google"))
    assert given.built == []

    given.adapters.calendar("alice", "google", 3.0)

    assert given.built == ["connections"]


def test_each_use_makes_a_new_adapter_for_that_host() -> None:
    given = world(Providers(google=GOOGLE), ("alice", "google"), ("bob", "google"))

    alice = given.adapters.calendar("alice", "google", 3.0)
    bob = given.adapters.calendar("bob", "google", 3.0)
    again = given.adapters.calendar("alice", "google", 3.0)

    assert len({id(alice), id(bob), id(again)}) == 3
    assert [c[0] for c in given.connections.calls] == ["alice", "bob", "alice"]


def test_the_vendor_adapters_named_are_made_without_calling_the_vendor(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host_adapters, "CALENDAR_ADAPTERS", REAL_CALENDARS)
    monkeypatch.setattr(host_adapters, "VIDEO_ADAPTERS", REAL_VIDEO)
    given = world(Providers(google=GOOGLE, microsoft=MICROSOFT, zoom=ZOOM),
                  ("alice", "google"), ("alice", "microsoft"), ("alice", "zoom"))

    made = [type(given.adapters.calendar("alice", "google", 3.0)).__name__,
            type(given.adapters.calendar("alice", "microsoft", 3.0)).__name__,
            type(given.adapters.video("alice", "zoom", 3.0)).__name__]

    assert made == ["GoogleCalendar", "GraphCalendar", "ZoomMeetings"]
    assert [c[1] for c in given.connections.calls] == ["google", "microsoft", "zoom"]


def test_a_hosts_zone_that_cannot_be_read_places_all_day_events_in_utc(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.store.hosts import HostRepository

    def throttled(self: HostRepository, host_id: str) -> str | None:
        raise RuntimeError("ProvisionedThroughputExceededException")

    monkeypatch.setattr(HostRepository, "timezone", throttled)

    assert host_adapters._home_zone("host-1") is UTC
