"""A job's record of one event: in progress under a lease, then done or failed.

Workers hear each booking event at least once (SNS, Lambda's retries, dead-letter
replays) and in any order. A job's record is keyed by the job and the event, so every
event is done once, and a later event about the same booking is a new job. The rules for
who may start a job are here, pure; the store writes them as a condition expression.

    (absent) --claim--> in progress --run ok--> done          (announced now, never at claim)
                          |   ^  \\--provider rejected / connection broken--> failed (final)
                          |   |   \\--anything else--> failed, retryable
                          |   +-- claim again: the lease expired (a crash), or failed retryable
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class JobRecord:
    job: str                   # the worker's name: "notes", "summary", "calendar"
    event_id: str              # the booking event's id: stable across redeliveries
    event_type: str
    host_id: str
    booking: dict[str, Any]    # the event's booking summary, for the event announced
    announces: str | None      # the event type announced on done (None: nothing)
    status: JobStatus
    claim: str                 # who holds it: each claim is a fresh id
    lease_until: datetime      # in progress past this instant: its runner died
    started_at: datetime
    expires_at: datetime       # TTL: gone after this (late: DynamoDB's TTL lags)
    finished_at: datetime | None = None
    reason: str | None = None  # why it failed
    retryable: bool = False

    @property
    def booking_uid(self) -> str:
        return str(self.booking.get("uid", ""))


def claimable(record: JobRecord | None, now: datetime) -> bool:
    """May a new run claim this job? Never when done, or failed for good, or while a
    live lease says another run is at it."""
    if record is None:
        return True
    if record.status is JobStatus.IN_PROGRESS:
        return record.lease_until < now
    return record.status is JobStatus.FAILED and record.retryable
