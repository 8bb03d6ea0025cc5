"""What a visitor sees: a host's public profile, an event type, its free slots.

A slots request costs two DynamoDB reads: the host's public config by slug (GSI1, with
its calendars' sync states), then the ledger days around the window with the cached
busy days of the host's calendars beside them (one Query). No provider is asked while
the cached copies are fresh; a stale one is synced first (services/calendar_cache.py),
and one whose provider does not answer in time is used as it is, with `stale` set.
The booking page, which has read the config to render itself, passes it to `slots_for`:
its first month of slots costs the ledger read alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import local_instant
from chalicelib.domain.bookings import Booking, busy_from_ledger
from chalicelib.domain.calendar_cache import CalendarRef, SyncState, busy_ranges
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import HostConfig, validate_timezone
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.reservations import bookable_event_type, move_rules
from chalicelib.domain.slots import SlotQuery, blocked_range, calendar_busy, free_slots
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.ports import Bookings, Clock, Hosts, LedgerRead

MAX_WINDOW_DAYS = 62
# Ledger days are UTC days; a host-local day (daily limit) or a buffer can reach into
# the neighbouring UTC days, so the read is widened by this much on each side.
LEDGER_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class SlotsResult:
    event_type: EventType
    time_zone: str
    slots: dict[date, list[datetime]]
    stale: bool = False   # a calendar's cached copy could not be refreshed in time
    duration: timedelta | None = None   # a move's: the booking's own length

    @property
    def duration_minutes(self) -> int:
        if self.duration is None:
            return self.event_type.duration_minutes
        return int(self.duration.total_seconds() // 60)


class CalendarRefresh(Protocol):
    def refresh(self, host_id: str, states: Sequence[SyncState], window: TimeRange
                ) -> dict[CalendarRef, list[TimeRange]]: ...


def unread(state: SyncState, reach: TimeRange) -> list[TimeRange]:
    """The part of `reach` the calendar's copy never read: past what its last full
    listing covered, or all of it when it never had one."""
    covered = state.covered_until if state.synced_at is not None else None
    if covered is None:
        return [reach]
    return [TimeRange(max(covered, reach.start), reach.end)] if covered < reach.end else []


def local_window(first: date, last: date, zone: str) -> TimeRange:
    """From the first local midnight to the one after `last` (a skipped midnight: the jump)."""
    tz = ZoneInfo(zone)
    return TimeRange(local_instant(first, time(), tz), local_instant(last, None, tz))


def check_window(first: date, last: date, zone: str | None) -> None:
    """A visitor's window: a known zone, and at most MAX_WINDOW_DAYS dates in order."""
    if zone is not None:
        validate_timezone(zone, "timeZone")
    if last < first:
        raise ValidationError("end must not be before start", "end")
    if (last - first).days >= MAX_WINDOW_DAYS:
        raise ValidationError(f"a window spans at most {MAX_WINDOW_DAYS} days", "end")


@dataclass(frozen=True)
class PublicService:
    hosts: Hosts
    bookings: Bookings
    clock: Clock
    calendars: CalendarRefresh | None = None   # None: no calendar provider is on

    def profile(self, host_slug: str) -> HostConfig:
        return self.hosts.public_config(host_slug)

    def event(self, host_slug: str, event_slug: str) -> tuple[HostConfig, EventType]:
        config = self.hosts.public_config(host_slug)
        return config, bookable_event_type(config.event_types, event_slug)

    def slots(self, host_slug: str, event_slug: str, first: date, last: date,
              zone: str | None = None) -> SlotsResult:
        """Slots by the visitor's dates in `zone`; without one, in the host's zone."""
        check_window(first, last, zone)   # before the config's read: a refusal reads nothing
        config, et = self.event(host_slug, event_slug)
        return self.slots_for(config, et, first, last, zone)

    def slots_for(self, config: HostConfig, et: EventType, first: date, last: date,
                  zone: str | None = None, moving: Booking | None = None) -> SlotsResult:
        """The same, for a host config and event type already read (the booking page has
        them): one ledger read, no second read of the config. The window is one
        `check_window` allows. For a move of `moving`, the times that move would be
        accepted at: at the booking's own length and buffers, its own time (and its own
        event in the host's calendar) counting as free."""
        host_id = config.profile.host_id
        rules = et.slot_rules() if moving is None else move_rules(moving, et)
        zone = zone or config.profile.timezone
        window = local_window(first, last, zone)
        read = self.bookings.ledger(host_id, (window.start - LEDGER_MARGIN).date(),
                                    (window.end + LEDGER_MARGIN).date())
        # From the earliest to the latest blocked range of a slot starting in the window.
        reach = TimeRange(blocked_range(window.start, rules).start,
                          blocked_range(window.end, rules).end)
        now = self.clock.now()
        setup = config.calendars
        # A move's own event in the host's calendar counts as free; only it, not its time.
        own = None if moving is None else OwnEvent.where(setup.destination, setup.refs,
                                                         moving.meeting)
        elsewhere, stale = self._calendars(config, read, reach, now, own)
        busy = [*busy_from_ledger(read.days, now, ignore_uid=moving.uid if moving else None),
                *calendar_busy(elsewhere)]
        query = SlotQuery(now=now, schedule=config.schedule, rules=rules, event_type_id=et.id,
                          busy=busy, window=window, booker_zone=zone)
        return SlotsResult(et, zone, free_slots(query), stale,
                           None if moving is None else rules.duration)

    def _calendars(self, config: HostConfig, read: LedgerRead, reach: TimeRange,
                   now: datetime, own: OwnEvent | None) -> tuple[list[TimeRange], bool]:
        """The host's calendars' busy time over `reach`, less a move's `own` event: the
        cached copies, after syncing those that are not fresh; and whether one of those
        could not be synced."""
        states = config.calendars.conflicts
        # The host's own zone: a copy placed by another (they changed it) is read again.
        due = [s for s in states if not s.fresh_for(reach, now, config.profile.timezone)]
        # A sync's busy time comes clipped to what it read: the own event read whole.
        read_reach = reach if own is None else own.read_window(reach)
        synced = ({} if not due or self.calendars is None
                  else self.calendars.refresh(config.profile.host_id, due, read_reach))
        busy: list[TimeRange] = []
        for state in states:
            fresh = synced.get(state.ref)
            if fresh is not None:
                busy += fresh if own is None else own.less_from_ranges(state.ref, fresh, read_reach)
                continue
            days = read.calendars.get(state.ref.key, [])
            busy += busy_ranges(days if own is None else own.less_from_days(state.ref, days),
                                reach)
            if state in due:
                # Not synced now: past what its last full listing reached (or all of
                # it, never read) the copy knows nothing, and unknown is never free.
                busy += unread(state, reach)
        return busy, any(s.ref not in synced for s in due)
