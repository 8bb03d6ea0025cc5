"""Jobs behind the booking-events topic, and the one runner that makes them idempotent.

A `Job` says which event types it takes, what it announces when done, and `run(event)`.
SNS, Lambda's retries and dead-letter replays deliver each event at least once, and in
any order, so the runner keeps a record per job and event (domain/jobs.py):

- it claims the record with a lease (a conditional write) before running the job: a
  redelivered event whose record is done, or failed for good, changes nothing; one that
  arrives while another run holds a live lease raises JobBusyError, so Lambda retries it
  later rather than running it twice at once;
- it marks the record done only after `run` returns, and the table's stream turns that
  change (never the claim) into the announced event, so a crash after the claim loses
  nothing: the record stays in progress and the retry after the lease runs it again;
- ProviderUnavailableError, or any other error, marks it failed-and-retryable and is
  raised again (Lambda retries, then the dead-letter queue); ConnectionBrokenError and
  ProviderRejectedError mark it failed with the reason, for good: retrying cannot help.

The lease is the worker's timeout plus a margin: a run still going always holds it, and
one that died frees it soon after its Lambda's timeout, before Lambda's retries run out.
Jobs reconcile against the booking's current state (JobContext.bookings), never the
event's snapshot: a late `booking.confirmed` for a cancelled booking must do nothing.

Why not Powertools' idempotency utility, on the same table? It fits a function whose
result is cached, not this: it deletes the record when the function raises (so "failed,
do not retry" cannot be kept), its records carry only its own attributes (no `kind`, host
or booking, so the table's stream could not announce the job's completion), and it reads
the wall clock and the Lambda context for its leases (our clock is injected and tests
move it). Its conditional-put rule is the one used here, plus "failed and retryable",
in three short modules of our own (domain/jobs.py, this one, store/jobs.py).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from chalicelib.domain.bookings import Booking
from chalicelib.domain.errors import (
    ConnectionBrokenError,
    JobBusyError,
    ProviderError,
    ProviderRejectedError,
    ValidationError,
)
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.jobs import JobRecord, JobStatus
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.services.ports import Clock

if TYPE_CHECKING:
    from chalicelib.domain.providers.briefs import Briefs
    from chalicelib.services.calendar_cache import CalendarCache
    from chalicelib.services.calendar_ports import ProviderAdapters
    from chalicelib.services.notes_pages import NotesAdapters
    from chalicelib.services.payments import PaymentService
    from chalicelib.services.summary import BriefUsage

log = logging.getLogger("penny.jobs")

# Past the worker's timeout: clock skew between Lambdas and the claim's own latency.
LEASE_MARGIN = timedelta(seconds=15)
# Kept past the dead-letter queues' 14 days, so a replay still finds the job done.
KEEP_RECORDS = timedelta(days=30)


def lease_for(timeout_seconds: int) -> timedelta:
    return timedelta(seconds=timeout_seconds) + LEASE_MARGIN


class Job(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def takes(self) -> tuple[EventKind, ...]: ...
    @property
    def announces(self) -> EventKind | None: ...

    def run(self, event: Event) -> bool | None:
        """Do the job; False when there was nothing to do (nothing is announced)."""
        ...


class CurrentBookings(Protocol):
    def get(self, uid: str) -> Booking | None: ...


class JobBookings(CurrentBookings, Protocol):
    def save_video(self, booking: Booking) -> bool: ...
    def save(self, booking: Booking) -> bool: ...
    def for_host(self, host_id: str, *, after: datetime | None = None,
                 before: datetime | None = None, newest_first: bool = False,
                 limit: int = 50) -> list[Booking]: ...


class HostConfigs(Protocol):
    def config(self, host_id: str) -> HostConfig: ...


class ProviderRefs(Protocol):
    """What jobs made at providers, per booking (store/provider_refs.py)."""

    def get(self, job: str, booking_uid: str) -> ProviderRef | None: ...
    def put(self, ref: ProviderRef) -> None: ...
    def delete(self, ref: ProviderRef) -> None:
        """Unless the record names something else now (another run recorded what it
        made meanwhile: that run's to handle)."""
        ...

    def reserve(self, ref: ProviderRef, now: datetime) -> bool:
        """Put `ref` unless one of its job and booking stands whose `keep_until` is still
        to come (a lease another run holds); whether it was put."""
        ...


def take_lease(refs: ProviderRefs, kind: str, booking: Booking, now: datetime,
               lasts: timedelta, what: str, place: str = "") -> ProviderRef:
    """A run's lease on making `what` at a provider for the booking (a ProviderRef of
    `kind`, held until `now + lasts`, longer than making it takes): two runs for one
    booking at once never make two. JobBusyError while another run holds it: this one
    runs again later, to update what that one made. The caller deletes the lease."""
    lease = ProviderRef(kind, booking.uid, place, booking.sequence, now + lasts)
    if not refs.reserve(lease, now):
        raise JobBusyError(f"another run is making booking {booking.uid}'s {what}; this "
                           "one runs again later, to update it")
    return lease


@dataclass(frozen=True)
class JobContext:
    """What a job factory may use; each job takes the parts it needs."""

    bookings: JobBookings
    clock: Clock
    hosts: HostConfigs
    adapters: ProviderAdapters
    refs: ProviderRefs
    manage_url: Callable[[str], str]       # booking uid -> the attendee's manage page
    calendars: CalendarCache | None = None  # the hosts' busy copies (the calendar job)
    # Paid bookings' service (the payments job), made on first use: only that worker
    # loads the credential store for payment accounts.
    payments: Callable[[], PaymentService] | None = None
    # The hosts' notes providers (the notes job, and the summary job's page rewrite).
    notes: NotesAdapters | None = None
    # The brief's model, made on the first brief (only the summary worker loads its
    # SDK), the counters of briefs written, and how many a host may have a month.
    briefs: Callable[[], Briefs] | None = None
    usage: BriefUsage | None = None
    briefs_per_month: int = 0


JobFactory = Callable[[JobContext], Job]


class JobRecords(Protocol):
    def claim(self, record: JobRecord, now: datetime) -> JobRecord | None: ...
    def finish(self, record: JobRecord, now: datetime, announce: bool = True) -> bool: ...
    def fail(self, record: JobRecord, reason: str, retryable: bool, now: datetime) -> bool: ...


class Outcome(StrEnum):
    DONE = "done"
    ALREADY_DONE = "already_done"   # a redelivery: nothing changed
    GAVE_UP = "gave_up"             # failed for good, now or before: nothing more to do
    NOT_TAKEN = "not_taken"         # an event type this job does not take
    NOT_PREMIUM = "not_premium"     # a premium-only job, and an ordinary host's event
    NO_NOTES = "no_notes"           # a notes-only job, and a booking without notes


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ProviderError):
        return f"{exc.code} ({exc.provider}): {exc.message}"
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class JobRunner:
    job: Job
    records: JobRecords
    clock: Clock
    lease: timedelta
    new_claim: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)  # tests pin it
    premium_only: bool = False      # the worker list's QueueSpec.premium_only
    notes_only: bool = False        # and its notes_only

    def process(self, body: str) -> Outcome:
        """Handle one pushed message (an event's JSON)."""
        try:
            event = Event.from_json(json.loads(body))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            # Raised, so the message is retried and ends in the dead-letter queue.
            raise ValidationError(f"not a booking event: {exc}") from exc
        return self.handle(event)

    def handle(self, event: Event) -> Outcome:
        if event.type not in self.job.takes:
            return Outcome.NOT_TAKEN
        if self.premium_only and not event.premium:
            # The subscription's filter keeps these out; one that comes anyway (a message
            # sent by hand, a filter not yet deployed) does no work and costs no record.
            return Outcome.NOT_PREMIUM
        if self.notes_only and not event.notes:
            return Outcome.NO_NOTES  # the same: the filter keeps these out
        now = self.clock.now()
        record = JobRecord(
            job=self.job.name, event_id=event.id, event_type=event.type.value,
            host_id=event.host_id, booking=event.booking,
            announces=self.job.announces.value if self.job.announces else None,
            status=JobStatus.IN_PROGRESS, claim=self.new_claim(),
            lease_until=now + self.lease, started_at=now, expires_at=now + KEEP_RECORDS)
        context = {"job": self.job.name, "event_id": event.id,
                   "booking_uid": record.booking_uid}
        held = self.records.claim(record, now)
        if held is not None:
            if held.status is JobStatus.DONE:
                return Outcome.ALREADY_DONE
            if held.status is JobStatus.FAILED:
                return Outcome.GAVE_UP
            raise JobBusyError(f"{self.job.name} is already running event {event.id} "
                               f"(lease until {held.lease_until.isoformat()})")
        try:
            done = self.job.run(event)
        except (ConnectionBrokenError, ProviderRejectedError) as exc:
            self.records.fail(record, _reason(exc), False, self.clock.now())
            log.warning("job failed for good: %s", _reason(exc), extra=context)
            return Outcome.GAVE_UP
        except Exception as exc:
            self.records.fail(record, _reason(exc), True, self.clock.now())
            raise
        # Nothing done (no notes destination, a booking that never became a meeting):
        # the record says done, and announces nothing.
        if not self.records.finish(record, self.clock.now(), announce=done is not False):
            # Our lease ran out and another run took the job over; it announces it.
            log.warning("job finished after losing its lease", extra=context)
        return Outcome.DONE
