"""Live dashboard sockets: who may connect, who receives an event, what a dead socket costs.

Alice (host-alice) and Bob (host-bob) each have dashboards open. The clock stands at
2026-03-02T12:00:00Z; a socket's record lives two hours (API Gateway's limit), a
ticket one minute (plus the minute a token may be dated ahead).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.errors import AuthenticationError, TooManySocketsError
from chalicelib.domain.events import Event, EventKind
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.services.access_tokens import AccessClaims
from chalicelib.services.realtime import (
    CONNECTING,
    EVICT_AFTER,
    MAX_SOCKETS_PER_HOST,
    Realtime,
)
from chalicelib.services.tickets import RealtimeTickets
from tests.unit.fakes import FakeLogins, FakeSender, FakeSockets, FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
KEYS = {"k1": "unit-test-signing-key-0123456789abcdef"}


@dataclass
class World:
    realtime: Realtime
    sockets: FakeSockets
    sender: FakeSender
    logins: FakeLogins
    clock: FixedClock
    tickets: RealtimeTickets

    def ticket(self, host_id: str = "host-alice", session_id: str | None = "login-a"
               ) -> tuple[str, str]:
        """A fresh ticket, and its id (the key its socket's record takes)."""
        token = self.tickets.issue(host_id, session_id).token
        return token, self.tickets.verify(token).ticket_id


@pytest.fixture
def world() -> World:
    clock = FixedClock(NOW)
    sockets, sender = FakeSockets(), FakeSender()
    logins = FakeLogins({"alice-token": AccessClaims("host-alice", "login-a"),
                         "api-token": AccessClaims("host-alice", None),
                         "api-login-token": AccessClaims("host-alice", None,
                                                         login_id="login-a"),
                         "bob-token": AccessClaims("host-bob", "login-b")})
    ticket_tokens = JwtAccessTokens(KEYS, "k1", "penny", "penny-realtime", timedelta(seconds=60))
    tickets = RealtimeTickets(ticket_tokens, clock)
    realtime = Realtime(sockets, sender, logins, clock, tickets)
    return World(realtime, sockets, sender, logins, clock, tickets)


def booking_event(host_id: str, uid: str = "b-1") -> Event:
    return Event(EventKind.BOOKING_CONFIRMED, "evt-1",
                 datetime.fromisoformat("2026-03-02T11:59:58+00:00"), host_id,
                 {"uid": uid, "status": "confirmed"})


def received(world: World, socket_id: str) -> list[dict[str, object]]:
    return [json.loads(message) for message in world.sender.sent.get(socket_id, [])]


# --- connect ------------------------------------------------------------------------------


def test_an_access_token_connects_the_socket_to_its_host_and_login(world: World) -> None:
    assert world.realtime.connect("c-1", "alice-token") == "host-alice"

    assert world.sockets.records == {("host-alice", "c-1"): ("c-1", "login-a", NOW)}


def test_an_api_token_without_a_login_connects_with_no_login(world: World) -> None:
    assert world.realtime.connect("c-1", "api-token", ticket=False) == "host-alice"

    assert world.sockets.records[("host-alice", "c-1")][:2] == ("c-1", None)


def test_an_api_token_naming_its_login_connects_under_that_login(world: World) -> None:
    assert world.realtime.connect("c-1", "api-login-token") == "host-alice"

    assert world.sockets.records[("host-alice", "c-1")][:2] == ("c-1", "login-a")


def test_an_api_token_of_a_login_that_has_ended_opens_no_socket(world: World) -> None:
    world.logins.ended.add("login-a")

    with pytest.raises(AuthenticationError, match="session has ended"):
        world.realtime.connect("c-1", "api-login-token")
    assert world.sockets.records == {}


def test_an_access_token_opens_as_many_sockets_as_it_is_offered_for(world: World) -> None:
    for socket_id in ("c-1", "c-2"):
        world.realtime.connect(socket_id, "alice-token")

    assert world.sockets.ids() == ["c-1", "c-2"]


@pytest.mark.parametrize("token", [None, ""])
def test_a_handshake_without_credentials_is_refused(world: World, token: str | None) -> None:
    with pytest.raises(AuthenticationError) as refused:
        world.realtime.connect("c-1", token)

    assert refused.value.args == ("connect with ?ticket=<ticket> or ?token=<access token>",)
    assert world.sockets.records == {}


def test_a_token_of_an_ended_login_is_refused(world: World) -> None:
    world.logins.ended.add("login-a")

    with pytest.raises(AuthenticationError):
        world.realtime.connect("c-1", "alice-token")
    assert world.sockets.records == {}


def test_a_tickets_socket_is_recorded_under_the_ticket_with_its_login(world: World) -> None:
    ticket, ticket_id = world.ticket()

    assert world.realtime.connect("c-1", ticket, ticket=True) == "host-alice"

    assert world.sockets.records == {("host-alice", ticket_id): ("c-1", "login-a", NOW)}


def test_a_ticket_without_a_login_connects_with_no_login(world: World) -> None:
    ticket, ticket_id = world.ticket(session_id=None)

    assert world.realtime.connect("c-1", ticket, ticket=True) == "host-alice"
    assert world.sockets.records[("host-alice", ticket_id)][:2] == ("c-1", None)


def test_a_ticket_whose_login_has_ended_is_refused(world: World) -> None:
    ticket, _ = world.ticket()
    world.logins.ended.add("login-a")

    with pytest.raises(AuthenticationError) as refused:
        world.realtime.connect("c-1", ticket, ticket=True)

    assert refused.value.args == ("this session has ended; log in again",)
    assert world.sockets.records == {}


def test_a_ticket_of_another_live_login_still_connects(world: World) -> None:
    ticket, _ = world.ticket()
    world.logins.ended.add("login-old")

    assert world.realtime.connect("c-1", ticket, ticket=True) == "host-alice"


def test_an_access_token_offered_as_a_ticket_is_refused(world: World) -> None:
    with pytest.raises(AuthenticationError):
        world.realtime.connect("c-1", "alice-token", ticket=True)
    assert world.sockets.records == {}


def test_a_ticket_offered_as_an_access_token_is_refused(world: World) -> None:
    ticket, _ = world.ticket()

    with pytest.raises(AuthenticationError):
        world.realtime.connect("c-1", ticket)
    assert world.sockets.records == {}


def test_a_ticket_opens_one_socket_only_and_a_replay_writes_nothing(world: World) -> None:
    ticket, ticket_id = world.ticket()
    world.realtime.connect("c-1", ticket, ticket=True)

    with pytest.raises(AuthenticationError) as refused:
        world.realtime.connect("c-2", ticket, ticket=True)

    assert refused.value.args == ("this ticket was already used; ask for a new one",)
    assert world.sockets.records == {("host-alice", ticket_id): ("c-1", "login-a", NOW)}


def test_tickets_issued_at_once_to_one_login_each_open_a_socket(world: World) -> None:
    (first, _), (second, _) = world.ticket(), world.ticket()

    world.realtime.connect("c-1", first, ticket=True)
    world.realtime.connect("c-2", second, ticket=True)

    assert world.sockets.ids() == ["c-1", "c-2"]


# --- push ---------------------------------------------------------------------------------


def test_an_event_reaches_every_socket_of_its_host_and_nobody_elses(world: World) -> None:
    world.realtime.connect("a-1", "alice-token")
    world.realtime.connect("a-2", world.ticket()[0], ticket=True)
    world.realtime.connect("b-1", "bob-token")
    event = booking_event("host-alice")

    assert world.realtime.push(event) == 2

    assert received(world, "a-1") == [event.to_json()]
    assert received(world, "a-2") == [event.to_json()]
    assert received(world, "b-1") == []


def test_an_event_for_a_host_with_no_open_dashboard_reaches_nobody(world: World) -> None:
    world.realtime.connect("b-1", "bob-token")

    assert world.realtime.push(booking_event("host-alice")) == 0
    assert world.sender.sent == {}


def test_an_expired_socket_record_is_not_sent_to(world: World) -> None:
    # TTL deletes late: a record past its two hours may still be listed by the table.
    world.realtime.connect("a-1", "alice-token")
    world.clock.advance(timedelta(hours=1, minutes=30))
    world.realtime.connect("a-2", "alice-token")
    world.clock.advance(timedelta(minutes=30))

    assert world.realtime.push(booking_event("host-alice")) == 1

    assert list(world.sender.sent) == ["a-2"]
    assert world.sockets.removed == []  # TTL's to delete, not a write of ours


def test_a_sockets_record_is_deleted_when_a_post_to_it_finds_it_gone(world: World) -> None:
    for socket_id in ("a-1", "a-2", "a-3"):
        world.realtime.connect(socket_id, "alice-token")
    world.sender.gone.add("a-1")
    world.clock.advance(CONNECTING)  # past its handshake: gone means closed

    assert world.realtime.push(booking_event("host-alice")) == 2

    assert world.sockets.ids() == ["a-2", "a-3"]
    assert sorted(world.sender.sent) == ["a-2", "a-3"]
    assert world.sockets.removed == [("host-alice", ["a-1"])]


def test_the_gone_sockets_of_one_push_are_deleted_in_one_write(world: World) -> None:
    for socket_id in ("a-1", "a-2", "a-3"):
        world.realtime.connect(socket_id, "alice-token")
    world.sender.gone.update({"a-1", "a-3"})
    world.clock.advance(CONNECTING)

    world.realtime.push(booking_event("host-alice"))

    assert world.sockets.removed == [("host-alice", ["a-1", "a-3"])]
    assert world.sockets.ids() == ["a-2"]


class SocketsPushedToMidHandshake(FakeSockets):
    """A push from another Lambda lands right after `$connect` wrote the record, while
    API Gateway still answers 410 for the socket (its handshake has not completed)."""

    world: World | None = None

    def open(self, host_id: str, key: str, socket_id: str, now: datetime,
             session_id: str | None = None) -> bool:
        written = super().open(host_id, key, socket_id, now, session_id)
        assert self.world is not None
        self.world.sender.gone.add(socket_id)
        self.world.realtime.push(booking_event(host_id, "b-0"))
        self.world.sender.gone.discard(socket_id)  # the handshake completes
        return written


def test_an_api_clients_socket_pushed_to_during_its_handshake_gets_the_next_event(
        world: World) -> None:
    sockets = SocketsPushedToMidHandshake()
    realtime = Realtime(sockets, world.sender, world.logins, world.clock, world.tickets)
    sockets.world = raced = World(realtime, sockets, world.sender, world.logins,
                                  world.clock, world.tickets)
    realtime.connect("c-1", "api-token")
    world.clock.advance(CONNECTING - timedelta(seconds=1))

    assert realtime.push(booking_event("host-alice")) == 1

    assert sockets.removed == [] and sockets.ids() == ["c-1"]
    assert received(raced, "c-1") == [booking_event("host-alice").to_json()]


def test_a_gone_sockets_record_is_kept_while_it_may_be_in_its_handshake_then_deleted(
        world: World) -> None:
    world.realtime.connect("a-1", "alice-token")
    world.sender.gone.add("a-1")

    # WHEN a push finds it gone within API Gateway's 29 s integration timeout of $connect
    world.clock.advance(CONNECTING - timedelta(seconds=1))
    assert world.realtime.push(booking_event("host-alice")) == 0
    assert world.sockets.ids() == ["a-1"] and world.sockets.removed == []

    # WHEN a push finds it gone after that: the record is deleted
    world.clock.advance(timedelta(seconds=1))
    world.realtime.push(booking_event("host-alice"))
    assert world.sockets.removed == [("host-alice", ["a-1"])]


def test_a_gone_tickets_socket_is_deleted_once_its_ticket_can_no_longer_be_used(
        world: World) -> None:
    ticket, _ = world.ticket()
    world.realtime.connect("a-1", ticket, ticket=True)
    world.sender.gone.add("a-1")

    # WHEN a push finds it gone within the ticket's life (60 s, and 60 s of skew)
    world.clock.advance(timedelta(seconds=119))
    assert world.realtime.push(booking_event("host-alice")) == 0

    # THEN its record is kept: deleted, it would let a copy of the ticket connect again
    assert world.sockets.ids() == ["a-1"]
    with pytest.raises(AuthenticationError):
        world.realtime.connect("a-2", ticket, ticket=True)

    # WHEN a push finds it gone after that: the record is deleted
    world.clock.advance(timedelta(seconds=1))
    world.realtime.push(booking_event("host-alice"))
    assert world.sockets.records == {}


def test_a_broken_socket_is_logged_kept_and_does_not_stop_the_rest(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    for socket_id in ("a-1", "a-2"):
        world.realtime.connect(socket_id, "alice-token")
    world.sender.broken.add("a-1")

    with caplog.at_level(logging.ERROR, logger="penny.realtime"):
        assert world.realtime.push(booking_event("host-alice")) == 1

    assert world.sockets.ids() == ["a-1", "a-2"]
    assert list(world.sender.sent) == ["a-2"]
    [record] = caplog.records
    assert (record.name, record.getMessage()) == ("penny.realtime", "push to a-1 failed")
    assert record.exc_info is not None


# --- pong, refuse -------------------------------------------------------------------------


def test_a_ping_is_answered_with_a_pong(world: World) -> None:
    world.realtime.pong("c-1")

    assert world.sender.sent == {"c-1": ['{"type": "pong"}']}


def test_a_message_not_understood_is_answered_in_the_http_error_shape(world: World) -> None:
    world.realtime.refuse("c-1", "unknown_action", "send {\"action\": \"ping\"}")

    assert received(world, "c-1") == [{"type": "error", "error": {
        "code": "unknown_action", "message": "send {\"action\": \"ping\"}", "field": None}}]


def test_answering_a_gone_socket_writes_nothing(world: World) -> None:
    # Its id alone does not name its record: the next push to it, or TTL, deletes that.
    world.realtime.connect("c-1", "alice-token")
    world.sender.gone.add("c-1")

    world.realtime.pong("c-1")

    assert world.sockets.ids() == ["c-1"]
    assert world.sockets.removed == []


# --- close_login --------------------------------------------------------------------------


def test_logout_closes_and_deletes_only_that_logins_sockets(world: World) -> None:
    world.realtime.connect("a-1", "alice-token")
    world.realtime.connect("a-2", world.ticket()[0], ticket=True)
    world.realtime.connect("a-api", "api-token")
    world.realtime.connect("b-1", "bob-token")

    assert world.realtime.close_login("host-alice", "login-a") == 2

    assert world.sender.closed == ["a-1", "a-2"]
    assert world.sockets.removed == [("host-alice", ["a-1", "a-2"])]
    assert world.sockets.ids() == ["a-api", "b-1"]


def test_logout_closes_the_sockets_an_api_token_of_that_login_opened(world: World) -> None:
    world.realtime.connect("api", "api-login-token")
    world.realtime.connect("other", "bob-token")

    assert world.realtime.close_login("host-alice", "login-a") == 1

    assert world.sender.closed == ["api"]
    assert world.sockets.ids() == ["other"]


def test_logout_deletes_a_tickets_socket_at_once_and_the_ticket_stays_refused(
        world: World) -> None:
    ticket, _ = world.ticket()
    world.realtime.connect("a-1", ticket, ticket=True)
    world.logins.ended.add("login-a")  # the logout ends the login, then closes its sockets

    world.realtime.close_login("host-alice", "login-a")

    assert world.sockets.records == {}
    with pytest.raises(AuthenticationError, match="session has ended"):
        world.realtime.connect("a-2", ticket, ticket=True)


def test_logout_with_no_open_socket_closes_nothing_and_writes_nothing(world: World) -> None:
    world.realtime.connect("b-1", "bob-token")

    assert world.realtime.close_login("host-alice", "login-a") == 0

    assert world.sender.closed == []
    assert world.sockets.removed == []


def test_logout_forgets_sockets_that_are_already_gone_or_fail_to_close(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    for socket_id in ("a-1", "a-2", "a-3"):
        world.realtime.connect(socket_id, "alice-token")
    world.sender.gone.add("a-1")
    world.sender.broken.add("a-2")

    with caplog.at_level(logging.ERROR, logger="penny.realtime"):
        assert world.realtime.close_login("host-alice", "login-a") == 3

    assert world.sender.closed == ["a-3"]
    assert world.sockets.records == {}
    [record] = caplog.records
    assert (record.name, record.getMessage()) == ("penny.realtime", "closing a-2 failed")
    assert record.exc_info is not None


@dataclass
class SocketsWithALogoutMeanwhile(FakeSockets):
    """The login logs out while its socket opens: after the ticket was checked, before
    the socket's record is written (its close_login finds nothing to close yet)."""

    world: World | None = None

    def open(self, host_id: str, key: str, socket_id: str, now: datetime,
             session_id: str | None = None) -> bool:
        if self.world is not None and session_id is not None:
            world, self.world = self.world, None
            world.logins.ended.add(session_id)
            world.realtime.close_login(host_id, session_id)
        return super().open(host_id, key, socket_id, now, session_id)


def test_a_socket_opening_as_its_login_logs_out_is_refused_and_gets_no_events(
        world: World) -> None:
    sockets = SocketsWithALogoutMeanwhile()
    realtime = Realtime(sockets, world.sender, world.logins, world.clock, world.tickets)
    sockets.world = late = World(realtime, sockets, world.sender, world.logins, world.clock,
                                 world.tickets)
    token, _ = late.ticket("host-alice", "login-a")

    with pytest.raises(AuthenticationError):
        realtime.connect("c-late", token, ticket=True)
    realtime.push(booking_event("host-alice"))

    assert received(late, "c-late") == [] and sockets.for_host("host-alice", NOW) == []


# --- the bound ----------------------------------------------------------------------------


def open_sockets(world: World, count: int, prefix: str = "a",
                 token: str = "alice-token") -> list[str]:
    """`count` sockets opened a minute apart, oldest first; the clock stays at the last."""
    ids = []
    for n in range(1, count + 1):
        if n > 1:
            world.clock.advance(timedelta(minutes=1))
        world.realtime.connect(f"{prefix}-{n:02d}", token)
        ids.append(f"{prefix}-{n:02d}")
    return ids


def test_a_host_keeps_its_sockets_up_to_the_bound_untouched(world: World) -> None:
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)

    assert world.sockets.ids() == ids
    assert world.sender.closed == [] and world.sockets.removed == []


def test_a_socket_past_the_bound_closes_and_forgets_the_hosts_oldest(world: World) -> None:
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST + 2)

    assert world.sender.closed == ids[:2]
    assert world.sockets.ids() == ids[2:]
    assert world.realtime.push(booking_event("host-alice")) == MAX_SOCKETS_PER_HOST


def test_the_bound_forgets_records_of_sockets_closed_before_and_spares_other_hosts(
        world: World) -> None:
    bobs = open_sockets(world, 3, "b", "bob-token")
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)
    world.sender.gone.add(ids[0])  # that tab closed long ago; its record stayed

    world.clock.advance(timedelta(minutes=1))  # the oldest 10 minutes old
    world.realtime.connect("a-new", "alice-token")

    assert world.sockets.removed == [("host-alice", [ids[0]])]
    assert world.sockets.ids() == sorted([*bobs, *ids[1:], "a-new"])


def test_a_socket_that_fails_to_close_at_the_bound_is_kept_and_still_pushed_to(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)
    world.sender.broken.add(ids[0])
    world.clock.advance(timedelta(minutes=1))

    with caplog.at_level(logging.ERROR, "penny.realtime"):
        world.realtime.connect("a-new", "alice-token")

    assert ids[0] in world.sockets.ids() and world.sockets.removed == []
    assert f"closing {ids[0]} failed" in caplog.text


def test_past_the_bound_with_only_young_sockets_the_new_token_socket_is_refused(
        world: World) -> None:
    # GIVEN ten live sockets, the oldest opened 9 minutes ago
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)

    # WHEN an eleventh opens: none is old enough to close for it
    with pytest.raises(TooManySocketsError) as refused:
        world.realtime.connect("a-new", "alice-token")

    # THEN it is refused, with no socket closed and no record of its own left behind
    assert refused.value.retry_after == EVICT_AFTER.total_seconds()
    assert world.sender.closed == [] and world.sockets.ids() == ids
    # and once the oldest is old enough, the next one closes it and opens
    world.clock.advance(EVICT_AFTER - timedelta(minutes=9))
    assert world.realtime.connect("a-new", "alice-token") == "host-alice"
    assert world.sender.closed == [ids[0]]


def test_more_live_clients_than_the_bound_take_turns_instead_of_closing_each_other(
        world: World) -> None:
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST + 1)   # the 11th closed the 1st
    assert world.sender.closed == [ids[0]]

    # WHEN the closed one reconnects at once (a live dashboard), and again
    for _ in range(3):
        with pytest.raises(TooManySocketsError):
            world.realtime.connect("a-01-again", "alice-token")

    # THEN no other socket was closed for it
    assert world.sender.closed == [ids[0]]


def test_a_refused_tickets_socket_keeps_its_ticket_used_up_but_is_no_socket(
        world: World) -> None:
    # GIVEN ten live sockets, all younger than EVICT_AFTER
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)
    ticket, ticket_id = world.ticket()

    with pytest.raises(TooManySocketsError):
        world.realtime.connect("t-1", ticket, ticket=True)

    # THEN what is left of it is its ticket's key, until the ticket could no longer be
    # accepted: not a socket the bound counts or a push posts to
    assert world.sockets.spent == {("host-alice", ticket_id): world.tickets.usable_until(
        world.clock.now())}
    assert [s.socket_id for s in world.sockets.for_host("host-alice", world.clock.now())] \
        == ids
    assert world.realtime.push(booking_event("host-alice")) == MAX_SOCKETS_PER_HOST
    assert "t-1" not in world.sender.sent
    # and the ticket stays used: a copy of it opens nothing
    with pytest.raises(AuthenticationError, match="already used"):
        world.realtime.connect("t-2", ticket, ticket=True)


def test_a_refused_socket_leaves_no_record_that_counts_against_the_bound(
        world: World) -> None:
    # GIVEN ten live sockets, none old enough to be closed, and a dashboard refused again
    # and again (each retry with a fresh ticket, a few seconds apart)
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)
    for attempt in range(5):
        world.clock.advance(timedelta(seconds=10))
        with pytest.raises(TooManySocketsError):
            world.realtime.connect(f"t-{attempt}", world.ticket()[0], ticket=True)

    # WHEN one of the live dashboards closes its tab, and the next retry comes
    world.sender.gone.add(ids[-1])
    world.clock.advance(timedelta(seconds=5))

    # THEN it gets the place the closed tab left, and no live socket is closed for it
    assert world.realtime.connect("t-next", world.ticket()[0], ticket=True) == "host-alice"
    assert world.sender.closed == []
    assert world.sockets.ids() == sorted([*ids[:-1], "t-next"])


def test_eleven_reloads_within_ten_minutes_the_eleventh_dashboard_gets_a_live_socket(
        world: World) -> None:
    # GIVEN a dashboard reloaded every 50 s: each load opens a socket with a fresh ticket
    # and the reload closes it (nothing runs when a socket closes: its record stays)
    for load in range(1, MAX_SOCKETS_PER_HOST + 1):
        world.realtime.connect(f"load-{load:02d}", world.ticket()[0], ticket=True)
        world.sender.gone.add(f"load-{load:02d}")
        world.clock.advance(timedelta(seconds=50))

    # WHEN it loads an eleventh time, 8 min 20 s after the first
    assert world.realtime.connect("load-11", world.ticket()[0], ticket=True) == "host-alice"

    # THEN its socket is live: the closed ones' records were found gone and forgotten
    # (the oldest first, only as many as it needed), and no live socket was closed
    assert world.sender.asked == ["load-01"]
    assert world.sockets.removed == [("host-alice", ["load-01"])]
    assert world.realtime.push(booking_event("host-alice")) == 1
    assert received(world, "load-11") == [booking_event("host-alice").to_json()]
    assert world.sender.closed == []


def test_past_the_bound_a_closed_tabs_record_goes_before_any_live_socket_is_closed(
        world: World) -> None:
    # GIVEN ten sockets, the oldest live and old enough to be closed, a younger one gone
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)
    world.clock.advance(timedelta(minutes=1))
    world.sender.gone.add(ids[4])

    world.realtime.connect("a-new", "alice-token")

    # THEN the gone one is forgotten, and the oldest live dashboard keeps its socket
    assert world.sender.closed == []
    assert world.sockets.removed == [("host-alice", [ids[4]])]
    assert ids[0] in world.sockets.ids()


def test_a_burst_of_handshakes_past_the_bound_is_refused_without_asking_who_is_open(
        world: World) -> None:
    # GIVEN ten sockets opened within the last seconds: API Gateway answers a socket
    # still in its $connect as gone, so asking could not tell them from closed ones
    for n in range(MAX_SOCKETS_PER_HOST):
        world.realtime.connect(f"burst-{n}", "alice-token")
        world.sender.gone.add(f"burst-{n}")

    # WHEN an eleventh comes within CONNECTING of them
    world.clock.advance(CONNECTING - timedelta(seconds=1))
    with pytest.raises(TooManySocketsError):
        world.realtime.connect("burst-more", "alice-token")

    # THEN it is refused, the ten are counted as they are, and nobody was asked
    assert world.sender.asked == [] and world.sockets.removed == [
        ("host-alice", ["burst-more"])]


def test_a_socket_whose_state_cannot_be_read_counts_as_open(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    ids = open_sockets(world, MAX_SOCKETS_PER_HOST)
    world.sender.broken.add(ids[0])  # GetConnection throttled, say

    with caplog.at_level(logging.ERROR, "penny.realtime"), \
            pytest.raises(TooManySocketsError):
        world.realtime.connect("a-new", "alice-token")

    assert world.sockets.ids() == ids
    assert f"asking whether {ids[0]} is open failed" in caplog.text


def test_a_bound_that_cannot_be_read_never_refuses_the_socket(
        world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(host_id: str, now: datetime) -> list[object]:
        raise RuntimeError("throttled")

    monkeypatch.setattr(world.sockets, "for_host", unreadable)

    with caplog.at_level(logging.ERROR, "penny.realtime"):
        assert world.realtime.connect("a-1", "alice-token") == "host-alice"

    assert world.sockets.ids() == ["a-1"]
    assert "keeping host host-alice within its sockets failed" in caplog.text
