"""Jobs end to end on moto: the calendar job (services/calendar_sync.py) with the in-memory
fake calendar, run by the real runner on the real job records, fed the events the
table's stream makes from bookings made, moved and cancelled through the API.

The calendar job is not in the deployed worker list yet (no vendor), so it is wired here:
each event is handed to the runner as SNS would push it. The clock starts at
2026-11-23T12:00:00Z; the lease is the worker timeout plus 15 s (75 s).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import JobBusyError, ProviderRejectedError, ProviderUnavailableError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.jobs import JobRecord, JobStatus
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_sync import CalendarSync
from chalicelib.services.jobs import JobRunner, Outcome, lease_for
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.items import JobRecordItem, ProviderRefItem
from chalicelib.store.jobs import JobRecordRepository
from chalicelib.store.provider_refs import ProviderRefRepository
from chalicelib.store.queues import WORKER_TIMEOUT
from chalicelib.store.stream import events_of
from tests.fakes.providers import FakeCalendar, FakeCalendars
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock, rebuild
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import Stream


class ProcessDied(BaseException):
    """The Lambda's process ended mid-job (timeout, out of memory): nothing is caught."""


def at(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


AT_14 = at("2026-11-24T14:00:00+00:00", "2026-11-24T14:30:00+00:00")
AT_15 = at("2026-11-24T15:00:00+00:00", "2026-11-24T15:30:00+00:00")


@dataclass
class Calendars:
    api: Api
    clock: FixedClock
    stream: Stream
    calendar: FakeCalendar
    runner: JobRunner
    booked: dict[str, Any] = field(default_factory=dict)

    def book(self) -> None:
        self.booked = self.api.post("/hosts/alice/intro/bookings",
                                    f.booking("2026-11-24T14:00:00Z")).json

    def reschedule(self) -> None:
        r = self.api.post(f"/bookings/{self.booked['uid']}/reschedule",
                          {"token": self.booked["links"]["reschedule_token"],
                           "start": "2026-11-24T15:00:00Z"})
        assert r.status == 200, r.json

    def cancel(self) -> None:
        r = self.api.post(f"/bookings/{self.booked['uid']}/cancel",
                          {"token": self.booked["links"]["cancel_token"]})
        assert r.status == 200, r.json

    def events(self) -> list[Event]:
        """What the stream made since the last read, of the types the job takes."""
        made = [event for record in self.stream.read() for event in events_of(record)]
        return [event for event in made if event.type in self.runner.job.takes]

    def push(self, event: Event) -> Outcome:
        """As SNS pushes an event to a worker: its JSON."""
        return self.runner.process(json.dumps(event.to_json()))

    def times(self) -> list[TimeRange]:
        return [event.when for event in self.calendar.events.values()]

    def record(self, event: Event) -> JobRecord:
        found = JobRecordRepository().get("calendar", event.id)
        assert found is not None
        return found


@pytest.fixture
def calendars(api: Api, clock: FixedClock) -> Iterator[Calendars]:
    token = make_host(api)
    host_id = api.get("/me/profile", token=token).json["id"]
    connected = FakeCalendars()
    job = CalendarSync(BookingRepository(), connected, ProviderRefRepository())
    runner = JobRunner(job, JobRecordRepository(), clock, lease_for(WORKER_TIMEOUT))
    stream = Stream()
    stream.read()  # the host's setup writes
    yield Calendars(api, clock, stream, connected.connect(host_id), runner)


def test_a_confirmed_booking_gets_an_event_a_reschedule_moves_it_a_cancel_deletes_it(
        calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()
    assert calendars.push(confirmed) is Outcome.DONE
    assert calendars.times() == [AT_14]
    (event_id,) = calendars.calendar.events

    calendars.reschedule()
    (rescheduled,) = calendars.events()
    assert rescheduled.type is EventKind.BOOKING_RESCHEDULED
    assert calendars.push(rescheduled) is Outcome.DONE
    assert calendars.times() == [AT_15] and list(calendars.calendar.events) == [event_id]

    calendars.cancel()
    (cancelled,) = calendars.events()
    assert calendars.push(cancelled) is Outcome.DONE
    assert calendars.calendar.events == {}
    assert list(ProviderRefItem.scan()) == []
    assert sorted((r.event_type, r.status) for r in JobRecordItem.scan()) == [
        ("booking.cancelled", "done"), ("booking.confirmed", "done"),
        ("booking.rescheduled", "done")]


def test_a_redelivered_event_changes_nothing(calendars: Calendars) -> None:
    calendars.book()
    (confirmed,) = calendars.events()
    calendars.push(confirmed)
    done = calendars.record(confirmed)
    calendars.stream.read()
    calendars.clock.advance(hours=3)

    assert calendars.push(confirmed) is Outcome.ALREADY_DONE
    assert calendars.calendar.faults.calls == ["create_event"]
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
    assert calendars.calendar.faults.calls == ["create_event", "create_event"]


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

    assert calendars.calendar.events == {}
    assert calendars.calendar.faults.calls == []  # a cancelled booking never got one


def test_a_reschedule_delivered_before_its_confirmation_ends_at_the_new_time(
        calendars: Calendars) -> None:
    calendars.book()
    calendars.reschedule()
    confirmed, rescheduled = calendars.events()

    calendars.push(rescheduled)
    calendars.push(confirmed)

    assert calendars.times() == [AT_15]
    assert calendars.calendar.faults.calls == ["create_event"]


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
    assert calendars.calendar.faults.calls == ["create_event", "update_event"]


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
    # and is refused at write time (ExternalBusy), and the booking made next to it lands
    # in that same calendar (the calendar job), moves with it and leaves with it.
    token = make_host(api)
    host_id = api.get("/me/profile", token=token).json["id"]
    connected = FakeCalendars()
    calendar = connected.connect(host_id)
    calendar.busy_ranges.append(at("2026-11-24T15:00:00+00:00", "2026-11-24T16:00:00+00:00"))
    rebuild(calendars=connected)
    runner = JobRunner(CalendarSync(BookingRepository(), connected, ProviderRefRepository()),
                       JobRecordRepository(), clock, lease_for(WORKER_TIMEOUT))
    stream = Stream()
    stream.read()

    slots = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC")
    starts = {s["start"] for day in slots.json["slots"].values() for s in day}
    assert "2026-11-24T15:00:00+00:00" not in starts
    assert "2026-11-24T14:00:00+00:00" in starts
    refused = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:30:00Z"))
    assert (refused.status, refused.json["error"]["reason"]) == (422, "calendar_busy")

    booked = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).json
    for record in stream.read():
        for event in events_of(record):
            if event.type in runner.job.takes:
                assert runner.process(json.dumps(event.to_json())) is Outcome.DONE
                # A redelivery changes nothing.
                assert runner.process(json.dumps(event.to_json())) is Outcome.ALREADY_DONE
    assert [e.when for e in calendar.events.values()] == [AT_14]

    r = api.post(f"/bookings/{booked['uid']}/reschedule",
                 {"token": booked["links"]["reschedule_token"], "start": "2026-11-24T15:00:00Z"})
    assert (r.status, r.json["error"]["reason"]) == (422, "calendar_busy")
    cancelled = api.post(f"/bookings/{booked['uid']}/cancel",
                         {"token": booked["links"]["cancel_token"]})
    assert cancelled.status == 200
    for record in stream.read():
        for event in events_of(record):
            if event.type in runner.job.takes:
                runner.process(json.dumps(event.to_json()))
    assert calendar.events == {}
