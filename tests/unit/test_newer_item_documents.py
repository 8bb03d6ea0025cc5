"""The JSON documents inside items as a newer version may write them, read by this one (a
deploy under way, or rolled back): a key it does not know, or another element at the end
of a list read by position, is no error and changes nothing it reads
(chalicelib/store/codecs.py, calendar_cache.py); a booking's document writes the top-level
keys it did not know back as they were."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.domain.availability import LocalRange
from chalicelib.domain.bookings import Booking, BookingBrief, HistoryEntry, Payment
from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.event_types import EventType, LocationKind
from chalicelib.domain.timerange import TimeRange
from chalicelib.store import codecs
from chalicelib.store.calendar_cache import day_events, setup_from_json, setup_to_json
from chalicelib.store.items import CalendarDayItem
from tests.fakes.bookings import a_booking

CREATED = datetime.fromisoformat("2026-03-01T09:00:00+00:00")
MOVED = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
GOOGLE = CalendarRef("google", "primary")


def a_moved_paid_booking() -> Booking:
    return a_booking(
        history=(HistoryEntry(datetime.fromisoformat("2026-03-03T15:00:00+00:00"),
                              datetime.fromisoformat("2026-03-03T15:30:00+00:00"), MOVED),),
        price_minor=5000, currency="USD", version=3,
        payment=Payment("stripe", "cs_1", payment_id="pi_1", paid_minor=5000, paid_at=CREATED))


def read_booking(stored: dict[str, object]) -> Booking:
    return codecs.booking_from_json("b-1", "host-alice", "confirmed", 3, stored)


def test_a_booking_whose_document_and_payment_have_newer_keys_reads_as_without_them(
) -> None:
    stored = codecs.booking_to_json(a_moved_paid_booking())
    payment = stored["payment"]
    assert isinstance(payment, dict)
    newer = {**stored, "reminder_sent_at": MOVED.isoformat(),
             "payment": {**payment, "chargeback_fee_minor": 1500}}

    assert read_booking(newer) == read_booking(stored) == a_moved_paid_booking()


def test_a_booking_whose_attendee_and_history_have_newer_elements_reads_as_without_them(
) -> None:
    stored = codecs.booking_to_json(a_moved_paid_booking())
    newer = {**stored, "attendee": [*stored["attendee"], "+44 20 7946 0000"],
             "history": [[*h, "attendee"] for h in stored["history"]]}

    assert read_booking(newer) == a_moved_paid_booking()


def test_an_event_type_with_a_key_this_version_does_not_know_reads_as_without_it() -> None:
    event = EventType(id="alice-intro", host_id="host-alice", slug="intro",
                      title="Intro call", duration_minutes=30, location_kind=LocationKind.ZOOM)
    stored = codecs.event_type_to_json(event)

    read = codecs.event_type_from_json("alice-intro", "host-alice",
                                       {**stored, "color": "#3366ff"})

    assert read == event


def test_weekly_hours_with_a_newer_element_in_a_range_read_as_without_it() -> None:
    assert codecs.ranges_from_json([["09:00", "12:00", "in person"], ["13:00", "24:00"]]) \
        == (LocalRange.parse("09:00", "12:00"), LocalRange.parse("13:00", "24:00"))


def test_a_calendar_setup_with_keys_this_version_does_not_know_reads_as_without_them(
) -> None:
    setup = CalendarSetup((SyncState(GOOGLE, cursor="c-1"),), GOOGLE)
    stored = json.loads(setup_to_json(setup))
    stored["conflicts"][0]["sync_window_days"] = 90
    newer = json.dumps({**stored, "reminders": True})

    assert setup_from_json(newer) == setup


def test_the_zone_a_calendar_copy_was_placed_by_is_kept_and_an_older_setup_has_none(
) -> None:
    placed = CalendarSetup((SyncState(GOOGLE, cursor="c-1", placed_in="Pacific/Honolulu"),),
                           GOOGLE)
    older = CalendarSetup((SyncState(GOOGLE, cursor="c-1"),), GOOGLE)

    assert setup_from_json(setup_to_json(placed)) == placed
    assert "placed_in" not in setup_to_json(older)   # it reads, and compares, as before


def test_a_cached_calendar_event_with_a_newer_element_reads_as_without_it() -> None:
    start, end = MOVED, MOVED + timedelta(hours=1)
    day = CalendarDayItem("LEDGER#host-alice", "DAY#2026-03-02#CAL#0", calendar=GOOGLE.key,
                          events={"ev-1": [int(start.timestamp()), int(end.timestamp()),
                                           "tentative"]})

    assert day_events(day) == {"ev-1": TimeRange(start.astimezone(UTC), end.astimezone(UTC))}


def test_a_booking_read_with_a_newer_top_level_key_is_written_back_with_it() -> None:
    stored = codecs.booking_to_json(a_moved_paid_booking())
    read = read_booking({**stored, "reminder_sent_at": MOVED.isoformat()})

    written = codecs.booking_to_json(replace(read, video_url="https://zoom.us/j/1"))

    assert read == a_moved_paid_booking()
    assert written == {**stored, "video_url": "https://zoom.us/j/1",
                       "reminder_sent_at": MOVED.isoformat()}


def test_a_key_this_version_writes_wins_over_a_kept_one_of_the_same_name() -> None:
    kept = {"event_title": "Old title", "cancel_reason": "kept", "reminder_sent_at": "x"}

    written = codecs.booking_to_json(a_booking(unknown_keys=kept))

    assert written["event_title"] == "Intro call"
    assert "cancel_reason" not in written
    assert written["reminder_sent_at"] == "x"


def test_a_booking_with_every_part_set_reads_back_with_no_key_kept_aside() -> None:
    full = a_booking(
        buffer_before=timedelta(minutes=5), buffer_after=timedelta(minutes=5),
        answers={"topic": "pricing"}, sequence=1, hold_until=MOVED, cancelled_at=MOVED,
        cancel_reason="ill", cancelled_by="host", premium=True, keeps_notes=True,
        video_url="https://zoom.us/j/1", video_note="sent by mail", notes_url="https://n/1",
        brief=BookingBrief("Bo", "a plan", ("figures",), ("when?",)), brief_note="none",
        notes_requested_at=MOVED, calendar_requested_at=MOVED,
        calendar_catch_up_at=MOVED,
        history=a_moved_paid_booking().history, price_minor=5000, currency="USD",
        payment=a_moved_paid_booking().payment)

    assert read_booking(codecs.booking_to_json(full)).unknown_keys == {}
