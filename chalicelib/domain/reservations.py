"""A claim on the host's calendar: what may be booked, and what a write of it relies on.

Rule of thumb: a booking, a move and a cancel are the same write (the booking plus the
ledger days it touches, each at the version read); these are its pure parts. The loop
that reads, checks, commits and retries is services/reservations.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import Schedule, local_instant
from chalicelib.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    LedgerDay,
    LedgerEntry,
    busy_from_ledger,
    utc_days,
)
from chalicelib.domain.calendar_cache import CalendarSetup
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.event_types import EventType
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.refusals import check_slot
from chalicelib.domain.slots import SlotQuery, SlotRules, calendar_busy
from chalicelib.domain.timerange import TimeRange


def bookable_event_type(event_types: Iterable[EventType], slug: str) -> EventType:
    """The event type a booking link names: active ones are bookable by link (hidden ones
    are just not listed)."""
    for et in event_types:
        if et.slug == slug and et.active:
            return et
    raise NotFoundError(f"event type '{slug}' not found")


def event_type_of(booking: Booking, event_types: Iterable[EventType]) -> EventType | None:
    """The booking's event type, while it still takes bookings (a move needs it)."""
    return next((e for e in event_types if e.id == booking.event_type_id and e.active), None)


def move_rules(booking: Booking, et: EventType) -> SlotRules:
    """The rules a move of ``booking`` is checked under: the event type's as they are now
    (hours, grid, notice, window, limit), at the length and buffers the booking was made
    with, which it keeps; a host who edited the event type since changes new bookings."""
    return replace(et.slot_rules(), duration=booking.end - booking.start,
                   buffer_before=booking.buffer_before, buffer_after=booking.buffer_after)


@dataclass(frozen=True)
class Claim:
    """One attempt's claim: ``booking`` (as it will be written) at its time, under ``rules``
    within ``schedule``; a move also gives up ``releasing``, the old blocked range."""

    booking: Booking
    schedule: Schedule
    rules: SlotRules
    releasing: TimeRange | None = None
    calendars: CalendarSetup = field(default_factory=CalendarSetup)  # asked afresh
    # A move's own event in the host's calendar (the calendar job wrote it there), which
    # must not refuse the move; only it, not its time (domain/own_event.py).
    own_event: OwnEvent | None = None

    def __post_init__(self) -> None:
        b, rules = self.booking, self.rules
        if (b.end - b.start, b.buffer_before, b.buffer_after) != (
                rules.duration, rules.buffer_before, rules.buffer_after):
            # Checked at one shape and written at another would block what was not checked.
            raise ValueError("a claim's booking and rules disagree on its length or buffers")

    def ledger_days(self) -> list[date]:
        """UTC days the write depends on: those the blocked range touches, those a move
        leaves, and with a daily limit those of the host's local day of the start (the
        limit counts that whole day). Each day read but not rewritten is checked in the
        write (2 write units): an event type without a limit checks none it need not."""
        relied = [self.booking.blocked]
        if self.rules.daily_limit is not None:
            tz = ZoneInfo(self.schedule.timezone)
            local_day = self.booking.start.astimezone(tz).date()
            relied.append(TimeRange(local_instant(local_day, time(), tz),
                                    local_instant(local_day, None, tz)))
        releasing = [] if self.releasing is None else [self.releasing]
        return utc_days([*relied, *releasing])

    def check(self, ledger: Sequence[LedgerDay], now: datetime,
              elsewhere: Iterable[TimeRange]) -> None:
        """Raise the slot refusal unless the time is free of other bookings (the booking's
        own old time does not count) and of ``elsewhere``, the host's other calendars."""
        booking = self.booking
        busy = [*busy_from_ledger(ledger, now, ignore_uid=booking.uid), *calendar_busy(elsewhere)]
        query = SlotQuery(now, self.schedule, self.rules, booking.event_type_id, busy,
                          booking.meeting, booking.attendee.timezone)
        check_slot(query, booking.start)


def ledger_changes(ledger: Sequence[LedgerDay], booking: Booking, now: datetime
                   ) -> tuple[list[LedgerDay], list[LedgerDay]]:
    """The days a write of ``booking`` rewrites, and those it only relies on (checked).

    While the booking holds its time its entry is on every UTC day its blocked range
    touches; any other day that has it (a move's old days, a cancel's) is rewritten without.
    """
    touched = set(utc_days([booking.blocked])) if booking.is_active(now) else set()
    entry = LedgerEntry.of(booking)
    changed: list[LedgerDay] = []
    checked: list[LedgerDay] = []
    for day in ledger:
        if day.day in touched:
            changed.append(day.with_entry(entry, now))
        elif any(e.booking_uid == booking.uid for e in day.entries):
            changed.append(day.without(booking.uid, now))
        else:
            checked.append(day)
    return changed, checked


@dataclass(frozen=True)
class NewBooking:
    """What a booker asks for: one of the host's event types at ``start``."""

    host_id: str
    schedule: Schedule
    event_type: EventType
    start: datetime
    attendee: Attendee
    answers: Mapping[str, str]
    calendars: CalendarSetup = field(default_factory=CalendarSetup)
    premium: bool = False  # the host's plan (HostConfig.premium), kept on the booking
    keeps_notes: bool = False  # the host has a notes destination (HostConfig.notes)

    def claim(self, uid: str, now: datetime, status: BookingStatus,
              hold_until: datetime | None = None) -> Claim:
        """The booking as ``uid``, made at ``now`` with ``status`` (a pending payment holds
        its time until ``hold_until``), claiming its time under the event type's rules."""
        et, rules = self.event_type, self.event_type.slot_rules()
        start = self.start.astimezone(UTC)
        booking = Booking(
            uid=uid, host_id=self.host_id, event_type_id=et.id, event_title=et.title,
            start=start, end=start + rules.duration, buffer_before=rules.buffer_before,
            buffer_after=rules.buffer_after, attendee=self.attendee, answers=dict(self.answers),
            status=status, created_at=now, location_kind=et.location_kind.value,
            location_details=et.location_details or "", phone=et.number_to_call(self.answers),
            hold_until=hold_until,
            price_minor=None if et.price is None else et.price.amount_minor,
            currency=None if et.price is None else et.price.currency,
            premium=self.premium, keeps_notes=self.keeps_notes,
        )
        return Claim(booking, self.schedule, rules, calendars=self.calendars)
