"""Interval algebra on half-open UTC ranges."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.timerange import TimeRange, intersect, merge, subtract


def r(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


def test_range_rejects_end_not_after_start() -> None:
    with pytest.raises(ValueError):
        r("2026-03-02T10:00:00+00:00", "2026-03-02T10:00:00+00:00")
    with pytest.raises(ValueError):
        r("2026-03-02T11:00:00+00:00", "2026-03-02T10:00:00+00:00")


def test_range_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        r("2026-03-02T10:00:00", "2026-03-02T11:00:00")


def test_touching_ranges_do_not_overlap() -> None:
    morning = r("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00")
    next_hour = r("2026-03-02T10:00:00+00:00", "2026-03-02T11:00:00+00:00")
    assert not morning.overlaps(next_hour)
    assert not next_hour.overlaps(morning)


def test_ranges_sharing_a_minute_overlap_either_way() -> None:
    first = r("2026-03-02T09:00:00+00:00", "2026-03-02T10:01:00+00:00")
    second = r("2026-03-02T10:00:00+00:00", "2026-03-02T11:00:00+00:00")
    assert first.overlaps(second) and second.overlaps(first)


def test_same_instant_in_different_offsets_compares_equal() -> None:
    utc = r("2026-03-02T14:00:00+00:00", "2026-03-02T15:00:00+00:00")
    new_york = r("2026-03-02T09:00:00-05:00", "2026-03-02T10:00:00-05:00")
    assert utc.overlaps(new_york) and utc.contains(new_york) and new_york.contains(utc)


def test_contains_includes_equal_edges_and_excludes_overhang() -> None:
    day = r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00")
    assert day.contains(r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00"))
    assert not day.contains(r("2026-03-02T16:30:00+00:00", "2026-03-02T17:30:00+00:00"))


def test_duration_is_end_minus_start() -> None:
    assert r("2026-03-02T09:00:00+00:00", "2026-03-02T10:30:00+00:00").duration == timedelta(
        minutes=90)


def test_merge_sorts_and_joins_overlapping_touching_and_nested_ranges() -> None:
    merged = merge([
        r("2026-03-02T13:00:00+00:00", "2026-03-02T14:00:00+00:00"),
        r("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00"),
        r("2026-03-02T10:00:00+00:00", "2026-03-02T11:00:00+00:00"),  # touching
        r("2026-03-02T09:15:00+00:00", "2026-03-02T09:45:00+00:00"),  # nested
        r("2026-03-02T13:30:00+00:00", "2026-03-02T15:00:00+00:00"),  # overlapping
    ])
    assert merged == [
        r("2026-03-02T09:00:00+00:00", "2026-03-02T11:00:00+00:00"),
        r("2026-03-02T13:00:00+00:00", "2026-03-02T15:00:00+00:00"),
    ]


def test_merge_of_nothing_is_empty() -> None:
    assert merge([]) == []


def test_merge_leaves_its_input_untouched() -> None:
    ranges = [
        r("2026-03-02T13:00:00+00:00", "2026-03-02T14:00:00+00:00"),
        r("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00"),
    ]
    before = list(ranges)
    merge(ranges)
    assert ranges == before


def test_intersect_keeps_only_shared_instants() -> None:
    hours = [
        r("2026-03-02T09:00:00+00:00", "2026-03-02T12:00:00+00:00"),
        r("2026-03-02T13:00:00+00:00", "2026-03-02T17:00:00+00:00"),
    ]
    window = [r("2026-03-02T11:00:00+00:00", "2026-03-02T14:00:00+00:00")]
    assert intersect(hours, window) == [
        r("2026-03-02T11:00:00+00:00", "2026-03-02T12:00:00+00:00"),
        r("2026-03-02T13:00:00+00:00", "2026-03-02T14:00:00+00:00"),
    ]


def test_intersect_of_touching_ranges_is_empty() -> None:
    assert intersect(
        [r("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00")],
        [r("2026-03-02T10:00:00+00:00", "2026-03-02T11:00:00+00:00")],
    ) == []


def test_intersect_with_a_nested_range_is_the_nested_range() -> None:
    inner = r("2026-03-02T10:00:00+00:00", "2026-03-02T10:30:00+00:00")
    outer = r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00")
    assert intersect([outer], [inner]) == [inner]
    assert intersect([inner], [outer]) == [inner]


def test_subtract_cuts_a_hole_in_the_middle() -> None:
    day = [r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00")]
    lunch = [r("2026-03-02T12:00:00+00:00", "2026-03-02T13:00:00+00:00")]
    assert subtract(day, lunch) == [
        r("2026-03-02T09:00:00+00:00", "2026-03-02T12:00:00+00:00"),
        r("2026-03-02T13:00:00+00:00", "2026-03-02T17:00:00+00:00"),
    ]


def test_subtract_touching_cut_changes_nothing() -> None:
    day = [r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00")]
    evening = [r("2026-03-02T17:00:00+00:00", "2026-03-02T18:00:00+00:00")]
    assert subtract(day, evening) == day


def test_subtract_trims_edges_and_spans_several_ranges() -> None:
    ranges = [
        r("2026-03-02T09:00:00+00:00", "2026-03-02T12:00:00+00:00"),
        r("2026-03-02T13:00:00+00:00", "2026-03-02T17:00:00+00:00"),
    ]
    cuts = [
        r("2026-03-02T08:00:00+00:00", "2026-03-02T09:30:00+00:00"),
        r("2026-03-02T11:00:00+00:00", "2026-03-02T14:00:00+00:00"),
        r("2026-03-02T16:00:00+00:00", "2026-03-02T16:30:00+00:00"),
    ]
    assert subtract(ranges, cuts) == [
        r("2026-03-02T09:30:00+00:00", "2026-03-02T11:00:00+00:00"),
        r("2026-03-02T14:00:00+00:00", "2026-03-02T16:00:00+00:00"),
        r("2026-03-02T16:30:00+00:00", "2026-03-02T17:00:00+00:00"),
    ]


def test_subtract_a_covering_cut_leaves_nothing() -> None:
    inner = [r("2026-03-02T10:00:00+00:00", "2026-03-02T10:30:00+00:00")]
    outer = [r("2026-03-02T09:00:00+00:00", "2026-03-02T17:00:00+00:00")]
    assert subtract(inner, outer) == []
