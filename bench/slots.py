"""Benchmark: a month of 30-minute slots for a busy New York host, listed for a Kolkata booker.

Run as ``python bench/slots.py``; prints ``slots.median_ms``, ``slots.p95_ms`` and
``slots.count``. The data is fixed (random.Random(42)) so runs compare like with like.
"""

from __future__ import annotations

import random
import statistics
import sys
import timeit
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.domain.availability import LocalRange, Schedule
from chalicelib.domain.slots import Busy, SlotQuery, SlotRules, free_slots
from chalicelib.domain.timerange import TimeRange

RUNS = 200
WARM_UP = 20


def build_query() -> SlotQuery:
    workday = (LocalRange.parse("09:00", "12:00"), LocalRange.parse("13:00", "17:30"))
    schedule = Schedule(
        timezone="America/New_York",
        weekly={weekday: workday for weekday in range(5)},
        overrides={
            date(2026, 3, 11): (),                                    # a day off
            date(2026, 3, 14): (LocalRange.parse("10:00", "14:00"),),  # an extra Saturday
            date(2026, 3, 20): (LocalRange.parse("09:00", "12:00"),),  # a short Friday
        },
    )
    window = TimeRange(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    rng = random.Random(42)
    busy: list[Busy] = []
    for index in range(300):
        start = window.start + timedelta(minutes=15 * rng.randrange(30 * 24 * 4))
        meeting = TimeRange(start, start + timedelta(minutes=rng.choice((15, 30, 45, 60, 90))))
        pad = timedelta(minutes=rng.choice((0, 5, 10, 15)))
        blocked = TimeRange(meeting.start - pad, meeting.end + pad)
        busy.append(Busy(meeting, blocked, "intro" if index % 3 == 0 else None))
    rules = SlotRules(duration=timedelta(minutes=30), interval=timedelta(minutes=15),
                      buffer_before=timedelta(minutes=5), buffer_after=timedelta(minutes=10),
                      minimum_notice=timedelta(hours=4), daily_limit=8)
    return SlotQuery(now=datetime(2026, 3, 1, 12, tzinfo=UTC), schedule=schedule, rules=rules,
                     event_type_id="intro", busy=busy, window=window, booker_zone="Asia/Kolkata")


def main() -> None:
    query = build_query()
    for _ in range(WARM_UP):
        free_slots(query)
    timings = timeit.repeat(lambda: free_slots(query), number=1, repeat=RUNS)
    count = sum(len(starts) for starts in free_slots(query).values())
    print(f"slots.median_ms: {statistics.median(timings) * 1000:.2f}")
    print(f"slots.p95_ms: {statistics.quantiles(timings, n=20)[-1] * 1000:.2f}")
    print(f"slots.count: {count}")


if __name__ == "__main__":
    main()
