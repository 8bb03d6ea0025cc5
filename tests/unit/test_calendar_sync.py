"""The calendar job (chalicelib/services/calendar_sync.py) makes the host's calendar and
video meeting match the booking as it is now, whatever event arrived and in whatever
order, and writes the meeting's link (or a note that the host will send one) on the
booking. Fakes throughout (tests/fakes/, tests/unit/fakes.py).

Alice's bookings land in her Google calendar unless a test moves her destination; the
clock stands at 2026-11-23T12:00Z and Bo's call is on the 24th at 14:00Z.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus
from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import LocationKind
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.external_busy import ExternalEvent
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.providers.calendars import CalendarEvent
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_cache import READ_TIMEOUT, CalendarCache
from chalicelib.services.calendar_catch_up import catch_up
from chalicelib.services.calendar_records import WATCH_TIMEOUT
from chalicelib.services.calendar_sync import CalendarSync
from tests.fakes.calendar_cache import FakeCalendarStore, FakeWatchAsks
from tests.fakes.jobs import FakeCurrentBookings, FakeProviderRefs
from tests.fakes.providers import FakeAdapters, FakeCalendar
from tests.unit.fakes import FakeHosts, FixedClock, make_host

NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")
AT_2 = TimeRange(datetime.fromisoformat("2026-11-24T14:00:00+00:00"),
                 datetime.fromisoformat("2026-11-24T14:30:00+00:00"))
AT_3 = TimeRange(datetime.fromisoformat("2026-11-24T15:00:00+00:00"),
                 datetime.fromisoformat("2026-11-24T15:30:00+00:00"))
CONFIRMED, CANCELLED = BookingStatus.CONFIRMED, BookingStatus.CANCELLED
HOST = "host-alice"
GOOGLE = CalendarRef("google", "primary")
OUTLOOK = CalendarRef("microsoft", "primary")
MEET, TEAMS, ZOOM = LocationKind.GOOGLE_MEET, LocationKind.TEAMS, LocationKind.ZOOM


def a_booking(status: BookingStatus = CONFIRMED, when: TimeRange = AT_2, sequence: int = 0,
              location: LocationKind = MEET) -> Booking:
    return Booking(
        uid="b-1", host_id=HOST, event_type_id="alice-intro", event_title="Intro call",
        start=when.start, end=when.end, buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"), answers={},
        status=status, created_at=NOW, location_kind=location.value, sequence=sequence)


def an_event(kind: EventKind) -> Event:
    return Event(kind, f"e-{kind.value}", NOW, HOST, {"uid": "b-1"})


@dataclass
class World:
    bookings: FakeCurrentBookings = field(default_factory=FakeCurrentBookings)
    hosts: FakeHosts = field(default_factory=FakeHosts)
    adapters: FakeAdapters = field(default_factory=FakeAdapters)
    refs: FakeProviderRefs = field(default_factory=FakeProviderRefs)

    def __post_init__(self) -> None:
        make_host(self.hosts, NOW)
        self.google: FakeCalendar = self.adapters.connect_calendar(HOST, "google")
        self.outlook: FakeCalendar = self.adapters.connect_calendar(HOST, "microsoft")
        self.destination(GOOGLE)

    cache: CalendarCache | None = None

    @property
    def job(self) -> CalendarSync:
        return CalendarSync(self.bookings, self.hosts, self.adapters, self.refs,
                            lambda uid: f"https://penny.test/bookings/{uid}", self.cache,
                            clock=FixedClock(NOW))

    def caching(self) -> FakeCalendarStore:
        """The job keeps the hosts' busy copies up to date too (as deployed)."""
        store = FakeCalendarStore(setups=self.hosts.calendars)
        self.cache = CalendarCache(self.adapters, store, FixedClock(NOW),
                                   lambda provider: f"https://penny.test/hooks/{provider}")
        return store

    def destination(self, ref: CalendarRef | None) -> None:
        """Where new bookings go (Alice's calendars count for conflicts too)."""
        self.hosts.calendars[HOST] = CalendarSetup((SyncState(GOOGLE),), ref)

    def now(self, booking: Booking) -> None:
        """The booking as the API last wrote it (keeping what the job wrote on it)."""
        stored = self.bookings.bookings.get(booking.uid)
        if stored is not None:
            booking = replace(booking, video_url=stored.video_url,
                              video_note=stored.video_note)
        self.bookings.now(booking)

    def run(self, kind: EventKind) -> None:
        self.job.run(an_event(kind))

    def stored(self) -> Booking:
        found = self.bookings.bookings.get("b-1")
        assert found is not None
        return found

    def written(self, calendar: FakeCalendar) -> list[CalendarEvent]:
        return list(calendar.written.get("primary", {}).values())


@pytest.fixture
def world() -> World:
    return World()


# ---- the event and its link -------------------------------------------------------------


def test_a_confirmed_booking_gets_one_event_in_the_hosts_destination_calendar(
        world: World) -> None:
    world.now(a_booking(location=LocationKind.PHONE))

    world.run(EventKind.BOOKING_CONFIRMED)

    (event,) = world.written(world.google)
    assert (event.key, event.title, event.when) == ("b-1", "Intro call with Bo Booker", AT_2)
    assert (event.attendee_name, event.attendee_email) == ("Bo Booker", "bo@example.com")
    assert event.description == ("Booked with Penny. Reschedule or cancel: "
                                 "https://penny.test/bookings/b-1")
    assert not event.online_meeting and event.location == "Phone call"
    ref = world.refs.get("calendar", "b-1")
    assert ref is not None and (ref.external_id, ref.sequence) == ("google:primary\nevt-1", 0)
    assert ref.keep_until == AT_2.end + timedelta(days=30)
    assert (world.stored().video_url, world.stored().video_note) == (None, None)



@pytest.mark.parametrize(("kind", "place"), [
    (LocationKind.IN_PERSON, "In person: Studio 4, 12 Baker Street; ring twice"),
    (LocationKind.PHONE, "Phone call: Studio 4, 12 Baker Street; ring twice")])
def test_an_in_person_or_phone_event_carries_the_hosts_location_details(
        world: World, kind: LocationKind, place: str) -> None:
    config = world.hosts.config(HOST)
    (intro,) = config.event_types
    world.hosts.save_event_type(replace(
        intro, location_kind=kind, location_details=" Studio 4, 12 Baker Street; ring twice "),
        "alice", intro)
    world.destination(OUTLOOK)
    world.now(a_booking(location=kind))

    world.run(EventKind.BOOKING_CONFIRMED)

    (event,) = world.written(world.outlook)
    assert event.location == place and not event.online_meeting


def test_a_video_events_place_is_its_link_not_the_location_details(world: World) -> None:
    config = world.hosts.config(HOST)
    (intro,) = config.event_types
    world.hosts.save_event_type(replace(intro, location_details="Bring slides"), "alice",
                                intro)
    world.now(a_booking(location=MEET))

    world.run(EventKind.BOOKING_CONFIRMED)

    (event,) = world.written(world.google)
    assert event.location is None and event.online_meeting

def test_a_meet_booking_on_a_google_calendar_carries_the_meet_link(world: World) -> None:
    world.now(a_booking(location=MEET))

    world.run(EventKind.BOOKING_CONFIRMED)

    (event,) = world.written(world.google)
    assert event.online_meeting
    assert (world.stored().video_url, world.stored().video_note) == (
        "https://meet.test/evt-1", None)
    assert world.google.faults.calls == ["create_event"]


def test_writing_its_own_link_is_no_change_to_reconcile_again(world: World) -> None:
    # The job reads the booking, makes the event, writes the Meet link, and reads the
    # booking once more to see whether anyone else changed it: nobody did, so it stops.
    world.now(a_booking(location=MEET))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.bookings.reads == 2 and len(world.bookings.saved) == 1
    assert world.stored().video_url == "https://meet.test/evt-1"


def test_a_link_asks_for_the_clients_notes_again_only_for_a_host_who_keeps_notes() -> None:
    plain, noting = World(), World()
    noting.hosts.save_notes(HOST, NotesDestination("notion", "db-1", "ds-1", "Client notes"))
    for world in (plain, noting):
        world.now(a_booking(location=MEET))
        world.run(EventKind.BOOKING_CONFIRMED)
        assert world.stored().video_url == "https://meet.test/evt-1"

    assert plain.stored().notes_requested_at is None  # no notes: the notes worker sleeps
    assert noting.stored().notes_requested_at == NOW  # notes.requested: the page shows it


def test_a_teams_booking_on_an_outlook_calendar_carries_the_teams_link(world: World) -> None:
    world.destination(OUTLOOK)
    world.now(a_booking(location=TEAMS))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.written(world.google) == []
    assert world.stored().video_url == "https://teams.test/evt-1"


def test_a_move_whose_answer_names_no_link_keeps_the_teams_link_the_booking_has(
        world: World) -> None:
    world.destination(OUTLOOK)
    world.now(a_booking(location=TEAMS))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.outlook.links_in_updates = False

    world.now(a_booking(when=AT_3, sequence=1, location=TEAMS))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert [e.when for e in world.written(world.outlook)] == [AT_3]
    assert (world.stored().video_url, world.stored().video_note) == (
        "https://teams.test/evt-1", None)


def test_a_meet_booking_while_the_calendar_is_outlook_says_the_host_will_send_the_link(
        world: World) -> None:
    world.destination(OUTLOOK)
    world.now(a_booking(location=MEET))

    world.run(EventKind.BOOKING_CONFIRMED)

    (event,) = world.written(world.outlook)
    assert not event.online_meeting                 # never a Teams meeting instead
    assert (world.stored().video_url, world.stored().video_note) == (
        None, "The host will send you the Google Meet link before the meeting.")


def test_a_teams_booking_while_the_calendar_is_google_says_the_host_will_send_the_link(
        world: World) -> None:
    world.now(a_booking(location=TEAMS))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert (world.stored().video_url, world.stored().video_note) == (
        None, "The host will send you the Microsoft Teams link before the meeting.")


def test_a_link_outlook_adds_to_every_event_never_stands_in_for_meet(world: World) -> None:
    # Alice's Outlook adds a Teams meeting to every event she makes (her own setting):
    # a Meet booking must still not carry that Teams link.
    world.destination(OUTLOOK)
    world.outlook.links_every_event = True
    world.now(a_booking(location=MEET))

    world.run(EventKind.BOOKING_CONFIRMED)

    # Never, not even for a moment: each save reaches the dashboards (booking.updated).
    assert [b.video_url for b in world.bookings.saved] == [None]
    assert world.stored().video_note == ("The host will send you the Google Meet link "
                                         "before the meeting.")


def test_a_phone_booking_never_carries_a_link_the_calendar_added_on_its_own(
        world: World) -> None:
    world.google.links_every_event = True
    world.now(a_booking(location=LocationKind.PHONE))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.bookings.saved == []   # nothing to say: no link, no note


def test_a_host_without_a_destination_gets_no_event_and_the_note(world: World) -> None:
    world.destination(None)
    world.now(a_booking(location=MEET))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.adapters.asked == [] and world.refs.refs == {}
    assert world.stored().video_note == ("The host will send you the Google Meet link "
                                         "before the meeting.")


def test_a_booking_awaiting_payment_has_no_event_yet(world: World) -> None:
    world.now(a_booking(BookingStatus.PENDING_PAYMENT))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.written(world.google) == [] and world.bookings.saved == []


# ---- Zoom ---------------------------------------------------------------------------------


def test_a_zoom_booking_gets_one_meeting_whose_link_is_in_the_event_and_on_the_booking(
        world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))

    world.run(EventKind.BOOKING_CONFIRMED)
    world.run(EventKind.BOOKING_CONFIRMED)   # redelivered

    (meeting_id,) = zoom.meetings
    assert (zoom.meetings[meeting_id].key, zoom.meetings[meeting_id].when) == ("b-1", AT_2)
    assert zoom.faults.calls == ["create_meeting"]
    (event,) = world.written(world.google)
    assert event.location == f"https://video.test/j/{meeting_id}" and not event.online_meeting
    assert (world.stored().video_url, world.stored().video_note) == (
        f"https://video.test/j/{meeting_id}", None)


@pytest.mark.parametrize("lost", ["not connected", "broken"])
def test_a_zoom_booking_whose_zoom_is_lost_says_so_and_still_gets_its_event(
        world: World, lost: str) -> None:
    if lost == "broken":
        world.adapters.connect_video(HOST)
        world.adapters.break_connection(HOST, "zoom")
    world.now(a_booking(location=ZOOM))

    world.run(EventKind.BOOKING_CONFIRMED)

    (event,) = world.written(world.google)
    assert event.location is None
    assert (world.stored().video_url, world.stored().video_note) == (
        None, "The host will send you the Zoom link before the meeting.")


def test_a_zoom_booking_whose_event_the_calendar_refuses_still_gets_its_zoom_link(
        world: World) -> None:
    world.adapters.connect_video(HOST)
    world.google.faults.fail_next("create_event", ProviderRejectedError("google", "HTTP 400"))
    world.now(a_booking(location=ZOOM))

    with pytest.raises(ProviderRejectedError):     # failed for good: no retry comes
        world.run(EventKind.BOOKING_CONFIRMED)

    assert (world.stored().video_url, world.stored().video_note) == (
        "https://video.test/j/mtg-1", None)


def test_a_zoom_booking_whose_zoom_is_broken_never_carries_the_calendars_meet_link(
        world: World) -> None:
    # Alice's Google adds Meet to every event she makes; her Zoom needs reconnecting.
    world.google.links_every_event = True
    world.adapters.connect_video(HOST)
    world.adapters.break_connection(HOST, "zoom")
    world.now(a_booking(location=ZOOM))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert [b.video_url for b in world.bookings.saved] == [None]
    assert world.stored().video_note == "The host will send you the Zoom link before the meeting."


def test_a_zoom_that_is_down_is_retried_rather_than_noted(world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    zoom.faults.fail_next("create_meeting", ProviderUnavailableError("zoom", "503"))
    world.now(a_booking(location=ZOOM))

    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_CONFIRMED)

    assert world.bookings.saved == []


def test_a_zoom_that_is_down_at_confirmation_does_not_hold_the_event_back_and_its_retry_links_it(
        world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    zoom.faults.fail_next("create_meeting", ProviderUnavailableError("zoom", "timeout"))
    world.now(a_booking(location=ZOOM))

    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_CONFIRMED)
    (event,) = world.written(world.google)
    assert (event.when, event.location) == (AT_2, None)   # in Alice's calendar at once
    world.run(EventKind.BOOKING_CONFIRMED)   # the retry

    (meeting_id,) = zoom.meetings
    link = f"https://video.test/j/{meeting_id}"
    (event,) = world.written(world.google)
    assert (event.when, event.location) == (AT_2, link)
    assert (world.stored().video_url, world.stored().video_note) == (link, None)


def test_a_zoom_meeting_made_before_the_calendar_went_down_is_on_the_booking_before_the_retry(
        world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.google.faults.fail_next("create_event", ProviderUnavailableError("google", "HTTP 503"))
    world.now(a_booking(location=ZOOM))

    with pytest.raises(ProviderUnavailableError):    # retried: the event is still to write
        world.run(EventKind.BOOKING_CONFIRMED)
    (meeting_id,) = zoom.meetings
    link = f"https://video.test/j/{meeting_id}"
    assert (world.stored().video_url, world.stored().video_note) == (link, None)
    world.run(EventKind.BOOKING_CONFIRMED)   # the retry writes only the event

    assert list(zoom.meetings) == [meeting_id] and zoom.faults.calls == ["create_meeting"]
    (event,) = world.written(world.google)
    assert (event.when, event.location) == (AT_2, link)
    assert (world.stored().video_url, world.stored().video_note) == (link, None)


def test_a_meet_booking_whose_calendar_is_down_gets_no_note_while_it_is_retried(
        world: World) -> None:
    world.google.faults.fail_next("create_event", ProviderUnavailableError("google", "HTTP 503"))
    world.now(a_booking(location=MEET))

    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_CONFIRMED)
    assert world.bookings.saved == []        # the link comes with the event, on the retry
    world.run(EventKind.BOOKING_CONFIRMED)

    (made,) = world.google.written["primary"]
    assert (world.stored().video_url, world.stored().video_note) == (
        f"https://meet.test/{made}", None)


# ---- reschedule, cancel, order -------------------------------------------------------------


def test_a_reschedule_moves_the_event_and_the_zoom_meeting(world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    link = world.stored().video_url

    world.now(a_booking(when=AT_3, sequence=1, location=ZOOM))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert [e.when for e in world.written(world.google)] == [AT_3]
    assert list(world.google.written["primary"]) == ["evt-1"]
    assert [m.when for m in zoom.meetings.values()] == [AT_3]
    assert world.stored().video_url == link
    ref = world.refs.get("calendar", "b-1")
    zoom_ref = world.refs.get("zoom", "b-1")
    assert ref is not None and zoom_ref is not None
    assert (ref.sequence, zoom_ref.sequence) == (1, 1)
    assert ref.keep_until == AT_3.end + timedelta(days=30)


def test_a_zoom_meeting_zoom_refuses_to_move_still_lets_the_event_move(world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    link = world.stored().video_url
    zoom.faults.fail_next("update_meeting",
                          ProviderRejectedError("zoom", "Zoom answered 400 (code 300)"))

    world.now(a_booking(when=AT_3, sequence=1, location=ZOOM))
    with pytest.raises(ProviderRejectedError):     # recorded: the job failed for good
        world.run(EventKind.BOOKING_RESCHEDULED)

    (event,) = world.written(world.google)
    assert (event.when, event.location) == (AT_3, link)
    assert world.stored().video_url == link        # the meeting there is, as it was
    ref, zoom_ref = world.refs.get("calendar", "b-1"), world.refs.get("zoom", "b-1")
    assert ref is not None and zoom_ref is not None
    assert (ref.sequence, zoom_ref.sequence) == (1, 0)


@pytest.mark.parametrize("calendar", [None, ProviderRejectedError("google", "HTTP 400")])
def test_a_zoom_down_on_reschedule_still_lets_the_event_move_and_its_retry_moves_the_meeting(
        world: World, calendar: ProviderRejectedError | None) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    link = world.stored().video_url
    zoom.faults.fail_next("update_meeting", ProviderUnavailableError("zoom", "HTTP 503"))
    if calendar is not None:    # Google refuses the move for good, at the same time
        world.google.faults.fail_next("update_event", calendar)

    world.now(a_booking(when=AT_3, sequence=1, location=ZOOM))
    with pytest.raises(ProviderUnavailableError):   # retried, for Zoom's move
        world.run(EventKind.BOOKING_RESCHEDULED)

    (event,) = world.written(world.google)
    assert event.when == (AT_2 if calendar else AT_3) and event.location == link
    assert world.google.faults.calls.count("update_event") == 1
    assert world.stored().video_url == link        # the same meeting, its link still works
    world.run(EventKind.BOOKING_RESCHEDULED)       # the retry

    (meeting,) = zoom.meetings.values()
    (event,) = world.written(world.google)
    assert (meeting.when, event.when, event.location) == (AT_3, AT_3, link)
    # The event is patched once, for the move: no second update reaches Bo.
    assert world.google.faults.calls.count("update_event") == (2 if calendar else 1)
    assert world.stored().video_url == link
    zoom_ref = world.refs.get("zoom", "b-1")
    assert zoom_ref is not None and zoom_ref.sequence == 1


def test_a_zoom_meeting_zoom_refuses_to_make_still_lets_the_event_be_written(
        world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    zoom.faults.fail_next("create_meeting",
                          ProviderRejectedError("zoom", "Zoom answered 400 (code 300)"))
    world.now(a_booking(location=ZOOM))

    with pytest.raises(ProviderRejectedError):
        world.run(EventKind.BOOKING_CONFIRMED)

    (event,) = world.written(world.google)
    assert (event.when, event.location) == (AT_2, None)
    assert (world.stored().video_url, world.stored().video_note) == (
        None, "The host will send you the Zoom link before the meeting.")


def test_a_zoom_meeting_made_again_reaches_the_booking_though_the_calendar_failed_first(
        world: World) -> None:
    # Alice deleted Bo's meeting in Zoom; the reschedule makes a new one, then Outlook
    # fails to move the event. The retry must still put the new meeting's link on the
    # booking and in the event, not keep the deleted meeting's.
    zoom = world.adapters.connect_video(HOST)
    world.destination(OUTLOOK)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    (deleted,) = zoom.meetings
    zoom.deleted_by_host(deleted)
    world.outlook.faults.fail_next("update_event", ProviderUnavailableError("microsoft", "503"))

    world.now(a_booking(when=AT_3, sequence=1, location=ZOOM))
    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_RESCHEDULED)
    world.run(EventKind.BOOKING_RESCHEDULED)   # the retry

    (made,) = zoom.meetings
    assert made != deleted and zoom.meetings[made].when == AT_3
    (event,) = world.written(world.outlook)
    assert (event.when, event.location) == (AT_3, f"https://video.test/j/{made}")
    assert world.stored().video_url == f"https://video.test/j/{made}"


def test_a_teams_event_the_host_deleted_is_made_again_with_a_new_link_on_reschedule(
        world: World) -> None:
    # Alice deleted Bo's event in Outlook, and its Teams meeting with it; Bo then moves
    # the booking. The booking must not keep the dead event nor the dead Teams link.
    world.destination(OUTLOOK)
    world.now(a_booking(location=TEAMS))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.outlook.deleted_by_host("primary", "evt-1")

    world.now(a_booking(when=AT_3, sequence=1, location=TEAMS))
    world.run(EventKind.BOOKING_RESCHEDULED)

    ((made, event),) = world.outlook.written["primary"].items()
    assert made != "evt-1" and event.when == AT_3 and event.online_meeting
    assert world.stored().video_url == f"https://teams.test/{made}"
    ref = world.refs.get("calendar", "b-1")
    assert ref is not None and ref.sequence == 1
    assert ref.external_id.split("\n")[:2] == [OUTLOOK.key, made]


def test_a_google_event_the_host_deleted_is_made_again_once_whatever_the_retries(
        world: World) -> None:
    world.now(a_booking(location=MEET))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.google.deleted_by_host("primary", "evt-1")
    world.google.faults.fail_next("create_event", ProviderUnavailableError("google", "timeout"),
                                  after_work=True)

    world.now(a_booking(when=AT_3, sequence=1, location=MEET))
    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_RESCHEDULED)
    world.run(EventKind.BOOKING_RESCHEDULED)    # the retry finds the event it made

    (made,) = world.google.written["primary"]
    key = world.google.written["primary"][made].key
    assert made != "evt-1" and key != "b-1"
    assert world.stored().video_url == f"https://meet.test/{made}"

    # Moved again: the new event is moved under the key it was made with (the same Meet
    # request, which Google ignores, so its link stays), and a cancel deletes it.
    world.now(a_booking(when=AT_2, sequence=2, location=MEET))
    world.run(EventKind.BOOKING_RESCHEDULED)
    (event,) = world.written(world.google)
    assert (list(world.google.written["primary"]), event.when, event.key) == ([made], AT_2, key)
    world.now(replace(world.stored(), status=CANCELLED))
    world.run(EventKind.BOOKING_CANCELLED)
    assert world.written(world.google) == []


def test_a_cancel_deletes_the_event_a_reschedule_made_again_and_died_before_recording(
        world: World) -> None:
    # Alice deleted Bo's event; the reschedule's run made it again and died before
    # recording it (the record still names the deleted one), and Bo cancelled before any
    # retry. The event made again is Google's by an id derived from the deleted one's.
    world.google.keyed_ids = True
    world.now(a_booking(location=MEET))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.google.deleted_by_host("primary", "evt-b-1")
    world.google.faults.fail_next("create_event", ProviderUnavailableError("google", "timeout"),
                                  after_work=True)
    world.now(a_booking(when=AT_3, sequence=1, location=MEET))
    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_RESCHEDULED)
    assert [e.when for e in world.written(world.google)] == [AT_3]

    world.now(replace(world.stored(), status=CANCELLED))
    world.run(EventKind.BOOKING_CANCELLED)
    world.run(EventKind.BOOKING_CANCELLED)   # a redelivery

    assert world.written(world.google) == [] and world.refs.refs == {}


def test_a_cancel_deletes_the_event_and_the_zoom_meeting(world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)

    world.now(a_booking(CANCELLED, location=ZOOM))
    world.run(EventKind.BOOKING_CANCELLED)

    assert world.written(world.google) == [] and zoom.meetings == {}
    assert world.refs.refs == {}


def test_a_cancel_after_the_host_disconnected_forgets_what_it_cannot_remove(
        world: World) -> None:
    world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.adapters.disconnect(HOST, "google")
    world.adapters.disconnect(HOST, "zoom")

    world.now(a_booking(CANCELLED, location=ZOOM))
    world.run(EventKind.BOOKING_CANCELLED)

    assert world.refs.refs == {}


def test_a_redelivered_confirmation_makes_one_event(world: World) -> None:
    world.now(a_booking())

    world.run(EventKind.BOOKING_CONFIRMED)
    world.run(EventKind.BOOKING_CONFIRMED)

    assert list(world.google.written["primary"]) == ["evt-1"]
    assert world.google.faults.calls == ["create_event"]
    assert len(world.bookings.saved) == 1


def test_a_late_confirmation_of_a_cancelled_booking_creates_nothing(world: World) -> None:
    world.now(a_booking(CANCELLED))

    world.run(EventKind.BOOKING_CANCELLED)
    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.google.faults.calls == [] and world.refs.refs == {}
    assert world.bookings.saved == []


def test_a_reschedule_that_overtook_its_confirmation_ends_at_the_new_time(
        world: World) -> None:
    world.now(a_booking(when=AT_3, sequence=1))

    world.run(EventKind.BOOKING_RESCHEDULED)
    world.run(EventKind.BOOKING_CONFIRMED)

    assert [e.when for e in world.written(world.google)] == [AT_3]
    assert world.google.faults.calls == ["create_event"]


def test_a_new_destination_takes_the_event_at_the_next_change_and_the_old_one_goes(
        world: World) -> None:
    world.now(a_booking(location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)

    world.destination(OUTLOOK)
    world.now(a_booking(when=AT_3, sequence=1, location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert world.written(world.google) == []
    assert [e.when for e in world.written(world.outlook)] == [AT_3]
    ref = world.refs.get("calendar", "b-1")
    assert ref is not None and ref.external_id == "microsoft:primary\nevt-1"


def test_a_meet_booking_moved_to_an_outlook_calendar_loses_the_meet_link_for_the_note(
        world: World) -> None:
    world.now(a_booking(location=MEET))
    world.run(EventKind.BOOKING_CONFIRMED)

    world.destination(OUTLOOK)
    world.now(a_booking(when=AT_3, sequence=1, location=MEET))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert (world.stored().video_url, world.stored().video_note) == (
        None, "The host will send you the Google Meet link before the meeting.")


def test_a_destination_removed_takes_the_event_away_at_the_next_change(
        world: World) -> None:
    # Alice stops adding bookings to any calendar: the event Penny made must not stay
    # behind at the old time when the booking moves.
    world.now(a_booking(location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)

    world.destination(None)
    world.now(a_booking(when=AT_3, sequence=1, location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert world.written(world.google) == [] and world.refs.refs == {}


# ---- failures and races ----------------------------------------------------------------------


def test_a_create_that_timed_out_after_the_work_is_not_made_twice_by_the_retry(
        world: World) -> None:
    world.now(a_booking())
    world.google.faults.fail_next("create_event", ProviderUnavailableError("fake", "timeout"),
                                  after_work=True)

    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_CONFIRMED)
    world.run(EventKind.BOOKING_CONFIRMED)

    assert list(world.google.written["primary"]) == ["evt-1"]
    assert world.refs.get("calendar", "b-1") is not None


def test_a_cancel_deletes_a_google_event_whose_create_answer_was_lost(world: World) -> None:
    # The insert reached Google and its answer was lost: no record of the event, and the
    # booking was cancelled before a retry of the confirmation could record it. Google's
    # event id is Penny's own, derived from the booking uid: the cancel addresses it.
    world.google.keyed_ids = True
    world.now(a_booking(location=LocationKind.PHONE))
    world.google.faults.fail_next("create_event", ProviderUnavailableError("fake", "timeout"),
                                  after_work=True)
    with pytest.raises(ProviderUnavailableError):
        world.run(EventKind.BOOKING_CONFIRMED)

    world.now(a_booking(CANCELLED, location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_CANCELLED)

    assert world.written(world.google) == [] and world.refs.refs == {}
    assert world.google.faults.calls == ["create_event", "delete_event"]


def test_a_cancel_leaves_the_record_a_reschedule_wrote_meanwhile_for_that_run_to_delete(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN Bo's Google event deleted by the host, and a reschedule's run (it read the
    # booking before the cancel) making it again while the cancel's run deletes: after
    # the cancel deleted by the made-again id (nothing there yet), before its record goes
    world.google.keyed_ids = True
    world.now(a_booking(location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.google.deleted_by_host("primary", "evt-b-1")
    moved = a_booking(when=AT_3, sequence=1, location=LocationKind.PHONE)
    world.now(a_booking(CANCELLED, sequence=1, location=LocationKind.PHONE))
    reschedule = world.job
    deleting = world.refs.delete

    def made_again_meanwhile(ref: ProviderRef) -> None:
        monkeypatch.setattr(world.refs, "delete", deleting)
        reschedule._event(moved, GOOGLE, False, None, [])
        deleting(ref)
    monkeypatch.setattr(world.refs, "delete", made_again_meanwhile)

    # WHEN the cancel's run ends, and the reschedule's reads the booking again
    world.run(EventKind.BOOKING_CANCELLED)
    assert len(world.written(world.google)) == 1
    world.run(EventKind.BOOKING_RESCHEDULED)

    # THEN its record was left to it, and it deleted the event it made
    assert world.written(world.google) == [] and world.refs.refs == {}


def test_a_cancel_with_nothing_made_at_google_deletes_nothing_there(world: World) -> None:
    # A booking whose event was never made: the delete by its key finds nothing, and
    # the host's own events are never touched.
    world.google.keyed_ids = True
    world.google.add("primary", "dentist", ExternalEvent(AT_2))
    world.now(a_booking(CANCELLED, location=LocationKind.PHONE))

    world.run(EventKind.BOOKING_CANCELLED)
    world.run(EventKind.BOOKING_CANCELLED)  # a redelivery

    assert list(world.google.events("primary")) == ["dentist"]
    assert world.google.faults.calls == ["delete_event", "delete_event"]


def test_a_booking_cancelled_while_the_job_wrote_is_reconciled_again(world: World) -> None:
    # The first read sees it confirmed at 14:00; by the check after the create it has
    # been cancelled (another run, for the cancellation, saw no event yet to delete).
    world.now(a_booking(location=LocationKind.PHONE))
    world.bookings.after_reads[2] = a_booking(CANCELLED, location=LocationKind.PHONE)

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.written(world.google) == [] and world.refs.refs == {}
    assert world.google.faults.calls == ["create_event", "delete_event"]


def test_a_link_saved_over_a_booking_changed_meanwhile_is_not_lost(world: World) -> None:
    # The booking is rescheduled between the job's read and its save of the link: the
    # save is refused (stale version), and the next round moves the event and saves it.
    world.now(a_booking(location=MEET))
    moved = a_booking(when=AT_3, sequence=1, location=MEET)
    world.google.faults.meanwhile("create_event", lambda: world.now(moved))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.bookings.refused == 1
    assert [e.when for e in world.written(world.google)] == [AT_3]
    assert (world.stored().sequence, world.stored().video_url) == (1, "https://meet.test/evt-1")


def test_a_link_saved_over_a_booking_written_again_meanwhile_is_saved_on_its_new_version(
        world: World) -> None:
    # Another write lands between the job's read and its save (a payment settled again,
    # the notes page's link): nothing the link is for changed, so no round or event
    # would write it later. The save is made again on the booking as it is now.
    world.now(a_booking(location=MEET))
    world.google.faults.meanwhile("create_event", lambda: world.now(
        replace(world.stored(), notes_url="https://notion.test/page-1")))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert world.bookings.refused == 1
    assert (world.stored().video_url, world.stored().notes_url) == (
        "https://meet.test/evt-1", "https://notion.test/page-1")
    assert world.google.faults.calls == ["create_event"]


# ---- the hosts' busy copies ------------------------------------------------------------------


def test_after_writing_the_job_syncs_the_hosts_copy_so_it_holds_penny_s_event(
        world: World) -> None:
    store = world.caching()
    world.now(a_booking(location=LocationKind.PHONE))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert store.days[(HOST, GOOGLE)] == {AT_2.start.date(): {"evt-1": AT_2}}
    state = store.setup(HOST).state(GOOGLE)
    assert state is not None and state.synced_at == NOW and state.watch_id is not None


def watched(world: World, store: FakeCalendarStore, *others: CalendarRef) -> None:
    """Alice's calendars synced and watched, each channel good for days yet."""
    assert world.cache is not None
    for ref in (GOOGLE, *others):
        state = SyncState(ref)
        synced = world.cache.sync(HOST, state, WATCH_TIMEOUT).state  # the worker's watch
        store.setups[HOST] = store.setups[HOST].with_state(synced) \
            if store.setups[HOST].state(ref) else CalendarSetup(
                (*store.setups[HOST].conflicts, synced), store.setups[HOST].destination)
    world.google.changes_asked.clear()
    world.outlook.changes_asked.clear()
    store.changes = 0


def test_a_new_event_in_a_watched_calendar_goes_straight_into_its_copy(world: World) -> None:
    # The provider pushes Penny's own change too, and that sync finds the event there:
    # the job asks the provider nothing more and leaves the setup as it is.
    store = world.caching()
    watched(world, store)
    world.now(a_booking(location=LocationKind.PHONE))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert store.days[(HOST, GOOGLE)] == {AT_2.start.date(): {"evt-1": AT_2}}
    assert world.google.changes_asked == [] and store.changes == 0


def test_a_cancelled_booking_s_event_is_synced_out_of_a_watched_calendar_s_copy(
        world: World) -> None:
    # A removed event is synced, never left to a push that may not come: the freed time
    # must not stay busy in the copy.
    store = world.caching()
    watched(world, store)
    world.now(a_booking(location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)

    world.now(a_booking(CANCELLED, location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_CANCELLED)

    assert store.days.get((HOST, GOOGLE), {}) == {}
    assert len(world.google.changes_asked) == 1


def test_an_event_moved_before_the_job_failed_is_synced_into_the_copy_all_the_same(
        world: World) -> None:
    # Bo's event moves to 15:00, then Zoom refuses to move the meeting: the job fails
    # for good, and 14:00 must not stay busy in Alice's copy.
    store = world.caching()
    watched(world, store)
    zoom = world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    zoom.faults.fail_next("update_meeting", ProviderRejectedError("zoom", "HTTP 400"))

    world.now(a_booking(when=AT_3, sequence=1, location=ZOOM))
    with pytest.raises(ProviderRejectedError):
        world.run(EventKind.BOOKING_RESCHEDULED)

    assert store.days[(HOST, GOOGLE)] == {AT_3.start.date(): {"evt-1": AT_3}}


def test_a_calendar_penny_did_not_write_to_is_synced_only_when_its_channel_is_due(
        world: World) -> None:
    store = world.caching()
    outlook = CalendarRef("microsoft", "primary")
    watched(world, store, outlook)
    world.now(a_booking(location=LocationKind.PHONE))

    world.run(EventKind.BOOKING_CONFIRMED)
    assert world.outlook.changes_asked == []

    state = store.setups[HOST].state(outlook)
    assert state is not None and state.watch_expires_at is not None
    store.setups[HOST] = store.setups[HOST].with_state(
        replace(state, watch_expires_at=NOW + timedelta(hours=2)))   # due for renewal
    world.now(a_booking(when=AT_3, sequence=1, location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_RESCHEDULED)

    assert len(world.outlook.changes_asked) == 1
    renewed = store.setups[HOST].state(outlook)
    assert renewed is not None and renewed.watch_expires_at is not None
    assert renewed.watch_expires_at > NOW + timedelta(days=1)


def asked_for_outlook_watch(world: World) -> tuple[FakeCalendarStore, Event]:
    """Alice counts her Outlook calendar; a slots page (2 s) synced it and, its
    subscription due, asked the calendar worker for it: the event the worker gets."""
    store = world.caching()
    asks = FakeWatchAsks()
    assert world.cache is not None
    world.cache = replace(world.cache, asks=asks)
    store.setups[HOST] = CalendarSetup((SyncState(OUTLOOK),), GOOGLE)
    world.cache.sync(HOST, SyncState(OUTLOOK), READ_TIMEOUT)
    assert world.outlook.watches == {}
    (asked,) = asks.published
    world.adapters.asked.clear()
    return store, asked


def test_the_calendar_job_makes_the_asked_outlook_subscription_with_the_long_timeout(
        world: World) -> None:
    store, asked = asked_for_outlook_watch(world)

    assert world.job.run(asked) is True

    assert world.adapters.asked == [(HOST, "microsoft", WATCH_TIMEOUT)]
    (made,) = world.outlook.watches.values()
    state = store.setups[HOST].state(OUTLOOK)
    assert state is not None and state.watch_id == made.watch.id
    assert world.bookings.bookings == {}   # about a calendar: no booking is read or written


def test_an_asked_watch_of_a_calendar_the_host_disconnected_since_does_nothing(
        world: World) -> None:
    _, asked = asked_for_outlook_watch(world)
    world.adapters.disconnect(HOST, "microsoft")

    assert world.job.run(asked) is False
    assert world.outlook.watches == {}


def test_a_copy_that_cannot_be_synced_after_the_write_does_not_fail_the_job(
        world: World) -> None:
    store = world.caching()
    world.google.faults.fail_next("changes", ProviderUnavailableError("google", "503"))
    world.now(a_booking(location=LocationKind.PHONE))

    world.run(EventKind.BOOKING_CONFIRMED)

    assert [e.when for e in world.written(world.google)] == [AT_2]
    assert store.days == {}   # push, or the next slots page, syncs it


# ---- one provider's trouble stays its own ----------------------------------------------------


def test_a_zoom_booking_keeps_its_zoom_link_while_the_calendar_needs_reconnecting(
        world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.adapters.break_connection(HOST, "google")
    world.now(a_booking(location=ZOOM))

    with suppress(ConnectionBrokenError):   # the calendar's part fails for good
        world.run(EventKind.BOOKING_CONFIRMED)

    (meeting_id,) = zoom.meetings
    assert world.stored().video_url == f"https://video.test/j/{meeting_id}"


def test_an_old_calendar_that_needs_reconnecting_never_marks_the_new_destination_broken(
        world: World) -> None:
    # Bo's call went to Alice's Outlook; Outlook then broke, and Alice now writes bookings
    # to Google. Moving the call must delete the Outlook event first, which cannot be
    # done: it is Outlook that needs reconnecting, never the Google calendar that works.
    world.destination(OUTLOOK)
    world.now(a_booking(location=LocationKind.PHONE))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.adapters.break_connection(HOST, "microsoft", "reconnect Outlook")
    world.destination(GOOGLE)

    world.now(a_booking(when=AT_3, sequence=1, location=LocationKind.PHONE))
    with pytest.raises(ConnectionBrokenError):
        world.run(EventKind.BOOKING_RESCHEDULED)

    assert world.adapters.broken_reasons == {(HOST, "microsoft"): "reconnect Outlook"}


def test_a_cancel_deletes_the_zoom_meeting_even_while_the_calendar_needs_reconnecting(
        world: World) -> None:
    zoom = world.adapters.connect_video(HOST)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.adapters.break_connection(HOST, "google")

    world.now(a_booking(CANCELLED, location=ZOOM))
    with suppress(ConnectionBrokenError):
        world.run(EventKind.BOOKING_CANCELLED)

    assert zoom.meetings == {}


@pytest.mark.parametrize("broke", ["microsoft", "zoom"])
def test_a_reconnection_removes_what_a_cancel_left_while_the_connection_was_broken(
        world: World, broke: str) -> None:
    # Bo's Zoom call is in Alice's Outlook. One of the two broke, then Bo cancelled: its
    # event (Bo invited) or its meeting could not be deleted. When Alice reconnects it,
    # what was left goes; a cancelled booking with nothing left wakes no worker.
    zoom = world.adapters.connect_video(HOST)
    world.destination(OUTLOOK)
    world.now(a_booking(location=ZOOM))
    world.run(EventKind.BOOKING_CONFIRMED)
    world.now(replace(a_booking(CANCELLED, location=ZOOM), uid="b-2"))
    world.adapters.break_connection(HOST, broke)
    world.now(a_booking(CANCELLED, location=ZOOM))
    with pytest.raises(ConnectionBrokenError):
        world.run(EventKind.BOOKING_CANCELLED)
    assert world.written(world.outlook) != [] or zoom.meetings != {}

    if broke == "zoom":
        world.adapters.connect_video(HOST)
    else:
        world.adapters.connect_calendar(HOST, broke)
    asked = catch_up(world.bookings, world.refs, HOST, NOW)
    world.run(EventKind.CALENDAR_REQUESTED)

    assert asked == 1 and world.stored().calendar_requested_at == NOW
    assert world.written(world.outlook) == [] and zoom.meetings == {}
    assert world.refs.refs == {}
