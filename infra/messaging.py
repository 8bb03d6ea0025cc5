"""The fan-out resources, built from `chalicelib.store.queues`: the booking-events topic,
and per consumer a filtered SNS subscription pushing to its worker Lambda, Lambda's
retry settings, and a dead-letter queue fed by both SNS (could not reach the function)
and Lambda (retries exhausted), with a disabled replay mapping `make redrive` turns on.
The table stream's event source notes each batch it gives up on in a queue of its own.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.store.queues import QUEUES, TOPIC, WORKER_TIMEOUT, QueueSpec
from chalicelib.store.stream import STREAM_FILTERS

STREAM_FAILURES = "stream"
STREAM_DEAD_LETTER_QUEUE = "StreamDeadLetterQueue"


def stream_filter_patterns() -> list[dict[str, Any]]:
    """The event source's filters (any may match), from the stream's own list: each names
    what the record's new image (and, for a change from a state, its old one) holds."""
    return [{"Pattern": json.dumps({"dynamodb": {
        image: {name: {"S": list(values)} for name, values in match.items()}
        for image, match in rule.items()}})}
        for rule in STREAM_FILTERS]


def worker_function(spec: QueueSpec) -> str:
    """The worker's logical id, as `chalice package` names `spec.function_name`."""
    return f"{spec.name.title()}Worker"


def dead_letter_queue(spec: QueueSpec) -> str:
    return f"{spec.name.title()}DeadLetterQueue"


def _queue_resources(spec: QueueSpec) -> dict[str, Any]:
    worker = worker_function(spec)
    dlq = dead_letter_queue(spec)
    dlq_arn = {"Fn::GetAtt": [dlq, "Arn"]}
    return {
        dlq: {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": spec.dlq_name("${AWS::StackName}")},
            "MessageRetentionPeriod": 1209600,
            # A replay mapping needs at least the function's timeout; 6x leaves room for
            # Lambda's own retries of a failed replay batch.
            "VisibilityTimeout": 6 * WORKER_TIMEOUT}},
        f"{dlq}Policy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": dlq}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": dlq_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "EventsTopic"}}}}]}}},
        worker: {"Properties": {
            "Events": {
                f"{worker}BookingEvents": {"Type": "SNS", "Properties": {
                    "Topic": {"Ref": "EventsTopic"},
                    "FilterPolicy": spec.filter_policy,
                    "RedrivePolicy": {"deadLetterTargetArn": dlq_arn}}},
                # Off, so it costs nothing: an enabled SQS mapping long-polls all the time.
                # One message per invocation: the worker's timeout is one job's budget
                # (a brief takes up to 44 s of its 60), and a batch of several run one
                # after another would be killed part way, every message of it coming
                # back, the finished ones included (a brief made and billed twice).
                f"{worker}Replay": {"Type": "SQS", "Properties": {
                    "Queue": dlq_arn, "BatchSize": 1, "Enabled": False,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"]}},
            },
            "EventInvokeConfig": {
                "MaximumRetryAttempts": spec.max_retries,
                "MaximumEventAgeInSeconds": spec.max_event_age,
                "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": dlq_arn}}},
        }},
    }


def messaging_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {
        # Lambda writes where each batch that kept failing sits in the stream (shard and
        # sequence numbers, not the records), using the function's role.
        STREAM_DEAD_LETTER_QUEUE: {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": f"${{AWS::StackName}}-{STREAM_FAILURES}-dlq"},
            "MessageRetentionPeriod": 1209600}},
        "EventsTopic": {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": {"Fn::Sub": f"${{AWS::StackName}}-{TOPIC}"}}},
        "BookingEvents": {"Properties": {"Events": {"BookingEventsDynamodbEventSource": {
            "Properties": {
                "Stream": {"Fn::GetAtt": ["PennyTable", "StreamArn"]},
                "StartingPosition": "TRIM_HORIZON",
                # A failing batch is split to find the bad record, then retried a while;
                # what still fails is noted in a queue, never dropped (`make redrive
                # CONSUMER=stream` replays it while the stream still holds it: 24 hours).
                "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 50,
                "DestinationConfig": {"OnFailure": {
                    "Destination": {"Fn::GetAtt": [STREAM_DEAD_LETTER_QUEUE, "Arn"]}}},
                # Only bookings, and job records turning done with an event to announce,
                # make events: no invocation for the rest (store/stream.py).
                "FilterCriteria": {"Filters": stream_filter_patterns()},
            }}}}},
    }
    for spec in QUEUES:
        resources.update(_queue_resources(spec))
    return resources
