"""The slot engine against its own refusals, by property (Hypothesis): for random hours,
overrides (24:00 ends, runs over midnight), rules and busy time, in zones picked for their
clock changes (Lord Howe's half hour, Santiago's skipped midnight, Chatham, Kathmandu,
St John's...) on dates around those changes, every slot offered is one the booking's
check accepts, inside the hours, clear of busy time, under the visitor's own date, once,
in order; and every bookable 5-minute instant is offered. Under them, each wall-clock time
of a day around every 2026 clock change in those zones becomes the first instant the host's
clock reads it or later (a skipped time: the jump).

Derandomized, so a run is the same on every machine; no deadline (a busy machine is slow,
never wrong).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.availability import (
    LocalRange,
    Schedule,
    available_ranges,
    local_instant,
)
from chalicelib.domain.refusals import refusal
from chalicelib.domain.slots import Busy, SlotQuery, SlotRules, conflicts, free_slots, is_bookable
from chalicelib.domain.timerange import TimeRange

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago",
         "Asia/Kathmandu", "Asia/Kolkata", "Africa/Cairo", "America/Havana", "Asia/Beirut",
         "Pacific/Chatham", "America/St_Johns", "Australia/Sydney", "UTC", "Pacific/Kiritimati",
         "Pacific/Niue", "Europe/Dublin", "Africa/Casablanca"]
CLOCKS = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)]
# Days around 2026's clock changes in those zones.
AROUND = [date(2026, 3, 7), date(2026, 3, 28), date(2026, 4, 3), date(2026, 9, 5),
          date(2026, 10, 3), date(2026, 10, 24), date(2026, 10, 31), date(2026, 4, 24),
          date(2026, 3, 20), date(2026, 4, 4), date(2026, 9, 26), date(2026, 11, 1),
          date(2026, 2, 14), date(2026, 3, 14), date(2026, 10, 30)]


@st.composite
def local_ranges(draw: st.DrawFn) -> tuple[LocalRange, ...]:
    n = draw(st.integers(0, 3))
    points = sorted(set(draw(st.lists(st.sampled_from([*CLOCKS, "24:00"]), min_size=2 * n,
                                      max_size=2 * n))))
    return tuple(LocalRange.parse(a, b) for a, b in zip(points[::2], points[1::2], strict=False)
                 if a != "24:00")


@st.composite
def queries(draw: st.DrawFn) -> SlotQuery:
    zone, booker = draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))
    weekly = {d: draw(local_ranges()) for d in range(7)}
    base = draw(st.sampled_from(AROUND))
    overrides = {base + timedelta(days=draw(st.integers(0, 3))): draw(local_ranges())
                 for _ in range(draw(st.integers(0, 2)))}
    duration = draw(st.sampled_from([15, 30, 45, 60, 90]))
    interval = draw(st.sampled_from([None, 15, 20, 30, 45, 60]))
    minutes = st.sampled_from
    rules = SlotRules(timedelta(minutes=duration), timedelta(minutes=interval or duration),
                      timedelta(minutes=draw(minutes([0, 10, 30]))),
                      timedelta(minutes=draw(minutes([0, 15, 60]))),
                      timedelta(minutes=draw(minutes([0, 90, 600]))),
                      draw(st.sampled_from([None, 1, 3])), draw(st.sampled_from([None, 1, 2])))
    start = datetime.combine(base - timedelta(days=1), datetime.min.time(), UTC)
    now = start + timedelta(minutes=draw(st.integers(-3000, 3000)))
    busy = []
    for _ in range(draw(st.integers(0, 4))):
        at = start + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 5)))
        meeting = TimeRange(at, at + timedelta(minutes=draw(minutes([15, 30, 60]))))
        blocked = TimeRange(meeting.start - timedelta(minutes=draw(minutes([0, 15]))),
                            meeting.end + timedelta(minutes=draw(minutes([0, 15]))))
        busy.append(Busy(meeting, blocked, draw(st.sampled_from(["e", "other"])),
                         draw(st.booleans())))
    window = TimeRange(start, start + timedelta(days=5))
    return SlotQuery(now, Schedule(zone, weekly, overrides), rules, "e", busy, window, booker)


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(queries())
def test_every_slot_offered_is_bookable_and_every_bookable_time_is_offered(
        q: SlotQuery) -> None:
    offered = free_slots(q)
    zone = ZoneInfo(q.booker_zone)
    hours = available_ranges(q.schedule, TimeRange(q.window.start - timedelta(days=2),
                                                   q.window.end + timedelta(days=2)))
    for day, starts in offered.items():
        for start in starts:
            assert start.astimezone(zone).date() == day
            assert refusal(q, start) is None, (start, refusal(q, start))
            utc = start.astimezone(UTC)
            assert any(h.contains(TimeRange(utc, utc + q.rules.duration)) for h in hours)
            assert not any(conflicts(start, q.rules, b) for b in q.busy), start
            assert q.window.start <= start < q.window.end
    stamps = [s.timestamp() for starts in offered.values() for s in starts]
    assert len(set(stamps)) == len(stamps) and stamps == sorted(stamps)
    seen, at = set(stamps), q.window.start
    while at < q.window.end:
        if is_bookable(q, at):
            assert at.timestamp() in seen, at
        at += timedelta(minutes=5)


def changes(zone: str) -> list[date]:
    """The dates in 2026 on which the zone's clocks change (noon to noon)."""
    tz, first = ZoneInfo(zone), date(2026, 1, 1)
    days = [first + timedelta(days=n) for n in range(366)]
    noon = [datetime.combine(d, time(12), tz).utcoffset() for d in days]
    return [d for d, before, after in zip(days[1:], noon, noon[1:], strict=False)
            if before != after]


def reading(instant: datetime, tz: ZoneInfo) -> datetime:
    """What the host's clock reads at the instant."""
    return instant.astimezone(tz).replace(tzinfo=None)


CHANGE_DAYS = [(z, d) for z in ZONES for d in changes(z)] + [
    ("Pacific/Apia", date(2011, 12, 30))]  # a whole day skipped


@pytest.mark.parametrize(("zone", "day"), CHANGE_DAYS, ids=str)
def test_a_wall_clock_time_becomes_the_first_instant_the_hosts_clock_reads_it(
        zone: str, day: date) -> None:
    # GIVEN every 5-minute clock time (and 24:00) of a day on which the clocks change, and
    # of the days either side (a change at midnight moves the day before's end)
    tz = ZoneInfo(zone)
    for on in (day - timedelta(days=1), day, day + timedelta(days=1)):
        for minutes in range(0, 24 * 60 + 1, 5):
            wanted = datetime.combine(on, time()) + timedelta(minutes=minutes)
            clock = None if minutes == 24 * 60 else wanted.time()
            # WHEN it is read as an instant, as hours' starts and ends are
            instant = local_instant(on, clock, tz)

            # THEN the clock reads that time (or, for one it skips, a later one) then, and
            # an earlier one a second before: hours never run past the time the host set,
            # nor start after the clock passed it
            assert reading(instant, tz) >= wanted, (on, clock, instant)
            assert reading(instant - timedelta(seconds=1), tz) < wanted, (on, clock, instant)
