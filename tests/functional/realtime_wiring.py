"""The realtime and fan-out plumbing around the Lambda handlers, for functional tests:
the topic and consumers the local stack provisions, a stream reader standing in for
Lambda's poller, a sender standing in for API Gateway's management API, events, and the
socket items as the table holds them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import boto3
import jwt
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.domain.errors import SocketGoneError
from chalicelib.store.tables import PennyItem
from local.provision import provision_messaging
from tests.functional import factories as f
from tests.functional.conftest import TABLE, Api

STREAMS_URL = "https://streams.dynamodb.us-east-1.amazonaws.com"


@dataclass
class FakeSender:
    """Stands in for API Gateway's management API: records what each socket got."""

    sent: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    closed: list[str] = field(default_factory=list)  # DeleteConnection, in order
    asked: list[str] = field(default_factory=list)  # GetConnection, in order

    def is_open(self, socket_id: str) -> bool:
        self.asked.append(socket_id)
        return socket_id not in self.gone

    def send(self, socket_id: str, message: str) -> None:
        if socket_id in self.gone:
            raise SocketGoneError(socket_id)
        if socket_id in self.broken:
            raise RuntimeError("socket reset")
        self.sent.setdefault(socket_id, []).append(json.loads(message))

    def close(self, socket_id: str) -> None:
        if socket_id in self.gone:
            raise SocketGoneError(socket_id)
        self.closed.append(socket_id)
        self.gone.add(socket_id)

    def types(self, socket_id: str) -> list[str]:
        return [m["type"] for m in self.sent.get(socket_id, [])]


@dataclass
class Wiring:
    sender: FakeSender
    queues: dict[str, str]
    stream: Stream


class Stream:
    """Reads the moto table stream from where it was last read, like the Lambda poller."""

    def __init__(self) -> None:
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        self.client = boto3.client("dynamodbstreams", region_name="us-east-1",
                                   endpoint_url=STREAMS_URL)
        shard = self.client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        self.iterator = self.client.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]

    def read(self) -> list[dict[str, Any]]:
        page = self.client.get_records(ShardIterator=self.iterator)
        self.iterator = page["NextShardIterator"]
        return [dict(r) for r in page["Records"]]


def wire(api: Api) -> Iterator[Wiring]:
    # The same topic, queues and filtered subscriptions the local stack provisions.
    provisioned = provision_messaging(None, "us-east-1", prefix="penny-test")
    topic = provisioned.topic_arn
    queues = {name: q.url for name, q in provisioned.queues.items()}
    sns = boto3.client("sns", region_name="us-east-1")
    services = bootstrap.services()
    core = replace(services.core, settings=replace(services.settings, events_topic_arn=topic))
    sender = FakeSender()
    bootstrap.install_realtime(bootstrap.build_realtime(
        core, app_module.app.websocket_api, sns_client=sns, sender=sender))
    yield Wiring(sender, queues, Stream())
    bootstrap.install_realtime(None)


def ws_event(route: str, socket_id: str, query: dict[str, str] | None = None,
             headers: dict[str, str] | None = None, body: str | None = None) -> dict[str, Any]:
    kinds = {"$connect": "CONNECT", "$default": "MESSAGE"}
    return {"requestContext": {"routeKey": route, "eventType": kinds[route],
                               "connectionId": socket_id, "domainName": "ws.test",
                               "stage": "api", "apiId": "test"},
            "queryStringParameters": query, "headers": headers or {}, "body": body,
            "isBase64Encoded": False}


def invoke(api: Api, name: str, event: dict[str, Any]) -> Any:
    with Client(app_module.app) as client:
        return client.lambda_.invoke(name, event).payload


def connect(api: Api, socket_id: str, token: str) -> Any:
    return invoke(api, "ws_connect", ws_event("$connect", socket_id, {"token": token}))


def deliver_stream(api: Api, wiring: Wiring) -> None:
    invoke(api, "booking_events", {"Records": wiring.stream.read()})


def sns_event(message: str) -> dict[str, Any]:
    """What SNS pushes to a subscribed worker: one record."""
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:t:s",
                         "Sns": {"Type": "Notification", "MessageId": "m-1",
                                 "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                                 "Subject": None, "Message": message,
                                 "Timestamp": "2026-11-23T12:00:00.000Z",
                                 "MessageAttributes": {"type": {
                                     "Type": "String", "Value": "booking.confirmed"}}}}]}


def replay_event(*bodies: str) -> dict[str, Any]:
    """A batch from a dead-letter queue, as the replay mapping delivers it."""
    return {"Records": [{"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body,
                         "attributes": {"ApproximateReceiveCount": "1"},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:penny-notes-dlq",
                         "awsRegion": "us-east-1"} for i, body in enumerate(bodies)]}


def confirmed_event(api: Api, wiring: Wiring) -> str:
    """The booking.confirmed event SNS delivered to the calendar worker (which hears every
    booking; the notes worker only those of hosts who keep notes)."""
    wiring.stream.read()
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    deliver_stream(api, wiring)
    sqs = boto3.client("sqs", region_name="us-east-1")
    message = sqs.receive_message(QueueUrl=wiring.queues["calendar"])["Messages"][0]
    return str(json.loads(message["Body"])["Message"])


def ticket_claims(ticket: str) -> dict[str, Any]:
    """What a ticket says (host `sub`, login `sid`, id `jti`), read without the key."""
    return dict(jwt.decode(ticket, options={"verify_signature": False}))


def socket_items(host_id: str) -> dict[str, str]:
    """The host's socket items as the table holds them: sort key -> connection id."""
    return {str(item["sk"]): str(item["connection_id"]) for item in raw_socket_items(host_id)}


def raw_socket_items(host_id: str) -> list[dict[str, Any]]:
    """The host's socket items, every attribute as the table holds it."""
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    return list(table.query(KeyConditionExpression="pk = :pk",
                            ExpressionAttributeValues={":pk": f"HOSTCONNS#{host_id}"})["Items"])


def items_under(prefix: str) -> list[str]:
    """The pks of every item whose pk starts with `prefix` (a scan: tests only)."""
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    return [str(item["pk"]) for item in table.scan()["Items"]
            if str(item["pk"]).startswith(prefix)]


def old_style_socket(host_id: str, socket_id: str, session_id: str | None,
                     opened_at: datetime) -> None:
    """A socket as `$connect` stored it before sockets were keyed by their ticket: the
    host's item under the socket's id, and the WSCONN# lookup `$disconnect` read."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    expires = {"N": str(int((opened_at + timedelta(hours=2)).timestamp()))}
    login = {"session_id": {"S": session_id}} if session_id else {}
    client.put_item(TableName=TABLE, Item={
        "pk": {"S": f"HOSTCONNS#{host_id}"}, "sk": {"S": f"CONN#{socket_id}"},
        "kind": {"S": "ws_connection"}, "connection_id": {"S": socket_id},
        "expires_at": expires, **login})
    client.put_item(TableName=TABLE, Item={
        "pk": {"S": f"WSCONN#{socket_id}"}, "sk": {"S": "WSCONN"},
        "kind": {"S": "ws_lookup"}, "host_id": {"S": host_id}, "expires_at": expires})


@contextmanager
def table_requests() -> Iterator[list[str]]:
    """The DynamoDB requests made meanwhile, by operation name, in order."""
    made: list[str] = []
    client = PennyItem._get_connection().connection.client

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    client.meta.events.register("before-parameter-build", record, unique_id="table-requests")
    try:
        yield made
    finally:
        client.meta.events.unregister("before-parameter-build", unique_id="table-requests")
