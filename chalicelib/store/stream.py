"""Reading the table's change stream: records -> events.

A record carries the item's images in DynamoDB JSON, which PynamoDB decodes into the
same item classes the repositories use. Only bookings and work records make events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.events import Event, booking_events, work_event
from chalicelib.store.bookings import to_booking
from chalicelib.store.items import BookingItem, WorkRecordItem
from chalicelib.store.tables import PennyItem

EVENT_KINDS = ("booking", "work")  # the only kinds worth invoking the publisher for


def _item(image: Mapping[str, Any] | None) -> PennyItem | None:
    if not image or image.get("kind", {}).get("S") not in EVENT_KINDS:
        return None
    return PennyItem.from_raw_data(dict(image))


def _when(value: Any) -> datetime:
    # Lambda delivers epoch seconds; boto3's GetRecords has already parsed a datetime.
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromtimestamp(float(value), UTC)


def events_of(record: Mapping[str, Any]) -> list[Event]:
    change = record.get("dynamodb", {})
    at = _when(change.get("ApproximateCreationDateTime", 0))
    change_id = str(record.get("eventID", change.get("SequenceNumber", "")))
    old, new = _item(change.get("OldImage")), _item(change.get("NewImage"))
    if isinstance(new, BookingItem):
        before = to_booking(old) if isinstance(old, BookingItem) else None
        return booking_events(before, to_booking(new), change_id, at)
    if isinstance(new, WorkRecordItem) and old is None:
        return [work_event(new.sk, change_id, at, new.host_id, new.booking)]
    return []
