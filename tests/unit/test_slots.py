"""The slot engine: working hours minus busy time, under an event type's rules."""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.availability import LocalRange, Schedule, available_ranges
from chalicelib.domain.errors import InvalidBookingWindowError
from chalicelib.domain.slots import (
    BookingDates,
    Busy,
    SlotQuery,
    SlotRules,
    blocked_range,
    conflicts,
    free_slots,
    is_bookable,
)
from chalicelib.domain.timerange import TimeRange

NINE_TO_FIVE = (LocalRange.parse("09:00", "17:00"),)
EVERY_DAY = {weekday: NINE_TO_FIVE for weekday in range(7)}
HOUR = timedelta(minutes=60)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def r(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


def rules(minutes: int = 60, interval: int | None = None, **extra: object) -> SlotRules:
    kwargs = {key: timedelta(minutes=value) if isinstance(value, int) and key.startswith(
        ("buffer", "minimum")) else value for key, value in extra.items()}
    return SlotRules(timedelta(minutes=minutes), timedelta(minutes=interval or minutes),
                     **kwargs)  # type: ignore[arg-type]


def booking(start: str, end: str, before: int = 0, after: int = 0,
            event_type_id: str | None = "intro") -> Busy:
    meeting = r(start, end)
    blocked = TimeRange(meeting.start - timedelta(minutes=before),
                        meeting.end + timedelta(minutes=after))
    return Busy(meeting, blocked, event_type_id)


def make_query(*, window: tuple[str, str] = ("2026-03-02T00:00:00-05:00",
                                             "2026-03-03T00:00:00-05:00"),
               now: str = "2026-02-01T00:00:00+00:00", zone: str = "America/New_York",
               weekly: Mapping[int, tuple[LocalRange, ...]] | None = None,
               overrides: Mapping[date, tuple[LocalRange, ...]] | None = None,
               slot_rules: SlotRules | None = None, busy: list[Busy] | None = None,
               booker_zone: str | None = None) -> SlotQuery:
    return SlotQuery(
        now=at(now),
        schedule=Schedule(zone, EVERY_DAY if weekly is None else weekly, overrides or {}),
        rules=slot_rules or rules(),
        event_type_id="intro",
        busy=busy or [],
        window=r(*window),
        booker_zone=booker_zone or zone,
    )


def starts(query: SlotQuery) -> list[str]:
    return [start.isoformat() for day in free_slots(query).values() for start in day]


def clock(query: SlotQuery) -> list[str]:
    return [start.strftime("%H:%M") for day in free_slots(query).values() for start in day]


def test_ordinary_day_offers_hourly_slots_from_opening_to_last_fitting_hour() -> None:
    assert clock(make_query()) == ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00",
                                   "15:00", "16:00"]


@pytest.mark.parametrize(("zone", "change_day", "first", "last"), [
    ("America/New_York", "2026-03-08", "2026-03-08T09:00:00-04:00", "2026-03-08T16:00:00-04:00"),
    ("America/New_York", "2026-11-01", "2026-11-01T09:00:00-05:00", "2026-11-01T16:00:00-05:00"),
    ("Europe/London", "2026-03-29", "2026-03-29T09:00:00+01:00", "2026-03-29T16:00:00+01:00"),
])
def test_slot_on_dst_change_day_keeps_wall_clock_hours(
        zone: str, change_day: str, first: str, last: str) -> None:
    day = date.fromisoformat(change_day)
    previous = (day - timedelta(days=1)).isoformat()
    query = make_query(zone=zone, window=(f"{previous}T00:00:00+00:00",
                                          f"{change_day}T23:00:00+00:00"))
    slots = free_slots(query)
    assert slots[day][0].isoformat() == first
    assert slots[day][-1].isoformat() == last
    before = slots[day - timedelta(days=1)]
    assert before[0].strftime("%H:%M") == "09:00" and len(before) == len(slots[day]) == 8
    assert before[0].utcoffset() != slots[day][0].utcoffset()


def test_hours_ending_in_the_spring_forward_gap_offer_no_slot_after_the_clock_passed_them(
) -> None:
    # GIVEN a New York host whose hours end at 02:30 on 2026-03-08, a time the clock skips
    # (02:00 EST -> 03:00 EDT): every Sunday, or that date alone; 30-minute slots
    hours = (LocalRange.parse("00:00", "02:30"),)
    window = ("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00")
    weekly = make_query(window=window, slot_rules=rules(30), weekly={6: hours})
    override = make_query(window=window, slot_rules=rules(30), weekly={},
                          overrides={date(2026, 3, 8): hours})
    for query in (weekly, override):
        # THEN the last slot is the one that ends at the jump, never 03:00-03:30 EDT
        assert starts(query) == ["2026-03-08T00:00:00-05:00", "2026-03-08T00:30:00-05:00",
                                 "2026-03-08T01:00:00-05:00", "2026-03-08T01:30:00-05:00"]


@pytest.mark.parametrize(("booker_zone", "first"), [
    ("Asia/Kolkata", "2026-11-02T19:30:00+05:30"),
    ("Asia/Kathmandu", "2026-11-02T19:45:00+05:45"),
    ("Australia/Lord_Howe", "2026-11-03T01:00:00+11:00"),
])
def test_bookers_in_other_zones_see_the_same_instants_on_their_own_dates(
        booker_zone: str, first: str) -> None:
    # GIVEN a New York host's 09:00 slot (14:00 UTC in November)
    host = make_query(window=("2026-11-02T00:00:00-05:00", "2026-11-03T00:00:00-05:00"))
    booker = make_query(window=("2026-11-02T00:00:00-05:00", "2026-11-03T00:00:00-05:00"),
                        booker_zone=booker_zone)
    host_slots, booker_slots = free_slots(host), free_slots(booker)
    # THEN the booker sees it at their local wall-clock time, under their local date
    assert starts(booker)[0] == first
    assert next(iter(booker_slots)) == at(first).date()
    assert all(s.date() == day for day, group in booker_slots.items() for s in group)
    assert [s.timestamp() for day in booker_slots.values() for s in day] == [
        s.timestamp() for day in host_slots.values() for s in day]
    assert all(str(s.tzinfo) == booker_zone for day in booker_slots.values() for s in day)


def test_far_east_booker_sees_one_host_day_split_across_two_local_dates() -> None:
    # 09:00 EDT is 23:30 on Lord Howe (+10:30 in June); 10:00 EDT is already the next day there.
    query = make_query(window=("2026-06-15T00:00:00-04:00", "2026-06-16T00:00:00-04:00"),
                       booker_zone="Australia/Lord_Howe")
    slots = free_slots(query)
    assert [s.isoformat() for s in slots[date(2026, 6, 15)]] == ["2026-06-15T23:30:00+10:30"]
    assert slots[date(2026, 6, 16)][0].isoformat() == "2026-06-16T00:30:00+10:30"
    assert len(slots[date(2026, 6, 16)]) == 7


def test_lord_howe_half_hour_dst_change_shifts_the_booker_clock_by_thirty_minutes() -> None:
    # Lord Howe moves from +10:30 to +11:00 at 2026-10-03T15:30Z; the host's hours do not move.
    query = make_query(window=("2026-10-03T10:00:00-04:00", "2026-10-03T13:00:00-04:00"),
                       booker_zone="Australia/Lord_Howe")
    assert starts(query) == ["2026-10-04T00:30:00+10:30", "2026-10-04T01:30:00+10:30",
                             "2026-10-04T03:00:00+11:00"]


ALL_DAY = {weekday: (LocalRange.parse("00:00", "24:00"),) for weekday in range(7)}


@pytest.mark.parametrize(("window", "expected"), [
    # Spring forward at 02:00 (+10:30) to 02:30 (+11): the hour from 01:00 ends at 02:30.
    (("2026-10-04T00:00:00+10:30", "2026-10-05T00:00:00+11:00"),
     ["00:00", "01:00", *(f"{h:02d}:00" for h in range(3, 24))]),
    # Back at 02:00 (+11) to 01:30 (+10:30): 01:30-02:00 comes twice, neither on the hour.
    (("2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:30"),
     [f"{h:02d}:00" for h in range(24)]),
])
def test_hourly_slots_stay_on_the_hour_after_lord_howes_half_hour_change(
        window: tuple[str, str], expected: list[str]) -> None:
    # GIVEN a Lord Howe host available all day, hour-long slots every hour
    query = make_query(zone="Australia/Lord_Howe", weekly=ALL_DAY, window=window)
    # THEN the day of the change offers the hours the host's clock shows, not 02:30, 03:30...
    assert clock(query) == expected


def test_slots_across_a_clock_change_keep_the_hosts_clock_grid() -> None:
    # GIVEN a New York host available all day, 45-minute slots every 45 minutes (00:00,
    # 00:45, 01:30, 02:15, 03:00, ... on any day)
    grid = [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 24 * 60 - 44, 45)]
    spring = make_query(weekly=ALL_DAY, slot_rules=rules(45),
                        window=("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"))
    fall = make_query(weekly=ALL_DAY, slot_rules=rules(45),
                      window=("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"))
    # THEN spring forward skips 02:15 (the clock never shows it) and goes on at 03:00 EDT,
    # not 03:15; falling back, 01:30 is offered as each of the clock's two 01:30s and the
    # day goes on at 02:15 EST, not 01:15, 02:00...
    assert clock(spring) == [t for t in grid if t != "02:15"]
    assert starts(fall)[:5] == ["2026-11-01T00:00:00-04:00", "2026-11-01T00:45:00-04:00",
                                "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00",
                                "2026-11-01T02:15:00-05:00"]
    assert clock(fall) == ["00:00", "00:45", "01:30", *grid[2:]]


def test_override_adds_hours_on_a_day_without_weekly_hours() -> None:
    weekdays = {weekday: NINE_TO_FIVE for weekday in range(5)}
    saturday = date(2026, 3, 7)
    query = make_query(weekly=weekdays, window=("2026-03-07T00:00:00-05:00",
                                                "2026-03-09T00:00:00-05:00"),
                       overrides={saturday: (LocalRange.parse("10:00", "12:00"),)})
    assert starts(query) == ["2026-03-07T10:00:00-05:00", "2026-03-07T11:00:00-05:00"]


def test_empty_override_is_a_day_off_and_short_override_shortens_the_day() -> None:
    query = make_query(window=("2026-03-02T00:00:00-05:00", "2026-03-04T00:00:00-05:00"),
                       overrides={date(2026, 3, 2): (),
                                  date(2026, 3, 3): (LocalRange.parse("09:00", "11:00"),)})
    assert starts(query) == ["2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"]


def test_range_that_ends_before_the_duration_fits_yields_no_slot() -> None:
    query = make_query(weekly={0: (LocalRange.parse("09:00", "09:45"),)})
    assert free_slots(query) == {}


def test_interval_shorter_than_duration_offers_overlapping_candidates() -> None:
    query = make_query(weekly={0: (LocalRange.parse("09:00", "11:00"),)},
                       slot_rules=rules(60, interval=30))
    assert clock(query) == ["09:00", "09:30", "10:00"]


def test_interval_longer_than_duration_steps_past_free_time() -> None:
    query = make_query(weekly={0: (LocalRange.parse("09:00", "11:00"),)},
                       slot_rules=rules(30, interval=45))
    assert clock(query) == ["09:00", "09:45", "10:30"]


def test_slots_follow_the_grid_of_hours_that_began_before_the_window() -> None:
    query = make_query(window=("2026-03-02T10:10:00-05:00", "2026-03-02T12:00:00-05:00"),
                       slot_rules=rules(30))
    assert clock(query) == ["10:30", "11:00", "11:30"]


def test_only_starts_inside_the_window_are_returned() -> None:
    query = make_query(window=("2026-03-02T10:00:00-05:00", "2026-03-02T12:00:00-05:00"))
    assert clock(query) == ["10:00", "11:00"]


def test_run_across_midnight_fits_meetings_over_midnight_and_restarts_grid_at_midnight() -> None:
    weekly = {0: (LocalRange.parse("22:00", "24:00"),), 1: (LocalRange.parse("00:00", "02:00"),)}
    query = make_query(zone="UTC", weekly=weekly, slot_rules=rules(60, interval=45),
                       window=("2026-03-02T00:00:00+00:00", "2026-03-04T00:00:00+00:00"))
    assert starts(query) == ["2026-03-02T22:00:00+00:00", "2026-03-02T22:45:00+00:00",
                             "2026-03-02T23:30:00+00:00", "2026-03-03T00:00:00+00:00",
                             "2026-03-03T00:45:00+00:00"]


def test_meeting_starting_at_another_start_time_still_conflicts() -> None:
    # GIVEN a 10:00 meeting for 60 min; WHEN a 30-min event asks for 10:30; THEN it conflicts
    existing = booking("2026-03-02T10:00:00-05:00", "2026-03-02T11:00:00-05:00")
    assert conflicts(at("2026-03-02T10:30:00-05:00"), rules(30), existing)
    query = make_query(slot_rules=rules(30), busy=[existing])
    assert "10:30" not in clock(query) and "10:00" not in clock(query)
    assert "09:30" in clock(query) and "11:00" in clock(query)


def test_buffers_keep_candidates_off_meetings_but_may_overlap_each_other() -> None:
    # GIVEN 10:00-11:00 booked with 15-min buffers (blocked 09:45-11:15)
    existing = booking("2026-03-02T10:00:00-05:00", "2026-03-02T11:00:00-05:00", 15, 15)
    event = rules(30, interval=15, buffer_before=15, buffer_after=15)
    query = make_query(weekly={0: (LocalRange.parse("09:00", "12:00"),)}, slot_rules=event,
                       busy=[existing])
    # THEN 09:15 (its after-buffer 09:45-10:00 meets the other's before-buffer) stays free,
    # 09:30 (after-buffer hits the meeting) and 09:45 (meeting hits buffer and meeting) do not.
    assert clock(query) == ["09:00", "09:15", "11:15", "11:30"]
    assert not conflicts(at("2026-03-02T09:15:00-05:00"), event, existing)
    assert conflicts(at("2026-03-02T09:30:00-05:00"), event, existing)
    assert conflicts(at("2026-03-02T11:00:00-05:00"), event, existing)


def test_candidate_buffer_may_not_touch_a_calendar_event() -> None:
    # A calendar event has no buffers of its own; the candidate's after-buffer still counts.
    event = Busy(r("2026-03-02T10:00:00-05:00", "2026-03-02T11:00:00-05:00"),
                 r("2026-03-02T10:00:00-05:00", "2026-03-02T11:00:00-05:00"))
    with_after = rules(30, interval=15, buffer_after=15)
    assert conflicts(at("2026-03-02T09:30:00-05:00"), with_after, event)
    assert not conflicts(at("2026-03-02T09:15:00-05:00"), with_after, event)
    assert not conflicts(at("2026-03-02T11:00:00-05:00"), with_after, event)


def test_candidate_meeting_may_not_sit_in_another_bookings_buffer() -> None:
    existing = booking("2026-03-02T10:00:00-05:00", "2026-03-02T11:00:00-05:00", after=30)
    plain = rules(30)
    assert conflicts(at("2026-03-02T11:00:00-05:00"), plain, existing)
    assert not conflicts(at("2026-03-02T11:30:00-05:00"), plain, existing)
    # Its own 30-min before-buffer may lie on the other booking's after-buffer.
    assert not conflicts(at("2026-03-02T11:30:00-05:00"), rules(30, buffer_before=30), existing)


def test_buffers_may_reach_outside_working_hours() -> None:
    query = make_query(slot_rules=rules(60, buffer_before=30, buffer_after=30))
    assert clock(query)[0] == "09:00" and clock(query)[-1] == "16:00"


def test_blocked_range_extends_the_meeting_by_its_buffers() -> None:
    assert blocked_range(at("2026-03-02T10:00:00+00:00"),
                         rules(30, buffer_before=10, buffer_after=5)) == r(
        "2026-03-02T09:50:00+00:00", "2026-03-02T10:35:00+00:00")


def test_minimum_notice_hides_slots_too_soon_after_now() -> None:
    # now is 09:10 New York; two hours' notice leaves 11:30 as the first 30-min slot
    query = make_query(now="2026-03-02T09:10:00-05:00",
                       slot_rules=rules(30, minimum_notice=120))
    assert clock(query)[0] == "11:30"


def test_slots_in_the_past_are_never_returned() -> None:
    query = make_query(now="2026-03-02T13:00:00-05:00")
    assert clock(query)[0] == "13:00"


def test_booking_window_counts_host_local_days_from_today() -> None:
    # now is 22:00 on 2 March in New York (already 3 March in UTC): one day reaches 3 March.
    query = make_query(now="2026-03-03T03:00:00+00:00",
                       window=("2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-05:00"),
                       slot_rules=rules(booking_window_days=1))
    assert list(free_slots(query)) == [date(2026, 3, 3)]


def test_zero_day_booking_window_allows_only_today() -> None:
    query = make_query(now="2026-03-02T08:00:00-05:00",
                       window=("2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-05:00"),
                       slot_rules=rules(booking_window_days=0))
    assert list(free_slots(query)) == [date(2026, 3, 2)]


def test_a_date_range_window_offers_only_its_own_host_local_days() -> None:
    # A course from Tuesday 3 to Thursday 5 March, asked for the whole week.
    query = make_query(window=("2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-05:00"),
                       slot_rules=rules(booking_dates=BookingDates(date(2026, 3, 3),
                                                                   date(2026, 3, 5))))
    assert list(free_slots(query)) == [date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)]
    assert clock(query)[0] == "09:00" and clock(query)[-1] == "16:00"


def test_a_date_range_is_the_hosts_dates_whatever_zone_the_booker_sees() -> None:
    # Tokyo's 4 March 09:00 is 3 March 19:00 in New York: on the host's first day, shown
    # on the booker's 4th; the host's 4th (its last) ends at New York's midnight.
    query = make_query(window=("2026-03-01T00:00:00+09:00", "2026-03-08T00:00:00+09:00"),
                       weekly={day: (LocalRange.parse("00:00", "24:00"),) for day in range(7)},
                       slot_rules=rules(booking_dates=BookingDates(date(2026, 3, 3),
                                                                   date(2026, 3, 4))),
                       booker_zone="Asia/Tokyo")
    found = starts(query)
    assert found[0] == "2026-03-03T14:00:00+09:00"   # 3 March 00:00 in New York
    assert found[-1] == "2026-03-05T13:00:00+09:00"  # 4 March 23:00 in New York


def test_a_date_range_already_over_offers_nothing() -> None:
    query = make_query(now="2026-03-10T12:00:00-04:00",
                       window=("2026-03-02T00:00:00-05:00", "2026-03-31T00:00:00-04:00"),
                       slot_rules=rules(booking_dates=BookingDates(date(2026, 3, 3),
                                                                   date(2026, 3, 5))))
    assert free_slots(query) == {}


def test_a_date_range_of_one_day_across_the_spring_change_keeps_the_days_hours() -> None:
    # 8 March 2026: New York's clocks skip 02:00-03:00; the day is 23 hours long.
    query = make_query(window=("2026-03-01T00:00:00-05:00", "2026-03-15T00:00:00-04:00"),
                       slot_rules=rules(booking_dates=BookingDates(date(2026, 3, 8),
                                                                   date(2026, 3, 8))))
    assert list(free_slots(query)) == [date(2026, 3, 8)]
    assert clock(query) == [f"{h:02d}:00" for h in range(9, 17)]


def test_a_date_range_whose_end_comes_before_its_start_is_refused() -> None:
    with pytest.raises(InvalidBookingWindowError) as refused:
        BookingDates(date(2026, 3, 5), date(2026, 3, 3))
    assert refused.value.field == "booking_window_dates.end"
    assert "2026-03-03 is before 2026-03-05" in refused.value.message


def test_daily_limit_closes_a_day_counting_only_the_same_event_type() -> None:
    busy = [
        booking("2026-03-02T09:00:00-05:00", "2026-03-02T10:00:00-05:00"),
        booking("2026-03-02T20:00:00-05:00", "2026-03-02T21:00:00-05:00"),  # after hours
        booking("2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"),
        booking("2026-03-03T10:00:00-05:00", "2026-03-03T11:00:00-05:00", event_type_id="demo"),
        booking("2026-03-03T11:00:00-05:00", "2026-03-03T12:00:00-05:00", event_type_id=None),
    ]
    query = make_query(window=("2026-03-02T00:00:00-05:00", "2026-03-04T00:00:00-05:00"),
                       slot_rules=rules(daily_limit=2), busy=busy)
    assert list(free_slots(query)) == [date(2026, 3, 3)]
    assert clock(query) == ["12:00", "13:00", "14:00", "15:00", "16:00"]


def test_daily_limit_counts_by_host_local_date_not_utc_date() -> None:
    # 21:00 New York on 2 March is 02:00 UTC on 3 March; it counts for 2 March.
    busy = [booking("2026-03-03T02:00:00+00:00", "2026-03-03T03:00:00+00:00")]
    query = make_query(window=("2026-03-02T00:00:00-05:00", "2026-03-04T00:00:00-05:00"),
                       slot_rules=rules(daily_limit=1), busy=busy)
    assert list(free_slots(query)) == [date(2026, 3, 3)]


def test_free_slots_does_not_mutate_its_inputs() -> None:
    busy = [booking("2026-03-02T15:00:00-05:00", "2026-03-02T16:00:00-05:00"),
            booking("2026-03-02T10:00:00-05:00", "2026-03-02T11:00:00-05:00", 15, 15)]
    overrides = {date(2026, 3, 3): (LocalRange.parse("10:00", "12:00"),)}
    query = make_query(busy=busy, overrides=overrides, slot_rules=rules(daily_limit=5))
    snapshot = copy.deepcopy(query)
    free_slots(query)
    is_bookable(query, at("2026-03-02T12:00:00-05:00"))
    assert query == snapshot and busy == snapshot.busy
    assert busy[0].meeting.start == at("2026-03-02T15:00:00-05:00")


def test_is_bookable_agrees_with_free_slots_for_every_start_of_a_day() -> None:
    busy = [booking("2026-03-02T10:00:00-05:00", "2026-03-02T11:00:00-05:00", 15, 15),
            booking("2026-03-02T13:10:00-05:00", "2026-03-02T13:40:00-05:00"),
            booking("2026-03-02T15:00:00-05:00", "2026-03-02T16:00:00-05:00")]
    query = make_query(now="2026-03-02T09:20:00-05:00", busy=busy,
                       slot_rules=rules(30, interval=15, buffer_before=10, buffer_after=15,
                                        minimum_notice=10))
    offered = {s for day in free_slots(query).values() for s in day}
    assert offered
    moment = at("2026-03-02T00:00:00-05:00")
    while moment < at("2026-03-03T00:00:00-05:00"):
        assert is_bookable(query, moment) == (moment in offered), moment.isoformat()
        moment += timedelta(minutes=5)


def test_is_bookable_rejects_off_grid_and_naive_starts() -> None:
    query = make_query(slot_rules=rules(30))
    assert is_bookable(query, at("2026-03-02T09:30:00-05:00"))
    assert is_bookable(query, at("2026-03-02T14:30:00+00:00"))  # same instant, other offset
    assert not is_bookable(query, at("2026-03-02T09:07:00-05:00"))
    assert not is_bookable(query, at("2026-03-02T09:30:30-05:00"))
    assert not is_bookable(query, at("2026-03-02T09:30:00.000001-05:00"))
    assert not is_bookable(query, at("2026-03-02T09:30:00"))


def test_is_bookable_does_not_depend_on_the_listing_window() -> None:
    query = make_query(window=("2026-03-02T00:00:00-05:00", "2026-03-02T10:00:00-05:00"))
    assert is_bookable(query, at("2026-03-02T15:00:00-05:00"))
    assert is_bookable(query, at("2026-03-04T09:00:00-05:00"))


def test_slots_are_the_same_whatever_window_lists_them() -> None:
    weekly = {0: (LocalRange.parse("20:00", "24:00"),), 1: (LocalRange.parse("00:00", "03:00"),)}
    wide = make_query(zone="Asia/Kathmandu", weekly=weekly, slot_rules=rules(50, interval=35),
                      window=("2026-03-01T00:00:00+00:00", "2026-03-04T00:00:00+00:00"))
    all_starts = starts(wide)
    for start in all_starts:
        narrow = make_query(zone="Asia/Kathmandu", weekly=weekly,
                            slot_rules=rules(50, interval=35),
                            window=(start, (at(start) + timedelta(minutes=1)).isoformat()))
        assert starts(narrow) == [start]


@pytest.mark.parametrize("bad", [
    {"duration": timedelta(0), "interval": HOUR},
    {"duration": HOUR, "interval": timedelta(0)},
    {"duration": HOUR, "interval": HOUR, "buffer_before": timedelta(minutes=-5)},
    {"duration": HOUR, "interval": HOUR, "daily_limit": -1},
])
def test_slot_rules_reject_nonsense(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SlotRules(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(25))
def test_free_slots_matches_a_brute_force_check_of_every_candidate(seed: int) -> None:
    # GIVEN random hours, rules and busy time around New York's spring-forward day
    rng = random.Random(seed)
    weekly = {weekday: tuple(LocalRange.parse(f"{hour:02d}:00", f"{hour + length:02d}:30")
                             for hour, length in ((8, 2), (13, rng.choice((1, 3, 5)))))
              for weekday in range(7) if rng.random() < 0.8}
    slot_rules = rules(rng.choice((15, 30, 45, 60)), interval=rng.choice((10, 15, 30, 45)),
                       buffer_before=rng.choice((0, 5, 15)), buffer_after=rng.choice((0, 10)),
                       daily_limit=rng.choice((None, 1, 2)))
    base = at("2026-03-06T00:00:00+00:00")
    busy = []
    for _ in range(12):
        start = base + timedelta(minutes=5 * rng.randrange(4 * 24 * 12))
        busy.append(Busy(TimeRange(start, start + timedelta(minutes=rng.choice((20, 30, 60)))),
                         TimeRange(start - timedelta(minutes=rng.choice((0, 10))),
                                   start + timedelta(minutes=rng.choice((60, 75)))),
                         rng.choice(("intro", "demo", None))))
    query = make_query(now="2026-03-06T15:07:00+00:00", weekly=weekly, slot_rules=slot_rules,
                       busy=busy, window=("2026-03-06T00:00:00+00:00", "2026-03-10T00:00:00+00:00"))
    # WHEN every candidate of every merged range is checked one by one against every busy entry
    host = ZoneInfo("America/New_York")
    per_day = Counter(b.meeting.start.astimezone(host).date() for b in busy
                      if b.event_type_id == "intro")
    expected = []
    for hours in available_ranges(query.schedule, r("2026-03-05T00:00:00+00:00",
                                                    "2026-03-11T00:00:00+00:00")):
        start = hours.start
        while start + slot_rules.duration <= hours.end:
            if (query.window.start <= start < query.window.end and start >= query.now
                    and per_day[start.astimezone(host).date()] < (slot_rules.daily_limit or 99)
                    and not any(conflicts(start, slot_rules, b) for b in busy)):
                expected.append(start)
            start += slot_rules.interval
    # THEN the engine offers exactly those starts, and is_bookable agrees on each
    assert [s for day in free_slots(query).values() for s in day] == expected
    assert all(is_bookable(query, s) for s in expected)
