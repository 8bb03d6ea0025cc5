"""In-memory owner records of Penny's events, keeping store/event_owners.py's contract:
one read per lookup, and the booking flagged only while its owner record still names it
and it is confirmed and not flagged yet, its version counted as the transaction's update
counts it; a followed move rewrites the owner record and the booking's event record
together, while both are as read."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.providers.refs import ProviderRef
from tests.fakes.jobs import FakeCurrentBookings, FakeProviderRefs


@dataclass
class FakeEventOwners:
    bookings: FakeCurrentBookings
    refs: FakeProviderRefs | None = None   # the bookings' event records (`follow`)
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

    def follow(self, owner: EventOwner, to: str, ref: ProviderRef, moved: ProviderRef) -> bool:
        record = self.owners.get((owner.provider, owner.event_id))
        held = None if self.refs is None else self.refs.get(ref.job, ref.booking_uid)
        if record is None or (record.booking_uid, record.calendar) != \
                (owner.booking_uid, owner.calendar) or held != ref or self.refs is None:
            return False
        self.owners[(owner.provider, owner.event_id)] = replace(record, calendar=to)
        self.refs.put(moved)
        return True

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
