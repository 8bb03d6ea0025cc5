"""Edge cases of the interval algebra and of Penny's error values.

``subtract`` walks two sorted lists at once; these pin the cases where a cut starts exactly
where a range starts, where several cuts lie before a range, and where every cut does.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.domain.errors import PennyError, SlotTakenError
from chalicelib.domain.timerange import TimeRange, intersect, subtract


def r(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


def test_a_cut_starting_where_the_range_starts_trims_its_head() -> None:
    assert subtract([r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00")],
                    [r("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00")]) == [
        r("2026-03-02T10:00:00+00:00", "2026-03-02T17:00:00+00:00")]


def test_cuts_that_all_end_before_a_range_leave_it_whole() -> None:
    late = r("2026-03-02T15:00:00+00:00", "2026-03-02T17:00:00+00:00")

    assert subtract([late], [r("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00"),
                             r("2026-03-02T11:00:00+00:00", "2026-03-02T12:00:00+00:00")]) == [
        late]


def test_cuts_passed_by_an_earlier_range_still_cut_a_later_one() -> None:
    ranges = [r("2026-03-02T08:00:00+00:00", "2026-03-02T09:00:00+00:00"),
              r("2026-03-02T13:00:00+00:00", "2026-03-02T17:00:00+00:00")]
    cuts = [r("2026-03-02T09:30:00+00:00", "2026-03-02T10:00:00+00:00"),
            r("2026-03-02T10:30:00+00:00", "2026-03-02T11:00:00+00:00"),
            r("2026-03-02T11:30:00+00:00", "2026-03-02T12:00:00+00:00"),
            r("2026-03-02T14:00:00+00:00", "2026-03-02T15:00:00+00:00")]

    assert subtract(ranges, cuts) == [
        r("2026-03-02T08:00:00+00:00", "2026-03-02T09:00:00+00:00"),
        r("2026-03-02T13:00:00+00:00", "2026-03-02T14:00:00+00:00"),
        r("2026-03-02T15:00:00+00:00", "2026-03-02T17:00:00+00:00")]


def test_an_error_reads_as_its_message_and_carries_its_field() -> None:
    error = SlotTakenError("this time was just booked", "start")

    assert (str(error), error.message, error.field) == ("this time was just booked",
                                                        "this time was just booked", "start")
    assert PennyError("something").field is None


def test_a_cut_ending_where_the_range_ends_trims_its_tail() -> None:
    assert subtract([r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00")],
                    [r("2026-03-02T16:00:00+00:00", "2026-03-02T17:00:00+00:00")]) == [
        r("2026-03-02T09:00:00+00:00", "2026-03-02T16:00:00+00:00")]


def test_intersect_keeps_every_piece_of_a_long_range_that_short_ones_cut() -> None:
    day = [r("2026-03-02T08:00:00+00:00", "2026-03-02T18:00:00+00:00")]
    pieces = [r("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00"),
              r("2026-03-02T11:00:00+00:00", "2026-03-02T12:00:00+00:00"),
              r("2026-03-02T13:00:00+00:00", "2026-03-02T14:00:00+00:00")]

    assert intersect(day, pieces) == pieces
    assert intersect(pieces, day) == pieces


def test_a_time_range_needs_both_ends_aware_and_says_so() -> None:
    aware, naive = datetime.fromisoformat("2026-03-02T09:00:00+00:00"), datetime(2026, 3, 2, 10)

    for start, end in ((aware, naive), (naive.replace(hour=8), aware)):
        with pytest.raises(ValueError) as raised:
            TimeRange(start, end)
        assert str(raised.value) == "a TimeRange needs timezone-aware datetimes"


def test_a_time_range_ending_before_it_starts_says_which_ends() -> None:
    with pytest.raises(ValueError) as raised:
        r("2026-03-02T10:00:00+00:00", "2026-03-02T09:00:00+00:00")

    assert str(raised.value) == ("TimeRange end 2026-03-02T09:00:00+00:00 is not after start "
                                 "2026-03-02T10:00:00+00:00")
