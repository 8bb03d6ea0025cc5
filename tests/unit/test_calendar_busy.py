"""Busy time on the host's other calendars: never offered, never booked, said in words.

The port (services/ports.py ExternalBusy) answers nothing today; these tests give it a
fake busy range. Alice works 09:00-17:00 New York time (UTC-5 in early March 2026) on
weekdays; it is Monday 2026-03-02 12:00Z. Her Wednesday 10:00-11:00 is taken elsewhere.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.availability import LocalRange, Schedule
from chalicelib.domain.bookings import Attendee
from chalicelib.domain.errors import SlotTakenError, SlotUnavailableError
from chalicelib.domain.refusals import SlotRefusal, refusal, refusal_message
from chalicelib.domain.slots import Busy, SlotQuery, SlotRules, calendar_busy, free_slots
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.booking import BookingRequest, BookingService
from chalicelib.services.booking_changes import BookingChanges
from chalicelib.services.links import BookingLinks, LinkPurpose
from chalicelib.services.public import PublicService
from tests.unit.fakes import (
    FakeBookings,
    FakeExternalBusy,
    FakeHosts,
    FixedClock,
    make_host,
    reservations,
)

NOW = "2026-03-02T12:00:00+00:00"
WEDNESDAY = date(2026, 3, 4)
ELSEWHERE = ("2026-03-04T10:00:00-05:00", "2026-03-04T11:00:00-05:00")
HALF_HOUR = timedelta(minutes=30)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def r(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


# --- the slot engine and the refusal ----------------------------------------------------------


def a_query(busy: list[Busy], **rules: object) -> SlotQuery:
    weekdays = {day: (LocalRange.parse("09:00", "17:00"),) for day in range(5)}
    return SlotQuery(at(NOW), Schedule("America/New_York", weekdays, {}),
                     SlotRules(HALF_HOUR, HALF_HOUR, **rules),  # type: ignore[arg-type]
                     "alice-intro", busy, r("2026-03-04T00:00:00-05:00",
                                            "2026-03-05T00:00:00-05:00"), "America/New_York")


def penny_booking(start: str, end: str) -> Busy:
    return Busy(r(start, end), r(start, end), "alice-intro")


def times(query: SlotQuery) -> list[str]:
    return [s.strftime("%H:%M") for s in free_slots(query).get(WEDNESDAY, [])]


def test_other_calendars_busy_time_has_no_buffers_and_no_event_type() -> None:
    assert calendar_busy([r(*ELSEWHERE)]) == [
        Busy(r(*ELSEWHERE), r(*ELSEWHERE), None, external=True)]
    assert calendar_busy([]) == []


def test_a_slot_overlapping_other_calendars_busy_time_is_not_offered() -> None:
    offered = times(a_query(calendar_busy([r(*ELSEWHERE)])))

    assert offered[:4] == ["09:00", "09:30", "11:00", "11:30"]
    assert "10:00" not in offered and "10:30" not in offered


def test_a_slots_buffers_keep_clear_of_other_calendars_busy_time() -> None:
    offered = times(a_query(calendar_busy([r(*ELSEWHERE)]), buffer_before=HALF_HOUR,
                            buffer_after=HALF_HOUR))

    assert offered[:2] == ["09:00", "11:30"]


def test_other_calendars_busy_time_counts_toward_no_daily_limit() -> None:
    query = a_query(calendar_busy([r("2026-03-04T09:00:00-05:00",
                                     "2026-03-04T09:30:00-05:00")]), daily_limit=1)

    assert times(query)[:1] == ["09:30"]


def test_a_time_busy_elsewhere_is_refused_as_calendar_busy() -> None:
    query = a_query(calendar_busy([r(*ELSEWHERE)]))

    assert refusal(query, at("2026-03-04T10:30:00-05:00")) is SlotRefusal.CALENDAR_BUSY
    assert refusal(query, at("2026-03-04T11:00:00-05:00")) is None


def test_a_time_busy_elsewhere_and_booked_in_penny_is_calendar_busy() -> None:
    query = a_query([*calendar_busy([r(*ELSEWHERE)]),
                     penny_booking("2026-03-04T10:00:00-05:00", "2026-03-04T10:30:00-05:00")])

    assert refusal(query, at("2026-03-04T10:00:00-05:00")) is SlotRefusal.CALENDAR_BUSY


def test_a_time_busy_elsewhere_on_a_full_day_is_calendar_busy() -> None:
    query = a_query([*calendar_busy([r(*ELSEWHERE)]),
                     penny_booking("2026-03-04T14:00:00-05:00", "2026-03-04T14:30:00-05:00")],
                    daily_limit=1)

    assert refusal(query, at("2026-03-04T10:00:00-05:00")) is SlotRefusal.CALENDAR_BUSY
    assert refusal(query, at("2026-03-04T12:00:00-05:00")) is SlotRefusal.DAILY_LIMIT


def test_the_hours_and_the_grid_are_named_before_the_other_calendars() -> None:
    query = a_query(calendar_busy([r("2026-03-04T08:00:00-05:00",
                                     "2026-03-04T11:00:00-05:00")]))

    assert refusal(query, at("2026-03-04T08:30:00-05:00")) is SlotRefusal.OUTSIDE_HOURS
    assert refusal(query, at("2026-03-04T10:10:00-05:00")) is SlotRefusal.OFF_GRID


def test_a_time_only_penny_bookings_hold_is_still_taken() -> None:
    query = a_query([*calendar_busy([r(*ELSEWHERE)]),
                     penny_booking("2026-03-04T12:00:00-05:00", "2026-03-04T12:30:00-05:00")])

    assert refusal(query, at("2026-03-04T12:00:00-05:00")) is SlotRefusal.TAKEN


def test_calendar_busy_says_the_host_has_another_appointment() -> None:
    assert refusal_message(SlotRefusal.CALENDAR_BUSY, SlotRules(HALF_HOUR, HALF_HOUR)) == (
        "the host has another appointment at this time")


# --- the slots listing and the booking, through the port --------------------------------------


class World:
    def __init__(self, **event: Any) -> None:
        self.hosts, self.bookings = FakeHosts(), FakeBookings()
        self.clock = FixedClock(at(NOW))
        self.calendars = FakeExternalBusy({"host-alice": [r(*ELSEWHERE)]})
        make_host(self.hosts, self.clock.now(), **event)
        self.links = BookingLinks("unit-test-link-secret", "https://penny.test")
        writes = reservations(self.bookings, self.clock, calendars=self.calendars)
        self.public = PublicService(self.hosts, self.bookings, self.clock, self.calendars)
        self.booking = BookingService(self.hosts, writes, self.links)
        self.changes = BookingChanges(self.hosts, self.bookings, self.clock, self.links, writes)

    def book(self, start: str, key: str | None = None) -> str:
        request = BookingRequest(at(start), Attendee("Bo", "bo@example.com", "UTC"), {})
        return self.booking.book("alice", "intro", request, key).booking.uid


def test_the_slots_listing_leaves_out_the_hosts_busy_time_elsewhere() -> None:
    world = World()

    result = world.public.slots("alice", "intro", WEDNESDAY, WEDNESDAY)

    offered = [s.strftime("%H:%M") for s in result.slots[WEDNESDAY]]
    assert offered[:4] == ["09:00", "09:30", "11:00", "11:30"]


def test_the_slots_listing_asks_from_the_first_to_the_last_blocked_range() -> None:
    world = World(buffer_before_minutes=10, buffer_after_minutes=5)

    world.public.slots("alice", "intro", WEDNESDAY, WEDNESDAY)

    # New York's Wednesday is 05:00Z to 05:00Z; a 30-minute slot with 10 + 5 minutes of
    # buffers starting in it blocks from 04:50Z up to 05:35Z the next day.
    assert world.calendars.asked == [
        ("host-alice", r("2026-03-04T04:50:00+00:00", "2026-03-05T05:35:00+00:00"))]


def test_a_booking_of_a_time_busy_elsewhere_is_refused_and_nothing_is_written() -> None:
    world = World()

    with pytest.raises(SlotUnavailableError) as refused:
        world.book("2026-03-04T10:30:00-05:00")

    assert (refused.value.code, refused.value.reason) == ("slot_unavailable", "calendar_busy")
    assert world.bookings.commits == 0 and world.bookings.bookings == {}


def test_a_booking_asks_the_other_calendars_about_its_blocked_range() -> None:
    world = World(buffer_before_minutes=15)

    world.book("2026-03-04T12:00:00-05:00")

    assert world.calendars.asked == [
        ("host-alice", r("2026-03-04T16:45:00+00:00", "2026-03-04T17:30:00+00:00"))]


def test_the_other_calendars_are_asked_again_on_each_attempt() -> None:
    world = World()
    world.bookings.fail_commits = 1

    world.book("2026-03-04T12:00:00-05:00")

    assert len(world.calendars.asked) == 2 == world.bookings.reads


def test_a_replayed_booking_is_not_checked_against_the_other_calendars() -> None:
    world = World()
    first = world.book("2026-03-04T12:00:00-05:00", key="k-1")
    world.calendars.ranges["host-alice"].append(r("2026-03-04T12:00:00-05:00",
                                                  "2026-03-04T13:00:00-05:00"))

    assert world.book("2026-03-04T12:00:00-05:00", key="k-1") == first
    assert len(world.calendars.asked) == 1


def test_a_move_onto_time_busy_elsewhere_is_refused_and_the_booking_stays() -> None:
    world = World()
    uid = world.book("2026-03-04T12:00:00-05:00")
    token = world.links.token(uid, LinkPurpose.RESCHEDULE)

    with pytest.raises(SlotUnavailableError) as refused:
        world.changes.reschedule(uid, token, at("2026-03-04T10:00:00-05:00"))

    assert refused.value.reason == "calendar_busy"
    stored = world.bookings.get(uid)
    assert stored is not None and stored.start == at("2026-03-04T17:00:00+00:00")


def test_a_cancel_does_not_ask_the_other_calendars() -> None:
    world = World()
    uid = world.book("2026-03-04T12:00:00-05:00")

    world.changes.cancel_by_host("host-alice", uid, None)

    assert len(world.calendars.asked) == 1  # the booking's own check only


def test_a_time_held_in_penny_and_free_elsewhere_is_still_taken() -> None:
    world = World()
    world.book("2026-03-04T12:00:00-05:00")

    with pytest.raises(SlotTakenError):
        world.book("2026-03-04T12:00:00-05:00")
