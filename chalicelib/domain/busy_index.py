"""Busy time as sorted epoch-second spans, for the slot engine's sweep.

Meetings and buffered ranges are merged separately: merging each kind on its own keeps
the conflict rule (a meeting may not touch another's buffered range) exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.domain.slots import Busy

Index = tuple[list[int], list[int]]  # merged ranges as parallel start and end lists


def busy_index(busy: Sequence[Busy], lo: int, hi: int) -> tuple[Index, Index]:
    """Merged meeting ranges and merged blocked ranges near [lo, hi), as start and end lists."""
    floor, ceil = math.floor, math.ceil
    meetings: list[tuple[int, int]] = []
    blocks: list[tuple[int, int]] = []
    for entry in busy:
        # Floor starts and ceil ends: exact against whole-second candidates. Written out inline
        # because this loop is the engine's hot spot after the candidate sweep.
        meeting, blocked = entry.meeting, entry.blocked
        start, end = floor(meeting.start.timestamp()), ceil(meeting.end.timestamp())
        if start < hi and end > lo:
            meetings.append((start, end))
        start, end = floor(blocked.start.timestamp()), ceil(blocked.end.timestamp())
        if start < hi and end > lo:
            blocks.append((start, end))
    return _merged(meetings), _merged(blocks)


def _merged(spans: list[tuple[int, int]]) -> Index:
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends
