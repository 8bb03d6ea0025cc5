"""The fan-out resources, built from `chalicelib.store.queues`: the booking-events topic,
and per consumer a filtered SNS subscription pushing to its worker Lambda, Lambda's
retry settings, and a dead-letter queue fed by both SNS (could not reach the function)
and Lambda (retries exhausted), with a disabled replay mapping `make redrive` turns on.
"""

from __future__ import annotations

from typing import Any

from chalicelib.store.queues import QUEUES, TOPIC, WORKER_TIMEOUT, QueueSpec

# The Lambda functions `chalice package` generates from app.py.
FUNCTIONS = ("APIHandler", "BookingEvents", "WebsocketConnect", "WebsocketMessage",
             "WebsocketDisconnect", *(f"{spec.name.title()}Worker" for spec in QUEUES))


def _logical(spec: QueueSpec) -> str:
    return spec.name.title()


def dead_letter_queue(spec: QueueSpec) -> str:
    return f"{_logical(spec)}DeadLetterQueue"


def _queue_resources(spec: QueueSpec, worker_timeout: int) -> dict[str, Any]:
    name = _logical(spec)
    dlq = dead_letter_queue(spec)
    dlq_arn = {"Fn::GetAtt": [dlq, "Arn"]}
    return {
        dlq: {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": f"${{AWS::StackName}}-{spec.name}-dlq"},
            "MessageRetentionPeriod": 1209600,
            # A replay mapping needs at least the function's timeout; 6x leaves room for
            # Lambda's own retries of a failed replay batch.
            "VisibilityTimeout": 6 * worker_timeout}},
        f"{name}DeadLetterQueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": dlq}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": dlq_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "EventsTopic"}}}}]}}},
        f"{name}Worker": {"Properties": {
            "Events": {
                f"{name}WorkerBookingEvents": {"Type": "SNS", "Properties": {
                    "Topic": {"Ref": "EventsTopic"},
                    "FilterPolicy": {"type": list(spec.event_types)},
                    "RedrivePolicy": {"deadLetterTargetArn": dlq_arn}}},
                # Off, so it costs nothing: an enabled SQS mapping long-polls all the time.
                f"{name}WorkerReplay": {"Type": "SQS", "Properties": {
                    "Queue": dlq_arn, "BatchSize": 10, "Enabled": False,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"]}},
            },
            "EventInvokeConfig": {
                "MaximumRetryAttempts": spec.max_retries,
                "MaximumEventAgeInSeconds": spec.max_event_age,
                "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": dlq_arn}}},
        }},
    }


def _environment() -> dict[str, Any]:
    variables = {"PENNY_TABLE": {"Ref": "PennyTable"},
                 "PENNY_EVENTS_TOPIC_ARN": {"Ref": "EventsTopic"},
                 "PENNY_WEBSOCKET_API_ID": {"Ref": "WebsocketAPI"}}
    return {name: {"Properties": {"Environment": {"Variables": variables}}}
            for name in FUNCTIONS}


def messaging_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {
        "EventsTopic": {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": {"Fn::Sub": f"${{AWS::StackName}}-{TOPIC}"}}},
        "BookingEvents": {"Properties": {"Events": {"BookingEventsDynamodbEventSource": {
            "Properties": {
                "Stream": {"Fn::GetAtt": ["PennyTable", "StreamArn"]},
                "StartingPosition": "TRIM_HORIZON",
                # A failing batch is split to find the bad record, then retried a while.
                "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 50,
                # Only bookings and work records make events: no invocation for the rest.
                "FilterCriteria": {"Filters": [{"Pattern": '{"dynamodb": {"NewImage": '
                                                '{"kind": {"S": ["booking", "work"]}}}}'}]},
            }}}}},
    }
    for spec in QUEUES:
        resources.update(_queue_resources(spec, WORKER_TIMEOUT))
    for name, wiring in _environment().items():
        resources.setdefault(name, {"Properties": {}})["Properties"].update(wiring["Properties"])
    return resources
