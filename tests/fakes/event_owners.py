"""In-memory owner records of Penny's events, keeping store/event_owners.py's contract:
one read per lookup, and the booking flagged only while its owner record still names it
and it is confirmed and not flagged yet, its version counted as the transaction's update
counts it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.event_owners import EventOwner
from tests.fakes.jobs import FakeCurrentBookings


@dataclass
class FakeEventOwners:
    bookings: FakeCurrentBookings
    owners: dict[tuple[str, str], EventOwner] = field(default_factory=dict)  # (provider, id)
    reads: int = 0
    flag_writes: int = 0       # flag transactions sent, refused ones too

    def owner(self, provider: str, event_id: str) -> EventOwner | None:
        self.reads += 1
        return self.owners.get((provider, event_id))

    def put(self, owner: EventOwner) -> None:
        self.owners[(owner.provider, owner.event_id)] = owner

    def forget(self, provider: str, event_id: str) -> None:
        self.owners.pop((provider, event_id), None)

    def flag_removed(self, owner: EventOwner, at: datetime) -> bool:
        self.flag_writes += 1
        record = self.owners.get((owner.provider, owner.event_id))
        stored = self.bookings.bookings.get(owner.booking_uid)
        if record is None or record.booking_uid != owner.booking_uid or stored is None or \
                stored.status is not BookingStatus.CONFIRMED or \
                stored.calendar_event_removed_at is not None:
            return False
        self.bookings.bookings[owner.booking_uid] = replace(
            stored, calendar_event_removed_at=at, version=(stored.version or 0) + 1)
        return True
