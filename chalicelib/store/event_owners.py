"""The owner records of the events Penny made in the hosts' calendars (domain/event_owners.py),
and the flag a sync puts on a booking whose event the host deleted.

One small item per event, keyed by the provider's event id alone, so a sync that lists a
deleted event finds its booking with one GetItem and reads nothing for an event that did
not change. TTL removes it some time after the meeting. The flag is one conditional
UpdateItem of the booking that also counts its version, so a write of the booking read
before it fails and reads it again rather than put it back unflagged.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.event_owners import EventOwner
from chalicelib.store.bookings import BOOKING_PK
from chalicelib.store.items import BookingItem
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import condition_failed


class EventOwnerItem(PennyItem, discriminator="event_owner"):
    """pk = EVENTOWNER#{provider}#{event id}, sk = EVENTOWNER: the host and booking an
    event Penny made is for; `expires_at` (TTL) after the meeting."""

    host_id = UnicodeAttribute()
    booking_uid = UnicodeAttribute()
    calendar = UnicodeAttribute()
    ends_at = UTCDateTimeAttribute()


def owner_keys(provider: str, event_id: str) -> tuple[str, str]:
    return f"EVENTOWNER#{provider}#{event_id}", "EVENTOWNER"


class EventOwnerRepository:
    def owner(self, provider: str, event_id: str) -> EventOwner | None:
        # Strongly consistent: Penny forgets its own event's record just before deleting
        # it, and the provider's notification of that delete comes within a second.
        try:
            item = EventOwnerItem.get(*owner_keys(provider, event_id), consistent_read=True)
        except DoesNotExist:
            return None
        assert item.expires_at is not None
        return EventOwner(provider, event_id, item.host_id, item.booking_uid, item.calendar,
                          item.ends_at, item.expires_at)

    def put(self, owner: EventOwner) -> None:
        EventOwnerItem(*owner_keys(owner.provider, owner.event_id), host_id=owner.host_id,
                       booking_uid=owner.booking_uid, calendar=owner.calendar,
                       ends_at=owner.ends_at, expires_at=owner.keep_until).save()

    def forget(self, provider: str, event_id: str) -> None:
        EventOwnerItem(*owner_keys(provider, event_id)).delete()

    def flag_removed(self, booking_uid: str, at: datetime) -> bool:
        """Flag the booking's event removed, if it is confirmed and not flagged yet;
        whether it was."""
        flag, status = BookingItem.calendar_event_removed_at, BookingItem.status
        try:
            # Through the table's connection: the model's update would set a version it
            # has not read; this one adds 1 to the stored one.
            BookingItem._get_connection().update_item(
                f"{BOOKING_PK}{booking_uid}", "BOOKING",
                actions=[flag.set(at), BookingItem.version.add(1)],
                condition=(status == BookingStatus.CONFIRMED.value) & flag.does_not_exist())
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True
