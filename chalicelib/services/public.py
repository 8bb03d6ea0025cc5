"""What a visitor sees: a host's public profile, an event type, its free slots.

A slots request costs two DynamoDB reads: the host's public config by slug (GSI1),
then the ledger days around the window (one Query). The host's other calendars are
asked for their busy time too (through a port; nothing is connected today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import local_instant
from chalicelib.domain.bookings import busy_from_ledger
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import HostConfig, validate_timezone
from chalicelib.domain.reservations import bookable_event_type
from chalicelib.domain.slots import SlotQuery, blocked_range, calendar_busy, free_slots
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.ports import Bookings, Clock, ExternalBusy, Hosts

MAX_WINDOW_DAYS = 62
# Ledger days are UTC days; a host-local day (daily limit) or a buffer can reach into
# the neighbouring UTC days, so the read is widened by this much on each side.
LEDGER_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class SlotsResult:
    event_type: EventType
    time_zone: str
    slots: dict[date, list[datetime]]


def local_window(first: date, last: date, zone: str) -> TimeRange:
    """From the first local midnight to the one after `last` (a skipped midnight: the jump)."""
    tz = ZoneInfo(zone)
    return TimeRange(local_instant(first, time(), tz), local_instant(last, None, tz))


@dataclass(frozen=True)
class PublicService:
    hosts: Hosts
    bookings: Bookings
    clock: Clock
    calendars: ExternalBusy

    def profile(self, host_slug: str) -> HostConfig:
        return self.hosts.public_config(host_slug)

    def event(self, host_slug: str, event_slug: str) -> tuple[HostConfig, EventType]:
        config = self.hosts.public_config(host_slug)
        return config, bookable_event_type(config.event_types, event_slug)

    def slots(self, host_slug: str, event_slug: str, first: date, last: date,
              zone: str | None = None) -> SlotsResult:
        """Slots by the visitor's dates in `zone`; without one, in the host's zone."""
        if zone is not None:
            validate_timezone(zone, "timeZone")
        if last < first:
            raise ValidationError("end must not be before start", "end")
        if (last - first).days >= MAX_WINDOW_DAYS:
            raise ValidationError(f"a window spans at most {MAX_WINDOW_DAYS} days", "end")
        config, et = self.event(host_slug, event_slug)
        host_id, rules = config.profile.host_id, et.slot_rules()
        zone = zone or config.profile.timezone
        window = local_window(first, last, zone)
        ledger = self.bookings.ledger(host_id, (window.start - LEDGER_MARGIN).date(),
                                      (window.end + LEDGER_MARGIN).date())
        # From the earliest to the latest blocked range of a slot starting in the window.
        reach = TimeRange(blocked_range(window.start, rules).start,
                          blocked_range(window.end, rules).end)
        now = self.clock.now()
        busy = [*busy_from_ledger(ledger, now),
                *calendar_busy(self.calendars.busy(host_id, reach))]
        query = SlotQuery(now=now, schedule=config.schedule, rules=rules, event_type_id=et.id,
                          busy=busy, window=window, booker_zone=zone)
        return SlotsResult(et, zone, free_slots(query))
