"""The .ics invite of a booking (chalicelib/integrations/ics_invites.py), read back with icalendar.

Calendar apps match an update to the event they hold by UID and take the higher
SEQUENCE; a cancellation is the same event sent with METHOD:CANCEL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar

from chalicelib.domain.availability import Schedule
from chalicelib.domain.bookings import Attendee, Booking, BookingStatus, Payment
from chalicelib.domain.event_types import EventType, LocationKind
from chalicelib.domain.hosts import HostConfig, Profile
from chalicelib.integrations.ics_invites import ical_uid, render_invite

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
MANAGE = "https://penny.test/booking/b-1?token=t0k3n"
HOST = HostConfig(Profile("host-alice", "alice", "Alice Liddell", "America/New_York"),
                  Schedule("America/New_York", {}, {}), (), "alice@example.com")


def a_booking(status: BookingStatus = BookingStatus.CONFIRMED, sequence: int = 0) -> Booking:
    return Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=datetime.fromisoformat("2026-03-04T15:00:00+00:00"),
        end=datetime.fromisoformat("2026-03-04T15:30:00+00:00"),
        buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"), answers={},
        status=status, created_at=NOW, location_kind="phone", sequence=sequence)


def read(booking: Booking) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(render_invite(booking, HOST, NOW, MANAGE))
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_an_invite_is_a_request_for_the_confirmed_meeting() -> None:
    calendar, event = read(a_booking(sequence=2))

    assert (str(calendar["method"]), str(calendar["version"]), str(calendar["calscale"]),
            str(calendar["prodid"])) == ("REQUEST", "2.0", "GREGORIAN", "-//Penny//Booking//EN")
    assert str(event["uid"]) == "b-1@penny" == ical_uid(a_booking())
    assert event["sequence"] == 2
    assert event.decoded("dtstart") == datetime.fromisoformat("2026-03-04T15:00:00+00:00")
    assert event.decoded("dtend") == datetime.fromisoformat("2026-03-04T15:30:00+00:00")
    assert event.decoded("dtstamp") == NOW
    assert str(event["summary"]) == "Intro call with Alice Liddell"
    assert str(event["description"]) == f"Booked with Penny. Manage or cancel: {MANAGE}"
    assert str(event["location"]) == "Phone call"
    assert str(event["status"]) == "CONFIRMED"


def test_an_invite_from_a_link_that_cannot_cancel_says_how_to_cancel_instead() -> None:
    raw = render_invite(a_booking(), HOST, NOW, MANAGE, cancels=False)

    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["description"]) == (
        f"Booked with Penny. View or reschedule: {MANAGE}\n"
        "To cancel, use the link you were given when you booked.")


def test_an_in_person_invites_location_is_the_place_with_the_hosts_details_escaped(
        ) -> None:
    intro = EventType("alice-intro", "host-alice", "intro", "Intro call", 30,
                      LocationKind.IN_PERSON,
                      location_details="Studio 4, 12 Baker Street; ring twice")
    host = replace(HOST, event_types=(intro,))
    booking = replace(a_booking(), location_kind="in_person")

    raw = render_invite(booking, host, NOW, MANAGE)

    assert b"LOCATION:In person: Studio 4\\, 12 Baker Street\\; ring twice" in raw
    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["location"]) == "In person: Studio 4, 12 Baker Street; ring twice"


def test_a_video_invites_location_is_its_link_whatever_the_details() -> None:
    intro = EventType("alice-intro", "host-alice", "intro", "Intro call", 30,
                      LocationKind.ZOOM, location_details="Bring slides")
    booking = replace(a_booking(), location_kind="zoom",
                      video_url="https://video.test/j/123")

    raw = render_invite(booking, replace(HOST, event_types=(intro,)), NOW, MANAGE)

    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["location"]) == "https://video.test/j/123"


def test_an_invite_names_the_host_as_organizer_and_the_attendee_as_accepted() -> None:
    _, event = read(a_booking())

    organizer, attendee = event["organizer"], event["attendee"]
    assert str(organizer) == "mailto:alice@example.com"
    assert str(organizer.params["cn"]) == "Alice Liddell"
    assert str(attendee) == "mailto:bo@example.com"
    assert {k.lower(): str(v) for k, v in attendee.params.items()} == {
        "cn": "Bo Booker", "role": "REQ-PARTICIPANT", "partstat": "ACCEPTED"}


def a_paid_booking_held(sequence: int = 0) -> Booking:
    """Waiting for its payment (a Stripe checkout) for 15 minutes from NOW."""
    return replace(a_booking(BookingStatus.PENDING_PAYMENT, sequence),
                   hold_until=NOW + timedelta(minutes=15), price_minor=5000, currency="EUR",
                   payment=Payment("stripe", "cs_1"))


def method_status_sequence(booking: Booking) -> tuple[str, str, int]:
    calendar, event = read(booking)
    return str(calendar["method"]), str(event["status"]), int(event["sequence"])


def test_a_late_payment_after_the_hold_lapsed_sends_a_higher_sequence_than_the_cancel(
        ) -> None:
    held = a_paid_booking_held()
    lapsed = held.as_of(NOW + timedelta(minutes=20))      # what its link serves meanwhile
    paid_late = lapsed.paid("pi_1", 5000, NOW + timedelta(minutes=30))

    waiting, cancel, confirmed = (method_status_sequence(b) for b in (held, lapsed, paid_late))

    assert waiting == ("REQUEST", "TENTATIVE", 0)
    assert cancel == ("CANCEL", "CANCELLED", 1)
    assert confirmed[:2] == ("REQUEST", "CONFIRMED") and confirmed[2] > cancel[2]


def test_a_payment_in_time_sends_the_confirmation_with_a_higher_sequence_than_tentative(
        ) -> None:
    held = a_paid_booking_held()
    paid = held.paid("pi_1", 5000, NOW + timedelta(minutes=5))

    (_, _, waiting), (_, status, confirmed) = (method_status_sequence(b) for b in (held, paid))

    assert status == "CONFIRMED" and confirmed > waiting
    assert paid.sequence == 0   # the booking's own count of moves is not touched


def test_a_paid_bookings_move_and_cancel_keep_raising_the_sequence() -> None:
    paid = a_paid_booking_held().paid("pi_1", 5000, NOW + timedelta(minutes=5))
    moved = paid.moved_to(NOW + timedelta(days=3), NOW + timedelta(minutes=10))
    cancelled = moved.cancelled(NOW + timedelta(minutes=20), None, "attendee")

    sequences = [method_status_sequence(b)[2] for b in (paid, moved, cancelled)]

    assert sequences == sorted(set(sequences))


def test_a_cancelled_booking_is_sent_as_a_cancel_with_a_higher_sequence() -> None:
    calendar, event = read(a_booking(BookingStatus.CANCELLED, sequence=2))

    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 3
    assert str(event["attendee"].params["partstat"]) == "DECLINED"
    assert str(event["uid"]) == "b-1@penny"


def test_an_invites_times_are_utc_even_for_a_booking_stored_with_the_clients_offset(
        ) -> None:
    # A move made before moves were kept in UTC stored the offset the page sent.
    moved = replace(a_booking(), start=datetime.fromisoformat("2026-03-04T10:00:00-05:00"),
                    end=datetime.fromisoformat("2026-03-04T10:30:00-05:00"))

    raw = render_invite(moved, HOST, NOW, MANAGE)

    assert b"DTSTART:20260304T150000Z\r\n" in raw and b"DTEND:20260304T153000Z\r\n" in raw
    assert b"TZID" not in raw   # a zone with no VTIMEZONE is read as floating local time


def test_a_held_invite_says_the_hold_in_utc_when_it_ends_at_a_start_given_with_an_offset(
        ) -> None:
    # A time sooner than the hold is held until its start, as the client's request gave it.
    held = replace(a_paid_booking_held(),
                   hold_until=datetime.fromisoformat("2026-03-02T07:10:00-05:00"))

    (event,) = Calendar.from_ical(render_invite(held, HOST, NOW, MANAGE)).walk("VEVENT")

    assert "held until it is paid (2026-03-02 12:10 UTC)" in str(event["description"])


def test_a_cancelled_invite_reads_cancelled_and_gives_no_join_link_to_an_app_that_imports_it(
        ) -> None:
    # Not every calendar app acts on METHOD:CANCEL (an import may add the event as it
    # reads): the event itself then says it is off, as Outlook's "Canceled: …" does.
    cancelled = replace(a_booking(BookingStatus.CANCELLED), location_kind="zoom",
                        video_url="https://video.test/j/123")

    _, event = read(cancelled)

    assert str(event["summary"]) == "Cancelled: Intro call with Alice Liddell"
    assert str(event["description"]) == (
        f"Cancelled: this booking no longer stands. See it: {MANAGE}")
    assert str(event["location"]) == "Zoom"
    assert "url" not in event
    assert "video.test" not in render_invite(cancelled, HOST, NOW, MANAGE).decode()
