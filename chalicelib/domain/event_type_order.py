"""The order a host lists their event types in: on the dashboard and their profile.

The host chooses it whole (every event type of theirs, each once); one made later goes
last. Event types made before Penny kept an order, and so in none, come first, by
slug, as they were always listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chalicelib.domain.errors import (
    EventTypeMissingError,
    UnknownEventTypeError,
    ValidationError,
)
from chalicelib.domain.event_types import EventType


@dataclass(frozen=True)
class EventTypeOrder:
    """Event type ids, first shown first, and the count of the order's changes: a
    reorder, and every new or deleted event type (an editor sends the one it read)."""

    ids: tuple[str, ...] = ()
    version: int = 0


def in_order(event_types: Iterable[EventType], ids: Sequence[str]) -> tuple[EventType, ...]:
    """`event_types` as the host ordered them: those `ids` holds not first, by slug,
    then the others in the order of `ids` (an id no event type has is passed over)."""
    position = {event_type_id: i for i, event_type_id in reversed(list(enumerate(ids)))}
    return tuple(sorted(event_types, key=lambda et: (et.id in position,
                                                     position.get(et.id, 0), et.slug)))


def checked_order(event_types: Sequence[EventType], ids: Sequence[str]) -> tuple[str, ...]:
    """`ids` if they name each of `event_types` once and nothing else; else the first
    fault, with the place it is at (`ids.2`)."""
    known = {et.id for et in event_types}
    seen: set[str] = set()
    for index, event_type_id in enumerate(ids):
        if event_type_id not in known:
            raise UnknownEventTypeError(
                f"'{event_type_id}' is not one of your event types: it was deleted, or "
                "never was", f"ids.{index}")
        if event_type_id in seen:
            raise ValidationError("each event type may be listed only once",
                                  f"ids.{index}")
        seen.add(event_type_id)
    missing = [et.title for et in event_types if et.id not in seen]
    if missing:
        raise EventTypeMissingError(
            f"the order must list all your event types; it leaves out {', '.join(missing)}",
            "ids")
    return tuple(ids)
