"""In-memory job records, provider refs and bookings, keeping the store's contracts
(store/jobs.py, store/provider_refs.py, store/bookings.py): a claim succeeds exactly when
`claimable` says so, finishing or failing needs the claim that started the run, and a
booking's video link is saved only over the version it was read at."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.bookings import Booking
from chalicelib.domain.jobs import JobRecord, JobStatus, claimable
from chalicelib.domain.providers.refs import ProviderRef


@dataclass
class FakeJobRecords:
    records: dict[tuple[str, str], JobRecord] = field(default_factory=dict)  # (job, event id)

    def claim(self, record: JobRecord, now: datetime) -> JobRecord | None:
        key = (record.job, record.event_id)
        held = self.records.get(key)
        if not claimable(held, now):
            return held
        self.records[key] = record
        return None

    def finish(self, record: JobRecord, now: datetime, announce: bool = True) -> bool:
        if not announce:
            return self._end(record, status=JobStatus.DONE, finished_at=now, announces=None)
        return self._end(record, status=JobStatus.DONE, finished_at=now)

    def fail(self, record: JobRecord, reason: str, retryable: bool, now: datetime) -> bool:
        return self._end(record, status=JobStatus.FAILED, finished_at=now, reason=reason,
                         retryable=retryable)

    def _end(self, record: JobRecord, **changes: object) -> bool:
        key = (record.job, record.event_id)
        held = self.records.get(key)
        if held is None or held.claim != record.claim or held.status is not JobStatus.IN_PROGRESS:
            return False
        self.records[key] = replace(held, **changes)  # type: ignore[arg-type]
        return True

    def status(self, job: str, event_id: str) -> JobStatus | None:
        held = self.records.get((job, event_id))
        return None if held is None else held.status


@dataclass
class FakeProviderRefs:
    refs: dict[tuple[str, str], ProviderRef] = field(default_factory=dict)  # (job, uid)

    def get(self, job: str, booking_uid: str) -> ProviderRef | None:
        return self.refs.get((job, booking_uid))

    def put(self, ref: ProviderRef) -> None:
        self.refs[(ref.job, ref.booking_uid)] = ref

    def delete(self, ref: ProviderRef) -> None:
        held = self.refs.get((ref.job, ref.booking_uid))
        if held is not None and held.external_id == ref.external_id:
            del self.refs[(ref.job, ref.booking_uid)]

    def reserve(self, ref: ProviderRef, now: datetime) -> bool:
        held = self.refs.get((ref.job, ref.booking_uid))
        if held is not None and held.keep_until >= now:
            return False
        self.put(ref)
        return True


@dataclass
class FakeCurrentBookings:
    """Bookings as they are now; `after_reads` changes them mid-job (a concurrent write).

    Versioned as PynamoDB's VersionAttribute does (None, then 1, 2, ...): `now` stores a
    booking as written once more; `save_video` writes only over the version it was read
    at, and says whether it did."""

    bookings: dict[str, Booking] = field(default_factory=dict)
    reads: int = 0
    after_reads: dict[int, Booking] = field(default_factory=dict)
    saved: list[Booking] = field(default_factory=list)     # each save_video that landed
    refused: int = 0                                       # stale save_video calls

    def now(self, booking: Booking) -> Booking:
        """The booking as stored from now on (written by someone else: the API)."""
        stored = self.bookings.get(booking.uid)
        version = (stored.version or 0) + 1 if stored is not None else 1
        self.bookings[booking.uid] = replace(booking, version=version)
        return self.bookings[booking.uid]

    def get(self, uid: str) -> Booking | None:
        self.reads += 1
        if self.reads in self.after_reads:
            self.now(self.after_reads.pop(self.reads))
        return self.bookings.get(uid)

    def save(self, booking: Booking) -> bool:
        return self.save_video(booking)

    def for_host(self, host_id: str, *, after: datetime | None = None,
                 before: datetime | None = None, newest_first: bool = False,
                 limit: int = 50) -> list[Booking]:
        found = sorted((b for b in self.bookings.values() if b.host_id == host_id
                        and (after is None or b.start >= after)
                        and (before is None or b.start < before)),
                       key=lambda b: b.start, reverse=newest_first)
        return found[:limit]

    def save_video(self, booking: Booking) -> bool:
        stored = self.bookings.get(booking.uid)
        if (None if stored is None else stored.version) != booking.version:
            self.refused += 1
            return False
        self.bookings[booking.uid] = replace(booking, version=(booking.version or 0) + 1)
        self.saved.append(self.bookings[booking.uid])
        return True
