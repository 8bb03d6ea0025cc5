"""How events reach Penny's functions in the harness: the table's stream (the event
source mapping, local.stream_poller.StreamPoller, with infra/'s filter) to
`booking_events` one change at a time, SNS's push to the workers
(local.sns_push.SnsPushPoller) and EventBridge Scheduler running the paid bookings' hold
timers (holds.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from bench.costing.counting_sender import CountingSender
from bench.costing.holds import HoldTimers
from bench.costing.lambdas import Invocations
from bench.costing.stack_names import REGION, TABLE


def stream_filter() -> Callable[[dict[str, Any]], bool] | None:
    """Does infra/'s event source filter let a record's change (its `dynamodb` part: the
    new image, and the old one) through to `booking_events`? (None: no filter), read from
    the resources infra/ deploys."""
    from infra.messaging import messaging_resources

    def holds(image: dict[str, Any] | None, match: dict[str, Any]) -> bool:
        return bool(image) and all((image or {}).get(name, {}).get("S") in values["S"]
                                   for name, values in match.items())

    events = messaging_resources().get("BookingEvents", {}).get("Properties", {})
    for source in events.get("Events", {}).values():
        rules = [json.loads(rule["Pattern"])["dynamodb"] for rule in
                 source.get("Properties", {}).get("FilterCriteria", {}).get("Filters", [])]
        if rules:
            return lambda change: any(
                all(holds(change.get(image), match) for image, match in rule.items())
                for rule in rules)
    return None


class EventSources:
    """The stream, the workers' SNS push and the hold timers, driven by `pump`."""

    invocations: Invocations
    sender: CountingSender
    app_module: Any
    passes: Callable[[dict[str, Any]], bool] | None
    stream_invocations: int
    premium_weight: float
    notes_weight: float
    holds: HoldTimers
    workers: list[Any]
    stream: Any
    _streams: Any
    _metering: bool
    weighted: Callable[[str, float], AbstractContextManager[None]]

    def _follow_stream(self) -> None:
        from local.provision import stream_arn
        from local.stream_poller import StreamPoller

        self.stream = StreamPoller(
            self._on_stream, stream_arn=str(stream_arn(None, TABLE, REGION)),  # type: ignore[arg-type]
            streams=self._streams, batch_size=100, function_name="booking_events",
            forget_embedded_iterators=True)

    def _on_stream(self, event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            if self.passes is not None and not self.passes(record.get("dynamodb", {})):
                continue  # the event source's filter: no invocation at all
            self.stream_invocations += 1  # ids for the sender: metered or not
            self.sender.invocation = self.stream_invocations
            units0, posts0 = self.sender.units, self.sender.bytes
            self.invocations.invoke("booking_events", "stream", self.app_module.booking_events,
                                    {"Records": [record]}, context)
            sent = self.sender.bytes - posts0
            self.invocations.amend(ws_out_units=self.sender.units - units0, bytes_out=sent,
                                   bytes_identity=sent)
            self.sender.invocation = 0

    def _worker(self, name: str) -> Any:
        def handle(event: dict[str, Any], context: Any) -> Any:
            # Only premium hosts' bookings reach the brief worker, and only bookings with
            # notes the notes worker (their SNS filters): the sample's premium host stands
            # for premium_share of all hosts, its host who keeps notes for notes_share.
            weight = self.invocations.weight * {
                "summary_worker": self.premium_weight,
                "notes_worker": self.notes_weight}.get(name, 1.0)
            with self.weighted(self.invocations.part, weight):
                return self.invocations.invoke(name, "sns", getattr(self.app_module, name),
                                               event, context)
        return handle

    def fire_schedules(self) -> int:
        """EventBridge Scheduler runs the hold timers due by the month's clock: each
        publishes to the topic (pump() then takes it to the payments worker)."""
        inv = self.invocations
        return self.holds.fire(inv.part, inv.weight, inv.host, self._metering)

    def pump(self) -> int:
        """Deliver everything pending: stream changes, worker events, their changes."""
        moved_total = 0
        for _ in range(5):
            moved = 0
            while (n := self.stream.poll_once()):
                moved += n
            for worker in self.workers:
                while (n := worker.poll_once()):
                    moved += n
            moved_total += moved
            if not moved:
                break
        return moved_total
