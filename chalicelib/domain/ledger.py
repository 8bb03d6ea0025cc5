"""The per-day ledger that makes double booking impossible.

The ledger is the host's calendar as Penny knows it: for each UTC day, the blocked
ranges of every active booking touching that day. A booking is written together with
the ledger days it touches, each conditioned on the version that was read, so two
writers that saw the same calendar cannot both succeed (see store/bookings.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.slots import Busy
from chalicelib.domain.timerange import TimeRange

if TYPE_CHECKING:
    from chalicelib.domain.bookings import Booking


@dataclass(frozen=True)
class LedgerEntry:
    """One booking's footprint on the host's calendar."""

    booking_uid: str
    event_type_id: str
    meeting: TimeRange
    blocked: TimeRange
    hold_until: datetime | None = None

    @classmethod
    def of(cls, booking: Booking) -> LedgerEntry:
        return cls(booking.uid, booking.event_type_id, booking.meeting, booking.blocked,
                   booking.pending_until)

    def live(self, now: datetime) -> bool:
        return self.hold_until is None or self.hold_until > now

    def as_busy(self) -> Busy:
        return Busy(meeting=self.meeting, blocked=self.blocked, event_type_id=self.event_type_id)


@dataclass(frozen=True)
class LedgerDay:
    day: date                       # a UTC date
    entries: tuple[LedgerEntry, ...] = ()
    version: int | None = None      # None: never written

    def without(self, booking_uid: str, now: datetime) -> LedgerDay:
        """This day minus one booking and minus expired holds (pruned whenever rewritten)."""
        kept = tuple(e for e in self.entries if e.booking_uid != booking_uid and e.live(now))
        return replace(self, entries=kept)

    def with_entry(self, entry: LedgerEntry, now: datetime) -> LedgerDay:
        return replace(self, entries=(*self.without(entry.booking_uid, now).entries, entry))


def utc_days(ranges: Iterable[TimeRange]) -> list[date]:
    """Every UTC date that any of the ranges touches."""
    days: set[date] = set()
    for r in ranges:
        day = r.start.astimezone(UTC).date()
        last = (r.end.astimezone(UTC) - timedelta(microseconds=1)).date()
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return sorted(days)


def busy_from_ledger(days: Sequence[LedgerDay], now: datetime,
                     ignore_uid: str | None = None) -> list[Busy]:
    """Live entries of the ledger as Busy ranges, each booking once (it may span days)."""
    seen: dict[str, Busy] = {}
    for ledger_day in days:
        for entry in ledger_day.entries:
            if entry.booking_uid != ignore_uid and entry.live(now):
                seen.setdefault(entry.booking_uid, entry.as_busy())
    return list(seen.values())
