"""Job records (domain/jobs.py) in the table: a conditional put claims, updates finish.

The claim is one PutItem whose condition is `claimable` written for DynamoDB: absent, or
in progress with an expired lease, or failed and retryable. Only when it fails is the
record read (consistently) to say why: the usual first delivery costs one write. Finish
and fail are conditioned on the claim, so a run that lost its lease cannot overwrite the
record of the run that took over.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.jobs import JobRecord, JobStatus
from chalicelib.store.items import JobRecordItem
from chalicelib.store.transactions import condition_failed


def _key(job: str, event_id: str) -> tuple[str, str]:
    return f"JOB#{event_id}", job


def _item(r: JobRecord) -> JobRecordItem:
    return JobRecordItem(
        *_key(r.job, r.event_id), event_type=r.event_type, host_id=r.host_id,
        booking=r.booking, announces=r.announces, status=r.status.value, claim=r.claim,
        lease_until=r.lease_until, started_at=r.started_at, finished_at=r.finished_at,
        reason=r.reason, retryable=r.retryable, expires_at=r.expires_at)


def to_record(item: JobRecordItem) -> JobRecord:
    return JobRecord(
        job=item.sk, event_id=item.pk.removeprefix("JOB#"), event_type=item.event_type,
        host_id=item.host_id, booking=dict(item.booking), announces=item.announces,
        status=JobStatus(item.status), claim=item.claim, lease_until=item.lease_until,
        started_at=item.started_at, expires_at=item.expires_at or item.lease_until,
        finished_at=item.finished_at, reason=item.reason, retryable=bool(item.retryable))



class JobRecordRepository:
    def claim(self, record: JobRecord, now: datetime) -> JobRecord | None:
        """Write `record` (in progress) if the stored one may be claimed at `now`; None
        when it was, else the record that stood in the way."""
        condition = (
            JobRecordItem.pk.does_not_exist()
            | ((JobRecordItem.status == JobStatus.IN_PROGRESS.value)
               & (JobRecordItem.lease_until < now))
            | ((JobRecordItem.status == JobStatus.FAILED.value)
               & (JobRecordItem.retryable == True)))  # noqa: E712  (a condition, not a test)
        try:
            _item(record).save(condition=condition)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            # Gone again already (TTL) reads as busy: the retry then claims it.
            return self.get(record.job, record.event_id) or record
        return None

    def get(self, job: str, event_id: str) -> JobRecord | None:
        try:
            return to_record(JobRecordItem.get(*_key(job, event_id), consistent_read=True))
        except DoesNotExist:
            return None

    def finish(self, record: JobRecord, now: datetime, announce: bool = True) -> bool:
        """Mark the run done; False if it no longer held the claim (nothing written).
        `announce` False: the run did nothing worth saying, so the record loses what it
        would announce (the table's stream lets no such change through)."""
        actions: list[Action] = [JobRecordItem.status.set(JobStatus.DONE.value),
                                 JobRecordItem.finished_at.set(now)]
        if not announce:
            actions.append(JobRecordItem.announces.remove())
        return self._end(record, actions)

    def fail(self, record: JobRecord, reason: str, retryable: bool, now: datetime) -> bool:
        return self._end(record, [JobRecordItem.status.set(JobStatus.FAILED.value),
                                  JobRecordItem.finished_at.set(now),
                                  JobRecordItem.reason.set(reason[:1000]),
                                  JobRecordItem.retryable.set(retryable)])

    def _end(self, record: JobRecord, actions: list[Action]) -> bool:
        item = JobRecordItem(*_key(record.job, record.event_id))
        try:
            item.update(actions=actions, condition=(JobRecordItem.claim == record.claim)
                        & (JobRecordItem.status == JobStatus.IN_PROGRESS.value))
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True
