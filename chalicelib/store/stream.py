"""Reading the table's change stream: records -> events.

A record carries the item's images in DynamoDB JSON, which PynamoDB decodes into the
same item classes the repositories use. Bookings make events on every change; a job
record makes one, the event its job announces, when it changes to done (never on its
claim); a connection's item, when it turns broken or back from broken. `STREAM_FILTERS`
says which changes can make events, by their new and old images: infra/ builds the event
source's filter from it (so nothing else invokes the stream Lambda) and the local stack's
poller applies it, and it derives from the worker list: with no job announcing anything,
job records are not let through.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.connection_events import calendar_removed_event, connection_events
from chalicelib.domain.connections import ConnectionStatus
from chalicelib.domain.events import Event, EventKind, booking_events, job_done_event
from chalicelib.domain.jobs import JobStatus
from chalicelib.store.bookings import to_booking
from chalicelib.store.connections import to_connection
from chalicelib.store.items import (
    BookingItem,
    CalendarRemovedItem,
    ConnectionItem,
    JobRecordItem,
)
from chalicelib.store.queues import QUEUES
from chalicelib.store.tables import PennyItem

ANNOUNCED = tuple(sorted({spec.announces for spec in QUEUES if spec.announces}))
Match = dict[str, tuple[str, ...]]  # attribute -> the string values that pass
Filter = dict[str, Match]           # image ("NewImage", "OldImage") -> what it must match
NEW, OLD = "NewImage", "OldImage"
_BROKEN = (ConnectionStatus.BROKEN.value,)
_WORKING = tuple(s.value for s in ConnectionStatus if s is not ConnectionStatus.BROKEN)
_BOOKINGS: Filter = {NEW: {"kind": ("booking",)}}
_JOBS_DONE: Filter = {NEW: {"kind": ("job",), "status": (JobStatus.DONE.value,),
                            "announces": ANNOUNCED}}
# A connection's refreshes write its item often; only a change to broken, or from broken
# to working (an item that was broken before: a new one is never "repaired"), is an event.
_CONNECTIONS_BROKEN: Filter = {NEW: {"kind": ("connection",), "status": _BROKEN}}
_CONNECTIONS_REPAIRED: Filter = {OLD: {"kind": ("connection",), "status": _BROKEN},
                                 NEW: {"kind": ("connection",), "status": _WORKING}}
# A calendar Penny took out (gone at the provider): its news item, written once.
_CALENDARS_REMOVED: Filter = {NEW: {"kind": ("calendar_removed",)}}
# A record passes when any filter matches it (Lambda allows 5 filters a source).
STREAM_FILTERS: tuple[Filter, ...] = (
    _BOOKINGS, *((_JOBS_DONE,) if ANNOUNCED else ()), _CONNECTIONS_BROKEN,
    _CONNECTIONS_REPAIRED, _CALENDARS_REMOVED)
EVENT_KINDS = tuple(sorted({kind for rule in STREAM_FILTERS for kind in rule[NEW]["kind"]}))


def passes_filter(change: Mapping[str, Any] | None) -> bool:
    """Would the event source's filter let a record through? `change`: its `dynamodb`
    part (NewImage and OldImage in DynamoDB JSON; a removal has no NewImage)."""
    images = change or {}
    return any(all(_matches(images.get(image), match) for image, match in rule.items())
               for rule in STREAM_FILTERS)


def _matches(image: Mapping[str, Any] | None, match: Match) -> bool:
    return bool(image) and all((image or {}).get(name, {}).get("S") in values
                               for name, values in match.items())


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
    if isinstance(new, ConnectionItem):
        was = to_connection(old) if isinstance(old, ConnectionItem) else None
        return connection_events(was, to_connection(new), change_id, at)
    if isinstance(new, CalendarRemovedItem) and old is None:
        return [calendar_removed_event(change_id, at, new.host_id, new.calendar, new.reason,
                                       new.was_destination == "yes")]
    return []
