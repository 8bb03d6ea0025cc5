"""Booking a slot: re-check it with the slot engine, then one atomic write.

Two reads (public config by slug; the ledger days plus the idempotency record in one
consistent BatchGet) and one TransactWriteItems. If another booking changed the
ledger in between, the transaction is cancelled and the request re-reads and re-checks:
it then either fits (a different time on the same day) or gets 409 slot_taken.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import local_instant
from chalicelib.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    LedgerEntry,
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
    SlotUnavailableError,
    TooManyBookingsError,
    ValidationError,
)
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import validate_timezone
from chalicelib.domain.refusals import SlotRefusal, refusal
from chalicelib.domain.slots import SlotQuery, SlotRules
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.links import BookingLinks
from chalicelib.services.ports import Bookings, Clock, Hosts
from chalicelib.services.public import find_event
from chalicelib.store.bookings import AttendeeQuota, BookingWrite, IdempotencyRecord
from chalicelib.store.hosts import HostConfig


@dataclass(frozen=True)
class BookingRequest:
    start: datetime
    attendee: Attendee
    answers: Mapping[str, str | None]


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    replayed: bool


def ledger_days_for(config: HostConfig, meeting: TimeRange, blocked: TimeRange) -> list[date]:
    """UTC days the write depends on: those the blocked range touches, plus the host-local
    day of the start (the daily limit counts that whole day)."""
    tz = ZoneInfo(config.profile.timezone)
    local_day = meeting.start.astimezone(tz).date()
    host_day = TimeRange(local_instant(local_day, time(), tz), local_instant(local_day, None, tz))
    return utc_days([blocked, host_day])


def fingerprint(host_slug: str, event_slug: str, request: BookingRequest) -> str:
    canonical = json.dumps({
        "host": host_slug, "event": event_slug, "start": request.start.astimezone(UTC).isoformat(),
        "attendee": [request.attendee.name, request.attendee.email, request.attendee.timezone],
        "answers": dict(request.answers)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _seconds_to(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds()))


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440} day{'s' * (minutes != 1440)}"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' * (minutes != 60)}"
    return f"{minutes} minute{'s' * (minutes != 1)}"


def refusal_message(reason: SlotRefusal, rules: SlotRules) -> str:
    """What the booker reads when `reason` refuses their time."""
    match reason:
        case SlotRefusal.IN_THE_PAST:
            return "this time is in the past"
        case SlotRefusal.TOO_SOON:
            return (f"this time is too soon: this event must be booked at least "
                    f"{_minutes(rules.minimum_notice)} ahead")
        case SlotRefusal.BEYOND_WINDOW:
            return (f"this time is too far ahead: this event can be booked up to "
                    f"{rules.booking_window_days} days in advance")
        case SlotRefusal.OUTSIDE_HOURS:
            return "this time is outside the host's available hours"
        case SlotRefusal.OFF_GRID:
            return (f"this time is not one of the offered start times (every "
                    f"{_minutes(rules.interval)})")
        case SlotRefusal.DAILY_LIMIT:
            return "the host takes no more bookings of this event on that day"
    return "this time was just booked; pick another slot"


def check_slot(query: SlotQuery, start: datetime) -> None:
    """409 slot_taken if only other bookings stand in the way, 422 slot_unavailable (with
    the rule's `reason`) if the time is not offered at all."""
    reason = refusal(query, start)
    if reason is None:
        return
    if reason is SlotRefusal.TAKEN:
        raise SlotTakenError(refusal_message(reason, query.rules), "start")
    raise SlotUnavailableError(refusal_message(reason, query.rules), "start", reason.value)


@dataclass(frozen=True)
class BookingService:
    hosts: Hosts
    bookings: Bookings
    clock: Clock
    links: BookingLinks
    attempts: int = 6
    bookings_per_attendee_per_day: int = 5

    def book(self, host_slug: str, event_slug: str, request: BookingRequest,
             idempotency_key: str | None = None) -> BookingResult:
        config = self.hosts.public_config(host_slug)
        et = find_event(config, event_slug)
        validate_timezone(request.attendee.timezone, "attendee.timezone")
        answers = et.check_answers(request.answers)
        if not request.attendee.name.strip():
            raise ValidationError("name is required", "attendee.name")
        start = request.start.astimezone(UTC)
        rules = et.slot_rules()
        meeting = TimeRange(start, start + rules.duration)
        blocked = TimeRange(start - rules.buffer_before, meeting.end + rules.buffer_after)
        days = ledger_days_for(config, meeting, blocked)
        touched = set(utc_days([blocked]))  # the days the booking's entry is written to
        host_id = config.profile.host_id
        scope = None if idempotency_key is None else f"{host_id}#{et.id}#{idempotency_key}"
        request_print = fingerprint(host_slug, event_slug, request)
        for _ in range(self.attempts):
            now = self.clock.now()
            ledger, record = self.bookings.ledger_for_write(host_id, days, scope)
            if record is not None:
                return self._replay(record, request_print)
            quota = self._quota(host_id, request.attendee.email, now)
            query = SlotQuery(now, config.schedule, rules, et.id, busy_from_ledger(ledger, now),
                              TimeRange(start, meeting.end), request.attendee.timezone)
            check_slot(query, start)
            booking = self._new_booking(config, et, rules, request, answers, start, now)
            entry = LedgerEntry.of(booking)
            write = BookingWrite(
                booking=booking, is_new=True,
                changed_days=[d.with_entry(entry, now) for d in ledger if d.day in touched],
                checked_days=[d for d in ledger if d.day not in touched],
                idempotency=None if scope is None else (scope, request_print), quota=quota)
            try:
                self.bookings.commit(write, now)
            except ConcurrentWriteError:
                continue
            except AttendeeQuotaError as exc:
                raise TooManyBookingsError(
                    f"this e-mail address has made {quota.limit} "
                    f"booking{'s' * (quota.limit != 1)} with this host "
                    "today; try again tomorrow (UTC)", _seconds_to(quota.expires_at, now)) from exc
            except IdempotentReplayError:
                replay = self.bookings.idempotency(scope) if scope else None
                if replay is None:
                    continue
                return self._replay(replay, request_print)
            return BookingResult(booking, replayed=False)
        raise BookingContentionError("the host's calendar is busy right now; try again")

    def _quota(self, host_id: str, email: str, now: datetime) -> AttendeeQuota:
        """Bookings per attendee e-mail per host per UTC day; the e-mail is kept hashed."""
        who = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        today = now.astimezone(UTC).date()
        tomorrow = datetime.combine(today + timedelta(days=1), time(), UTC)
        return AttendeeQuota(f"BOOKER#{host_id}#{who}#{today.isoformat()}",
                             self.bookings_per_attendee_per_day, tomorrow)

    def _replay(self, record: IdempotencyRecord, request_print: str) -> BookingResult:
        if record.fingerprint != request_print:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was used for a different booking request")
        booking = self.bookings.get(record.booking_uid)
        if booking is None:
            raise NotFoundError("the booking for this Idempotency-Key no longer exists")
        return BookingResult(booking, replayed=True)

    def _new_booking(self, config: HostConfig, et: EventType, rules: SlotRules,
                     request: BookingRequest, answers: dict[str, str], start: datetime,
                     now: datetime) -> Booking:
        return Booking(
            uid=secrets.token_hex(10), host_id=config.profile.host_id, event_type_id=et.id,
            event_title=et.title, start=start, end=start + rules.duration,
            buffer_before=rules.buffer_before, buffer_after=rules.buffer_after,
            attendee=Attendee(request.attendee.name.strip(), request.attendee.email.strip(),
                              request.attendee.timezone),
            answers=answers, status=BookingStatus.CONFIRMED, created_at=now,
            location_kind=et.location_kind.value,
            price_minor=None if et.price is None else et.price.amount_minor,
            currency=None if et.price is None else et.price.currency,
        )
