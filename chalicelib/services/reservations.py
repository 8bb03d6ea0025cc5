"""The one write path onto a host's calendar: read, check, commit, and retry on a race.

Booking, moving and cancelling all run here. An attempt reads the ledger days the write
relies on (with the idempotency record: one consistent BatchGet), asks the host's other
calendars what is busy, re-checks the time with the slot engine, and commits the booking
and those days in one TransactWriteItems conditioned on the versions read. If another
writer changed a day in between, DynamoDB cancels the whole transaction and the next
attempt starts from a fresh read: the time then still fits, or is refused as taken.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar

from chalicelib.domain.bookings import (
    Booking,
    BookingStatus,
    LedgerDay,
    busy_from_ledger,
    utc_days,
)
from chalicelib.domain.errors import (
    AttendeeQuotaError,
    BookingContentionError,
    ConcurrentWriteError,
    IdempotencyKeyReusedError,
    IdempotentReplayError,
    NotFoundError,
    SlotTakenError,
    TooManyBookingsError,
)
from chalicelib.domain.reservations import Claim, NewBooking, ledger_changes
from chalicelib.services.ports import (
    AttendeeQuota,
    Bookings,
    BookingWrite,
    Clock,
    ExternalBusy,
    Hosts,
    IdempotencyRecord,
)

T = TypeVar("T")


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    replayed: bool  # an earlier request with the same Idempotency-Key made it


@dataclass(frozen=True)
class Idempotency:
    """A request's Idempotency-Key (scoped to host and event type) and its fingerprint."""

    key: str
    fingerprint: str


@dataclass(frozen=True)
class Reservations:
    bookings: Bookings
    calendars: ExternalBusy
    clock: Clock
    attempts: int = 6
    bookings_per_attendee_per_day: int = 5
    # The hosts' calendar setups, for a late payment's re-check of the host's calendars
    # (`settle`, `free_for`); None: no calendar is asked then (a worker only lets holds go).
    hosts: Hosts | None = None

    def reserve(self, new: NewBooking, status: BookingStatus, hold_for: timedelta | None = None,
                idempotency: Idempotency | None = None) -> BookingResult:
        """A new booking, written as ``status``; a pending payment holds its time for
        ``hold_for``, or until its start if that comes first (a payment after the start
        is refunded, never confirmed). It counts against the attendee's daily allowance,
        and a request that repeats an Idempotency-Key gets the booking the first one made."""

        def attempt(now: datetime) -> BookingResult | None:
            hold_until = None if hold_for is None else min(now + hold_for, new.start)
            claim = new.claim(secrets.token_hex(10), now, status, hold_until)
            return self._claim(claim, now, idempotency, is_new=True)

        return self._retry(attempt)

    def replay(self, idempotency: Idempotency) -> BookingResult | None:
        """The booking a request under this key made, as its retry gets it back (one
        consistent GetItem); None if it made none."""
        record = self.bookings.idempotency(idempotency.key)
        return None if record is None else self._replay(record, idempotency, self.clock.now())

    def move(self, moved: Callable[[datetime], Claim]) -> Booking:
        """The booking ``moved(now)`` claims at its new time: the old time is released and
        the new one reserved in the same write."""
        return self._retry(lambda now: self._claim(moved(now), now, None, is_new=False)).booking

    def release(self, released: Callable[[datetime], Booking]) -> Booking:
        """The booking ``released(now)`` (cancelled), its entry taken off the ledger."""

        def attempt(now: datetime) -> Booking | None:
            booking = released(now)
            ledger, _ = self.bookings.ledger_for_write(booking.host_id,
                                                       utc_days([booking.blocked]), None)
            changed, checked = ledger_changes(ledger, booking, now)
            return booking if self._committed(BookingWrite(booking, False, changed, checked),
                                              now) else None

        return self._retry(attempt)

    def settle(self, settled: Callable[[datetime], Booking]) -> Booking:
        """The booking ``settled(now)`` (paid, or its hold lapsed) written with its ledger
        days. A booking that holds time again after its hold lapsed (a late payment) takes
        it back only if no other booking took it meanwhile, and the host's calendars are
        not busy then (asked afresh, as a new booking asks them: the time was offered to
        everyone, the host included): SlotTakenError otherwise; a calendar that cannot be
        asked is CalendarUnavailableError, for a retry. The event type's rules (notice,
        window, daily limit) are not asked again: the client chose the time under them,
        and paid for it."""

        def attempt(now: datetime) -> Booking | None:
            booking = settled(now)
            ledger, _ = self.bookings.ledger_for_write(booking.host_id,
                                                       utc_days([booking.blocked]), None)
            if booking.is_active(now) and _taken(ledger, booking, now):
                raise SlotTakenError("someone else booked this time meanwhile")
            if booking.is_active(now) and not _held(ledger, booking, now) and \
                    self._calendar_busy(booking):
                raise SlotTakenError("the host's calendar holds this time now")
            changed, checked = ledger_changes(ledger, booking, now)
            return booking if self._committed(BookingWrite(booking, False, changed, checked),
                                              now) else None

        return self._retry(attempt)

    def let_go(self, held: Callable[[], Booking]) -> Booking:
        """A paid booking's hold let go because its checkout could not be opened (`held()`:
        the booking as it is now): expired, its time freed, and the attendee's count for
        it given back in the same write, since nothing was booked. Only a hold still
        waiting for its checkout is let go: a retry finds it expired already and gives
        nothing back twice (the write is at the booking's version, so two at once cannot
        both). A hold that lapsed unpaid, or a late payment refused for a taken time,
        keeps its count: it held the time (see docs/bookings.md)."""

        def attempt(now: datetime) -> Booking | None:
            current = held()
            if current.status is not BookingStatus.PENDING_PAYMENT or \
                    current.payment is not None:
                return current  # let go already, or its checkout opened meanwhile
            booking = current.expired()
            ledger, _ = self.bookings.ledger_for_write(booking.host_id,
                                                       utc_days([booking.blocked]), None)
            changed, checked = ledger_changes(ledger, booking, now)
            counted = self._quota(current, current.created_at).key  # the day it was made
            write = BookingWrite(booking, False, changed, checked, uncounted=counted)
            return booking if self._committed(write, now) else None

        return self._retry(attempt)

    def free_for(self, booking: Booking) -> bool:
        """Whether no other booking holds the booking's time now, nor the host's calendars
        (asked before a payment is taken for a lapsed hold; `settle` asks both again as it
        writes). CalendarUnavailableError when a calendar cannot be asked."""
        ledger, _ = self.bookings.ledger_for_write(booking.host_id,
                                                   utc_days([booking.blocked]), None)
        return not _taken(ledger, booking, self.clock.now()) and \
            not self._calendar_busy(booking)

    def _calendar_busy(self, booking: Booking) -> bool:
        """Whether the host's calendars, asked now, are busy in the booking's time (its
        buffers included, as for a new booking: calendar time is a meeting's)."""
        if self.hosts is None:
            return False
        setup = self.hosts.config(booking.host_id).calendars
        if not setup.conflicts:
            return False
        busy = self.calendars.busy(booking.host_id, setup, booking.blocked)
        return any(r.overlaps(booking.blocked) for r in busy)

    def _retry(self, attempt: Callable[[datetime], T | None]) -> T:
        """Run ``attempt`` until it is done; None means a rival write got in first."""
        for _ in range(self.attempts):
            done = attempt(self.clock.now())
            if done is not None:
                return done
        raise BookingContentionError("the host's calendar is busy right now; try again")

    def _claim(self, claim: Claim, now: datetime, idempotency: Idempotency | None,
               is_new: bool) -> BookingResult | None:
        """One attempt at a new or moved booking; None if a rival write got in first."""
        booking = claim.booking
        key = None if idempotency is None else idempotency.key
        ledger, record = self.bookings.ledger_for_write(booking.host_id, claim.ledger_days(),
                                                        key)
        if record is not None:
            return self._replay(record, idempotency, now)
        elsewhere = (self.calendars.busy(booking.host_id, claim.calendars, booking.blocked,
                                         claim.own_event)
                     if claim.calendars.conflicts else [])
        claim.check(ledger, now, elsewhere)
        quota = self._quota(booking, now)  # only a new booking counts
        changed, checked = ledger_changes(ledger, booking, now)
        write = BookingWrite(
            booking, is_new, changed, checked,
            None if idempotency is None else (idempotency.key, idempotency.fingerprint),
            quota if is_new else None)
        try:
            if not self._committed(write, now):
                return None
        except AttendeeQuotaError as exc:
            raise TooManyBookingsError(
                f"this e-mail address has made {quota.limit} "
                f"booking{'s' * (quota.limit != 1)} with this host "
                "today; try again tomorrow (UTC)", _seconds_to(quota.expires_at, now)) from exc
        except IdempotentReplayError:
            replay = self.bookings.idempotency(key) if key else None
            return None if replay is None else self._replay(replay, idempotency, now)
        return BookingResult(booking, replayed=False)

    def _committed(self, write: BookingWrite, now: datetime) -> bool:
        """False if a day or the booking changed since it was read (the caller retries)."""
        try:
            self.bookings.commit(write, now)
        except ConcurrentWriteError:
            return False
        return True

    def _quota(self, booking: Booking, now: datetime) -> AttendeeQuota:
        """Bookings per attendee e-mail per host per UTC day; the e-mail is kept hashed."""
        who = hashlib.sha256(booking.attendee.email.strip().lower().encode()).hexdigest()[:32]
        today = now.astimezone(UTC).date()
        tomorrow = datetime.combine(today + timedelta(days=1), time(), UTC)
        return AttendeeQuota(f"BOOKER#{booking.host_id}#{who}#{today.isoformat()}",
                             self.bookings_per_attendee_per_day, tomorrow)

    def _replay(self, record: IdempotencyRecord, idempotency: Idempotency | None,
                now: datetime) -> BookingResult:
        # A record is only ever read under a key, so `idempotency` is set here.
        if idempotency is None or record.fingerprint != idempotency.fingerprint:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was used for a different booking request")
        booking = self.bookings.get(record.booking_uid)
        if booking is None:
            raise NotFoundError("the booking for this Idempotency-Key no longer exists")
        # As it stands now, not as first answered: a hold that lapsed unpaid is expired
        # (its timer may not have run yet), so no checkout link is handed out to pay it.
        return BookingResult(booking.as_of(now), replayed=True)


def _taken(ledger: Sequence[LedgerDay], booking: Booking, now: datetime) -> bool:
    """Another booking on the ledger holds the booking's time. The slot engine's rule:
    buffers may overlap buffers, never a meeting."""
    return any(b.meeting.overlaps(booking.blocked) or b.blocked.overlaps(booking.meeting)
               for b in busy_from_ledger(ledger, now, ignore_uid=booking.uid))


def _held(ledger: Sequence[LedgerDay], booking: Booking, now: datetime) -> bool:
    """The booking's own entry on the ledger still holds its time (its hold has not
    lapsed): nobody else could have been offered it meanwhile."""
    return any(e.booking_uid == booking.uid and e.live(now)
               for day in ledger for e in day.entries)


def _seconds_to(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds()))
