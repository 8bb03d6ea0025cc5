"""Jobs end to end on moto: the calendar job (services/calendar_sync.py) with the in-memory
fake providers, run by the real runner on the real job records, fed the events the
table's stream makes from bookings made, moved and cancelled through the API.

The job is made by its factory (calendar_job) from the JobContext a worker gets, with
the fake adapters where a deployed worker has the hosts' real ones; each event is handed
to the runner as SNS would push it. Alice has connected Google (a fake): her primary
calendar counts for conflicts and gets new bookings. The clock starts at
2026-11-23T12:00:00Z; the lease is the worker timeout plus 15 s (75 s).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import JobBusyError, ProviderRejectedError, ProviderUnavailableError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.external_busy import ExternalEvent
from chalicelib.domain.jobs import JobRecord, JobStatus
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_sync import calendar_job
from chalicelib.services.jobs import JobContext, JobRunner, Outcome, lease_for
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.calendar_cache import CalendarCacheRepository
from chalicelib.store.hosts import HostRepository
from chalicelib.store.items import JobRecordItem, ProviderRefItem
from chalicelib.store.jobs import JobRecordRepository
from chalicelib.store.provider_refs import ProviderRefRepository
from chalicelib.store.queues import QUEUES, WORKER_TIMEOUT
from chalicelib.store.stream import events_of
from tests.fakes.providers import FakeAdapters, FakeCalendar
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock, rebuild
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import Stream

WRITES = ("create_event", "update_event", "delete_event")


class ProcessDied(BaseException):
    """The Lambda's process ended mid-job (timeout, out of memory): nothing is caught."""


def at(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


AT_14 = at("2026-11-24T14:00:00+00:00", "2026-11-24T14:30:00+00:00")
AT_15 = at("2026-11-24T15:00:00+00:00", "2026-11-24T15:30:00+00:00")
GOOGLE = CalendarRef("google", "primary")


@dataclass
class Calendars:
    api: Api
    clock: FixedClock
    stream: Stream
    adapters: FakeAdapters
    calendar: FakeCalendar
    runner: JobRunner
    host_id: str
    booked: dict[str, Any] = field(default_factory=dict)

    def book(self, start: str = "2026-11-24T14:00:00Z") -> None:
        r = self.api.post("/hosts/alice/intro/bookings", f.booking(start))
        assert r.status == 201, r.json
        self.booked = r.json

    def reschedule(self, start: str = "2026-11-24T15:00:00Z") -> None:
        r = self.api.post(f"/bookings/{self.booked['uid']}/reschedule",
                          {"token": self.booked["links"]["reschedule_token"], "start": start})
        assert r.status == 200, r.json

    def cancel(self) -> None:
        r = self.api.post(f"/bookings/{self.booked['uid']}/cancel",
                          {"token": self.booked["links"]["cancel_token"]})
        assert r.status == 200, r.json

    def made(self) -> list[Event]:
        """Every event the stream made since the last read."""
        return [event for record in self.stream.read() for event in events_of(record)]

    def events(self) -> list[Event]:
        """What the stream made since the last read, of the types the job takes."""
        return [event for event in self.made() if event.type in self.runner.job.takes]

    def push(self, event: Event) -> Outcome:
        """As SNS pushes an event to a worker: its JSON."""
        return self.runner.process(json.dumps(event.to_json()))

    def push_all(self) -> None:
        for event in self.events():
            assert self.push(event) is Outcome.DONE

    def times(self) -> list[TimeRange]:
        return [event.when for event in self.calendar.written.get("primary", {}).values()]

    def writes(self) -> list[str]:
        """What the job asked of the calendar (its syncs of the copy left out)."""
        return [call for call in self.calendar.faults.calls if call in WRITES]

    def record(self, event: Event) -> JobRecord:
        found = JobRecordRepository().get("calendar", event.id)
        assert found is not None
        return found

    def booking(self) -> dict[str, Any]:
        r = self.api.get(f"/bookings/{self.booked['uid']}?token="
                         f"{self.booked['links']['cancel_token']}")
        assert r.status == 200, r.json
        return dict(r.json)


def connected_alice(api: Api, clock: FixedClock, **event: Any) -> Calendars:
    token = make_host(api, **event)
    host_id = api.get("/me/profile", token=token).json["id"]
    adapters = FakeAdapters()
    calendar = adapters.connect_calendar(host_id, "google")
    services = rebuild(adapters=adapters)
    services.calendars.connected(host_id, "google")
    job = calendar_job(JobContext(BookingRepository(), clock, HostRepository(), adapters,
                                  ProviderRefRepository(),
                                  lambda uid: f"http://penny.test/bookings/{uid}",
                                  services.calendars))
    runner = JobRunner(job, JobRecordRepository(), clock, lease_for(WORKER_TIMEOUT))
    stream = Stream()
    stream.read()  # the host's setup writes
    return Calendars(api, clock, stream, adapters, calendar, runner, host_id)


@pytest.fixture
def calendars(api: Api, clock: FixedClock) -> Iterator[Calendars]:
    yield connected_alice(api, clock)


def test_the_job_is_the_calendar_worker_of_the_list(calendars: Calendars) -> None:
    (spec,) = [q for q in QUEUES if q.name == "calendar"]
    job = calendars.runner.job

    assert (job.name, tuple(t.value for t in job.takes), job.announces) == (
        spec.name, spec.event_types, None)


def test_a_confirmed_booking_gets_an_event_a_reschedule_moves_it_a_cancel_deletes_it(
        calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()
    assert calendars.push(confirmed) is Outcome.DONE
    assert calendars.times() == [AT_14]
    (event_id,) = calendars.calendar.written["primary"]

    calendars.reschedule()
    (rescheduled,) = calendars.events()
    assert rescheduled.type is EventKind.BOOKING_RESCHEDULED
    assert calendars.push(rescheduled) is Outcome.DONE
    assert calendars.times() == [AT_15] and list(calendars.calendar.written["primary"]) == [
        event_id]

    calendars.cancel()
    (cancelled,) = calendars.events()
    assert calendars.push(cancelled) is Outcome.DONE
    assert calendars.times() == []
    assert list(ProviderRefItem.scan()) == []
    assert sorted((r.event_type, r.status) for r in JobRecordItem.scan()) == [
        ("booking.cancelled", "done"), ("booking.confirmed", "done"),
        ("booking.rescheduled", "done")]


def test_a_record_is_deleted_only_while_it_names_what_the_deleting_run_read(
        calendars: Calendars) -> None:
    refs = ProviderRefRepository()
    read = ProviderRef("calendar", "b-9", "google:primary\nevt-1", 0,
                       calendars.clock.now() + timedelta(days=30))
    refs.put(read)
    newer = replace(read, external_id="google:primary\nevt-2\nb-9-made-again")
    refs.put(newer)   # another run made the event again and recorded it meanwhile

    refs.delete(read)
    kept = refs.get("calendar", "b-9")
    assert kept is not None and kept.external_id == newer.external_id
    refs.delete(replace(newer, sequence=1))   # the same event, moved since: deleted
    assert refs.get("calendar", "b-9") is None
    refs.delete(newer)                        # gone already: fine


def test_a_redelivered_event_changes_nothing(calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()
    calendars.push(confirmed)
    done = calendars.record(confirmed)
    calendars.stream.read()
    calendars.clock.advance(hours=3)

    assert calendars.push(confirmed) is Outcome.ALREADY_DONE
    assert calendars.writes() == ["create_event"]
    assert calendars.record(confirmed) == done
    assert calendars.stream.read() == []  # not even a write


def test_a_create_that_failed_after_the_work_is_retried_and_makes_one_event(
        calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()
    calendars.calendar.faults.fail_next(
        "create_event", ProviderUnavailableError("fake-calendar", "timed out"), after_work=True)

    with pytest.raises(ProviderUnavailableError):  # Lambda retries it
        calendars.push(confirmed)
    failed = calendars.record(confirmed)
    assert (failed.status, failed.retryable) == (JobStatus.FAILED, True)
    assert failed.reason == "provider_unavailable (fake-calendar): timed out"

    assert calendars.push(confirmed) is Outcome.DONE
    assert calendars.times() == [AT_14]
    assert calendars.writes() == ["create_event", "create_event"]


def test_a_process_that_died_after_its_claim_is_run_again_once_its_lease_expires(
        calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()
    calendars.calendar.faults.fail_next("create_event", ProcessDied())

    with pytest.raises(ProcessDied):
        calendars.push(confirmed)
    assert calendars.record(confirmed).status is JobStatus.IN_PROGRESS

    calendars.clock.advance(seconds=60)  # Lambda's first retry: the lease still holds
    with pytest.raises(JobBusyError):
        calendars.push(confirmed)
    calendars.clock.advance(seconds=120)  # the second retry, two minutes later

    assert calendars.push(confirmed) is Outcome.DONE
    assert calendars.times() == [AT_14]
    assert calendars.record(confirmed).status is JobStatus.DONE


def test_a_cancellation_delivered_first_leaves_no_event_behind(calendars: Calendars) -> None:
    calendars.book()
    calendars.reschedule()
    calendars.cancel()
    events = calendars.events()
    assert [e.type for e in events] == [EventKind.BOOKING_CONFIRMED,
                                        EventKind.BOOKING_RESCHEDULED,
                                        EventKind.BOOKING_CANCELLED]

    for event in reversed(events):
        assert calendars.push(event) is Outcome.DONE

    assert calendars.times() == []
    assert calendars.writes() == []  # a cancelled booking never got one


def test_a_reschedule_delivered_before_its_confirmation_ends_at_the_new_time(
        calendars: Calendars) -> None:
    calendars.book()
    calendars.reschedule()
    confirmed, rescheduled = calendars.events()

    calendars.push(rescheduled)
    calendars.push(confirmed)

    assert calendars.times() == [AT_15]
    assert calendars.writes() == ["create_event"]


def test_a_rejected_update_is_recorded_as_failed_and_not_retried(calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()
    calendars.push(confirmed)
    calendars.reschedule()
    (rescheduled,) = calendars.events()
    calendars.calendar.faults.fail_next(
        "update_event", ProviderRejectedError("fake-calendar", "403: calendar is read-only"))

    assert calendars.push(rescheduled) is Outcome.GAVE_UP
    failed = calendars.record(rescheduled)
    assert (failed.status, failed.retryable) == (JobStatus.FAILED, False)
    assert calendars.push(rescheduled) is Outcome.GAVE_UP
    assert calendars.writes() == ["create_event", "update_event"]


def test_the_job_record_is_keyed_by_event_and_job_and_expires_after_thirty_days(
        calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()

    calendars.push(confirmed)

    (item,) = JobRecordItem.scan()
    assert (item.pk, item.sk) == (f"JOB#{confirmed.id}", "calendar")
    assert dict(item.serialize())["kind"] == {"S": "job"}
    assert item.expires_at == calendars.clock.now() + timedelta(days=30)
    assert item.lease_until == calendars.clock.now() + timedelta(seconds=75)


def test_a_done_announcement_comes_from_the_change_to_done_never_the_claim(
        calendars: Calendars) -> None:
    # The notes job's record, as its runner writes it, read back off the stream.
    records, now = JobRecordRepository(), calendars.clock.now()
    claimed = JobRecord("notes", "e-1", "booking.confirmed", "host-alice", {"uid": "b-1"},
                        "notes.saved", JobStatus.IN_PROGRESS, "c-1", now + timedelta(seconds=75),
                        now, now + timedelta(days=30))

    assert records.claim(claimed, now) is None
    assert [e for r in calendars.stream.read() for e in events_of(r)] == []

    assert records.finish(claimed, now) is True
    (announced,) = [e for r in calendars.stream.read() for e in events_of(r)]
    assert (announced.type, announced.booking) == (EventKind.NOTES_SAVED, {"uid": "b-1"})
    assert records.finish(claimed, now) is False  # finished once


def test_one_fake_calendar_behind_both_seams_keeps_its_busy_time_free_and_gets_the_booking(
        api: Api, clock: FixedClock) -> None:
    # The proof, end to end through one calendar: its busy hour leaves the slots
    # (the cached copy) and is refused at write time (asked afresh), and the booking made
    # next to it lands in that same calendar (the calendar job), moves with it and leaves
    # with it; the copy then holds Penny's own event too.
    calendars = connected_alice(api, clock)
    calendars.calendar.add("primary", "dentist", ExternalEvent(
        at("2026-11-24T15:00:00+00:00", "2026-11-24T16:00:00+00:00")))
    calendars.clock.advance(minutes=1)
    (watch,) = calendars.calendar.watches.values()   # Google posts the change to Penny
    pushed = api.post("/webhooks/calendar/google", raw=b"", headers={
        "X-Goog-Channel-ID": watch.watch.id, "X-Goog-Channel-Token": watch.token,
        "X-Goog-Resource-State": "exists"})
    assert pushed.status == 200

    slots = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC")
    starts = {s["start"] for day in slots.json["slots"].values() for s in day}
    assert "2026-11-24T15:00:00+00:00" not in starts
    assert "2026-11-24T14:00:00+00:00" in starts
    refused = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:30:00Z"))
    assert (refused.status, refused.json["error"]["reason"]) == (422, "calendar_busy")

    calendars.book("2026-11-24T14:00:00Z")
    for event in calendars.events():
        assert calendars.push(event) is Outcome.DONE
        assert calendars.push(event) is Outcome.ALREADY_DONE   # a redelivery: nothing
    assert calendars.times() == [AT_14]
    assert calendars.booking()["video_url"] == "https://meet.test/evt-1"

    r = api.post(f"/bookings/{calendars.booked['uid']}/reschedule",
                 {"token": calendars.booked["links"]["reschedule_token"],
                  "start": "2026-11-24T15:00:00Z"})
    assert (r.status, r.json["error"]["reason"]) == (422, "calendar_busy")
    calendars.cancel()
    calendars.push_all()
    assert calendars.times() == []


def test_the_meet_link_reaches_the_booking_and_the_dashboards(calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()

    calendars.push(confirmed)

    (updated,) = calendars.made()
    assert updated.type is EventKind.BOOKING_UPDATED
    assert (updated.booking["video_url"], updated.booking["video_note"]) == (
        "https://meet.test/evt-1", None)
    assert calendars.booking()["video_url"] == "https://meet.test/evt-1"


def test_a_zoom_booking_gets_its_meeting_and_the_link_in_the_event_and_on_the_booking(
        api: Api, clock: FixedClock) -> None:
    calendars = connected_alice(api, clock, location={"kind": "zoom"})
    zoom = calendars.adapters.connect_video(calendars.host_id)
    calendars.book()

    calendars.push_all()

    (meeting_id,) = zoom.meetings
    link = f"https://video.test/j/{meeting_id}"
    (event,) = calendars.calendar.written["primary"].values()
    assert event.location == link
    assert calendars.booking()["video_url"] == link

    calendars.reschedule()
    calendars.push_all()
    assert [m.when for m in zoom.meetings.values()] == [AT_15]
    calendars.cancel()
    calendars.push_all()
    assert zoom.meetings == {} and list(ProviderRefItem.scan()) == []


def test_a_zoom_booking_whose_zoom_needs_reconnecting_tells_the_attendee_so(
        api: Api, clock: FixedClock) -> None:
    calendars = connected_alice(api, clock, location={"kind": "zoom"})
    calendars.adapters.connect_video(calendars.host_id)
    calendars.adapters.break_connection(calendars.host_id, "zoom")
    calendars.book()

    calendars.push_all()

    booking = calendars.booking()
    assert (booking["video_url"], booking["video_note"]) == (
        None, "The host will send you the Zoom link before the meeting.")
    assert calendars.times() == [AT_14]   # the calendar event is still made


def test_after_its_write_the_job_brings_the_hosts_copy_up_to_date(
        calendars: Calendars) -> None:
    # The calendar is watched: the new event goes straight into the copy, and Google's
    # own notification of it (not sent here) would sync it; nothing is asked of Google.
    store = CalendarCacheRepository()
    (before,) = store.setup(calendars.host_id).conflicts
    calendars.book()
    calendars.clock.advance(minutes=1)
    asked = calendars.calendar.faults.calls.count("changes")

    calendars.push_all()

    copy = store.copy(calendars.host_id, GOOGLE, AT_14)
    assert [list(events.values()) for events in copy.days.values()] == [[AT_14]]
    assert calendars.calendar.faults.calls.count("changes") == asked
    assert store.setup(calendars.host_id).conflicts == (before,)


def test_after_a_reschedule_the_job_syncs_the_hosts_copy(calendars: Calendars) -> None:
    # A moved event is synced, never left to a push: its old time must not stay busy.
    calendars.book()
    calendars.push_all()
    calendars.reschedule()
    calendars.clock.advance(minutes=1)
    store = CalendarCacheRepository()
    (state,) = store.setup(calendars.host_id).conflicts
    before = store.channel_cursor("google", state.watch_id or "")
    asked = calendars.calendar.faults.calls.count("changes")

    calendars.push_all()

    copy = store.copy(calendars.host_id, GOOGLE, AT_14)
    assert [list(events.values()) for events in copy.days.values()] == [[AT_15]]
    # Synced once, from the cursor on the channel's item, which it moved: the copy was
    # fresh and still is, so the host's setup is as it was.
    assert calendars.calendar.faults.calls.count("changes") == asked + 1
    moved = store.channel_cursor("google", state.watch_id or "")
    assert before is not None and moved is not None and moved.version == before.version + 1
    assert store.setup(calendars.host_id).conflicts == (state,)


def test_a_push_with_a_token_not_the_channels_own_is_refused_and_syncs_nothing(
        calendars: Calendars) -> None:
    (watch,) = calendars.calendar.watches.values()
    asked = list(calendars.calendar.faults.calls)

    pushed = calendars.api.post("/webhooks/calendar/google", raw=b"", headers={
        "X-Goog-Channel-ID": watch.watch.id, "X-Goog-Channel-Token": "forged",
        "X-Goog-Resource-State": "exists"})

    assert (pushed.status, pushed.code) == (403, "unknown_channel")
    assert calendars.calendar.faults.calls == asked
