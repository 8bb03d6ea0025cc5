"""From table changes to events: to the workers' queues (SNS) and to live dashboards.

Called by the stream handler with a batch of change records. Publishing to SNS must
succeed or the handler raises and the stream redelivers the batch (so an event may be
published twice; workers are idempotent). Dashboard pushes are best effort.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.events import Event
from chalicelib.services.realtime import Realtime
from chalicelib.store.queues import QUEUES
from chalicelib.store.stream import events_of

# Only the types some worker subscribes to are published: SNS requests cost money.
WORKER_TYPES = frozenset(t for spec in QUEUES for t in spec.event_types)


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...


@dataclass(frozen=True)
class Fanout:
    bus: EventBus
    realtime: Realtime

    def handle(self, records: Iterable[Mapping[str, Any]]) -> list[Event]:
        events = [event for record in records for event in events_of(record)]
        for event in events:
            if event.type.value in WORKER_TYPES:
                self.bus.publish(event)
        for event in events:
            self.realtime.push(event)
        return events
