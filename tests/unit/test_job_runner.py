"""The job runner: each booking event done once per job, announced only when done, a crash
retried after its lease, provider errors retried or recorded as they say.

The records are the in-memory fake (tests/fakes/jobs.py), which claims exactly when
`claimable` says so; the store's conditional put is pinned against moto in
tests/functional/test_jobs.py. The clock is 2026-03-02T12:00:00Z; the lease 75 s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    JobBusyError,
    ProviderRejectedError,
    ProviderUnavailableError,
    ValidationError,
)
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.jobs import JobRecord, JobStatus, claimable
from chalicelib.services.jobs import KEEP_RECORDS, JobRunner, Outcome, lease_for
from tests.fakes.jobs import FakeJobRecords
from tests.unit.fakes import FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
LEASE = lease_for(60)


class ProcessDied(BaseException):
    """The Lambda's process ended mid-job (timeout, out of memory): nothing is caught."""


@dataclass
class RecordingJob:
    name: str = "notes"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED,)
    announces: EventKind | None = EventKind.NOTES_SAVED
    runs: list[str] = field(default_factory=list)
    fail_with: list[BaseException] = field(default_factory=list)

    def run(self, event: Event) -> None:
        self.runs.append(event.id)
        if self.fail_with:
            raise self.fail_with.pop(0)


def an_event(kind: EventKind = EventKind.BOOKING_CONFIRMED, event_id: str = "e-1") -> Event:
    return Event(kind, event_id, NOW, "host-alice", {"uid": "b-1", "status": "confirmed"})


def body(event: Event) -> str:
    return json.dumps(event.to_json())


@dataclass
class World:
    job: RecordingJob = field(default_factory=RecordingJob)
    records: FakeJobRecords = field(default_factory=FakeJobRecords)
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))

    @property
    def runner(self) -> JobRunner:
        return JobRunner(self.job, self.records, self.clock, LEASE, new_claim=lambda: "c-1")

    def record(self, event_id: str = "e-1") -> JobRecord:
        return self.records.records[(self.job.name, event_id)]


@pytest.fixture
def world() -> World:
    return World()


def test_a_job_runs_once_and_its_record_is_done(world: World) -> None:
    assert world.runner.process(body(an_event())) is Outcome.DONE

    record = world.record()
    assert world.job.runs == ["e-1"]
    assert (record.status, record.announces, record.event_type) == (
        JobStatus.DONE, "notes.saved", "booking.confirmed")
    assert (record.booking, record.host_id) == ({"uid": "b-1", "status": "confirmed"},
                                                "host-alice")
    assert record.expires_at == NOW + KEEP_RECORDS == NOW + timedelta(days=30)


def test_a_redelivered_event_whose_job_is_done_changes_nothing(world: World) -> None:
    world.runner.process(body(an_event()))
    done = world.record()
    world.clock.advance(timedelta(hours=2))

    assert world.runner.process(body(an_event())) is Outcome.ALREADY_DONE
    assert world.job.runs == ["e-1"]
    assert world.record() == done


def test_a_later_event_about_the_same_booking_is_a_new_job(world: World) -> None:
    world.job.takes = (EventKind.BOOKING_CONFIRMED, EventKind.BOOKING_RESCHEDULED,
                       EventKind.BOOKING_CANCELLED)

    for kind, event_id in ((EventKind.BOOKING_CONFIRMED, "e-1"),
                           (EventKind.BOOKING_RESCHEDULED, "e-2"),
                           (EventKind.BOOKING_CANCELLED, "e-3")):
        assert world.runner.process(body(an_event(kind, event_id))) is Outcome.DONE

    assert world.job.runs == ["e-1", "e-2", "e-3"]


def test_an_event_type_the_job_does_not_take_is_left_alone(world: World) -> None:
    assert world.runner.process(body(an_event(EventKind.BOOKING_CANCELLED))) is (
        Outcome.NOT_TAKEN)
    assert world.job.runs == [] and world.records.records == {}


def test_a_premium_only_job_does_no_work_for_an_ordinary_hosts_event(world: World) -> None:
    runner = replace(world.runner, premium_only=True)

    assert runner.process(body(an_event())) is Outcome.NOT_PREMIUM
    assert world.job.runs == [] and world.records.records == {}  # nothing to announce


def test_a_premium_only_job_runs_for_a_premium_hosts_event(world: World) -> None:
    runner = replace(world.runner, premium_only=True)

    assert runner.process(body(replace(an_event(), premium=True))) is Outcome.DONE
    assert world.job.runs == ["e-1"] and world.record().status is JobStatus.DONE


def test_a_notes_only_job_does_no_work_for_a_booking_without_notes(world: World) -> None:
    runner = replace(world.runner, notes_only=True)

    assert runner.process(body(an_event())) is Outcome.NO_NOTES
    assert world.job.runs == [] and world.records.records == {}
    assert runner.process(body(replace(an_event(), notes=True))) is Outcome.DONE
    assert world.job.runs == ["e-1"]


def test_a_run_that_died_stays_in_progress_and_nothing_is_announced(world: World) -> None:
    world.job.fail_with.append(ProcessDied())

    with pytest.raises(ProcessDied):
        world.runner.process(body(an_event()))

    record = world.record()
    assert record.status is JobStatus.IN_PROGRESS
    assert record.lease_until == NOW + timedelta(seconds=75)


def test_an_event_redelivered_while_a_live_lease_holds_it_raises_so_lambda_retries(
        world: World) -> None:
    world.job.fail_with.append(ProcessDied())
    with pytest.raises(ProcessDied):
        world.runner.process(body(an_event()))
    world.clock.advance(timedelta(seconds=75))  # the lease's last instant

    with pytest.raises(JobBusyError):
        world.runner.process(body(an_event()))
    assert world.job.runs == ["e-1"]


def test_the_retry_after_the_lease_expires_runs_the_job_again_and_finishes_it(
        world: World) -> None:
    world.job.fail_with.append(ProcessDied())
    with pytest.raises(ProcessDied):
        world.runner.process(body(an_event()))
    world.clock.advance(timedelta(seconds=76))

    assert world.runner.process(body(an_event())) is Outcome.DONE
    assert world.job.runs == ["e-1", "e-1"]
    assert world.record().status is JobStatus.DONE


def test_an_unavailable_provider_is_recorded_and_raised_and_the_retry_claims_at_once(
        world: World) -> None:
    world.job.fail_with.append(ProviderUnavailableError("fake-calendar", "503 from upstream"))

    with pytest.raises(ProviderUnavailableError):
        world.runner.process(body(an_event()))
    record = world.record()
    assert (record.status, record.retryable) == (JobStatus.FAILED, True)
    assert record.reason == "provider_unavailable (fake-calendar): 503 from upstream"

    assert world.runner.process(body(an_event())) is Outcome.DONE  # no lease to wait out
    assert world.record().status is JobStatus.DONE


def test_an_unexpected_error_is_retried_like_an_unavailable_provider(world: World) -> None:
    world.job.fail_with.append(KeyError("attendee_email"))

    with pytest.raises(KeyError):
        world.runner.process(body(an_event()))

    assert (world.record().status, world.record().retryable) == (JobStatus.FAILED, True)
    assert world.record().reason == "KeyError: 'attendee_email'"


@pytest.mark.parametrize("error", [
    ProviderRejectedError("fake-notes", "400: the page is archived"),
    ConnectionBrokenError("fake-notes", "invalid_grant"),
])
def test_a_rejected_request_or_broken_connection_is_recorded_and_not_retried(
        world: World, error: Exception) -> None:
    world.job.fail_with.append(error)

    assert world.runner.process(body(an_event())) is Outcome.GAVE_UP
    record = world.record()
    assert (record.status, record.retryable) == (JobStatus.FAILED, False)
    assert record.reason is not None and record.reason.startswith(f"{error.code} (fake-notes)")  # type: ignore[attr-defined]

    assert world.runner.process(body(an_event())) is Outcome.GAVE_UP  # a redelivery
    assert world.job.runs == ["e-1"]


def test_a_run_that_lost_its_lease_does_not_overwrite_the_run_that_took_over(
        world: World) -> None:
    event = an_event()
    slow = JobRecord("notes", "e-1", "booking.confirmed", "host-alice", event.booking,
                     "notes.saved", JobStatus.IN_PROGRESS, "c-slow", NOW + LEASE, NOW,
                     NOW + KEEP_RECORDS)
    world.records.claim(slow, NOW)
    world.clock.advance(timedelta(seconds=90))

    assert world.runner.process(body(event)) is Outcome.DONE  # took the expired lease over
    assert world.records.finish(slow, world.clock.now()) is False
    assert world.record().claim == "c-1"


@pytest.mark.parametrize("message", [
    "not json",
    json.dumps({"id": "e-1", "host_id": "h", "type": "booking.confirmed",
                "occurred_at": "2026-03-02T12:00:00+00:00"}),                  # no booking
    json.dumps({"id": "e-1", "type": "booking.confirmed", "booking": {"uid": "b-1"},
                "occurred_at": "2026-03-02T12:00:00+00:00"}),                  # no host
    json.dumps({"host_id": "h", "type": "booking.confirmed", "booking": {"uid": "b-1"},
                "occurred_at": "2026-03-02T12:00:00+00:00"}),                  # no id
    json.dumps({"id": "e-1", "host_id": "h", "type": "booking.confirmed", "booking": {},
                "occurred_at": "2026-03-02T12:00:00+00:00"}),                  # no uid
    json.dumps({"id": "e-1", "host_id": "h", "type": "booking.confirmed", "booking": "b-1",
                "occurred_at": "2026-03-02T12:00:00+00:00"}),                  # not an object
    json.dumps({"id": "e-1", "host_id": "h", "type": "booking.exploded",
                "booking": {"uid": "b-1"}, "occurred_at": "2026-03-02T12:00:00+00:00"}),
    json.dumps({"id": "e-1", "host_id": "h", "type": "booking.confirmed",
                "booking": {"uid": "b-1"}, "occurred_at": "2026-03-02T12:00:00"}),  # no zone
    json.dumps(["not", "an", "object"]),
])
def test_a_message_that_is_no_booking_event_is_refused_for_the_dead_letter_queue(
        world: World, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        world.runner.process(message)

    assert raised.value.message.startswith("not a booking event: ")
    assert world.records.records == {} and world.job.runs == []


# ---- the claim rule ------------------------------------------------------------------


def a_record(status: JobStatus, **changes: Any) -> JobRecord:
    fields: dict[str, Any] = {
        "job": "notes", "event_id": "e-1", "event_type": "booking.confirmed",
        "host_id": "host-alice", "booking": {"uid": "b-1"}, "announces": "notes.saved",
        "status": status, "claim": "c-0", "lease_until": NOW, "started_at": NOW,
        "expires_at": NOW + KEEP_RECORDS, **changes}
    return JobRecord(**fields)


@pytest.mark.parametrize(("record", "at", "expected"), [
    (None, NOW, True),
    (a_record(JobStatus.IN_PROGRESS), NOW, False),                     # lease ends at NOW
    (a_record(JobStatus.IN_PROGRESS), NOW + timedelta(microseconds=1), True),
    (a_record(JobStatus.DONE), NOW + timedelta(days=29), False),
    (a_record(JobStatus.FAILED, retryable=True), NOW, True),
    (a_record(JobStatus.FAILED, retryable=False), NOW + timedelta(days=29), False),
])
def test_who_may_claim_a_job(record: JobRecord | None, at: datetime, expected: bool) -> None:
    assert claimable(record, at) is expected
