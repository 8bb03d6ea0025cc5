"""Reading the table's change stream: records -> events.

A record carries the item's images in DynamoDB JSON, which PynamoDB decodes into the
same item classes the repositories use. Bookings make events on every change; a job
record makes one, the event its job announces, when it changes to done (never on its
claim). `STREAM_FILTERS` says which new images can make events: infra/ builds the event
source's filter from it (so nothing else invokes the stream Lambda), and it derives from
the worker list: with no job announcing anything, job records are not let through.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.connections import ConnectionStatus
from chalicelib.domain.events import (
    Event,
    EventKind,
    booking_events,
    connection_broken_event,
    job_done_event,
)
from chalicelib.domain.jobs import JobStatus
from chalicelib.store.bookings import to_booking
from chalicelib.store.items import BookingItem, ConnectionItem, JobRecordItem
from chalicelib.store.queues import QUEUES
from chalicelib.store.tables import PennyItem

ANNOUNCED = tuple(sorted({spec.announces for spec in QUEUES if spec.announces}))
Filter = dict[str, tuple[str, ...]]  # attribute of the new image -> string values that pass
_BOOKINGS: Filter = {"kind": ("booking",)}
_JOBS_DONE: Filter = {"kind": ("job",), "status": (JobStatus.DONE.value,), "announces": ANNOUNCED}
# A connection's refreshes write its item often; only a change to broken is an event.
_CONNECTIONS_BROKEN: Filter = {"kind": ("connection",), "status": (ConnectionStatus.BROKEN.value,)}
# A record passes when any filter matches it.
STREAM_FILTERS: tuple[Filter, ...] = (
    _BOOKINGS, *((_JOBS_DONE,) if ANNOUNCED else ()), _CONNECTIONS_BROKEN)
EVENT_KINDS = tuple(kind for rule in STREAM_FILTERS for kind in rule["kind"])


def passes_filter(image: Mapping[str, Any] | None) -> bool:
    """Would the event source's filter let a record with this new image through?"""
    return bool(image) and any(
        all((image or {}).get(name, {}).get("S") in values for name, values in rule.items())
        for rule in STREAM_FILTERS)


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
    if isinstance(new, JobRecordItem) and new.announces and new.status == JobStatus.DONE \
            and not (isinstance(old, JobRecordItem) and old.status == JobStatus.DONE):
        return [job_done_event(EventKind(new.announces), change_id, at, new.host_id,
                               new.booking)]
    broken = ConnectionStatus.BROKEN.value
    if isinstance(new, ConnectionItem) and new.status == broken \
            and not (isinstance(old, ConnectionItem) and old.status == broken
                     and old.grant_id == new.grant_id):
        return [connection_broken_event(change_id, at, new.host_id, new.provider,
                                        new.broken_reason)]
    return []
