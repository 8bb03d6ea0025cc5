"""From table changes to events: to the workers' queues (SNS) and to live dashboards.

Called by the stream handler with a batch of change records. Publishing to SNS must
succeed or the handler raises and the stream redelivers the batch (so an event may be
published twice; workers are idempotent). Dashboard pushes are best effort.

Reading a change record is the store's (its items, decoded by PynamoDB), and which types
a worker takes is the worker list's: bootstrap/realtime.py passes both in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.events import NOT_FOR_DASHBOARDS, Event
from chalicelib.services.realtime import Realtime

log = logging.getLogger("penny.events")

# A table change record (as the stream delivers it) -> the events it makes.
ChangeReader = Callable[[Mapping[str, Any]], list[Event]]


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...


@dataclass(frozen=True)
class Fanout:
    bus: EventBus
    realtime: Realtime
    events_of: ChangeReader
    # Only the types some worker subscribes to are published: SNS requests cost money.
    worker_types: frozenset[str]

    def handle(self, records: Iterable[Mapping[str, Any]]) -> list[Event]:
        events = [event for record in records for event in self.events_of(record)]
        for event in events:
            if event.type.value in self.worker_types:
                self.bus.publish(event)
        for event in events:
            if event.type not in NOT_FOR_DASHBOARDS:
                self._push(event)
        return events

    def _push(self, event: Event) -> None:
        # Best effort, as a post to one socket is: a push the table failed (a throttled
        # read of the host's sockets, a refused delete of the gone ones) must not fail the
        # batch, whose retry would publish its events to the workers again and hold up
        # every later record of the stream's shard behind it.
        try:
            self.realtime.push(event)
        except Exception:
            log.exception("push of %s to %s's dashboards failed", event.id, event.host_id)
