"""Booking events read off one change of a booking item (chalicelib/domain/events.py).

The stream handler sees the item before and after a write; these rules decide which
events that change stands for, and give each a stable id so a redelivered stream record
never counts twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus, Payment
from chalicelib.domain.events import (
    ENVELOPE_VERSION,
    Event,
    EventKind,
    booking_events,
    booking_summary,
    event_id,
    job_done_event,
)

AT = datetime.fromisoformat("2026-03-02T12:00:00+00:00")


def a_booking(status: BookingStatus = BookingStatus.CONFIRMED, sequence: int = 0) -> Booking:
    return Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=datetime.fromisoformat("2026-03-04T15:00:00+00:00"),
        end=datetime.fromisoformat("2026-03-04T15:30:00+00:00"),
        buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"),
        answers={"topic": "private"}, status=status, created_at=AT,
        location_kind="zoom", sequence=sequence)


def kinds(old: Booking | None, new: Booking | None) -> list[EventKind]:
    return [e.type for e in booking_events(old, new, "change-1", AT)]


PENDING, CONFIRMED, CANCELLED = (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED,
                                 BookingStatus.CANCELLED)


def test_a_new_confirmed_booking_is_created_and_confirmed() -> None:
    assert kinds(None, a_booking(CONFIRMED)) == [EventKind.BOOKING_CREATED,
                                                EventKind.BOOKING_CONFIRMED]


def test_a_new_pending_booking_is_only_created() -> None:
    assert kinds(None, a_booking(PENDING)) == [EventKind.BOOKING_CREATED]


def test_a_deleted_item_stands_for_no_event() -> None:
    assert kinds(a_booking(), None) == []
    assert kinds(None, None) == []


@pytest.mark.parametrize(("old", "new", "expected"), [
    (PENDING, CANCELLED, [EventKind.BOOKING_CANCELLED]),
    (CONFIRMED, CANCELLED, [EventKind.BOOKING_CANCELLED]),
    (CANCELLED, CONFIRMED, [EventKind.BOOKING_CONFIRMED]),
    (CONFIRMED, PENDING, []),
    (CONFIRMED, CONFIRMED, []),
    (PENDING, BookingStatus.EXPIRED, [EventKind.BOOKING_EXPIRED]),
])
def test_a_status_change_stands_for_its_events(old: BookingStatus, new: BookingStatus,
                                               expected: list[EventKind]) -> None:
    assert kinds(a_booking(old), a_booking(new)) == expected


HELD = Payment("stripe", "cs_1", "https://pay.test/cs_1")


def test_a_verified_payment_confirms_a_held_booking_with_payment_succeeded_first() -> None:
    held = replace(a_booking(PENDING), payment=HELD)

    assert kinds(held, held.paid("pi_1", 5000, AT)) == [EventKind.PAYMENT_SUCCEEDED,
                                                        EventKind.BOOKING_CONFIRMED]


def test_a_payment_after_the_hold_lapsed_also_succeeds_and_confirms() -> None:
    lapsed = replace(a_booking(PENDING), payment=HELD).expired()

    assert kinds(lapsed, lapsed.paid("pi_1", 5000, AT)) == [EventKind.PAYMENT_SUCCEEDED,
                                                            EventKind.BOOKING_CONFIRMED]


def test_a_payment_for_a_time_the_booking_no_longer_holds_is_not_a_success() -> None:
    lapsed = replace(a_booking(PENDING), payment=HELD).expired()
    owed = replace(lapsed, payment=replace(HELD, payment_id="pi_1", paid_minor=5000,
                                           paid_at=AT, refund_reason="taken"))

    assert owed.refund_owed and kinds(lapsed, owed) == []


def test_a_refund_is_told_once_and_the_dashboard_summary_says_refunded() -> None:
    paid = replace(a_booking(PENDING), payment=HELD).paid("pi_1", 5000, AT)
    refunded = paid.refunded("re_1", 5000, AT, "cancelled")

    assert kinds(paid, refunded) == [EventKind.PAYMENT_REFUNDED]
    assert kinds(refunded, refunded) == []
    assert booking_summary(refunded)["payment"] == {
        "provider": "stripe", "state": "refunded", "amount_minor": 5000, "currency": None,
        "refunded_minor": 5000, "refund_reason": "cancelled"}


def test_the_summary_carries_the_refunds_reason_the_row_words_and_nothing_before_one(
) -> None:
    # A payment come after its hold lapsed and the time was taken: owed back, then held
    # by a dispute, then the dispute lost (the row says "Owed back (...)", never a
    # cancellation, as the bookings list's `refund_reason` makes it say)
    lapsed = replace(a_booking(PENDING), payment=HELD).expired()
    owed = replace(lapsed, payment=replace(HELD, payment_id="pi_1", paid_minor=5000,
                                           paid_at=AT, refund_reason="taken"))
    held = owed.disputed("dp_1", "fraudulent", 5000, AT)
    lost = held.dispute_closed("dp_1", "lost", "fraudulent", 5000, AT)
    paid = replace(a_booking(PENDING), payment=HELD).paid("pi_1", 5000, AT)

    for b, state in ((owed, "refund_owed"), (held, "paid"), (lost, "paid")):
        summary = booking_summary(b)["payment"]
        assert (summary["state"], summary["refund_reason"]) == (state, "taken")
    assert booking_summary(held)["payment"]["refund_held"] is True
    # Nothing owed back: the message carries no reason (the row reads none)
    assert "refund_reason" not in booking_summary(paid)["payment"]


def test_a_second_payments_refund_is_told_once_and_the_booking_stays_paid() -> None:
    paid = replace(a_booking(PENDING), payment=HELD).paid("pi_1", 5000, AT)
    owed = paid.second_payment("pi_2", 5000)
    given_back = owed.second_payment_refunded("pi_2", "re_2", 5000, AT)

    assert kinds(paid, owed) == []
    assert kinds(owed, given_back) == [EventKind.PAYMENT_REFUNDED]
    assert kinds(given_back, given_back) == []
    summary = booking_summary(given_back)["payment"]
    assert (summary["state"], summary["refunded_minor"]) == ("paid", None)
    assert summary["second_payments"] == [
        {"amount_minor": 5000, "refunded": True, "refund_failed": False}]


def test_a_payment_left_uncaptured_expires_the_hold_and_the_summary_shows_it() -> None:
    held = replace(a_booking(PENDING), payment=HELD)
    released = held.released("pay_2", 5000, "taken", AT)

    assert kinds(held, released) == [EventKind.BOOKING_EXPIRED]
    summary = booking_summary(released)["payment"]
    assert (summary["state"], summary["released"]) == (
        "expired", {"amount_minor": 5000, "reason": "taken"})
    assert "released" not in booking_summary(held)["payment"]


def test_a_dispute_is_told_once_and_the_summary_shows_it_beside_paid() -> None:
    paid = replace(a_booking(PENDING), payment=HELD).paid("pi_1", 5000, AT)
    disputed = paid.disputed("dp_1", "fraudulent", 5000, AT)

    assert kinds(paid, disputed) == [EventKind.PAYMENT_DISPUTED]
    assert kinds(disputed, disputed) == []
    summary = booking_summary(disputed)["payment"]
    assert (summary["state"], summary["dispute"]) == (
        "paid", {"reason": "fraudulent", "amount_minor": 5000, "outcome": None})


def test_a_disputes_close_is_told_once_and_only_as_closed_when_it_came_first() -> None:
    paid = replace(a_booking(PENDING), payment=HELD).paid("pi_1", 5000, AT)
    disputed = paid.disputed("dp_1", "fraudulent", 5000, AT)
    won = disputed.dispute_closed("dp_1", "won", "fraudulent", 5000, AT)
    lost_first = paid.dispute_closed("dp_1", "lost", "fraudulent", 5000, AT)

    assert kinds(disputed, won) == [EventKind.PAYMENT_DISPUTE_CLOSED]
    assert kinds(won, won) == []
    assert kinds(paid, lost_first) == [EventKind.PAYMENT_DISPUTE_CLOSED]
    assert booking_summary(won)["payment"]["dispute"] == {
        "reason": "fraudulent", "amount_minor": 5000, "outcome": "won"}
    assert won.status is disputed.status


def test_a_refund_that_failed_is_told_once_and_the_summary_says_so() -> None:
    paid = replace(a_booking(PENDING), payment=HELD).paid("pi_1", 5000, AT)
    refunded = paid.refunded("re_1", 5000, AT, "cancelled")
    failed = refunded.refund_failed(AT)

    assert kinds(refunded, failed) == [EventKind.PAYMENT_REFUND_FAILED]
    assert kinds(failed, failed) == []
    assert booking_summary(failed)["payment"]["state"] == "refund_failed"
    # The host's own refund at the provider afterwards: refunded, told as a refund.
    assert kinds(failed, failed.refunded("re_2", 5000, AT, "provider")) == [
        EventKind.PAYMENT_REFUNDED]


def test_a_higher_sequence_is_a_reschedule() -> None:
    assert kinds(a_booking(sequence=1), a_booking(sequence=2)) == [
        EventKind.BOOKING_RESCHEDULED]


def test_the_same_or_a_lower_sequence_is_no_reschedule() -> None:
    assert kinds(a_booking(sequence=2), a_booking(sequence=2)) == []
    assert kinds(a_booking(sequence=2), a_booking(sequence=1)) == []


def test_a_booking_cancelled_in_the_same_write_is_not_also_rescheduled() -> None:
    assert kinds(a_booking(sequence=1), a_booking(CANCELLED, sequence=2)) == [
        EventKind.BOOKING_CANCELLED]


def test_a_payment_and_a_move_in_one_write_give_all_three_events_in_order() -> None:
    held = replace(a_booking(PENDING, 0), payment=HELD)
    paid_and_moved = replace(held.paid("pi_1", 5000, AT), sequence=1)

    assert kinds(held, paid_and_moved) == [
        EventKind.PAYMENT_SUCCEEDED, EventKind.BOOKING_CONFIRMED, EventKind.BOOKING_RESCHEDULED]


def test_a_video_link_arriving_is_an_update_carrying_the_link() -> None:
    linked = replace(a_booking(), video_url="https://zoom.us/j/123")

    (event,) = booking_events(a_booking(), linked, "change-1", AT)

    assert event.type is EventKind.BOOKING_UPDATED
    assert event.booking["video_url"] == "https://zoom.us/j/123"


def test_an_ask_for_the_notes_page_says_which_ask_it_is_and_only_that_event_does() -> None:
    asked = replace(a_booking(), notes_requested_at=AT)

    (event,) = booking_events(a_booking(), asked, "change-1", AT)
    (moved,) = booking_events(a_booking(), replace(a_booking(), sequence=1), "change-2", AT)

    assert event.type is EventKind.NOTES_REQUESTED
    assert event.booking["notes_requested_at"] == AT.isoformat()
    assert "notes_requested_at" not in moved.booking  # dashboards get no such field


def test_a_note_instead_of_a_link_is_an_update_too_and_no_change_is_none() -> None:
    noted = replace(a_booking(), video_note="The host will send you the Zoom link.")

    assert kinds(a_booking(), noted) == [EventKind.BOOKING_UPDATED]
    assert kinds(noted, noted) == []


def test_an_event_deleted_in_the_hosts_calendar_is_an_update_saying_when() -> None:
    flagged = replace(a_booking(), calendar_event_removed_at=AT)

    (event,) = booking_events(a_booking(), flagged, "change-1", AT)
    (back,) = booking_events(flagged, a_booking(), "change-2", AT)

    assert event.type is back.type is EventKind.BOOKING_UPDATED
    assert event.booking["calendar_event_removed_at"] == AT.isoformat()
    assert "calendar_event_removed_at" not in back.booking  # made again: it is there


def test_a_move_that_also_changes_the_link_is_only_a_reschedule() -> None:
    moved = replace(a_booking(sequence=1), video_url="https://zoom.us/j/123")

    assert kinds(a_booking(), moved) == [EventKind.BOOKING_RESCHEDULED]


def test_an_event_id_is_stable_for_one_change_and_differs_per_kind_and_change() -> None:
    first = booking_events(None, a_booking(), "change-1", AT)
    again = booking_events(None, a_booking(), "change-1", AT + timedelta(minutes=5))
    other = booking_events(None, a_booking(), "change-2", AT)

    assert [e.id for e in first] == [e.id for e in again]
    assert first[0].id != first[1].id
    assert {e.id for e in first}.isdisjoint(e.id for e in other)
    assert first[0].id == hashlib.sha256(b"change-1:booking.created").hexdigest()[:24]
    assert event_id("change-1", EventKind.BOOKING_CREATED) == first[0].id


def test_an_event_carries_the_host_the_time_and_a_summary_without_answers() -> None:
    (created, _) = booking_events(None, a_booking(), "change-1", AT)

    assert (created.host_id, created.occurred_at, created.version) == ("host-alice", AT,
                                                                       ENVELOPE_VERSION)
    assert created.booking == booking_summary(a_booking())
    assert booking_summary(a_booking(sequence=3)) == {
        "uid": "b-1", "status": "confirmed", "event_title": "Intro call",
        "start": "2026-03-04T15:00:00+00:00", "end": "2026-03-04T15:30:00+00:00",
        "attendee_name": "Bo Booker", "attendee_timezone": "Europe/London", "sequence": 3,
        "video_url": None, "video_note": None}


def test_an_event_as_json_is_the_versioned_envelope() -> None:
    event = Event(EventKind.BOOKING_CANCELLED, "e-1", AT, "host-alice", {"uid": "b-1"})

    assert event.to_json() == {"type": "booking.cancelled", "id": "e-1", "version": 1,
                               "occurred_at": "2026-03-02T12:00:00+00:00",
                               "host_id": "host-alice", "booking": {"uid": "b-1"}}


def test_a_premium_hosts_booking_events_say_so_in_the_envelope() -> None:
    created, confirmed = booking_events(None, replace(a_booking(), premium=True), "change-1", AT)
    (cancelled,) = booking_events(replace(a_booking(), premium=True),
                                  replace(a_booking(CANCELLED), premium=True), "change-2", AT)

    assert created.premium and confirmed.premium and cancelled.premium
    assert confirmed.to_json()["premium"] is True
    assert Event.from_json(confirmed.to_json()) == confirmed
    assert "premium" not in confirmed.booking  # the host's plan, not the booking's summary


@pytest.mark.parametrize("booking", [{"keeps_notes": True},
                                     {"notes_url": "https://notion.so/page"}],
                         ids=["its host keeps notes", "it has a notes page"])
def test_a_booking_with_notes_says_so_in_its_events(booking: dict[str, Any]) -> None:
    before, after = replace(a_booking(), **booking), replace(a_booking(CANCELLED), **booking)
    (_, confirmed) = booking_events(None, before, "change-1", AT)
    (cancelled,) = booking_events(before, after, "change-2", AT)

    assert confirmed.notes and cancelled.notes
    assert confirmed.to_json()["notes"] is True
    assert Event.from_json(confirmed.to_json()) == confirmed
    (_, plain) = booking_events(None, a_booking(), "change-3", AT)
    assert plain.notes is False and "notes" not in plain.to_json()


def test_an_ordinary_hosts_envelope_has_no_premium_key_and_reads_back_as_ordinary() -> None:
    (_, confirmed) = booking_events(None, a_booking(), "change-1", AT)

    assert confirmed.premium is False
    assert "premium" not in confirmed.to_json()
    assert Event.from_json({**confirmed.to_json(), "premium": "true"}).premium is False


def test_an_event_read_back_from_its_json_is_the_same_event() -> None:
    event = Event(EventKind.BOOKING_RESCHEDULED, "e-1", AT, "host-alice",
                  {"uid": "b-1", "sequence": 2})

    assert Event.from_json(event.to_json()) == event


@pytest.mark.parametrize("kind", [EventKind.NOTES_SAVED, EventKind.SUMMARY_READY])
def test_a_finished_job_announces_its_own_event(kind: EventKind) -> None:
    event = job_done_event(kind, "change-9", AT, "host-alice", {"uid": "b-1"})

    assert event == Event(kind, event_id("change-9", kind), AT, "host-alice", {"uid": "b-1"})


def test_a_summary_follows_the_booking_it_describes() -> None:
    moved = replace(a_booking(PENDING), uid="b-2", event_title="Demo")

    summary = booking_summary(moved)

    assert (summary["uid"], summary["status"], summary["event_title"]) == (
        "b-2", "pending_payment", "Demo")


@pytest.mark.parametrize(("old", "new"), [
    (a_booking(CONFIRMED), a_booking(CANCELLED)),
    (a_booking(PENDING), a_booking(CONFIRMED, sequence=1)),
    (a_booking(CONFIRMED, 0), a_booking(CONFIRMED, 1)),
    (None, a_booking(CONFIRMED)),
])
def test_every_event_of_a_change_carries_its_own_stable_id_and_the_change_time(
        old: Booking | None, new: Booking) -> None:
    events = booking_events(old, new, "change-7", AT)

    assert events
    for event in events:
        assert event.id == event_id("change-7", event.type)
        assert event.occurred_at == AT
        assert event.host_id == "host-alice"
        assert event.booking == booking_summary(new)
