"""The one list of workers: who hears which booking events, announces what, and how.

Each worker is a `Job` (services/jobs.py) run by one runner in its own Lambda, subscribed
to the booking-events topic (SNS pushes; filtered on the message attributes "type" and,
for a premium-only worker, "premium", for the notes worker "notes") with its own SQS
dead-letter queue. Everything
that knows "who reacts to what" derives from this list: app.py's worker functions, the
SNS filter policies and the publisher's types (services/fanout.py), the table stream's
filter (store/stream.py), infra/ and the local stack. Jobs are named by import path, so
reading the list imports no job (and no SDK).

Pushed, not polled: a Lambda event source on an SQS queue long-polls it around the clock
(about 648,000 ReceiveMessage requests a month per queue, billed even when idle), which
would break "an idle deployment costs $0.00". Lambda's asynchronous invocation retries a
failed event, then sends it to the dead-letter queue; `make redrive` replays that queue.
"""

from __future__ import annotations

from dataclasses import dataclass

TOPIC = "booking-events"

WORKER_TIMEOUT = 60


@dataclass(frozen=True)
class QueueSpec:
    name: str                       # the job's name: "notes", "summary"
    event_types: tuple[str, ...]    # what it takes; SNS filters on the attribute "type"
    announces: str | None = None    # the event it announces when done (None: nothing)
    job: str = ""                   # "module:factory", called with a JobContext
    max_retries: int = 2            # Lambda's async retries after the first attempt (0-2)
    max_event_age: int = 6 * 3600   # seconds an event may wait for a retry (60-21600)
    # Only premium hosts' events: SNS drops the others before they cost an invocation.
    premium_only: bool = False
    # Only events of bookings with notes (Event.notes): a host who keeps none never
    # invokes it (23,000 invocations and 47,000 write units a month fewer in `make cost`).
    notes_only: bool = False
    # The worker's memory, where it differs from the app's (.chalice/config.json): a job
    # that mostly waits on a vendor is billed less at less memory (`make cost` compares).
    memory_mb: int | None = None

    @property
    def function_name(self) -> str:
        """The worker's `@app.lambda_function` name in app.py."""
        return f"{self.name}_worker"

    def dlq_name(self, prefix: str) -> str:
        return f"{prefix}-{self.name}-dlq"

    @property
    def filter_policy(self) -> dict[str, list[str]]:
        """The subscription's SNS filter, on the message attributes the publisher sets
        (integrations/sns.py): infra/messaging.py and local/provision.py both use it."""
        policy = {"type": list(self.event_types)}
        if self.premium_only:
            policy["premium"] = ["true"]
        if self.notes_only:
            policy["notes"] = ["true"]
        return policy


QUEUES: tuple[QueueSpec, ...] = (
    # The client's notes page follows the booking (confirmed, moved, cancelled), and is
    # written again with its video link or brief, or when the host reconnects
    # (notes.requested): Notion or Google Docs.
    # Both notes and briefs wait on their vendor most of their time: 256 MB, as below.
    QueueSpec("notes", ("booking.confirmed", "booking.rescheduled", "booking.cancelled",
                        "notes.requested"), "notes.saved",
              "chalicelib.services.notes:notes_job", notes_only=True, memory_mb=256),
    # The pre-meeting brief is a premium feature (hosts the operator marked premium).
    QueueSpec("summary", ("booking.confirmed",), "summary.ready",
              "chalicelib.services.summary:summary_job", premium_only=True, memory_mb=256),
    # The host's calendar event and video meeting follow the booking (and are written
    # again once the host reconnects: calendar.requested); the link it writes on the
    # booking reaches dashboards as `booking.updated` (from the table's stream).
    # It waits on Google, Microsoft or Zoom for a second or more per event, and uses
    # little CPU: 256 MB bills it at half the 512 MB price for about the same time.
    # It also makes the push channel a short sync could not (calendar.watch_requested:
    # a Graph subscription waits on Graph's call back to Penny, up to 10 s), and catches
    # up a connection that works again without a reconnect (connection.repaired: a late
    # refresh saved over a refused one's mark; rare, and a Query when nothing was left
    # behind).
    QueueSpec("calendar", ("booking.confirmed", "booking.rescheduled", "booking.cancelled",
                           "calendar.requested", "calendar.watch_requested",
                           "connection.repaired"), None,
              "chalicelib.services.calendar_sync:calendar_job", memory_mb=256),
    # Paid bookings: a cancellation's refund under the event type's policy, and the end
    # of a hold (its timer publishes payment.hold_expired: integrations/hold_timers.py).
    # Waits on Stripe or Razorpay, like the calendar worker.
    QueueSpec("payments", ("booking.cancelled", "payment.hold_expired"), None,
              "chalicelib.services.payments_job:payments_job", memory_mb=256),
)

# What the publisher sends to SNS (services/fanout.py): the types some worker takes.
WORKER_TYPES = frozenset(t for spec in QUEUES for t in spec.event_types)
