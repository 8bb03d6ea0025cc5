"""The fan-out resources, built from `chalicelib.store.queues`: the booking-events topic,
and per consumer a queue, its dead-letter queue, a filtered subscription, and the
wiring of the Chalice functions Chalice itself cannot express (event-source settings,
environment from the stack)."""

from __future__ import annotations

from typing import Any

from chalicelib.store.queues import QUEUES, TOPIC, QueueSpec

# The Lambda functions `chalice package` generates from app.py.
FUNCTIONS = ("APIHandler", "BookingEvents", "WebsocketConnect", "WebsocketMessage",
             "WebsocketDisconnect", *(f"{spec.name.title()}Worker" for spec in QUEUES))


def _logical(spec: QueueSpec) -> str:
    return spec.name.title()


def _queue_resources(spec: QueueSpec) -> dict[str, Any]:
    name = _logical(spec)
    queue_arn = {"Fn::GetAtt": [f"{name}Queue", "Arn"]}
    return {
        f"{name}DeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": f"${{AWS::StackName}}-{spec.name}-dlq"},
            "MessageRetentionPeriod": 1209600}},
        f"{name}Queue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": f"${{AWS::StackName}}-{spec.name}"},
            "VisibilityTimeout": spec.visibility_timeout,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": [f"{name}DeadLetterQueue", "Arn"]},
                "maxReceiveCount": spec.max_receive_count}}},
        f"{name}Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "EventsTopic"}, "Protocol": "sqs", "Endpoint": queue_arn,
            "RawMessageDelivery": True,
            "FilterPolicy": {"type": list(spec.event_types)}}},
        f"{name}QueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": f"{name}Queue"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "EventsTopic"}}}}]}}},
        # Chalice has no option for partial batch failures; without it one bad message
        # would make SQS retry its whole batch.
        # Chalice writes the queue as {"Fn::Sub": "arn:...:penny-notes"} and merges dicts
        # key by key, so the override must be an Fn::Sub too to replace it.
        f"{name}Worker": {"Properties": {"Events": {f"{name}WorkerSqsEventSource": {
            "Properties": {"Queue": {"Fn::Sub": f"${{{name}Queue.Arn}}"},
                           "FunctionResponseTypes": ["ReportBatchItemFailures"]}}}}},
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
        resources.update(_queue_resources(spec))
    for name, wiring in _environment().items():
        resources.setdefault(name, {"Properties": {}})["Properties"].update(wiring["Properties"])
    return resources
