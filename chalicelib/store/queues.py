"""The one list of messaging resources: the booking-events topic and its consumers.

Each consumer is a worker Lambda subscribed to the topic (SNS pushes; filtered on the
message attribute "type") with its own SQS dead-letter queue. Pushed, not polled: a
Lambda event source on an SQS queue long-polls it around the clock (about 648,000
ReceiveMessage requests a month per queue, billed even when idle), which would break
"an idle deployment costs $0.00". Lambda's asynchronous invocation retries a failed
event, then sends it to the dead-letter queue; `make redrive` replays that queue.

infra/ builds the topic, subscriptions, dead-letter queues and retry settings from this
list; the local stack provisions the same list on the embedded AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

TOPIC = "booking-events"

WORKER_TIMEOUT = 60


@dataclass(frozen=True)
class QueueSpec:
    name: str                       # logical name: "notes", "summary"
    event_types: tuple[str, ...]    # SNS filter on the message attribute "type"
    max_retries: int = 2            # Lambda's async retries after the first attempt (0-2)
    max_event_age: int = 6 * 3600   # seconds an event may wait for a retry (60-21600)

    @property
    def function_name(self) -> str:
        """The worker's `@app.lambda_function` name in app.py."""
        return f"{self.name}_worker"

    def dlq_name(self, prefix: str) -> str:
        return f"{prefix}-{self.name}-dlq"


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("notes", ("booking.confirmed",)),
    QueueSpec("summary", ("booking.confirmed",)),
)
