"""The one list of messaging resources: the booking-events topic and a queue per consumer.

infra/ builds the topic, queues, dead-letter queues and subscriptions from this list;
the local stack provisions the same list on the embedded AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

TOPIC = "booking-events"


@dataclass(frozen=True)
class QueueSpec:
    name: str                       # logical name: "notes", "summary"
    event_types: tuple[str, ...]    # SNS filter on the message attribute "type"
    visibility_timeout: int         # seconds; above the worker's timeout
    max_receive_count: int = 5      # then the message moves to the DLQ

    def queue_name(self, prefix: str) -> str:
        return f"{prefix}-{self.name}"

    def dlq_name(self, prefix: str) -> str:
        return f"{prefix}-{self.name}-dlq"


WORKER_TIMEOUT = 60

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("notes", ("booking.confirmed",), visibility_timeout=6 * WORKER_TIMEOUT),
    QueueSpec("summary", ("booking.confirmed",), visibility_timeout=6 * WORKER_TIMEOUT),
)
