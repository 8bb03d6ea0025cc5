"""Booking a slot: the re-check, the atomic write, its retries and idempotent replays.

Alice works 09:00-17:00 New York time on weekdays; in early March 2026 that is UTC-5, so
10:00 local is 15:00Z. The clock stands at Monday 2026-03-02 12:00Z.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from chalicelib.domain.bookings import Attendee, BookingStatus, LedgerDay, LedgerEntry
from chalicelib.domain.errors import (
    BookingContentionError,
    IdempotencyKeyReusedError,
    InvalidAnswerError,
    InvalidTimezoneError,
    NotFoundError,
    SlotTakenError,
    SlotUnavailableError,
    ValidationError,
)
from chalicelib.domain.event_types import Question, QuestionType
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.booking import BookingRequest, BookingService
from chalicelib.services.links import BookingLinks
from tests.unit.fakes import FakeBookings, FakeHosts, FixedClock, make_host, reservations

NOW = "2026-03-02T12:00:00+00:00"
WEDNESDAY = date(2026, 3, 4)
THURSDAY = date(2026, 3, 5)

NOTION = NotesDestination("notion", "db-1", "ds-1", "Client notes")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class World:
    service: BookingService
    bookings: FakeBookings
    clock: FixedClock
    config: HostConfig
    hosts: FakeHosts

    @property
    def host_id(self) -> str:
        return self.config.profile.host_id

    def book(self, start: str, key: str | None = None, **kwargs: Any) -> Any:
        return self.service.book("alice", "intro", request(start, **kwargs), key)

    def entries(self, day: date) -> list[str]:
        return [e.booking_uid for e in self.bookings.day(self.host_id, day).entries]


def given_alice(attempts: int = 6, hours: tuple[str, str] = ("09:00", "17:00"),
                **event: Any) -> World:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    config = make_host(hosts, clock.now(), hours=hours, **event)
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    return World(BookingService(hosts, reservations(bookings, clock, attempts=attempts), links),
                 bookings, clock, config, hosts)


def request(start: str, name: str = "Bo Booker", zone: str = "Europe/London",
            answers: dict[str, str | None] | None = None) -> BookingRequest:
    return BookingRequest(at(start), Attendee(name, "bo@example.com", zone), answers or {})


def held(uid: str, start: str, end: str, hold_until: str) -> LedgerEntry:
    meeting = TimeRange(at(start), at(end))
    return LedgerEntry(uid, "alice-intro", meeting, meeting, at(hold_until))


# --- the happy path -------------------------------------------------------------------------


def test_booking_a_free_slot_stores_a_confirmed_booking() -> None:
    world = given_alice()

    result = world.book("2026-03-04T10:00:00-05:00")

    assert result.replayed is False
    booking = result.booking
    assert (booking.start, booking.end) == (at("2026-03-04T15:00:00+00:00"),
                                            at("2026-03-04T15:30:00+00:00"))
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.created_at == at(NOW)
    stored = world.bookings.get(booking.uid)
    assert stored is not None and stored.version == 1
    assert stored.attendee == Attendee("Bo Booker", "bo@example.com", "Europe/London")


def test_booking_a_free_slot_enters_it_in_the_ledger_of_its_utc_day_only() -> None:
    world = given_alice()

    uid = world.book("2026-03-04T10:00:00-05:00").booking.uid

    assert world.entries(WEDNESDAY) == [uid]
    # The host's local Wednesday runs into Thursday 05:00Z: read and checked, never written.
    assert world.bookings.day(world.host_id, THURSDAY) == LedgerDay(THURSDAY)


def test_a_blocked_range_across_utc_midnight_is_entered_on_both_utc_days() -> None:
    world = given_alice(hours=("09:00", "21:00"), duration_minutes=60,
                        buffer_before_minutes=15)

    booking = world.book("2026-03-04T19:00:00-05:00").booking

    assert booking.blocked == TimeRange(at("2026-03-04T23:45:00+00:00"),
                                        at("2026-03-05T01:00:00+00:00"))
    assert world.entries(WEDNESDAY) == [booking.uid]
    assert world.entries(THURSDAY) == [booking.uid]
    entry = world.bookings.day(world.host_id, THURSDAY).entries[0]
    assert entry == LedgerEntry.of(booking)


# --- slots that cannot be booked ------------------------------------------------------------


def test_a_slot_already_booked_is_taken() -> None:
    world = given_alice()
    world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(SlotTakenError):
        world.book("2026-03-04T10:00:00-05:00", name="Cy Second")

    assert len(world.bookings.bookings) == 1


def test_a_slot_inside_another_bookings_buffer_is_taken() -> None:
    world = given_alice(buffer_after_minutes=30)
    world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(SlotTakenError):
        world.book("2026-03-04T10:30:00-05:00", name="Cy Second")


def test_a_start_off_the_slot_grid_is_unavailable() -> None:
    world = given_alice()

    with pytest.raises(SlotUnavailableError):
        world.book("2026-03-04T10:10:00-05:00")


def test_a_start_that_is_not_a_whole_minute_is_unavailable() -> None:
    world = given_alice()

    with pytest.raises(SlotUnavailableError):
        world.book("2026-03-04T10:00:30-05:00")


@pytest.mark.parametrize("start", [
    "2026-03-04T08:30:00-05:00",   # before opening
    "2026-03-04T16:45:00-05:00",   # would end after closing
    "2026-03-07T10:00:00-05:00",   # a Saturday
    "2026-03-02T06:30:00-05:00",   # today, before opening and already past
])
def test_a_start_outside_working_hours_is_unavailable(start: str) -> None:
    world = given_alice()

    with pytest.raises(SlotUnavailableError):
        world.book(start)

    assert world.bookings.commits == 0


def test_an_inactive_event_type_cannot_be_booked() -> None:
    world = given_alice(active=False)

    with pytest.raises(NotFoundError):
        world.book("2026-03-04T10:00:00-05:00")


def test_a_hidden_event_type_can_still_be_booked_by_its_link() -> None:
    world = given_alice(hidden=True)

    assert world.book("2026-03-04T10:00:00-05:00").booking.event_type_id == "alice-intro"


def test_a_booking_carries_the_hosts_premium_plan_as_it_was_when_made() -> None:
    world = given_alice()
    ordinary = world.book("2026-03-04T10:00:00-05:00").booking
    world.hosts.premium.add(world.host_id)  # the operator's switch

    premium = world.book("2026-03-04T11:00:00-05:00").booking

    assert (ordinary.premium, premium.premium) == (False, True)
    stored = [world.bookings.get(b.uid) for b in (ordinary, premium)]
    assert [b.premium for b in stored if b is not None] == [False, True]


def test_a_booking_says_whether_its_host_kept_notes_when_it_was_made() -> None:
    world = given_alice()
    without = world.book("2026-03-04T10:00:00-05:00").booking
    world.hosts.save_notes(world.host_id, NOTION)

    kept = world.book("2026-03-04T11:00:00-05:00").booking

    assert (without.keeps_notes, kept.keeps_notes) == (False, True)
    stored = [world.bookings.get(b.uid) for b in (without, kept)]
    assert [b.keeps_notes for b in stored if b is not None] == [False, True]


# --- contention: optimistic concurrency on the ledger ---------------------------------------


def test_a_concurrent_write_is_retried_from_a_fresh_read_and_then_succeeds() -> None:
    world = given_alice()
    world.bookings.fail_commits = 1

    result = world.book("2026-03-04T10:00:00-05:00")

    assert world.bookings.reads == 2
    assert world.bookings.commits == 2
    assert world.entries(WEDNESDAY) == [result.booking.uid]


def test_a_rival_booking_another_time_that_day_does_not_stop_the_retry() -> None:
    world = given_alice()
    world.bookings.before_commit.append(
        lambda: world.book("2026-03-04T14:00:00-05:00", name="Rival"))

    mine = world.book("2026-03-04T10:00:00-05:00").booking

    assert world.bookings.reads == 3  # mine, the rival's, mine again after the conflict
    assert sorted(world.entries(WEDNESDAY)) == sorted(
        b.uid for b in world.bookings.bookings.values())
    assert mine.uid in world.entries(WEDNESDAY)


def test_a_rival_taking_the_same_slot_between_read_and_write_makes_it_taken() -> None:
    world = given_alice()
    world.bookings.before_commit.append(
        lambda: world.book("2026-03-04T10:00:00-05:00", name="Rival"))

    with pytest.raises(SlotTakenError):
        world.book("2026-03-04T10:00:00-05:00")

    (rival,) = world.bookings.bookings.values()
    assert rival.attendee.name == "Rival"
    assert world.entries(WEDNESDAY) == [rival.uid]


def test_a_write_that_conflicts_on_every_attempt_reports_contention() -> None:
    world = given_alice(attempts=3)
    world.bookings.fail_commits = 3

    with pytest.raises(BookingContentionError):
        world.book("2026-03-04T10:00:00-05:00")

    assert world.bookings.commits == 3
    assert world.bookings.bookings == {}


def test_the_last_allowed_attempt_may_still_succeed() -> None:
    world = given_alice(attempts=3)
    world.bookings.fail_commits = 2

    world.book("2026-03-04T10:00:00-05:00")

    assert len(world.bookings.bookings) == 1


# --- idempotency ----------------------------------------------------------------------------


def test_a_retried_request_with_the_same_key_replays_the_first_booking() -> None:
    world = given_alice()
    first = world.book("2026-03-04T10:00:00-05:00", key="k-1")

    again = world.book("2026-03-04T10:00:00-05:00", key="k-1")

    assert again.replayed is True
    assert again.booking.uid == first.booking.uid
    assert world.bookings.commits == 1
    assert world.entries(WEDNESDAY) == [first.booking.uid]


def test_the_same_key_on_a_different_request_is_refused() -> None:
    world = given_alice()
    world.book("2026-03-04T10:00:00-05:00", key="k-1")

    with pytest.raises(IdempotencyKeyReusedError):
        world.book("2026-03-04T11:00:00-05:00", key="k-1")

    assert len(world.bookings.bookings) == 1


def test_a_concurrent_twin_that_commits_the_key_first_is_replayed() -> None:
    world = given_alice()
    twin: list[Any] = []
    world.bookings.before_commit.append(
        lambda: twin.append(world.book("2026-03-04T10:00:00-05:00", key="k-1")))

    result = world.book("2026-03-04T10:00:00-05:00", key="k-1")

    assert result.replayed is True
    assert result.booking == world.bookings.get(twin[0].booking.uid)
    assert len(world.bookings.bookings) == 1


def test_a_key_whose_booking_is_gone_is_not_found() -> None:
    world = given_alice()
    uid = world.book("2026-03-04T10:00:00-05:00", key="k-1").booking.uid
    del world.bookings.bookings[uid]

    with pytest.raises(NotFoundError):
        world.book("2026-03-04T10:00:00-05:00", key="k-1")


# --- the request is checked before anything is written --------------------------------------


def test_answers_are_validated_before_any_read_or_write() -> None:
    world = given_alice(questions=(Question("topic", "Topic", QuestionType.TEXT, required=True),))

    with pytest.raises(InvalidAnswerError) as raised:
        world.book("2026-03-04T10:00:00-05:00", answers={"topic": "  "})

    assert raised.value.field == "answers.topic"
    assert (world.bookings.reads, world.bookings.commits) == (0, 0)
    assert world.bookings.bookings == {} and world.bookings.days == {}


def test_an_answer_to_an_unknown_question_is_refused_before_any_write() -> None:
    world = given_alice()

    with pytest.raises(InvalidAnswerError):
        world.book("2026-03-04T10:00:00-05:00", answers={"shoe_size": "44"})

    assert world.bookings.commits == 0


def test_answers_are_stored_cleaned() -> None:
    world = given_alice(questions=(Question("topic", "Topic", QuestionType.TEXT),
                                   Question("phone", "Phone", QuestionType.PHONE)))

    booking = world.book("2026-03-04T10:00:00-05:00",
                         answers={"topic": "  pricing ", "phone": None}).booking

    assert booking.answers == {"topic": "pricing"}


def test_an_attendee_timezone_must_be_an_iana_zone() -> None:
    world = given_alice()

    with pytest.raises(InvalidTimezoneError):
        world.book("2026-03-04T10:00:00-05:00", zone="EST5EDT,M3.2.0,M11.1.0")

    assert world.bookings.commits == 0


def test_a_blank_attendee_name_is_refused_and_nothing_is_written() -> None:
    world = given_alice()

    with pytest.raises(ValidationError):
        world.book("2026-03-04T10:00:00-05:00", name="   ")

    assert world.bookings.commits == 0


# --- pending holds --------------------------------------------------------------------------


def test_an_expired_pending_hold_does_not_block_the_slot_and_is_pruned() -> None:
    world = given_alice()
    world.bookings.put_day(world.host_id, LedgerDay(WEDNESDAY, (held(
        "lapsed", "2026-03-04T15:00:00+00:00", "2026-03-04T15:30:00+00:00",
        hold_until="2026-03-02T11:59:00+00:00"),)))

    booking = world.book("2026-03-04T10:00:00-05:00").booking

    assert world.entries(WEDNESDAY) == [booking.uid]


def test_a_live_pending_hold_blocks_the_slot() -> None:
    world = given_alice()
    world.bookings.put_day(world.host_id, LedgerDay(WEDNESDAY, (held(
        "pending", "2026-03-04T15:00:00+00:00", "2026-03-04T15:30:00+00:00",
        hold_until="2026-03-02T12:10:00+00:00"),)))

    with pytest.raises(SlotTakenError):
        world.book("2026-03-04T10:00:00-05:00")

    assert world.entries(WEDNESDAY) == ["pending"]


def test_a_rival_filling_the_daily_limit_on_another_utc_day_of_the_local_day_wins() -> None:
    # Wednesday 20:00 New York is Thursday 01:00Z: the rival writes only Thursday's ledger,
    # which this booking did not change but relied on (the limit counts the local day).
    world = given_alice(hours=("09:00", "21:00"), daily_limit=1)
    world.bookings.before_commit.append(
        lambda: world.book("2026-03-04T20:00:00-05:00", name="Rival"))

    with pytest.raises(SlotUnavailableError) as refused:
        world.book("2026-03-04T10:00:00-05:00")

    assert refused.value.reason == "daily_limit_reached"
    assert world.entries(WEDNESDAY) == []
    assert len(world.entries(THURSDAY)) == 1
