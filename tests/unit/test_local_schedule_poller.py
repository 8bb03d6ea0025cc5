"""Scheduler's one-time schedules for the local stack (local/schedule_poller.py), on moto:
what is due is published to the topic as its target says, then deleted; what is not due,
or in another group, is left alone; a failing publish is retried, then given up.

The clock is a fixed one the test moves; the schedules are what Penny's hold timer makes
(chalicelib/integrations/hold_timers.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.domain.bookings import BookingStatus
from chalicelib.integrations.hold_timers import SchedulerHoldTimers
from local.schedule_poller import SNS_PUBLISH, SchedulePoller, due_at
from tests.unit.test_bookings_domain import a_booking

GROUP = "penny-local-holds"
ROLE = "arn:aws:iam::123456789012:role/penny-local-hold-scheduler"
NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@dataclass
class Aws:
    scheduler: Any
    sns: Any
    sqs: Any
    topic_arn: str
    queue_url: str

    def schedule(self, name: str, at: str, group: str = GROUP, message: str = "{}",
                 timezone: str = "UTC", **target: Any) -> None:
        publish = {"TopicArn": self.topic_arn, "Message": message, "MessageAttributes": {
            "type": {"DataType": "String", "StringValue": "payment.hold_expired"}}}
        self.scheduler.create_schedule(
            Name=name, GroupName=group, ScheduleExpression=f"at({at})",
            ScheduleExpressionTimezone=timezone, FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={"Arn": SNS_PUBLISH, "RoleArn": ROLE, "Input": json.dumps(publish),
                    **target})

    def names(self, group: str = GROUP) -> list[str]:
        found = self.scheduler.list_schedules(GroupName=group)["Schedules"]
        return sorted(s["Name"] for s in found)

    def published(self) -> list[dict[str, Any]]:
        got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"])
        return [{"body": m["Body"], "type": m["MessageAttributes"]["type"]["StringValue"]}
                for m in got.get("Messages", [])]


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        region = {"region_name": "us-east-1"}
        scheduler, sns, sqs = (boto3.client(s, **region) for s in ("scheduler", "sns", "sqs"))
        scheduler.create_schedule_group(Name=GROUP)
        scheduler.create_schedule_group(Name="someone-elses")
        topic = sns.create_topic(Name="penny-local-booking-events")["TopicArn"]
        queue = sqs.create_queue(QueueName="payments-delivery")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                      Attributes={"RawMessageDelivery": "true"})
        yield Aws(scheduler, sns, sqs, topic, queue)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _poller(aws: Aws, clock: Clock) -> SchedulePoller:
    return SchedulePoller(scheduler=aws.scheduler, sns=aws.sns, group=GROUP, clock=clock)


def test_a_due_schedule_is_published_as_its_target_says_then_deleted(aws: Aws) -> None:
    aws.schedule("hold-b1", "2026-11-24T11:59:59", message='{"uid": "b1"}')

    assert _poller(aws, Clock()).poll_once() == 1

    assert aws.published() == [{"body": '{"uid": "b1"}', "type": "payment.hold_expired"}]
    assert aws.names() == []


def test_a_schedule_runs_at_its_second_not_before(aws: Aws) -> None:
    aws.schedule("hold-b1", "2026-11-24T12:00:30")
    clock = Clock()
    poller = _poller(aws, clock)

    clock.now = NOW + timedelta(seconds=29)
    assert poller.poll_once() == 0
    assert (aws.published(), aws.names()) == ([], ["hold-b1"])

    clock.now = NOW + timedelta(seconds=30)
    assert poller.poll_once() == 1
    assert len(aws.published()) == 1


def test_a_hold_timer_never_fires_before_the_hold_ends(aws: Aws) -> None:
    hold_until = NOW + timedelta(seconds=30, microseconds=600_000)  # a real clock's instant
    booking = a_booking(BookingStatus.PENDING_PAYMENT, hold_until.isoformat())
    SchedulerHoldTimers(aws.scheduler, aws.topic_arn, ROLE, GROUP).schedule(booking,
                                                                            hold_until)
    (made,) = aws.scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    found = aws.scheduler.get_schedule(Name=made["Name"], GroupName=GROUP)

    fires = due_at(found)

    assert fires is not None and hold_until <= fires < hold_until + timedelta(seconds=1)


def test_the_schedules_zone_places_its_time(aws: Aws) -> None:
    # 17:30 in Kolkata is 12:00 UTC.
    aws.schedule("hold-b1", "2026-11-24T17:30:00", timezone="Asia/Kolkata")

    assert _poller(aws, Clock()).poll_once() == 1


def test_schedules_in_another_group_are_left_alone(aws: Aws) -> None:
    aws.schedule("theirs", "2026-11-24T11:00:00", group="someone-elses")

    assert _poller(aws, Clock()).poll_once() == 0

    assert aws.published() == []
    assert aws.names("someone-elses") == ["theirs"]


def test_a_failing_publish_is_tried_again_until_its_event_age_runs_out(aws: Aws) -> None:
    aws.schedule("hold-b1", "2026-11-24T12:00:00",
                 RetryPolicy={"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600})
    aws.sns.delete_topic(TopicArn=aws.topic_arn)  # every publish now fails
    clock = Clock()
    poller = _poller(aws, clock)

    assert poller.poll_once() == 0
    clock.now = NOW + timedelta(minutes=59)
    assert poller.poll_once() == 0
    assert aws.names() == ["hold-b1"]

    clock.now = NOW + timedelta(hours=1)
    assert poller.poll_once() == 1
    assert aws.names() == []


def test_only_one_time_schedules_have_a_due_time() -> None:
    assert due_at({"ScheduleExpression": "at(2026-11-24T12:00:00)"}) == NOW
    assert due_at({"ScheduleExpression": "rate(5 minutes)"}) is None
    assert due_at({"ScheduleExpression": "cron(0 12 * * ? *)"}) is None
