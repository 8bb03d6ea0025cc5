"""What the booker reads when a time is refused, and the daily allowance per attendee.

The clock stands at Monday 2026-03-02T12:00:00Z unless a test moves it; Alice's intro call
is 30 minutes, weekdays 09:00-17:00 New York time (UTC-5 in early March).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.errors import TooManyBookingsError
from chalicelib.domain.refusals import SlotRefusal, refusal_message
from chalicelib.domain.slots import SlotRules
from chalicelib.services.booking import BookingService
from chalicelib.services.ports import AttendeeQuota, BookingWrite
from tests.unit.fakes import FakeBookings, reservations
from tests.unit.test_booking_service import World, given_alice

HALF_HOUR = timedelta(minutes=30)


def rules(**kwargs: object) -> SlotRules:
    fields: dict[str, object] = {"duration": HALF_HOUR, "interval": HALF_HOUR, **kwargs}
    return SlotRules(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("notice", "said"), [
    (timedelta(minutes=1), "1 minute"),
    (timedelta(minutes=45), "45 minutes"),
    (timedelta(minutes=90), "90 minutes"),
    (timedelta(hours=1), "1 hour"),
    (timedelta(hours=2), "2 hours"),
    (timedelta(hours=36), "36 hours"),
    (timedelta(days=1), "1 day"),
    (timedelta(days=3), "3 days"),
])
def test_too_soon_names_the_notice_in_its_largest_whole_unit(notice: timedelta,
                                                             said: str) -> None:
    message = refusal_message(SlotRefusal.TOO_SOON, rules(minimum_notice=notice))

    assert message == ("this time is too soon: this event must be booked at least "
                       f"{said} ahead")


def test_too_soon_counts_whole_minutes_of_the_notice() -> None:
    notice = timedelta(minutes=61, seconds=30)

    assert refusal_message(SlotRefusal.TOO_SOON, rules(minimum_notice=notice)) == (
        "this time is too soon: this event must be booked at least 61 minutes ahead")


@pytest.mark.parametrize(("interval", "said"), [
    (timedelta(minutes=15), "15 minutes"),
    (timedelta(hours=1), "1 hour"),
    (timedelta(days=1), "1 day"),
])
def test_off_grid_names_the_interval_of_the_offered_start_times(interval: timedelta,
                                                                 said: str) -> None:
    message = refusal_message(SlotRefusal.OFF_GRID, rules(interval=interval))

    assert message == f"this time is not one of the offered start times (every {said})"


@pytest.mark.parametrize(("reason", "message"), [
    (SlotRefusal.IN_THE_PAST, "this time is in the past"),
    (SlotRefusal.BEYOND_WINDOW,
     "this time is too far ahead: this event can be booked up to 14 days in advance"),
    (SlotRefusal.OUTSIDE_HOURS, "this time is outside the host's available hours"),
    (SlotRefusal.DAILY_LIMIT, "the host takes no more bookings of this event on that day"),
    (SlotRefusal.TAKEN, "this time was just booked; pick another slot"),
])
def test_each_refusal_reads_as_its_rule(reason: SlotRefusal, message: str) -> None:
    assert refusal_message(reason, rules(booking_window_days=14)) == message


# --- the attendee's daily allowance ---------------------------------------------------------


class RecordingBookings(FakeBookings):
    """Keeps every write offered to commit, to read the quota the service asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[BookingWrite] = []
        self.stamps: list[datetime] = []

    def commit(self, write: BookingWrite, now: datetime) -> None:
        self.writes.append(write)
        self.stamps.append(now)
        super().commit(write, now)


def given_alice_recording(cap: int = 5) -> tuple[World, RecordingBookings]:
    world = given_alice()
    recording = RecordingBookings()
    s = world.service
    world.service = replace(s, reservations=replace(
        s.reservations, bookings=recording, bookings_per_attendee_per_day=cap))
    world.bookings = recording
    return world, recording


def test_each_booking_counts_against_the_attendees_allowance_for_the_utc_day() -> None:
    world, recording = given_alice_recording(cap=4)

    world.book("2026-03-04T10:00:00-05:00")

    who = hashlib.sha256(b"bo@example.com").hexdigest()[:32]
    assert [w.quota for w in recording.writes] == [AttendeeQuota(
        f"BOOKER#host-alice#{who}#2026-03-02", 4,
        datetime.fromisoformat("2026-03-03T00:00:00+00:00"))]
    assert [w.is_new for w in recording.writes] == [True]
    assert recording.stamps == [datetime.fromisoformat("2026-03-02T12:00:00+00:00")]


def test_the_allowance_is_counted_per_utc_day_of_the_request_not_of_the_host() -> None:
    world, recording = given_alice_recording()
    # 2026-03-02T23:30-05:00 is already Tuesday in UTC.
    world.clock.at = datetime.fromisoformat("2026-03-03T04:30:00+00:00")

    world.book("2026-03-04T10:00:00-05:00")

    [write] = recording.writes
    assert write.quota is not None
    assert write.quota.key.endswith("#2026-03-03")
    assert write.quota.expires_at == datetime.fromisoformat("2026-03-04T00:00:00+00:00")


def test_the_allowance_is_five_bookings_a_day_by_default() -> None:
    world, recording = given_alice_recording()
    world.service = BookingService(world.service.hosts,
                                   reservations(recording, world.clock),
                                   world.service.links)

    world.book("2026-03-04T10:00:00-05:00")

    assert [w.quota.limit for w in recording.writes if w.quota] == [5]


def test_the_refusal_says_how_many_and_when_to_come_back() -> None:
    world, _ = given_alice_recording(cap=2)
    world.clock.at = datetime.fromisoformat("2026-03-02T23:00:00+00:00")
    world.book("2026-03-04T10:00:00-05:00")
    world.book("2026-03-04T10:30:00-05:00")

    with pytest.raises(TooManyBookingsError) as refused:
        world.book("2026-03-04T11:00:00-05:00")

    assert refused.value.message == ("this e-mail address has made 2 bookings with this host "
                                     "today; try again tomorrow (UTC)")
    assert refused.value.retry_after == 3600


def test_a_refusal_a_moment_before_midnight_asks_to_wait_at_least_a_second() -> None:
    world, _ = given_alice_recording(cap=1)
    world.clock.at = datetime.fromisoformat("2026-03-02T23:59:59.600000+00:00")
    world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(TooManyBookingsError) as refused:
        world.book("2026-03-04T11:00:00-05:00")

    assert refused.value.retry_after == 1


def test_a_refusal_seconds_before_midnight_rounds_the_wait_down() -> None:
    world, _ = given_alice_recording(cap=1)
    world.clock.at = datetime.fromisoformat("2026-03-02T23:59:57.500000+00:00")
    world.book("2026-03-04T10:00:00-05:00")

    with pytest.raises(TooManyBookingsError) as refused:
        world.book("2026-03-04T11:00:00-05:00")

    assert refused.value.retry_after == 2


def test_a_retry_that_lost_to_its_own_twin_replays_the_twins_booking() -> None:
    world = given_alice()
    # The same request with the same key lands between this one's read and its write.
    world.bookings.before_commit.append(lambda: world.book("2026-03-04T10:00:00-05:00", "k-1"))

    result = world.book("2026-03-04T10:00:00-05:00", "k-1")

    assert result.replayed is True
    assert list(world.bookings.bookings) == [result.booking.uid]
    assert world.bookings.reads == 2  # one read each: the replay needs no second attempt
