"""The in-memory provider fakes (tests/fakes/providers.py) keep their ports' contracts:
creates are idempotent on their key, deletes of what is gone succeed, a calendar that
cannot be read is unknown, changes since a cursor are only those, webhooks are verified,
and a queued fault fires once, before or after the work."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.domain.errors import (
    AuthenticationError,
    ConnectionBrokenError,
    NotConnectedError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.external_busy import CalendarBusy, ExternalEvent, ShownAs
from chalicelib.domain.providers import (
    BookingFacts,
    BookingNotes,
    CalendarEvent,
    CalendarInfo,
    CalendarProvider,
    CheckoutRequest,
    EventChange,
    MeetingRequest,
    NotesProvider,
    PaymentEvent,
    PaymentEventKind,
    PaymentProvider,
    VideoProvider,
    Watch,
    WrittenEvent,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_ports import ProviderAdapters
from tests.fakes.providers import (
    PRIMARY,
    FakeAdapters,
    FakeBriefs,
    FakeCalendar,
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
DAY = span("2026-11-24T00:00:00+00:00", "2026-11-25T00:00:00+00:00")
WORK = CalendarInfo("work", "Work", primary=False, writable=True)
HOLIDAYS = CalendarInfo("holidays", "Holidays", primary=False, writable=False)


def an_event(key: str = "b-1", when: TimeRange = MEETING, online: bool = False
             ) -> CalendarEvent:
    return CalendarEvent(key, "Intro call with Bo Booker", when, "Bo Booker", "bo@example.com",
                         online_meeting=online)


# ---- calendar ------------------------------------------------------------------------


def test_the_fake_calendar_is_a_calendar_provider() -> None:
    provider: CalendarProvider = FakeCalendar()

    assert provider.calendars() == [CalendarInfo("primary", "Primary", True, True)]
    assert provider.busy(["primary"], MEETING) == [CalendarBusy("primary", MEETING)]


def test_busy_is_each_calendars_blocking_time_within_the_window() -> None:
    calendar = FakeCalendar(listed=[PRIMARY, WORK])
    calendar.add("primary", "dentist", ExternalEvent(span("2026-11-24T13:00:00+00:00",
                                                          "2026-11-24T14:15:00+00:00")))
    calendar.add("primary", "lunch", ExternalEvent(MEETING, shown_as=ShownAs.FREE))
    calendar.add("work", "standup", ExternalEvent(span("2026-11-24T14:20:00+00:00",
                                                       "2026-11-24T14:25:00+00:00")))

    primary, work = calendar.busy(["primary", "work"], MEETING)

    assert primary.ranges == (span("2026-11-24T14:00:00+00:00", "2026-11-24T14:15:00+00:00"),)
    assert work.ranges == (span("2026-11-24T14:20:00+00:00", "2026-11-24T14:25:00+00:00"),)
    assert calendar.busy_asked == [("primary", "work")]


def test_a_calendar_the_fake_cannot_read_is_unknown_and_so_busy_all_window() -> None:
    calendar = FakeCalendar(listed=[PRIMARY, WORK], unknown={"work"})

    primary, work, gone = calendar.busy(["primary", "work", "deleted"], MEETING)

    assert not primary.unknown and primary.busy() == []
    assert work.unknown and gone.unknown and work.busy() == [MEETING]


def test_changes_without_a_cursor_list_every_event_in_the_window() -> None:
    calendar = FakeCalendar()
    calendar.add("primary", "a", ExternalEvent(MEETING))
    calendar.add("primary", "far", ExternalEvent(span("2027-06-01T10:00:00+00:00",
                                                      "2027-06-01T11:00:00+00:00")))

    listed = calendar.changes("primary", DAY, None)

    assert listed.full and listed.cursor is not None
    assert listed.changes == (EventChange("a", ExternalEvent(MEETING)),)


def test_changes_since_a_cursor_are_only_what_changed_with_a_gone_event_as_none() -> None:
    calendar = FakeCalendar(listed=[PRIMARY, WORK])
    calendar.add("primary", "a", ExternalEvent(MEETING))
    calendar.add("primary", "b", ExternalEvent(LATER))
    cursor = calendar.changes("primary", DAY, None).cursor

    calendar.remove("primary", "a")
    calendar.add("primary", "c", ExternalEvent(LATER))
    calendar.add("work", "elsewhere", ExternalEvent(LATER))
    since = calendar.changes("primary", DAY, cursor)

    assert not since.full
    assert since.changes == (EventChange("a", None, removed=True),
                             EventChange("c", ExternalEvent(LATER)))
    assert calendar.changes("primary", DAY, since.cursor).changes == ()


@pytest.mark.parametrize("cursor", ["nonsense", "work@0.0", "primary@0.99", "primary@7.0"])
def test_a_cursor_the_fake_does_not_honour_gets_the_full_listing(cursor: str) -> None:
    calendar = FakeCalendar(listed=[PRIMARY, WORK])
    calendar.add("primary", "a", ExternalEvent(MEETING))

    assert calendar.changes("primary", DAY, cursor).full


def test_expired_cursors_get_the_full_listing_as_googles_410_does() -> None:
    calendar = FakeCalendar()
    calendar.add("primary", "a", ExternalEvent(MEETING))
    cursor = calendar.changes("primary", DAY, None).cursor

    calendar.expire_cursors()

    assert calendar.changes("primary", DAY, cursor).full


def test_a_watch_is_recorded_with_its_address_and_token_and_stopping_it_twice_is_fine(
        ) -> None:
    calendar = FakeCalendar()

    watch = calendar.watch("primary", "https://penny.test/hook", "w-1", "secret",
                           at("2026-11-30T12:00:00+00:00"))
    assert watch == Watch("w-1", "primary", at("2026-11-30T12:00:00+00:00"), "res-w-1")
    assert calendar.watches["w-1"].token == "secret"

    calendar.stop(watch)
    calendar.stop(watch)
    assert calendar.watches == {} and calendar.stopped == [watch, watch]


def test_a_provider_may_end_a_watch_sooner_than_asked() -> None:
    calendar = FakeCalendar(watch_capped_at=at("2026-11-26T12:00:00+00:00"))

    watch = calendar.watch("primary", "https://penny.test/hook", "w-1", "secret",
                           at("2026-11-30T12:00:00+00:00"))

    assert watch.expires_at == at("2026-11-26T12:00:00+00:00")


def test_creating_twice_with_one_key_makes_one_event_which_is_busy_and_listed() -> None:
    calendar = FakeCalendar()

    first = calendar.create_event("primary", an_event())
    again = calendar.create_event("primary", an_event(when=LATER))
    other = calendar.create_event("primary", an_event("b-2"))

    assert first == again == WrittenEvent("evt-1") and other == WrittenEvent("evt-2")
    assert [e.when for e in calendar.written["primary"].values()] == [MEETING, MEETING]
    assert calendar.busy(["primary"], DAY)[0].ranges == (MEETING,)
    assert [c.id for c in calendar.changes("primary", DAY, None).changes] == ["evt-1",
                                                                              "evt-2"]


def test_an_online_meeting_event_gets_a_join_link_and_a_plain_one_none() -> None:
    calendar = FakeCalendar(link_base="https://teams.test")

    online = calendar.create_event("primary", an_event(online=True))
    plain = calendar.create_event("primary", an_event("b-2"))

    assert online.join_url == "https://teams.test/evt-1" and plain.join_url is None


def test_a_host_who_has_links_added_to_every_event_gets_one_unasked() -> None:
    calendar = FakeCalendar(links_every_event=True)

    assert calendar.create_event("primary", an_event()).join_url == "https://meet.test/evt-1"


def test_a_calendar_the_host_cannot_write_to_refuses_the_event() -> None:
    calendar = FakeCalendar(listed=[PRIMARY, HOLIDAYS])

    for calendar_id in ("holidays", "unknown"):
        with pytest.raises(ProviderRejectedError):
            calendar.create_event(calendar_id, an_event())
    assert calendar.written == {}


def test_an_update_moves_the_event_and_a_delete_removes_it_even_twice() -> None:
    calendar = FakeCalendar()
    written = calendar.create_event("primary", an_event())
    cursor = calendar.changes("primary", DAY, None).cursor

    calendar.update_event("primary", written.id, an_event(when=LATER))
    assert calendar.written["primary"][written.id].when == LATER

    calendar.delete_event("primary", written.id)
    calendar.delete_event("primary", written.id)
    assert calendar.written["primary"] == {}
    assert calendar.changes("primary", DAY, cursor).changes == (
        EventChange("evt-1", None, removed=True),)


def test_updating_an_event_that_is_gone_is_rejected() -> None:
    with pytest.raises(ProviderRejectedError):
        FakeCalendar().update_event("primary", "evt-9", an_event())


def test_a_fault_after_the_work_leaves_the_work_done_and_fires_once() -> None:
    calendar = FakeCalendar()
    calendar.faults.fail_next("create_event", ProviderUnavailableError("fake", "timeout"),
                              after_work=True)

    with pytest.raises(ProviderUnavailableError):
        calendar.create_event("primary", an_event())
    assert list(calendar.written["primary"]) == ["evt-1"]

    assert calendar.create_event("primary", an_event()).id == "evt-1"
    assert calendar.faults.calls == ["create_event", "create_event"]


def test_a_fault_before_the_work_leaves_nothing_done() -> None:
    calendar = FakeCalendar()
    calendar.faults.fail_next("create_event", ProviderUnavailableError("fake", "503"))

    with pytest.raises(ProviderUnavailableError):
        calendar.create_event("primary", an_event())

    assert calendar.written == {}


def test_a_rival_queued_on_a_method_runs_once_as_its_next_call_begins() -> None:
    calendar = FakeCalendar()
    calendar.faults.meanwhile("changes", lambda: calendar.add("primary", "late",
                                                                ExternalEvent(LATER)))

    first = calendar.changes("primary", DAY, None)
    second = calendar.changes("primary", DAY, first.cursor)

    assert [c.id for c in first.changes] == ["late"] and second.changes == ()


# ---- the hosts' accounts ---------------------------------------------------------------


def test_each_host_gets_its_own_account_at_each_provider_it_connected() -> None:
    fake = FakeAdapters()
    adapters: ProviderAdapters = fake
    google = fake.connect_calendar("alice", "google")
    outlook = fake.connect_calendar("alice", "microsoft")
    zoom = fake.connect_video("alice")

    assert adapters.calendar("alice", "google", 3.0) is google
    assert adapters.calendar("alice", "microsoft", 3.0) is outlook
    assert adapters.video("alice", "zoom", 3.0) is zoom
    assert fake.connect_calendar("alice", "google") is google   # connecting again: the same
    assert fake.asked == [("alice", "google", 3.0), ("alice", "microsoft", 3.0),
                          ("alice", "zoom", 3.0)]


def test_online_meetings_link_to_meet_on_google_and_teams_on_microsoft() -> None:
    adapters = FakeAdapters()

    google = adapters.connect_calendar("alice", "google")
    outlook = adapters.connect_calendar("alice", "microsoft")

    assert google.create_event("primary", an_event(online=True)).join_url == \
        "https://meet.test/evt-1"
    assert outlook.create_event("primary", an_event(online=True)).join_url == \
        "https://teams.test/evt-1"


def test_a_provider_the_host_has_not_connected_is_not_connected() -> None:
    adapters = FakeAdapters()
    adapters.connect_calendar("alice", "google")

    for ask in (lambda: adapters.calendar("bob", "google", 3.0),
                lambda: adapters.calendar("alice", "microsoft", 3.0),
                lambda: adapters.video("alice", "zoom", 3.0)):
        with pytest.raises(NotConnectedError):
            ask()


def test_a_broken_connection_raises_until_the_host_connects_again() -> None:
    adapters = FakeAdapters()
    zoom = adapters.connect_video("alice")
    adapters.break_connection("alice", "zoom", "refresh refused")

    with pytest.raises(ConnectionBrokenError) as raised:
        adapters.video("alice", "zoom", 3.0)
    assert (raised.value.provider, raised.value.message) == ("zoom", "refresh refused")

    assert adapters.connect_video("alice") is zoom
    assert adapters.video("alice", "zoom", 3.0) is zoom


def test_a_disconnected_provider_is_not_connected_even_if_it_was_broken() -> None:
    adapters = FakeAdapters()
    adapters.connect_calendar("alice")
    adapters.break_connection("alice", "google")

    adapters.disconnect("alice", "google")

    with pytest.raises(NotConnectedError):
        adapters.calendar("alice", "google", 3.0)


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
                           "Bo", "https://penny.test/paid", "https://penny.test/back",
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
    return BookingNotes("b-1", "Intro call", MEETING, "Bo Booker", "bo@example.com", bullets,
                        "Confirmed", "Europe/London")


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

    brief = briefs.write(facts)

    assert brief.who == ("Bo Booker booked Intro call at 2026-11-24T14:00:00+00:00 "
                         "(0 earlier bookings).")
    assert brief.prepare == ("Topic: pricing",)
    assert brief.text == f"{brief.who}\npricing\n\nPrepare:\n- Topic: pricing"
    assert briefs.written == [facts]
