"""Why a start time is not a slot: one reason, the first that applies, for the booker.

The slot engine answers yes or no; a refused booking deserves to know which rule said
no, in the order a person would check them (the clock, the notice, the window, the
hours, the grid, the daily limit, other bookings).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import available_ranges, local_instant
from chalicelib.domain.slots import SlotQuery, is_bookable
from chalicelib.domain.timerange import TimeRange


class SlotRefusal(StrEnum):
    IN_THE_PAST = "in_the_past"
    TOO_SOON = "too_soon"
    BEYOND_WINDOW = "beyond_booking_window"
    OUTSIDE_HOURS = "outside_hours"
    OFF_GRID = "not_on_slot_grid"
    DAILY_LIMIT = "daily_limit_reached"
    TAKEN = "taken"


def refusal(query: SlotQuery, start: datetime) -> SlotRefusal | None:
    """None if ``start`` is bookable under ``query``, else the first rule it breaks."""
    # In UTC: adding to a zoned datetime would be wall-clock arithmetic (DST).
    rules, now, start = query.rules, query.now.astimezone(UTC), start.astimezone(UTC)
    if start.second or start.microsecond:
        return SlotRefusal.OFF_GRID
    if start < now:
        return SlotRefusal.IN_THE_PAST
    if start < now + rules.minimum_notice:
        return SlotRefusal.TOO_SOON
    if rules.booking_window_days is not None:
        host = ZoneInfo(query.schedule.timezone)
        last = now.astimezone(host).date() + timedelta(days=rules.booking_window_days)
        if start >= local_instant(last, None, host):  # the midnight that ends `last`
            return SlotRefusal.BEYOND_WINDOW
    if is_bookable(query, start):
        return None
    unlimited = replace(query, rules=replace(rules, daily_limit=None))
    if not is_bookable(replace(unlimited, busy=()), start):
        meeting = TimeRange(start, start + rules.duration)
        within = any(run.start <= meeting.start and meeting.end <= run.end
                     for run in available_ranges(query.schedule, meeting))
        return SlotRefusal.OFF_GRID if within else SlotRefusal.OUTSIDE_HOURS
    # Offered by the rules: other bookings stand in the way, or the day's count is full.
    return SlotRefusal.DAILY_LIMIT if is_bookable(unlimited, start) else SlotRefusal.TAKEN
