"""The notes job (services/notes.py) keeps one notes page per booking in the host's
Notion, and the summary job (services/summary.py) writes a premium host's brief, puts it
on the booking and on that page, under a monthly cap. Fakes throughout: the Notion and
Gemini adapters are tested against the provider sandbox in tests/sandbox/, the workers
end to end in tests/functional/test_notes_workers.py.

The clock stands at 2026-11-23T12:00Z; Alice (New York) meets Bo on the 24th at 14:00Z.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingBrief, BookingStatus
from chalicelib.domain.errors import (
    BookingContentionError,
    BriefCutShortError,
    BriefRefusedError,
    ConnectionBrokenError,
    JobBusyError,
    NotConnectedError,
    NotesPageGoneError,
    NotFoundError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
    UnbilledRejectedError,
    UnbilledUnavailableError,
)
from chalicelib.domain.event_types import Question, QuestionType
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.providers.briefs import BookingFacts, Brief
from chalicelib.domain.providers.notes import BookingNotes, NotesDatabase, NotesPage, NotesProvider
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.services.jobs import take_lease
from chalicelib.services.notes import CATCH_UP_AT_ONCE, CREATE_LEASE, CREATING, NOTES, NotesJob
from chalicelib.services.notes_settings import NotesSettings
from chalicelib.services.ports import Count
from chalicelib.services.summary import (
    CUT_SHORT_NOTE,
    REFUSED_NOTE,
    SummaryJob,
    cap_note,
    usage_key,
)
from tests.fakes.jobs import FakeCurrentBookings, FakeJobRecords, FakeProviderRefs
from tests.unit.fakes import FakeHosts, FixedClock, make_host

NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")
START = datetime.fromisoformat("2026-11-24T14:00:00+00:00")
HOST = "host-alice"
DESTINATION = NotesDestination("notion", "db-1", "ds-1", "Client notes")
QUESTIONS = (Question("goal", "What do you want to cover?", QuestionType.LONG_TEXT),
             Question("company", "Company", QuestionType.TEXT))


def a_booking(uid: str = "b-1", *, start: datetime = START,
              status: BookingStatus = BookingStatus.CONFIRMED, sequence: int = 0,
              email: str = "bo@example.com") -> Booking:
    return Booking(
        uid=uid, host_id=HOST, event_type_id="alice-intro", event_title="Intro call",
        start=start, end=start + timedelta(minutes=30), buffer_before=timedelta(0),
        buffer_after=timedelta(0), attendee=Attendee("Bo Booker", email, "Europe/London"),
        answers={"company": "Acme", "goal": "Pricing for 3 seats"}, status=status,
        created_at=NOW, location_kind="google_meet", sequence=sequence, premium=True)


def an_event(kind: EventKind = EventKind.BOOKING_CONFIRMED, uid: str = "b-1") -> Event:
    return Event(kind, f"e-{kind.value}-{uid}", NOW, HOST, {"uid": uid}, premium=True)


@dataclass
class FakeNotion:
    """Pages by id; each write is recorded (what a reader of the host's Notion sees)."""

    pages: dict[str, BookingNotes] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    fail: BaseException | None = None
    shared: list[NotesDatabase] = field(default_factory=lambda: [
        NotesDatabase("db-1", "ds-1", "Client notes")])
    gone: set[str] = field(default_factory=set)   # deleted for good by the host
    lags: bool = False  # Notion's index lags: a page made a moment ago is not found yet

    def save_notes(self, notes: BookingNotes) -> NotesPage:
        self._maybe_fail()
        # Found again by the booking uid, as the Notion adapter does.
        found = () if self.lags else (pid for pid, n in self.pages.items() if n.key == notes.key)
        page_id = next(iter(found), f"page-{len(self.pages) + len(self.gone) + 1}")
        self.pages[page_id] = notes
        self.writes.append(f"save {page_id}")
        return NotesPage(page_id, f"https://notion.test/{page_id}")

    def update_notes(self, page_id: str, notes: BookingNotes) -> NotesPage:
        self._maybe_fail()
        if page_id in self.gone:
            raise NotesPageGoneError("notion", f"the notes page {page_id} is gone")
        self.pages[page_id] = notes
        self.writes.append(f"update {page_id}")
        return NotesPage(page_id, f"https://notion.test/{page_id}")

    def databases(self) -> list[NotesDatabase]:
        return self.shared

    def make_place(self) -> NotesDatabase | None:
        return None

    def _maybe_fail(self) -> None:
        if self.fail is not None:
            raise self.fail


@dataclass
class FakeNotesAdapters:
    notion: FakeNotion = field(default_factory=FakeNotion)
    connected: bool = True
    broke: list[tuple[str, str, str]] = field(default_factory=list)

    def notes(self, host_id: str, destination: NotesDestination,
              timeout: float) -> NotesProvider:
        if not self.connected or destination.provider != "notion":
            raise NotConnectedError(f"{destination.provider} is not connected")
        return self.notion

    def broken(self, host_id: str, provider: str, reason: str) -> None:
        self.broke.append((host_id, provider, reason))


@dataclass
class FakeBriefs:
    calls: list[BookingFacts] = field(default_factory=list)
    fail: BaseException | None = None

    def write(self, facts: BookingFacts) -> Brief:
        self.calls.append(facts)
        if self.fail is not None:
            raise self.fail
        return Brief(who=f"{facts.attendee_name}, at Acme.", wants="Pricing for 3 seats.",
                     prepare=("The seat price list",), questions=("Which plan today?",),
                     model="gemini-test", input_tokens=300, output_tokens=120)


@dataclass
class FakeCounters:
    counts: dict[str, int] = field(default_factory=dict)

    def read(self, key: str) -> Count | None:
        if key not in self.counts:
            return None
        return Count(self.counts[key], NOW, NOW + timedelta(days=60))

    def add(self, key: str, now: datetime, expires_at: datetime, restart: bool = False) -> int:
        self.counts[key] = 1 if restart else self.counts.get(key, 0) + 1
        return self.counts[key]

    def take_back(self, key: str) -> None:
        if self.counts.get(key, 0) > 0:
            self.counts[key] -= 1


@dataclass
class World:
    bookings: FakeCurrentBookings = field(default_factory=FakeCurrentBookings)
    hosts: FakeHosts = field(default_factory=FakeHosts)
    adapters: FakeNotesAdapters = field(default_factory=FakeNotesAdapters)
    refs: FakeProviderRefs = field(default_factory=FakeProviderRefs)
    briefs: FakeBriefs = field(default_factory=FakeBriefs)
    counters: FakeCounters = field(default_factory=FakeCounters)
    per_month: int = 3

    def __post_init__(self) -> None:
        make_host(self.hosts, NOW, questions=QUESTIONS)
        self.hosts.save_notes(HOST, DESTINATION)
        self.hosts.premium.add(HOST)

    @property
    def notes(self) -> NotesJob:
        return NotesJob(self.bookings, self.hosts, self.adapters, self.refs,
                        lambda uid: f"https://penny.test/bookings/{uid}")

    @property
    def summary(self) -> SummaryJob:
        return SummaryJob(self.bookings, self.hosts, lambda: self.briefs, self.counters,
                          FixedClock(NOW), self.per_month)

    @property
    def page(self) -> BookingNotes:
        (page,) = self.adapters.notion.pages.values()
        return page


@pytest.fixture
def world() -> World:
    return World()


# ---- the notes page -------------------------------------------------------------------


def test_a_confirmed_booking_gets_one_notes_page_with_the_clients_details_in_bullets(
        world: World) -> None:
    world.bookings.now(a_booking())

    assert world.notes.run(an_event()) is True

    page = world.page
    assert page.key == "b-1" and page.status == "Confirmed"
    assert page.time_zone == "America/New_York"
    assert page.bullets[:6] == (
        "Client: Bo Booker", "E-mail: bo@example.com", "Client's time zone: Europe/London",
        "Event: Intro call", "When: Tue 24 Nov 2026, 09:00 to 09:30 (America/New_York)",
        "Status: Confirmed")
    # The answers in the form's order, under their questions' labels.
    assert page.bullets[6:8] == ("What do you want to cover?: Pricing for 3 seats",
                                 "Company: Acme")
    assert "Manage the booking: https://penny.test/bookings/b-1" in page.bullets
    assert "Earlier bookings with you: none" in page.bullets
    assert world.bookings.bookings["b-1"].notes_url == "https://notion.test/page-1"


def test_a_redelivered_confirmation_rewrites_the_same_page_and_makes_no_second(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    world.notes.run(an_event())

    assert list(world.adapters.notion.pages) == ["page-1"]
    assert world.adapters.notion.writes == ["save page-1", "update page-1"]


def test_notes_saved_is_announced_when_the_page_is_made_and_not_when_it_is_written_again(
        world: World) -> None:
    # GIVEN a booking, its notes page made by the confirmation's job
    world.bookings.now(a_booking())
    assert world.notes.run(an_event()) is True

    # WHEN its page is written again: the video link asked for, then a move
    world.bookings.now(replace(world.bookings.bookings["b-1"],
                               video_url="https://meet.test/abc"))
    again = world.notes.run(an_event(EventKind.NOTES_REQUESTED))
    world.bookings.now(replace(a_booking(start=START + timedelta(days=1), sequence=1),
                               notes_url="https://notion.test/page-1"))
    moved = world.notes.run(an_event(EventKind.BOOKING_RESCHEDULED))

    # THEN each rewrite is done and says nothing more (the host heard "notes saved" once;
    # a move is announced as a move)
    assert (again, moved) == (False, False)
    assert world.adapters.notion.writes == ["save page-1", "update page-1", "update page-1"]


def test_a_page_whose_first_run_died_before_its_link_was_saved_is_announced_by_the_retry(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a first run that made the page and kept its id, then lost the booking's link
    # (the booking kept changing under it: the job fails, for a retry)
    world.bookings.now(a_booking())
    monkeypatch.setattr(world.bookings, "save", lambda booking: False)
    with pytest.raises(BookingContentionError):
        world.notes.run(an_event())
    monkeypatch.undo()

    # WHEN the retry runs: the page is found by its kept id and written again
    announced = world.notes.run(an_event())

    # THEN the link is on the booking now, and this run is the one that says so
    assert announced is True
    assert world.bookings.bookings["b-1"].notes_url == "https://notion.test/page-1"
    assert world.adapters.notion.writes == ["save page-1", "update page-1"]


def test_a_reschedule_and_a_cancel_update_the_same_page(world: World) -> None:
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    moved = START + timedelta(days=1)
    world.bookings.now(replace(a_booking(start=moved, sequence=1),
                               notes_url="https://notion.test/page-1"))
    world.notes.run(an_event(EventKind.BOOKING_RESCHEDULED))
    assert world.page.status == "Rescheduled"
    assert "When: Wed 25 Nov 2026, 09:00 to 09:30 (America/New_York)" in world.page.bullets

    world.bookings.now(replace(world.bookings.bookings["b-1"],
                               status=BookingStatus.CANCELLED))
    world.notes.run(an_event(EventKind.BOOKING_CANCELLED))

    assert world.page.status == "Cancelled"
    assert list(world.adapters.notion.pages) == ["page-1"]
    assert world.adapters.notion.writes == ["save page-1", "update page-1", "update page-1"]


def test_a_booking_keeps_its_page_where_it_was_made_after_the_host_chose_another_place(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    world.hosts.save_notes(HOST, NotesDestination("notion", "db-2", "ds-2", "Leads"))
    world.bookings.now(replace(world.bookings.bookings["b-1"],
                               status=BookingStatus.CANCELLED))

    assert world.notes.run(an_event(EventKind.BOOKING_CANCELLED)) is False  # nothing made

    assert world.adapters.notion.writes == ["save page-1", "update page-1"]
    assert world.page.status == "Cancelled"
    ref = world.refs.get(NOTES, "b-1")
    assert ref is not None and ref.external_id.split("\n")[:2] == ["ds-1", "page-1"]


def test_a_page_gone_from_where_it_was_made_is_made_anew_where_notes_go_now(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    world.hosts.save_notes(HOST, NotesDestination("notion", "db-2", "ds-2", "Leads"))
    world.notes.run(an_event(EventKind.NOTES_REQUESTED))  # still where it was made
    del world.adapters.notion.pages["page-1"]
    world.adapters.notion.gone.add("page-1")

    assert world.notes.run(an_event(EventKind.NOTES_REQUESTED)) is True  # made: announced

    assert world.adapters.notion.writes == ["save page-1", "update page-1", "save page-2"]
    assert world.bookings.bookings["b-1"].notes_url == "https://notion.test/page-2"
    ref = world.refs.get(NOTES, "b-1")
    assert ref is not None and ref.external_id.split("\n")[:2] == ["ds-2", "page-2"]


def test_a_page_the_host_deleted_for_good_is_made_anew_and_its_link_saved(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    del world.adapters.notion.pages["page-1"]
    world.adapters.notion.gone.add("page-1")

    assert world.notes.run(an_event(EventKind.NOTES_REQUESTED)) is True  # made: announced

    assert world.adapters.notion.writes == ["save page-1", "save page-2"]
    assert world.bookings.bookings["b-1"].notes_url == "https://notion.test/page-2"
    assert world.refs.get(CREATING, "b-1") is None  # the lease it took is given back
    world.notes.run(an_event(EventKind.NOTES_REQUESTED))
    assert world.adapters.notion.writes[-1] == "update page-2"  # the new page is kept


def test_a_gone_page_another_run_is_making_anew_is_left_to_a_retry(world: World) -> None:
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    world.adapters.notion.gone.add("page-1")
    booking = world.bookings.bookings["b-1"]
    take_lease(world.refs, CREATING, booking, datetime.now(UTC), CREATE_LEASE, "notes page",
               "ds-1")

    with pytest.raises(JobBusyError):
        world.notes.run(an_event(EventKind.NOTES_REQUESTED))

    assert world.adapters.notion.writes == ["save page-1"]  # never two pages at once


def test_a_run_starting_as_the_first_pages_lease_is_given_back_writes_that_page_not_a_second(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the confirmation's run making the first page, and the calendar worker's ask
    # for the video link (another event) run just as that run gives its lease back, while
    # Notion's search does not find a page made a moment ago
    world.bookings.now(a_booking())
    world.adapters.notion.lags = True
    give_back, asked = world.refs.delete, []

    def delete(ref: ProviderRef) -> None:
        give_back(ref)
        if ref.job == CREATING and not asked:
            asked.append(None)
            asked[0] = world.notes.run(an_event(EventKind.NOTES_REQUESTED))
    monkeypatch.setattr(world.refs, "delete", delete)

    # WHEN the confirmation's run runs, the ask's run in its last step
    made = world.notes.run(an_event())

    # THEN the page's place was kept before the lease was given back: one page, written
    # again, and "notes saved" said once
    assert world.adapters.notion.writes == ["save page-1", "update page-1"]
    assert (made, asked) == (True, [False])


def run_before_the_lease_is_taken(world: World, monkeypatch: pytest.MonkeyPatch,
                                  other: Callable[[], bool]) -> list[bool]:
    """`other` (another run for the booking) runs from start to end just before the next
    run takes the first page's lease, after that run read the booking's notes ref: what it
    returned, once it ran."""
    reserve, ran = world.refs.reserve, []

    def reserve_after_the_other(ref: ProviderRef, now: datetime) -> bool:
        if ref.job == CREATING and not ran:
            ran.append(False)
            ran[0] = other()
        return reserve(ref, now)
    monkeypatch.setattr(world.refs, "reserve", reserve_after_the_other)
    return ran


def test_a_run_that_found_no_page_before_another_made_one_writes_that_page_under_the_lease(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the calendar worker's ask, whose run found no page yet, and the confirmation's
    # run making the first page and giving its lease back before the ask's run takes it
    # (Notion's search not yet finding that page)
    world.bookings.now(a_booking())
    world.adapters.notion.lags = True
    first = run_before_the_lease_is_taken(world, monkeypatch,
                                          lambda: world.notes.run(an_event()))

    # WHEN the ask's run runs
    asked = world.notes.run(an_event(EventKind.NOTES_REQUESTED))

    # THEN it read the page's place again under the lease and wrote that page: one page,
    # "notes saved" said once
    assert world.adapters.notion.writes == ["save page-1", "update page-1"]
    assert (first, asked) == ([True], False)
    assert world.bookings.bookings["b-1"].notes_url == "https://notion.test/page-1"


def test_a_page_another_run_made_anew_while_this_one_found_the_old_one_gone_is_written(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a booking whose page the host deleted for good, and two runs finding it gone:
    # one makes the page anew, with its lease, before the other takes the lease
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    del world.adapters.notion.pages["page-1"]
    world.adapters.notion.gone.add("page-1")
    world.adapters.notion.lags = True
    first = run_before_the_lease_is_taken(
        world, monkeypatch, lambda: world.notes.run(an_event(EventKind.BOOKING_RESCHEDULED)))

    # WHEN the other runs
    asked = world.notes.run(an_event(EventKind.NOTES_REQUESTED))

    # THEN it writes the new page the first made, and makes none
    assert world.adapters.notion.writes == ["save page-1", "save page-2", "update page-2"]
    assert (first, asked) == ([True], False)
    ref = world.refs.get(NOTES, "b-1")
    assert ref is not None and ref.external_id.split("\n")[:2] == ["ds-1", "page-2"]


def test_a_page_another_run_made_that_the_host_deleted_at_once_is_made_anew_under_the_lease(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a run that found no page, and another that made one before the first took the
    # lease, a page the host deleted for good at once
    world.bookings.now(a_booking())

    def made_then_deleted() -> bool:
        made = world.notes.run(an_event())
        del world.adapters.notion.pages["page-1"]
        world.adapters.notion.gone.add("page-1")
        return made
    first = run_before_the_lease_is_taken(world, monkeypatch, made_then_deleted)

    # WHEN the first runs on
    asked = world.notes.run(an_event(EventKind.NOTES_REQUESTED))

    # THEN the page the other made is gone, so this run makes one anew and keeps it
    assert world.adapters.notion.writes == ["save page-1", "save page-2"]
    assert (first, asked) == ([True], True)
    assert world.bookings.bookings["b-1"].notes_url == "https://notion.test/page-2"
    ref = world.refs.get(NOTES, "b-1")
    assert ref is not None and ref.external_id.split("\n")[:2] == ["ds-1", "page-2"]
    assert world.refs.get(CREATING, "b-1") is None


def test_a_page_another_run_is_writing_is_left_to_a_retry_never_written_twice_at_once(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a booking with its page, whose video link and brief land a second apart: two
    # events, two runs, the second starting while the first writes the page (each would
    # add the lines new to the page, which then showed them twice)
    world.bookings.now(a_booking())
    world.notes.run(an_event())
    world.bookings.now(replace(world.bookings.bookings["b-1"], video_url="https://meet.test/abc"))
    write, busy = world.adapters.notion.update_notes, []

    def update_while_another_runs(page_id: str, notes: BookingNotes) -> NotesPage:
        if not busy:
            busy.append(None)
            with pytest.raises(JobBusyError):
                world.notes.run(an_event(EventKind.BOOKING_RESCHEDULED))
            busy[0] = True
        return write(page_id, notes)
    monkeypatch.setattr(world.adapters.notion, "update_notes", update_while_another_runs)

    # WHEN the first run writes the page
    world.notes.run(an_event(EventKind.NOTES_REQUESTED))

    # THEN the second found the page being written and is left to Lambda's retry, which
    # writes it then (one write at a time), and the lease is given back
    assert busy == [True]
    assert world.adapters.notion.writes == ["save page-1", "update page-1"]
    assert world.refs.get(CREATING, "b-1") is None
    monkeypatch.undo()
    world.notes.run(an_event(EventKind.BOOKING_RESCHEDULED))
    assert world.adapters.notion.writes == ["save page-1", "update page-1", "update page-1"]


def test_a_run_that_made_the_page_still_says_so_when_another_run_writes_its_change(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a booking whose first notes page is being made when its video link lands, and
    # the link's own run takes the page's lease as soon as the first write is done
    world.bookings.now(a_booking())
    read, other = world.bookings.get, []

    def changed_once_written(uid: str) -> Booking | None:
        if world.adapters.notion.writes and not other and world.refs.get(CREATING, uid) is None:
            booking = replace(world.bookings.bookings[uid], video_url="https://meet.test/abc")
            world.bookings.now(booking)
            other.append(take_lease(world.refs, CREATING, booking, datetime.now(UTC),
                                    CREATE_LEASE, "notes page", DESTINATION.data_source_id))
        return read(uid)
    monkeypatch.setattr(world.bookings, "get", changed_once_written)

    # WHEN the first run goes round again for the change, and finds the page being written
    made = world.notes.run(an_event())

    # THEN it ends saying it made the page (notes.saved), where it failed for a retry
    # that found the page there and never announced it; the other run writes the change
    assert made is True and len(other) == 1
    assert world.adapters.notion.writes == ["save page-1"]


def test_a_booking_cancelled_before_its_notes_were_written_gets_none(world: World) -> None:
    world.bookings.now(a_booking(status=BookingStatus.CANCELLED))

    assert world.notes.run(an_event()) is False
    assert world.adapters.notion.pages == {}


def test_an_unpaid_or_expired_booking_gets_no_notes(world: World) -> None:
    for status in (BookingStatus.PENDING_PAYMENT, BookingStatus.EXPIRED):
        world.bookings.now(a_booking(status=status))
        assert world.notes.run(an_event()) is False
    assert world.adapters.notion.pages == {}


def test_a_host_with_no_notes_destination_gets_nothing_written_and_nothing_announced(
        world: World) -> None:
    world.hosts.save_notes(HOST, None)
    world.bookings.now(a_booking())
    records = FakeJobRecords()
    from chalicelib.services.jobs import JobRunner, Outcome, lease_for

    runner = JobRunner(world.notes, records, FixedClock(NOW), lease_for(60))
    assert runner.handle(an_event()) is Outcome.DONE
    (record,) = records.records.values()
    assert record.announces is None  # the stream announces nothing for it
    assert world.adapters.notion.pages == {}


def test_a_host_who_disconnected_notion_gets_nothing_written(world: World) -> None:
    world.adapters.connected = False
    world.bookings.now(a_booking())

    assert world.notes.run(an_event()) is False


def test_the_clients_earlier_bookings_with_this_host_are_listed_newest_first(
        world: World) -> None:
    world.bookings.now(a_booking("old", start=START - timedelta(days=30)))
    world.bookings.now(a_booking("older", start=START - timedelta(days=60),
                                 status=BookingStatus.CANCELLED))
    world.bookings.now(a_booking("someone", start=START - timedelta(days=10),
                                 email="cy@example.com"))
    world.bookings.now(a_booking("later", start=START + timedelta(days=10)))
    world.bookings.now(a_booking())

    world.notes.run(an_event())

    earlier = [b for b in world.adapters.notion.pages["page-1"].bullets
               if b.startswith("Earlier")]
    assert earlier == [
        "Earlier: Intro call, Sun 25 Oct 2026, 10:00 to 10:30 (America/New_York) (confirmed)",
        "Earlier: Intro call, Fri 25 Sep 2026, 10:00 to 10:30 (America/New_York) (cancelled)"]


def test_a_revoked_notion_fails_the_job_for_good_and_marks_the_connection_broken(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.adapters.notion.fail = ConnectionBrokenError("notion", "the database is not shared")

    with pytest.raises(ConnectionBrokenError):
        world.notes.run(an_event())
    assert world.adapters.broke == [(HOST, "notion", "the database is not shared")]


def test_a_notion_outage_is_raised_for_the_workers_retries(world: World) -> None:
    world.bookings.now(a_booking())
    world.adapters.notion.fail = ProviderUnavailableError("notion", "429")

    with pytest.raises(ProviderUnavailableError):
        world.notes.run(an_event())
    assert world.adapters.broke == []


def test_a_link_that_arrives_while_the_page_is_written_is_on_the_page_in_the_end(
        world: World) -> None:
    world.bookings.now(a_booking())
    # The calendar job writes the Meet link between this job's first read and its second.
    world.bookings.after_reads[2] = replace(a_booking(), video_url="https://meet.test/abc")

    world.notes.run(an_event())

    assert "Video link: https://meet.test/abc" in world.page.bullets
    assert list(world.adapters.notion.pages) == ["page-1"]


# ---- the brief --------------------------------------------------------------------------


def test_a_premium_booking_gets_a_brief_on_the_booking_and_on_its_notes_page(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.notes.run(an_event())

    assert world.summary.run(an_event()) is True

    booking = world.bookings.bookings["b-1"]
    assert booking.brief == BookingBrief("Bo Booker, at Acme.", "Pricing for 3 seats.",
                                         ("The seat price list",), ("Which plan today?",))
    # Saved with a request for the notes page: the notes worker alone writes pages.
    assert booking.notes_requested_at == NOW
    assert "Prepare: The seat price list" not in world.page.bullets
    world.notes.run(an_event(EventKind.NOTES_REQUESTED))
    assert "Prepare: The seat price list" in world.page.bullets
    assert "Ask: Which plan today?" in world.page.bullets
    assert list(world.adapters.notion.pages) == ["page-1"]
    (facts,) = world.briefs.calls
    assert facts.answers == (("What do you want to cover?", "Pricing for 3 seats"),
                             ("Company", "Acme"))
    assert world.counters.counts == {usage_key(HOST, NOW): 1}


def test_a_brief_written_before_the_notes_page_is_on_the_page_the_notes_job_makes(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.summary.run(an_event())
    assert world.adapters.notion.pages == {}   # the brief worker writes no page

    world.notes.run(an_event())

    assert "Wants: Pricing for 3 seats." in world.page.bullets


def test_a_host_whose_premium_plan_ended_gets_no_brief(world: World) -> None:
    world.hosts.premium.discard(HOST)
    world.bookings.now(a_booking())  # made while premium: its events say so

    assert world.summary.run(an_event()) is False
    assert world.briefs.calls == []


def test_a_cap_of_none_a_month_allows_no_brief(world: World) -> None:
    world.per_month = 0
    world.bookings.now(a_booking())

    assert world.summary.run(an_event()) is False
    assert world.briefs.calls == []


def test_a_redelivered_confirmation_never_asks_the_model_twice(world: World) -> None:
    world.bookings.now(a_booking())
    world.summary.run(an_event())
    world.summary.run(an_event())

    assert len(world.briefs.calls) == 1
    assert world.counters.counts == {usage_key(HOST, NOW): 1}


def test_past_the_monthly_cap_no_model_call_is_made_and_the_booking_says_why(
        world: World) -> None:
    world.counters.counts[usage_key(HOST, NOW)] = world.per_month
    world.bookings.now(a_booking())

    assert world.summary.run(an_event()) is False

    assert world.briefs.calls == []
    booking = world.bookings.bookings["b-1"]
    assert booking.brief is None and booking.brief_note == cap_note(world.per_month)
    assert booking.notes_requested_at == NOW  # the note reaches the notes page too


def test_answers_that_cannot_be_used_still_stop_at_the_cap(world: World) -> None:
    # A client's answers can push the model into answers Penny cannot use: each call
    # is billed, so the month's calls stop at the cap, however the answers end.
    world.briefs.fail = ProviderUnavailableError("gemini", "the answer did not parse")
    for n in range(world.per_month + 2):
        world.bookings.now(a_booking(f"b-{n}"))
        with suppress(ProviderUnavailableError):
            world.summary.run(an_event(uid=f"b-{n}"))

    assert len(world.briefs.calls) == world.per_month


def test_the_cap_counts_per_calendar_month() -> None:
    assert usage_key(HOST, NOW) == "briefs#host-alice#2026-11"
    assert usage_key(HOST, NOW + timedelta(days=8)) == "briefs#host-alice#2026-12"


def test_a_failed_model_call_is_raised_for_a_retry_and_counts_against_the_cap(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.briefs.fail = ProviderUnavailableError("gemini", "the answer did not parse")

    with pytest.raises(ProviderUnavailableError):
        world.summary.run(an_event())
    assert world.bookings.bookings["b-1"].brief is None
    # A call whose answer could not be used is billed all the same: the cap counts it.
    assert list(world.counters.counts.values()) == [1]


def test_a_brief_the_model_declines_is_noted_on_the_booking_and_never_asked_again(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.briefs.fail = BriefRefusedError("gemini", "Gemini refused to write the brief (SAFETY)")

    with pytest.raises(BriefRefusedError):
        world.summary.run(an_event())
    booking = world.bookings.bookings["b-1"]
    assert booking.brief is None and booking.brief_note == REFUSED_NOTE
    assert booking.notes_requested_at == NOW  # the note reaches the notes page too

    # A copy of the event (a redrive) asks the model nothing more: it would decline again
    assert world.summary.run(an_event()) is False
    assert len(world.briefs.calls) == 1


def test_a_brief_the_model_cuts_short_is_noted_on_the_booking_and_counted_once(
        world: World) -> None:
    world.bookings.now(a_booking())
    world.briefs.fail = BriefCutShortError("gemini", "Gemini's brief was cut short (MAX_TOKENS)")

    with pytest.raises(BriefCutShortError):
        world.summary.run(an_event())
    booking = world.bookings.bookings["b-1"]
    assert booking.brief is None and booking.brief_note == CUT_SHORT_NOTE
    assert booking.notes_requested_at == NOW  # the note reaches the notes page too

    # A copy of the event (a redrive) asks nothing more: the same booking would be cut
    # short again, billed again, so the month's cap counts it once.
    assert world.summary.run(an_event()) is False
    assert len(world.briefs.calls) == 1
    assert world.counters.counts == {usage_key(HOST, NOW): 1}


def test_briefs_not_set_up_count_nothing_against_the_cap(world: World) -> None:
    # No Gemini entry: no model call is made, so no brief of the month is used by it.
    def not_set_up() -> FakeBriefs:
        raise ProviderRejectedError("gemini", "briefs are not set up on this Penny")

    world.bookings.now(a_booking())
    job = SummaryJob(world.bookings, world.hosts, not_set_up, world.counters,
                     FixedClock(NOW), world.per_month)

    with pytest.raises(ProviderRejectedError):
        job.run(an_event())
    assert world.counters.counts.get(usage_key(HOST, NOW), 0) == 0


@pytest.mark.parametrize("fail", [
    UnbilledUnavailableError("gemini", "Gemini answered 503 UNAVAILABLE"),
    UnbilledRejectedError("gemini", "Gemini answered 403 PERMISSION_DENIED")],
    ids=["unavailable", "rejected"])
def test_a_call_the_model_answered_with_an_error_is_given_back_to_the_cap(
        world: World, fail: ProviderError) -> None:
    # Google bills no error answer (a 429, a 5xx, a refused key): a Gemini outage, with
    # Lambda's retries and a redrive, must not use up the host's briefs for the month.
    world.briefs.fail = fail
    for n in range(world.per_month + 2):
        world.bookings.now(a_booking(f"b-{n}"))
        with suppress(ProviderError):
            world.summary.run(an_event(uid=f"b-{n}"))

    assert len(world.briefs.calls) == world.per_month + 2
    assert world.counters.counts[usage_key(HOST, NOW)] == 0
    world.briefs.fail = None
    world.bookings.now(a_booking("b-next"))
    assert world.summary.run(an_event(uid="b-next")) is True


def test_a_cancelled_booking_gets_no_brief(world: World) -> None:
    world.bookings.now(a_booking(status=BookingStatus.CANCELLED))

    assert world.summary.run(an_event()) is False
    assert world.briefs.calls == []


# ---- where notes go ---------------------------------------------------------------------


def settings(world: World) -> NotesSettings:
    return NotesSettings(world.hosts, world.adapters, world.bookings, FixedClock(NOW))


def test_connecting_chooses_the_only_shared_database_and_asks_for_parked_notes(
        world: World) -> None:
    world.hosts.save_notes(HOST, None)
    world.bookings.now(a_booking())
    world.bookings.now(a_booking("past", start=NOW - timedelta(days=3)))

    chosen = settings(world).connected(HOST, "notion")

    assert chosen == DESTINATION
    # Only what is ahead (or a day old) is asked for again; the mark is the work order.
    assert world.bookings.bookings["b-1"].notes_requested_at == NOW
    assert world.bookings.bookings["past"].notes_requested_at is None


def test_with_several_shared_databases_the_host_chooses(world: World) -> None:
    world.hosts.save_notes(HOST, None)
    world.adapters.notion.shared.append(NotesDatabase("db-2", "ds-2", "Leads"))

    assert settings(world).connected(HOST, "notion") is None
    chosen = settings(world).choose(HOST, "notion", "ds-2")

    assert chosen == NotesDestination("notion", "db-2", "ds-2", "Leads")
    assert world.hosts.config(HOST).notes == chosen


def test_a_database_notion_does_not_list_cannot_be_chosen(world: World) -> None:
    with pytest.raises(NotFoundError):
        settings(world).choose(HOST, "notion", "ds-typed-by-hand")
    assert world.hosts.config(HOST).notes == DESTINATION


def test_a_cancelled_booking_without_notes_is_not_asked_for(world: World) -> None:
    world.bookings.now(a_booking(status=BookingStatus.CANCELLED))
    world.bookings.now(replace(a_booking("had-notes", status=BookingStatus.CANCELLED),
                               notes_url="https://notion.test/page-9"))

    assert settings(world).catch_up(HOST) == 1
    assert world.bookings.bookings["had-notes"].notes_requested_at == NOW


def marked_since(world: World, seen: dict[str, Booking]) -> list[str]:
    """The bookings marked since `seen`: the `notes.requested` the table's stream makes."""
    return sorted(uid for uid, b in world.bookings.bookings.items()
                  if b.notes_requested_at is not None and (
                      uid not in seen or seen[uid].notes_requested_at != b.notes_requested_at))


def test_a_catch_up_writes_two_pages_at_once_each_finished_page_starting_the_next(
        world: World) -> None:
    uids = [f"b-{n}" for n in range(1, 8)]
    for n, uid in enumerate(uids):
        world.bookings.now(a_booking(uid, start=START + timedelta(hours=n)))
    seen = dict(world.bookings.bookings)

    assert settings(world).catch_up(HOST) == len(uids)
    # Not all seven at once (Notion allows ~3 requests/s): the first two, in order.
    running = marked_since(world, seen)
    assert running == uids[:CATCH_UP_AT_ONCE] == ["b-1", "b-2"]

    written = []
    while running:
        uid = running.pop(0)
        seen = dict(world.bookings.bookings)
        world.notes.run(an_event(EventKind.NOTES_REQUESTED, uid))
        written.append(uid)
        started = marked_since(world, seen)
        assert len(started) <= 1  # each finished page starts one more
        running += started
        assert len(running) <= CATCH_UP_AT_ONCE

    assert written == uids
    # Each page written once: nothing marked twice, the chain stops when none waits.
    assert world.adapters.notion.writes == [f"save page-{n}" for n in range(1, 8)]
    assert world.hosts.config(HOST).notes.catch_up_at == NOW  # type: ignore[union-attr]


def test_a_page_refused_for_good_still_starts_the_next_one_but_a_broken_connection_does_not(
        world: World) -> None:
    uids = [f"b-{n}" for n in range(1, 5)]
    for n, uid in enumerate(uids):
        world.bookings.now(a_booking(uid, start=START + timedelta(hours=n)))
    seen = dict(world.bookings.bookings)
    settings(world).catch_up(HOST)
    assert marked_since(world, seen) == ["b-1", "b-2"]

    # b-1's page is one the host put in Notion's trash: that job fails for good...
    world.adapters.notion.fail = ProviderRejectedError("notion", "the page is in the trash")
    seen = dict(world.bookings.bookings)
    with pytest.raises(ProviderRejectedError):
        world.notes.run(an_event(EventKind.NOTES_REQUESTED, "b-1"))
    assert marked_since(world, seen) == ["b-3"]  # ...and the catch-up goes on

    # A broken connection would fail every page: the chain stops (a reconnect restarts it).
    world.adapters.notion.fail = ConnectionBrokenError("notion", "the token was revoked")
    seen = dict(world.bookings.bookings)
    with pytest.raises(ConnectionBrokenError):
        world.notes.run(an_event(EventKind.NOTES_REQUESTED, "b-2"))
    assert marked_since(world, seen) == []


def test_the_catch_up_goes_on_when_the_brief_asked_for_the_page_again_meanwhile(
        world: World) -> None:
    uids = [f"b-{n}" for n in range(1, 5)]
    for n, uid in enumerate(uids):
        world.bookings.now(a_booking(uid, start=START + timedelta(hours=n)))
    settings(world).catch_up(HOST)  # b-1 and b-2 marked at NOW
    # The brief asks for b-1's page again before the notes worker got the catch-up's ask
    brief_ask = NOW + timedelta(seconds=5)
    world.bookings.now(replace(world.bookings.bookings["b-1"], notes_requested_at=brief_ask))
    seen = dict(world.bookings.bookings)

    # The catch-up's own notes.requested (it says which ask it is) is handled
    catch_ups = Event(EventKind.NOTES_REQUESTED, "e-catch-up-b-1", NOW, HOST,
                      {"uid": "b-1", "notes_requested_at": NOW.isoformat()}, premium=True)
    world.notes.run(catch_ups)

    assert marked_since(world, seen) == ["b-3"]  # the chain goes on
    seen = dict(world.bookings.bookings)
    briefs = Event(EventKind.NOTES_REQUESTED, "e-brief-b-1", brief_ask, HOST,
                   {"uid": "b-1", "notes_requested_at": brief_ask.isoformat()}, premium=True)
    world.notes.run(briefs)
    assert marked_since(world, seen) == []  # the brief's ask starts no other


def test_a_page_asked_for_by_anything_but_the_catch_up_starts_no_other(world: World) -> None:
    began = NOW - timedelta(hours=1)  # a catch-up still waiting for b-1
    world.hosts.save_notes(HOST, replace(DESTINATION, catch_up_at=began))
    made = NOW - timedelta(hours=2)
    world.bookings.now(replace(a_booking("b-1"), created_at=made))
    world.bookings.now(replace(a_booking("b-2"), created_at=made,
                               notes_requested_at=NOW))  # the brief's ask, since
    seen = dict(world.bookings.bookings)

    world.notes.run(an_event(EventKind.NOTES_REQUESTED, "b-2"))
    assert marked_since(world, seen) == []

    world.bookings.now(replace(world.bookings.bookings["b-2"], notes_requested_at=began))
    seen = dict(world.bookings.bookings)
    world.notes.run(an_event(EventKind.NOTES_REQUESTED, "b-2"))
    assert marked_since(world, seen) == ["b-1"]  # the catch-up's own mark goes on


def test_notion_out_of_reach_leaves_the_choices_empty_and_says_why(world: World) -> None:
    class Down(FakeNotion):
        def databases(self) -> list[NotesDatabase]:
            raise ProviderUnavailableError("notion", "Notion answered 503")

    world.adapters.notion = Down()

    choices = settings(world).choices(HOST)

    assert (choices.destination, choices.places) == (DESTINATION, [])
    assert choices.unreachable == "Notion: Notion answered 503"


def test_a_destination_the_provider_no_longer_lists_is_said_to_be_gone(world: World) -> None:
    world.adapters.notion.shared = [NotesDatabase("db-2", "ds-2", "Leads")]

    choices = settings(world).choices(HOST)

    assert choices.destination == DESTINATION
    assert choices.unreachable == ('That Notion database "Client notes" is gone or no longer '
                                   "shared with Penny: choose another place")
