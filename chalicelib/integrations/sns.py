"""Publishing booking events to the SNS topic the worker queues subscribe to."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.events import Event


class SnsEventBus:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, event: Event) -> None:
        # The type, the host's plan and whether it keeps notes ride as message
        # attributes, so each subscription's filter policy (QueueSpec.filter_policy) picks
        # its own: the summary worker only hears premium hosts' events, the notes worker
        # only those of bookings with notes, and neither is invoked for the others.
        self._client.publish(TopicArn=self._topic_arn, Message=json.dumps(event.to_json()),
                             MessageAttributes=message_attributes(event))


def message_attributes(event: Event) -> dict[str, Any]:
    """What each subscription's filter reads (also the hold timer's: hold_timers.py)."""
    return {"type": {"DataType": "String", "StringValue": event.type.value},
            "premium": {"DataType": "String", "StringValue": "true" if event.premium else "false"},
            "notes": {"DataType": "String", "StringValue": "true" if event.notes else "false"},
            "version": {"DataType": "Number", "StringValue": str(event.version)}}


class LazyEventBus:
    """An SnsEventBus whose client is made on the first publish: the API and the workers
    publish rarely (a push channel asked of the calendar worker), so their cold start
    loads no boto3 for it."""

    def __init__(self, region: str, topic_arn: str) -> None:
        self._region, self._topic_arn = region, topic_arn
        self._bus: SnsEventBus | None = None

    def publish(self, event: Event) -> None:
        if self._bus is None:
            import boto3

            self._bus = SnsEventBus(boto3.client("sns", region_name=self._region),
                                    self._topic_arn)
        self._bus.publish(event)


class DisabledEventBus:
    """No topic configured: events still reach dashboards, workers are off (and say so)."""

    def publish(self, event: Event) -> None:
        return None
