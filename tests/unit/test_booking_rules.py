"""An event type's rules, from its settings to the slot engine and into the booking.

Alice works 09:00-17:00 New York time on weekdays; in early March 2026 that is UTC-5, so
10:00 local is 15:00Z. The clock stands at Monday 2026-03-02 12:00Z (07:00 in New York).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.availability import LocalRange, Schedule, available_ranges
from chalicelib.domain.bookings import Attendee, BookingStatus, LedgerDay
from chalicelib.domain.errors import (
    IdempotencyKeyReusedError,
    InvalidTimezoneError,
    NotFoundError,
    SlotTakenError,
    SlotUnavailableError,
    ValidationError,
)
from chalicelib.domain.event_types import EventType, LocationKind, Price, Question, QuestionType
from chalicelib.domain.slots import SlotQuery, SlotRules, free_slots
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.booking import BookingRequest, BookingService
from chalicelib.services.links import BookingLinks
from chalicelib.services.payments import PaymentService
from chalicelib.services.ports import IdempotencyRecord
from chalicelib.services.reservations import BookingResult
from tests.unit.fakes import FakeBookings, FakeHosts, FixedClock, make_host, reservations

NOW = "2026-03-02T12:00:00+00:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def r(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


def alice(**event: Any) -> tuple[BookingService, FakeBookings, FakeHosts]:
    hosts, bookings, clock = FakeHosts(), FakeBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), **event)
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    return BookingService(hosts, reservations(bookings, clock), links), bookings, hosts


def payment_service(service: BookingService) -> Any:
    from tests.unit.test_payments_service import FakePaymentAdapters

    reservations = service.reservations
    return PaymentService(reservations.bookings, reservations, FakePaymentAdapters(),
                          reservations.clock, return_url=lambda uid: f"https://penny.test/{uid}")


def book(service: BookingService, start: str, key: str | None = None, *,
         name: str = "Bo Booker", email: str = "bo@example.com", zone: str = "Europe/London",
         answers: dict[str, str | None] | None = None, event: str = "intro") -> BookingResult:
    request = BookingRequest(at(start), Attendee(name, email, zone), answers or {})
    return service.book("alice", event, request, key)


# --- the slot rules refuse nonsense ---------------------------------------------------------


@pytest.mark.parametrize("bad", [
    {"buffer_after": timedelta(minutes=-5)},
    {"minimum_notice": timedelta(minutes=-1)},
    {"booking_window_days": -1},
    {"duration": timedelta(minutes=-30)},
    {"interval": timedelta(minutes=-15)},
])
def test_slot_rules_refuse_a_negative_setting(bad: dict[str, Any]) -> None:
    settings: dict[str, Any] = {"duration": timedelta(minutes=30),
                                "interval": timedelta(minutes=30), **bad}
    with pytest.raises(ValueError):
        SlotRules(**settings)


def test_slot_rules_accept_zero_buffers_notice_window_and_limit() -> None:
    rules = SlotRules(timedelta(minutes=30), timedelta(minutes=30), timedelta(0), timedelta(0),
                      timedelta(0), booking_window_days=0, daily_limit=0)

    assert rules.booking_window_days == 0 and rules.daily_limit == 0


# --- hours on awkward days -------------------------------------------------------------------


def test_an_override_covering_exactly_the_skipped_dst_hour_offers_nothing() -> None:
    # 02:00-03:00 on 2026-03-08 does not exist in New York: 02:00 EST and 03:00 EDT are
    # both 07:00Z, so the range has no instant in it, and no slot.
    skipped = {date(2026, 3, 8): (LocalRange.parse("02:00", "03:00"),)}
    schedule = Schedule("America/New_York", {}, skipped)
    window = r("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00")

    assert available_ranges(schedule, window) == []
    query = SlotQuery(at("2026-03-01T00:00:00+00:00"), schedule,
                      SlotRules(timedelta(minutes=15), timedelta(minutes=15)), "intro", (),
                      window, "America/New_York")
    assert free_slots(query) == {}


def test_a_window_starting_the_host_day_before_its_utc_day_gets_that_days_hours() -> None:
    # 02:00Z on 3 March is still 2 March, 18:00 in Los Angeles, where evening hours run on.
    schedule = Schedule("America/Los_Angeles", {0: (LocalRange.parse("17:00", "20:00"),)}, {})
    window = r("2026-03-03T02:00:00+00:00", "2026-03-03T12:00:00+00:00")

    assert available_ranges(schedule, window) == [
        r("2026-03-03T02:00:00+00:00", "2026-03-03T04:00:00+00:00")]


def test_a_window_ending_the_host_day_after_its_utc_day_gets_that_days_hours() -> None:
    # 20:00Z on 2 March is already 3 March, 05:00 in Tokyo, where early hours run from 04:00.
    schedule = Schedule("Asia/Tokyo", {1: (LocalRange.parse("04:00", "08:00"),)}, {})
    window = r("2026-03-02T10:00:00+00:00", "2026-03-02T20:00:00+00:00")

    assert available_ranges(schedule, window) == [
        r("2026-03-02T19:00:00+00:00", "2026-03-02T20:00:00+00:00")]


# --- notice and booking window reach the booking ---------------------------------------------


def test_an_event_types_minimum_notice_refuses_a_start_too_soon() -> None:
    # now is 07:00 in New York; three hours' notice opens the day at 10:00
    service, bookings, _ = alice(minimum_notice_minutes=180)

    with pytest.raises(SlotUnavailableError) as raised:
        book(service, "2026-03-02T09:30:00-05:00")

    assert raised.value.field == "start"
    assert bookings.commits == 0
    assert book(service, "2026-03-02T10:00:00-05:00").booking.start == at(
        "2026-03-02T15:00:00+00:00")


def test_an_event_types_booking_window_refuses_a_start_too_far_ahead() -> None:
    # now is Monday 2 March in New York; a two-day window reaches Wednesday 4 March
    service, bookings, _ = alice(booking_window_days=2)

    assert book(service, "2026-03-04T16:30:00-05:00").booking.status is BookingStatus.CONFIRMED
    with pytest.raises(SlotUnavailableError) as raised:
        book(service, "2026-03-05T09:00:00-05:00")

    assert raised.value.field == "start"
    assert bookings.commits == 1


def test_a_start_taken_by_another_booking_names_the_start_field() -> None:
    service, _, _ = alice()
    book(service, "2026-03-04T10:00:00-05:00")

    with pytest.raises(SlotTakenError) as raised:
        book(service, "2026-03-04T10:00:00-05:00", name="Cy Second")

    assert raised.value.field == "start"


# --- what a booking takes from its event type and its request -------------------------------


def test_a_booking_copies_title_location_price_and_buffers_from_its_event_type() -> None:
    service, _, _ = alice(title="Strategy session", location_kind=LocationKind.IN_PERSON,
                          price=Price(2500, "EUR"), buffer_before_minutes=10,
                          buffer_after_minutes=20, duration_minutes=45)
    service = replace(service, payments=lambda: payment_service(service))

    booking = book(service, "2026-03-04T10:30:00-05:00").booking  # 45-min grid from 09:00

    assert booking.event_title == "Strategy session"
    assert booking.location_kind == "in_person"
    assert (booking.price_minor, booking.currency) == (2500, "EUR")
    assert (booking.buffer_before, booking.buffer_after) == (timedelta(minutes=10),
                                                             timedelta(minutes=20))
    assert booking.end == at("2026-03-04T16:15:00+00:00")
    assert (booking.host_id, booking.event_type_id) == ("host-alice", "alice-intro")


def test_a_booking_of_a_free_event_type_has_no_price() -> None:
    service, _, _ = alice()

    booking = book(service, "2026-03-04T10:00:00-05:00").booking

    assert (booking.price_minor, booking.currency) == (None, None)
    assert (booking.sequence, booking.hold_until, booking.history) == (0, None, ())


def test_a_booking_keeps_the_attendee_without_surrounding_blanks() -> None:
    service, _, _ = alice(questions=(Question("email", "Work email", QuestionType.EMAIL),))

    booking = book(service, "2026-03-04T10:00:00-05:00", name="  Bo Booker ",
                   email=" bo@example.com  ", zone="Asia/Kolkata",
                   answers={"email": " bo@work.example "}).booking

    assert booking.attendee == Attendee("Bo Booker", "bo@example.com", "Asia/Kolkata")
    assert booking.answers == {"email": "bo@work.example"}


def test_a_booking_gets_a_fresh_uid_each_time() -> None:
    service, _, _ = alice()

    first = book(service, "2026-03-04T10:00:00-05:00").booking
    second = book(service, "2026-03-04T11:00:00-05:00").booking

    assert first.uid != second.uid and len(first.uid) == 20


# --- errors name the field they are about ----------------------------------------------------


def test_an_attendee_zone_that_is_no_iana_zone_names_its_field() -> None:
    service, _, _ = alice()

    with pytest.raises(InvalidTimezoneError) as raised:
        book(service, "2026-03-04T10:00:00-05:00", zone="Mars/Olympus")

    assert raised.value.field == "attendee.timezone"


def test_a_blank_attendee_name_names_its_field() -> None:
    service, _, _ = alice()

    with pytest.raises(ValidationError) as raised:
        book(service, "2026-03-04T10:00:00-05:00", name=" \t ")

    assert (raised.value.field, raised.value.message) == ("attendee.name", "name is required")


def test_a_start_off_the_whole_minute_names_the_start_field() -> None:
    service, bookings, _ = alice()

    with pytest.raises(SlotUnavailableError) as raised:
        book(service, "2026-03-04T10:00:00.500000-05:00")

    assert raised.value.field == "start"
    assert bookings.commits == 0


# --- an Idempotency-Key stands for one exact request -----------------------------------------


@pytest.mark.parametrize("change", [
    {"name": "Bo Other"},
    {"email": "other@example.com"},
    {"zone": "Asia/Kolkata"},
    {"answers": {"topic": "something else"}},
])
def test_a_key_reused_with_any_other_detail_is_refused(change: dict[str, Any]) -> None:
    service, _, _ = alice(questions=(Question("topic", "Topic", QuestionType.TEXT),))
    book(service, "2026-03-04T10:00:00-05:00", "k-1", answers={"topic": "pricing"})

    details: dict[str, Any] = {"answers": {"topic": "pricing"}, **change}
    with pytest.raises(IdempotencyKeyReusedError):
        book(service, "2026-03-04T10:00:00-05:00", "k-1", **details)


def test_a_key_reused_with_the_same_instant_in_another_offset_is_a_replay() -> None:
    service, bookings, _ = alice()
    first = book(service, "2026-03-04T10:00:00-05:00", "k-1")

    again = book(service, "2026-03-04T15:00:00+00:00", "k-1")

    assert again.replayed is True and again.booking.uid == first.booking.uid
    assert bookings.commits == 1


def test_a_key_belongs_to_one_event_type() -> None:
    service, _, hosts = alice()
    hosts.save_event_type(EventType("alice-demo", "host-alice", "demo", "Demo", 30,
                                    LocationKind.ZOOM), "alice", None)
    first = book(service, "2026-03-04T10:00:00-05:00", "k-1")

    other = book(service, "2026-03-04T11:00:00-05:00", "k-1", event="demo")

    assert other.replayed is False
    assert other.booking.uid != first.booking.uid
    assert other.booking.event_type_id == "alice-demo"


def test_a_key_reused_with_the_same_answers_in_another_order_is_a_replay() -> None:
    service, _, _ = alice(questions=(Question("topic", "Topic", QuestionType.TEXT),
                                            Question("phone", "Phone", QuestionType.PHONE)))
    first = book(service, "2026-03-04T10:00:00-05:00", "k-1",
                 answers={"topic": "pricing", "phone": "+1 212 555 0100"})

    again = book(service, "2026-03-04T10:00:00-05:00", "k-1",
                 answers={"phone": "+1 212 555 0100", "topic": "pricing"})

    assert again.replayed is True and again.booking.uid == first.booking.uid


def test_a_reused_key_and_a_key_whose_booking_is_gone_say_so() -> None:
    service, bookings, _ = alice()
    uid = book(service, "2026-03-04T10:00:00-05:00", "k-1").booking.uid

    with pytest.raises(IdempotencyKeyReusedError) as reused:
        book(service, "2026-03-04T11:00:00-05:00", "k-1")
    del bookings.bookings[uid]
    with pytest.raises(NotFoundError) as gone:
        book(service, "2026-03-04T10:00:00-05:00", "k-1")

    assert reused.value.message == (
        "this Idempotency-Key was used for a different booking request")
    assert gone.value.message == "the booking for this Idempotency-Key no longer exists"


# --- which ledger days a booking reads -------------------------------------------------------


@dataclass
class DayRecordingBookings(FakeBookings):
    """The fake store, noting which ledger days each write read."""

    days_read: list[list[date]] = field(default_factory=list)

    def ledger_for_write(self, host_id: str, days: Sequence[date], idempotency_key: str | None
                         ) -> tuple[list[LedgerDay], IdempotencyRecord | None]:
        self.days_read.append(list(days))
        return super().ledger_for_write(host_id, days, idempotency_key)


@pytest.mark.parametrize(("limit", "days"), [
    (2, [date(2026, 3, 4), date(2026, 3, 5)]),   # the limit counts the whole local day
    (None, [date(2026, 3, 4)]),                  # without one, the day the meeting blocks
])
def test_a_booking_reads_the_utc_days_it_relies_on_and_no_more(limit: int | None,
                                                               days: list[date]) -> None:
    # Wednesday in New York runs from 05:00Z Wednesday to 05:00Z Thursday; the meeting
    # itself is on Wednesday 15:00Z.
    hosts, bookings, clock = FakeHosts(), DayRecordingBookings(), FixedClock(at(NOW))
    make_host(hosts, clock.now(), daily_limit=limit)
    service = BookingService(hosts, reservations(bookings, clock),
                             BookingLinks("unit-test-link-secret", "https://penny.test"))

    book(service, "2026-03-04T10:00:00-05:00")

    assert bookings.days_read == [days]
