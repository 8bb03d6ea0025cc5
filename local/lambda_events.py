"""Lambda's event shapes for SQS, SNS and DynamoDB Streams records, and its failure record.

Pure translations from what the AWS APIs return (boto3's shapes: SQS ReceiveMessage,
an SNS notification, DynamoDB Streams GetRecords) to what Lambda hands a handler: the
pollers read, these functions shape, and nothing here does I/O.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from local.lambda_runtime import ACCOUNT


def sqs_record(message: dict[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as a record of Lambda's SQS event."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sns_record(notification: dict[str, Any], *, subscription_arn: str) -> dict[str, Any]:
    """The SNS envelope as Lambda's SNS event carries it."""
    renamed = {"SigningCertURL": "SigningCertUrl", "UnsubscribeURL": "UnsubscribeUrl"}
    sns = {renamed.get(key, key): value for key, value in notification.items()}
    sns.setdefault("Subject", None)
    sns.setdefault("MessageAttributes", {})
    return {"EventSource": "aws:sns", "EventVersion": "1.0",
            "EventSubscriptionArn": subscription_arn, "Sns": sns}


def failure_record(event: dict[str, Any], error: Exception, *, function_name: str,
                   region: str, invocations: int) -> dict[str, Any]:
    """What Lambda's OnFailure destination sends once the retries are spent."""
    return {
        "version": "1.0",
        "timestamp": datetime.now().astimezone().isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws:lambda:{region}:{ACCOUNT}:function:"
                           f"{function_name}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": invocations,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                            "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": str(error),
                            "errorType": type(error).__name__},
    }


def stream_record(record: dict[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as a record of Lambda's DynamoDB event."""
    dynamodb = {
        key: _attribute_map(value) if key in _IMAGES else value
        for key, value in record["dynamodb"].items()
    }
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        # Lambda gives epoch seconds; botocore parsed the wire's number into a datetime.
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    lambda_record = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # set on TTL deletions
        lambda_record["userIdentity"] = record["userIdentity"]
    return lambda_record


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # Lambda spells message attributes in camelCase, with binary values in base64.
    attribute: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [_b64(v) for v in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _b64(value["BinaryValue"])
    return attribute


_IMAGES = ("Keys", "NewImage", "OldImage")


def _attribute_map(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _attribute(value) for name, value in item.items()}


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    # botocore decodes B/BS to bytes; Lambda's JSON event carries them in base64.
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": _b64(inner)}
    if kind == "BS":
        return {"BS": [_b64(v) for v in inner]}
    if kind == "M":
        return {"M": _attribute_map(inner)}
    if kind == "L":
        return {"L": [_attribute(v) for v in inner]}
    return {kind: inner}


def _b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")
