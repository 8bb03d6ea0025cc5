"""Why a start time is not a slot: one reason, the first that applies, for the booker.

The slot engine answers yes or no; a refused booking deserves to know which rule said
no, in the order a person would check them (the clock, the notice, the window, the
hours, the grid, the daily limit, other bookings, the host's other calendars), and to
read it in words.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from chalicelib.domain.availability import available_ranges, local_instant
from chalicelib.domain.errors import SlotTakenError, SlotUnavailableError
from chalicelib.domain.slots import SlotQuery, SlotRules, day_at_limit, is_bookable
from chalicelib.domain.timerange import TimeRange


class SlotRefusal(StrEnum):
    IN_THE_PAST = "in_the_past"
    TOO_SOON = "too_soon"
    BEFORE_WINDOW = "before_booking_window"
    BEYOND_WINDOW = "beyond_booking_window"
    OUTSIDE_HOURS = "outside_hours"
    OFF_GRID = "not_on_slot_grid"
    CALENDAR_BUSY = "calendar_busy"
    DAILY_LIMIT = "daily_limit_reached"
    TAKEN = "taken"


def refusal(query: SlotQuery, start: datetime) -> SlotRefusal | None:
    """None if ``start`` is bookable under ``query``, else the first rule it breaks."""
    # In UTC: adding to a zoned datetime would be wall-clock arithmetic (DST).
    rules, now, start = query.rules, query.now.astimezone(UTC), start.astimezone(UTC)
    if start < now:
        return SlotRefusal.IN_THE_PAST
    if start < now + rules.minimum_notice:
        return SlotRefusal.TOO_SOON
    if rules.booking_window_days is not None:
        host = ZoneInfo(query.schedule.timezone)
        last = now.astimezone(host).date() + timedelta(days=rules.booking_window_days)
        if start >= local_instant(last, None, host):  # the midnight that ends `last`
            return SlotRefusal.BEYOND_WINDOW
    if rules.booking_dates is not None:
        host = ZoneInfo(query.schedule.timezone)
        if start < local_instant(rules.booking_dates.start, time(0), host):
            return SlotRefusal.BEFORE_WINDOW
        if start >= local_instant(rules.booking_dates.end, None, host):
            return SlotRefusal.BEYOND_WINDOW
    on_minute = not (start.second or start.microsecond)  # every grid is in whole minutes
    if on_minute and is_bookable(query, start):
        return None
    unlimited = replace(query, rules=replace(rules, daily_limit=None))
    if not on_minute or not is_bookable(replace(unlimited, busy=()), start):
        meeting = TimeRange(start, start + rules.duration)
        within = any(run.start <= meeting.start and meeting.end <= run.end
                     for run in available_ranges(query.schedule, meeting))
        return SlotRefusal.OFF_GRID if within else SlotRefusal.OUTSIDE_HOURS
    # Offered by the rules: the day's count, other bookings or the host's other calendars
    # stand in the way. The day's limit is said first, whatever else does; then other
    # bookings, when they alone do (once the calendar job has written a booking into the
    # host's calendar, its event there blocks the same time, and the truth for the next
    # booker is that the time was just taken); then the calendars.
    if day_at_limit(query, start):
        return SlotRefusal.DAILY_LIMIT
    bookings = [busy for busy in query.busy if not busy.external]
    if not is_bookable(replace(unlimited, busy=bookings), start):
        return SlotRefusal.TAKEN
    return SlotRefusal.CALENDAR_BUSY  # each busy range refuses on its own: the calendars'


def check_slot(query: SlotQuery, start: datetime) -> None:
    """Raise SlotTakenError if only other bookings stand in the way (409: pick another),
    SlotUnavailableError with the rule's reason if the time is not offered at all (422)."""
    reason = refusal(query, start)
    if reason is None:
        return
    if reason is SlotRefusal.TAKEN:
        raise SlotTakenError(refusal_message(reason, query.rules), "start")
    raise SlotUnavailableError(refusal_message(reason, query.rules), "start", reason.value)


def refusal_message(reason: SlotRefusal, rules: SlotRules) -> str:
    """What the booker reads when `reason` refuses their time."""
    match reason:
        case SlotRefusal.IN_THE_PAST:
            return "this time is in the past"
        case SlotRefusal.TOO_SOON:
            return (f"this time is too soon: this event must be booked at least "
                    f"{_minutes(rules.minimum_notice)} ahead")
        case SlotRefusal.BEFORE_WINDOW:
            return f"this time is too early: {_dates(rules)}"
        case SlotRefusal.BEYOND_WINDOW if rules.booking_window_days is None:
            return f"this time is too far ahead: {_dates(rules)}"
        case SlotRefusal.BEYOND_WINDOW:
            return (f"this time is too far ahead: this event can be booked up to "
                    f"{rules.booking_window_days} days in advance")
        case SlotRefusal.OUTSIDE_HOURS:
            return "this time is outside the host's available hours"
        case SlotRefusal.OFF_GRID:
            return (f"this time is not one of the offered start times (every "
                    f"{_minutes(rules.interval)})")
        case SlotRefusal.CALENDAR_BUSY:
            return "the host has another appointment at this time"
        case SlotRefusal.DAILY_LIMIT:
            return "the host takes no more bookings of this event on that day"
    return "this time was just booked; pick another slot"


def _dates(rules: SlotRules) -> str:
    dates = rules.booking_dates
    if dates is None:
        return "this event cannot be booked for that date"
    return (f"this event can be booked for dates from {dates.start.isoformat()} to "
            f"{dates.end.isoformat()} (the host's)")


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440} day{'s' * (minutes != 1440)}"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' * (minutes != 60)}"
    return f"{minutes} minute{'s' * (minutes != 1)}"
