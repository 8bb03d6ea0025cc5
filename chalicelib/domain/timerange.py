"""Half-open time ranges and the interval algebra the slot engine is built on.

Rule of thumb: pure functions over immutable values. Every function returns a new, sorted,
merged list and never reorders or changes what it was given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """The instants ``start <= t < end``; ranges that only touch share no instant."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("a TimeRange needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError(
                f"TimeRange end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )

    def overlaps(self, other: TimeRange) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: TimeRange) -> bool:
        return self.start <= other.start and other.end <= self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def merge(ranges: Iterable[TimeRange]) -> list[TimeRange]:
    """Sorted union; overlapping and touching ranges become one."""
    merged: list[TimeRange] = []
    for current in sorted(ranges):
        if merged and current.start <= merged[-1].end:
            if current.end > merged[-1].end:
                merged[-1] = TimeRange(merged[-1].start, current.end)
        else:
            merged.append(current)
    return merged


def intersect(a: Iterable[TimeRange], b: Iterable[TimeRange]) -> list[TimeRange]:
    """The instants that lie in both ``a`` and ``b``."""
    left, right = merge(a), merge(b)
    result: list[TimeRange] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(TimeRange(start, end))
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return result


def subtract(ranges: Iterable[TimeRange], cuts: Iterable[TimeRange]) -> list[TimeRange]:
    """The instants of ``ranges`` that lie in none of ``cuts``."""
    blocks = merge(cuts)
    result: list[TimeRange] = []
    first = 0
    for kept in merge(ranges):
        start = kept.start
        # Both lists are sorted, so cuts that end before this range never matter again.
        while first < len(blocks) and blocks[first].end <= start:
            first += 1
        index = first
        while index < len(blocks) and blocks[index].start < kept.end:
            if blocks[index].start > start:
                result.append(TimeRange(start, blocks[index].start))
            start = max(start, blocks[index].end)
            index += 1
        if start < kept.end:
            result.append(TimeRange(start, kept.end))
    return result
