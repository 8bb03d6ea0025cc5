"""A paid booking's hold timer: one EventBridge Scheduler one-time schedule per hold.

At the hold's end the schedule publishes `payment.hold_expired` to the booking-events
topic (Scheduler's universal target for SNS Publish, with the message attributes the
subscriptions filter on), and the payments worker ends the checkout and the booking.
So nothing runs, and nothing is billed, while no one books: a schedule is made per paid
booking (Scheduler's first 14 million invocations a month are free), and deletes itself
after it fires (`ActionAfterCompletion: DELETE`). Making the same schedule twice (a
retried request) is refused by Scheduler as a conflict, which is what we want.

The local stack runs the same calls against moto, and a poller there publishes the
schedules that are due (local/schedule_poller.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.bookings import Booking
from chalicelib.integrations.sns import message_attributes
from chalicelib.services.payment_holds import hold_expired_event

SNS_PUBLISH = "arn:aws:scheduler:::aws-sdk:sns:publish"


def schedule_name(booking_uid: str) -> str:
    return f"hold-{booking_uid}"[:64]


class SchedulerHoldTimers:
    def __init__(self, client: Any, topic_arn: str, role_arn: str, group: str) -> None:
        self._client = client
        self._topic_arn = topic_arn
        self._role_arn = role_arn
        self._group = group

    def schedule(self, booking: Booking, at: datetime) -> None:
        event = hold_expired_event(booking, at)
        # To the second, rounded up: a timer a fraction early would find the hold standing.
        fires = at.astimezone(UTC)
        if fires.microsecond:
            fires = fires.replace(microsecond=0) + timedelta(seconds=1)
        publish = {"TopicArn": self._topic_arn, "Message": json.dumps(event.to_json()),
                   "MessageAttributes": message_attributes(event)}
        try:
            self._client.create_schedule(
                Name=schedule_name(booking.uid), GroupName=self._group,
                # A one-time schedule: at(...) in UTC, to the second.
                ScheduleExpression=f"at({fires:%Y-%m-%dT%H:%M:%S})",
                ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={"Arn": SNS_PUBLISH, "RoleArn": self._role_arn,
                        "Input": json.dumps(publish),
                        "RetryPolicy": {"MaximumRetryAttempts": 10,
                                        "MaximumEventAgeInSeconds": 3600}})
        except self._client.exceptions.ConflictException:
            return  # made already (a replayed request)
