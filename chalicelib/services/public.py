"""What a visitor sees: a host's public profile, an event type, its free slots.

A slots request costs two DynamoDB reads: the host's public config by slug (GSI1),
then the ledger days around the window (one Query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import local_instant
from chalicelib.domain.bookings import busy_from_ledger
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import validate_timezone
from chalicelib.domain.slots import SlotQuery, free_slots
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.ports import Bookings, Clock, Hosts
from chalicelib.store.hosts import HostConfig

MAX_WINDOW_DAYS = 62
# Ledger days are UTC days; a host-local day (daily limit) or a buffer can reach into
# the neighbouring UTC days, so the read is widened by this much on each side.
LEDGER_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class SlotsResult:
    event_type: EventType
    time_zone: str
    slots: dict[date, list[datetime]]


def find_event(config: HostConfig, event_slug: str) -> EventType:
    """Active event types are bookable by link; hidden ones are just not listed."""
    for et in config.event_types:
        if et.slug == event_slug and et.active:
            return et
    raise NotFoundError(f"event type '{event_slug}' not found")


def local_window(first: date, last: date, zone: str) -> TimeRange:
    """From the first local midnight to the one after `last` (a skipped midnight: the jump)."""
    tz = ZoneInfo(zone)
    return TimeRange(local_instant(first, time(), tz), local_instant(last, None, tz))


@dataclass(frozen=True)
class PublicService:
    hosts: Hosts
    bookings: Bookings
    clock: Clock

    def profile(self, host_slug: str) -> HostConfig:
        return self.hosts.public_config(host_slug)

    def event(self, host_slug: str, event_slug: str) -> tuple[HostConfig, EventType]:
        config = self.hosts.public_config(host_slug)
        return config, find_event(config, event_slug)

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
        zone = zone or config.profile.timezone
        window = local_window(first, last, zone)
        ledger = self.bookings.ledger(config.profile.host_id,
                                      (window.start - LEDGER_MARGIN).date(),
                                      (window.end + LEDGER_MARGIN).date())
        now = self.clock.now()
        query = SlotQuery(now=now, schedule=config.schedule, rules=et.slot_rules(),
                          event_type_id=et.id, busy=busy_from_ledger(ledger, now),
                          window=window, booker_zone=zone)
        return SlotsResult(et, zone, free_slots(query))
