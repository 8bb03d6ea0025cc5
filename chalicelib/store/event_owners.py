"""The owner records of the events Penny made in the hosts' calendars (domain/event_owners.py),
and the flag a sync puts on a booking whose event the host deleted.

One small item per event, keyed by the provider's event id alone, so a sync that lists a
deleted event finds its booking with one GetItem and reads nothing for an event that did
not change. TTL removes it some time after the meeting.

The flag is one transaction: a check that the owner record still names the booking, and
the booking's conditional update, which also counts its version (a write of the booking
read before it fails and reads it again rather than put it back unflagged). The check
keeps a sync that read the record just before the calendar job made the event again
(the record forgotten, the flag cleared) from flagging the booking once more. Another
transaction on the booking in progress cancels it ("TransactionConflict"): it is tried
again after a short jittered pause, and BookingContentionError says it kept conflicting.

An event the host moved to another of their calendars is followed instead (`follow`):
its owner record and the booking's record of the event (PROVIDERREF) name the calendar it
is in now, in one transaction, while both still say what the sync read.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.errors import BookingContentionError
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.store.bookings import BOOKING_PK
from chalicelib.store.items import BookingItem, ProviderRefItem
from chalicelib.store.provider_refs import ref_keys
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import cancelled_reasons, connection

FLAG_ATTEMPTS = 3           # tries of the flag while other transactions hold the booking
CONFLICT_PAUSE = 0.05       # seconds before the second try, doubled after; jittered


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

    def flag_removed(self, owner: EventOwner, at: datetime) -> bool:
        """Flag the owner's booking's event removed, if its owner record still names the
        booking and the booking is confirmed and not flagged yet; whether it was.
        BookingContentionError when other transactions on the booking kept cancelling
        it (the caller's provider asks again)."""
        flag, status = BookingItem.calendar_event_removed_at, BookingItem.status
        record = EventOwnerItem.get_operation_kwargs_from_class(
            *owner_keys(owner.provider, owner.event_id),
            condition=EventOwnerItem.booking_uid == owner.booking_uid)
        # Built by key, not from a model: the model's update would set a version it has
        # not read; this one adds 1 to the stored one.
        booking = BookingItem._get_connection().get_operation_kwargs(
            f"{BOOKING_PK}{owner.booking_uid}", "BOOKING",
            actions=[flag.set(at), BookingItem.version.add(1)],
            condition=(status == BookingStatus.CONFIRMED.value) & flag.does_not_exist())
        return _transact(owner.booking_uid, [record], [booking])

    def follow(self, owner: EventOwner, to: str, ref: ProviderRef,
               moved: ProviderRef) -> bool:
        """The owner record names calendar `to`, and the booking's event record `moved`,
        while the one names the booking in its old calendar and the other is `ref`."""
        record = EventOwnerItem._get_connection().get_operation_kwargs(
            *owner_keys(owner.provider, owner.event_id),
            actions=[EventOwnerItem.calendar.set(to)],
            condition=(EventOwnerItem.booking_uid == owner.booking_uid)
            & (EventOwnerItem.calendar == owner.calendar))
        event = ProviderRefItem._get_connection().get_operation_kwargs(
            *ref_keys(ref.job, ref.booking_uid),
            actions=[ProviderRefItem.external_id.set(moved.external_id)],
            condition=ProviderRefItem.external_id == ref.external_id)
        return _transact(owner.booking_uid, [], [record, event])


def _transact(uid: str, checks: list[dict[str, Any]], updates: list[dict[str, Any]]) -> bool:
    """One transaction, sent again while another on the booking cancels it; whether it
    was written (False: a condition failed)."""
    for attempt in range(FLAG_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0.5, 1) * CONFLICT_PAUSE * 2 ** (attempt - 1))
        try:
            connection().transact_write_items(condition_check_items=checks,
                                              delete_items=[], put_items=[],
                                              update_items=updates)
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            if "ConditionalCheckFailed" in reasons:
                return False
            if "TransactionConflict" not in reasons:
                raise
            conflict = exc
            continue
        return True
    raise BookingContentionError(
        f"booking {uid} kept changing in other transactions; try again") from conflict
