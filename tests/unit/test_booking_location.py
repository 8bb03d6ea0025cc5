"""Where a booking takes place: the location details it was booked with, kept on the
booking, and for a booking made before they were kept the event type's as they are now."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.availability import Schedule
from chalicelib.domain.bookings import Attendee, BookingStatus
from chalicelib.domain.event_types import LocationKind
from chalicelib.domain.hosts import HostConfig, Profile
from chalicelib.domain.reservations import NewBooking
from chalicelib.store.booking_codec import booking_from_json, booking_to_json
from tests.fakes.bookings import START, a_booking
from tests.unit.test_event_types import an_event

STUDIO = "Studio 4, 12 Baker Street"
NOW_AT = "Hall B, 1 Elm Road"


def a_host(*event_types: object) -> HostConfig:
    return HostConfig(Profile("host-alice", "alice", "Alice", "Europe/London"),
                      Schedule("Europe/London", {}, {}), tuple(event_types),  # type: ignore[arg-type]
                      "alice@example.com")


HOST = a_host(an_event(location_kind=LocationKind.IN_PERSON, location_details=NOW_AT))


def test_a_booking_is_given_the_details_it_was_booked_with_not_the_event_types_now() -> None:
    assert HOST.location_details(a_booking(location_details=STUDIO)) == STUDIO


def test_a_booking_made_where_the_event_type_had_no_details_has_none_though_it_has_now(
        ) -> None:
    assert HOST.location_details(a_booking(location_details="")) is None


def test_a_booking_from_before_details_were_kept_has_the_event_types_as_they_are_now() -> None:
    booking = a_booking()
    assert booking.location_details is None
    assert HOST.location_details(booking) == NOW_AT
    assert a_host().location_details(booking) is None  # its event type is gone


def test_a_new_booking_keeps_the_event_types_details_and_stores_them() -> None:


    et = an_event(location_kind=LocationKind.IN_PERSON, location_details=STUDIO)
    new = NewBooking("host-alice", HOST.schedule, et, START,
                     Attendee("Bo", "bo@example.com", "Europe/London"), {})
    booking = new.claim("b-1", START, BookingStatus.CONFIRMED).booking

    assert booking.location_details == STUDIO
    stored = booking_to_json(booking)
    assert booking_from_json("b-1", "host-alice", "confirmed", 1, stored).location_details \
        == STUDIO
    none = replace(et, location_details=None)
    assert replace(new, event_type=none).claim("b-2", START, BookingStatus.CONFIRMED) \
        .booking.location_details == ""


def test_a_stored_booking_without_the_key_reads_back_as_from_before_they_were_kept() -> None:
    stored = booking_to_json(a_booking(location_details=STUDIO))
    del stored["location_details"]

    assert booking_from_json("b-1", "host-alice", "confirmed", 1, stored).location_details \
        is None
