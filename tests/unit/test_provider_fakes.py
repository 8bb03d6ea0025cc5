"""The in-memory provider fakes (tests/fakes/providers.py) keep their ports' contracts:
creates are idempotent on their key, deletes of what is gone succeed, webhooks are
verified, and a queued fault fires once, before or after the work."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.domain.errors import (
    AuthenticationError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers import (
    BookingFacts,
    BookingNotes,
    CalendarEvent,
    CalendarProvider,
    CheckoutRequest,
    MeetingRequest,
    NotesProvider,
    PaymentEvent,
    PaymentEventKind,
    PaymentProvider,
    VideoProvider,
)
from chalicelib.domain.timerange import TimeRange
from tests.fakes.providers import (
    FakeBriefs,
    FakeCalendar,
    FakeCalendars,
    FakeNotes,
    FakePayments,
    FakeVideo,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def span(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


MEETING = span("2026-11-24T14:00:00+00:00", "2026-11-24T14:30:00+00:00")
LATER = span("2026-11-24T15:00:00+00:00", "2026-11-24T15:30:00+00:00")


def an_event(key: str = "b-1", when: TimeRange = MEETING) -> CalendarEvent:
    return CalendarEvent(key, "Intro call with Bo Booker", when, "Bo Booker", "bo@example.com")


# ---- calendar ------------------------------------------------------------------------


def test_the_fake_calendar_is_a_calendar_provider() -> None:
    provider: CalendarProvider = FakeCalendar()
    assert provider.busy(MEETING) == []


def test_busy_is_the_fake_busy_time_within_the_window() -> None:
    calendar = FakeCalendar(busy_ranges=[span("2026-11-24T13:00:00+00:00",
                                              "2026-11-24T14:15:00+00:00")])

    assert calendar.busy(MEETING) == [span("2026-11-24T14:00:00+00:00",
                                           "2026-11-24T14:15:00+00:00")]


def test_creating_twice_with_one_key_makes_one_event() -> None:
    calendar = FakeCalendar()

    first = calendar.create_event(an_event())
    again = calendar.create_event(an_event())
    other = calendar.create_event(an_event("b-2"))

    assert first == again == "evt-1" and other == "evt-2"
    assert list(calendar.events) == ["evt-1", "evt-2"]


def test_an_update_moves_the_event_and_a_delete_removes_it_even_twice() -> None:
    calendar = FakeCalendar()
    event_id = calendar.create_event(an_event())

    calendar.update_event(event_id, an_event(when=LATER))
    assert calendar.events[event_id].when == LATER

    calendar.delete_event(event_id)
    calendar.delete_event(event_id)
    assert calendar.events == {}


def test_updating_an_event_that_is_gone_is_rejected() -> None:
    with pytest.raises(ProviderRejectedError):
        FakeCalendar().update_event("evt-9", an_event())


def test_a_fault_after_the_work_leaves_the_work_done_and_fires_once() -> None:
    calendar = FakeCalendar()
    calendar.faults.fail_next("create_event", ProviderUnavailableError("fake", "timeout"),
                              after_work=True)

    with pytest.raises(ProviderUnavailableError):
        calendar.create_event(an_event())
    assert list(calendar.events) == ["evt-1"]

    assert calendar.create_event(an_event()) == "evt-1"
    assert calendar.faults.calls == ["create_event", "create_event"]


def test_a_fault_before_the_work_leaves_nothing_done() -> None:
    calendar = FakeCalendar()
    calendar.faults.fail_next("create_event", ProviderUnavailableError("fake", "503"))

    with pytest.raises(ProviderUnavailableError):
        calendar.create_event(an_event())

    assert calendar.events == {}


def test_a_host_without_a_connected_calendar_has_none() -> None:
    calendars = FakeCalendars()
    connected = calendars.connect("host-alice")

    assert calendars.for_host("host-alice") is connected
    assert calendars.for_host("host-bob") is None


# ---- video ---------------------------------------------------------------------------


def test_a_meeting_is_made_once_per_key_moved_and_deleted() -> None:
    video: VideoProvider = FakeVideo()
    request = MeetingRequest("b-1", "Intro call", MEETING)

    meeting = video.create_meeting(request)
    assert video.create_meeting(request) == meeting
    assert meeting.join_url == f"https://video.test/j/{meeting.id}"

    moved = video.update_meeting(meeting.id, MeetingRequest("b-1", "Intro call", LATER))
    assert moved == meeting

    video.delete_meeting(meeting.id)
    video.delete_meeting(meeting.id)
    with pytest.raises(ProviderRejectedError):
        video.update_meeting(meeting.id, request)


# ---- payments ------------------------------------------------------------------------


def a_checkout(key: str = "hold-1") -> CheckoutRequest:
    return CheckoutRequest(key, "b-1", "Intro call", Price(5000, "USD"), "bo@example.com",
                           "https://penny.test/paid", "https://penny.test/back",
                           at("2026-11-23T12:30:00+00:00"))


def test_one_checkout_per_hold_and_it_can_be_expired() -> None:
    payments = FakePayments()

    checkout = payments.create_checkout(a_checkout())
    assert payments.create_checkout(a_checkout()) == checkout
    assert checkout.url == f"https://pay.test/c/{checkout.id}"
    assert checkout.expires_at == at("2026-11-23T12:30:00+00:00")

    payments.expire_checkout(checkout.id)
    assert payments.expired == {checkout.id}
    with pytest.raises(ProviderRejectedError):
        payments.expire_checkout("cs-unknown")


def test_a_refund_is_made_once_per_key() -> None:
    payments: PaymentProvider = FakePayments()

    refund = payments.refund("pi-1", Price(5000, "USD"), key="refund-b-1")

    assert payments.refund("pi-1", Price(5000, "USD"), key="refund-b-1") == refund
    assert (refund.payment_id, refund.amount) == ("pi-1", Price(5000, "USD"))


def test_a_signed_webhook_is_verified_into_a_payment_event() -> None:
    payments = FakePayments()
    paid = PaymentEvent("evt_1", PaymentEventKind.PAID, "b-1", "cs-1", "pi-1",
                        Price(5000, "USD"))

    body, headers = payments.webhook(paid)

    assert payments.verify_webhook(body, headers) == paid
    assert payments.verify_webhook(body, {"Fake-Signature": headers["fake-signature"]}) == paid


@pytest.mark.parametrize("tamper", ["body", "signature", "missing", "other secret"])
def test_a_webhook_whose_signature_does_not_match_is_refused(tamper: str) -> None:
    payments = FakePayments()
    body, headers = payments.webhook(PaymentEvent("evt_1", PaymentEventKind.PAID, "b-1",
                                                  "cs-1"))
    if tamper == "body":
        body = body.replace(b"b-1", b"b-2")
    elif tamper == "signature":
        headers = {"fake-signature": "0" * 64}
    elif tamper == "missing":
        headers = {}
    else:
        body, headers = FakePayments(secret=b"mallory").webhook(
            PaymentEvent("evt_1", PaymentEventKind.PAID, "b-1", "cs-1"))

    with pytest.raises(AuthenticationError):
        payments.verify_webhook(body, headers)


def test_a_genuine_webhook_penny_does_not_act_on_is_none() -> None:
    payments = FakePayments()
    body, headers = payments.webhook({"id": "evt_2", "kind": "customer.created"})

    assert payments.verify_webhook(body, headers) is None


# ---- notes and briefs ----------------------------------------------------------------


def some_notes(*bullets: str) -> BookingNotes:
    return BookingNotes("b-1", "Intro call", MEETING, "Bo Booker", "bo@example.com", bullets)


def test_notes_are_one_page_per_booking_and_can_be_updated() -> None:
    notes: NotesProvider = FakeNotes()

    page = notes.save_notes(some_notes("Topic: pricing"))
    assert notes.save_notes(some_notes("Topic: pricing")) == page
    assert page.url == f"https://notes.test/{page.id}"

    assert notes.update_notes(page.id, some_notes("Topic: pricing", "Moved")) == page
    with pytest.raises(ProviderRejectedError):
        notes.update_notes("page-9", some_notes())


def test_a_brief_is_written_from_the_booking_facts() -> None:
    briefs = FakeBriefs()
    facts = BookingFacts("Intro call", MEETING, "Bo Booker", "bo@example.com",
                         (("Topic", "pricing"),))

    assert briefs.write(facts) == ("Bo Booker (bo@example.com) booked Intro call at "
                                   "2026-11-24T14:00:00+00:00.\n- Topic: pricing")
    assert briefs.written == [facts]
