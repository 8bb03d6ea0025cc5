"""What a booking is made of besides its times and its money: its status, the client,
the brief the summary job wrote, and each time it was moved from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class BookingStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"            # its payment never came before the hold lapsed


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    timezone: str


@dataclass(frozen=True)
class BookingBrief:
    """A premium host's pre-meeting brief about the client (the summary job's), as the
    booking keeps it: who they are, what they want, what to prepare, what to ask."""

    who: str
    wants: str
    prepare: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    """A previous time of a rescheduled booking."""

    start: datetime
    end: datetime
    changed_at: datetime
