"""The local WebSocket gateway and Lambda pollers, against a throwaway Chalice app.

The app here is not Penny's: it is the smallest one that uses what Penny's does
(`on_ws_connect` / `on_ws_message` / `on_ws_disconnect`, `websocket_api.send`, a
`lambda_function` worker pushed to by SNS, `on_dynamodb_record`; and an SQS handler with
partial batch failures, as a dead-letter replay is), so these tests pin
down how the gateway (`local/ws_*.py`) and the pollers (`local/event_sources.py` and
what it starts) behave like API Gateway and Lambda, independently of Penny's own
handlers. A real client (`websockets`) talks to the gateway; SQS and DynamoDB Streams
are the embedded AWS (moto's server).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
import requests
from aiohttp import web
from chalice import Chalice, WebsocketDisconnectedError
from chalice.app import DynamoDBEvent, SQSEvent, WebsocketEvent
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from chalicelib.integrations.websocket import ChaliceSender
from chalicelib.store.queues import QueueSpec
from local.aws import EmbeddedAWS
from local.event_sources import pollers_for_app
from local.provision import provision_messaging
from local.sns_push import SnsPushPoller
from local.sqs_poller import SqsPoller
from local.stream_poller import StreamPoller, forget_old_shard_iterators
from local.ws_gateway import WebSocketGateway

pytestmark = pytest.mark.e2e

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
GOOD_TOKEN = "good-token"


# ---- a throwaway app ---------------------------------------------------------------------


@dataclass
class Calls:
    """What the app's handlers were called with, safe to read from the test thread."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, route: str, event: dict[str, Any]) -> None:
        with self.changed:
            self.events.append((route, event))
            self.changed.notify_all()

    def of(self, route: str) -> list[dict[str, Any]]:
        with self.changed:
            return [event for name, event in self.events if name == route]

    def wait_for(
        self, route: str, match: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> dict[str, Any]:
        # The timeout only bounds a failure: it is generous so a busy machine is no failure.
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [e for name, e in self.events if name == route and match(e)]
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {route} event matched within {timeout} s")
                self.changed.wait(left)


def _throwaway_app(calls: Calls) -> Chalice:
    app = Chalice(app_name="ws-gateway-test")
    app.experimental_feature_flags.update(["WEBSOCKETS"])
    app.websocket_api.session = boto3.session.Session(region_name=REGION, **CREDENTIALS)

    @app.on_ws_connect()
    def connect_handler(event: WebsocketEvent) -> dict[str, Any]:
        raw = event.to_dict()
        calls.record("$connect", raw)
        query = raw.get("queryStringParameters") or {}
        headers = {k.lower(): v for k, v in raw["headers"].items()}
        offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
        if query.get("token") == "explode":
            raise RuntimeError("the $connect handler broke")
        if query.get("token") == GOOD_TOKEN:
            return {"statusCode": 200}
        if offered[-1:] == [GOOD_TOKEN]:
            # A browser cannot set headers: the token rides as the last subprotocol, and
            # the handshake only succeeds if the handler names the one it agrees to.
            return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": offered[0]}}
        return {"statusCode": 403, "body": json.dumps({"message": "Forbidden"})}

    @app.on_ws_message()
    def message_handler(event: WebsocketEvent) -> dict[str, Any]:
        calls.record("$default", event.to_dict())
        if event.body == "fail":
            raise RuntimeError("the $default handler broke")
        if event.body == "close me":
            app.websocket_api.close(event.connection_id)
        else:
            app.websocket_api.send(event.connection_id, f"echo: {event.body}")
        return {"statusCode": 200, "body": "never sent to the client"}

    @app.on_ws_disconnect()
    def disconnect_handler(event: WebsocketEvent) -> None:
        calls.record("$disconnect", event.to_dict())

    @app.lambda_function(name="notes_worker")
    def notes_worker(event: dict[str, Any], context: Any) -> None:
        (record,) = event["Records"]  # SNS pushes one at a time
        calls.record("sns", record)
        if record["Sns"]["Message"] == "poison":
            raise RuntimeError("the worker broke")

    @app.on_sqs_message(queue="gateway-test-replay", batch_size=10)
    def replay(event: SQSEvent) -> dict[str, Any]:
        failures = []
        for record in event:
            raw = record.to_dict()
            calls.record("sqs", raw)
            if raw["body"] == "poison":
                failures.append({"itemIdentifier": raw["messageId"]})
        return {"batchItemFailures": failures}

    @app.on_dynamodb_record(stream_arn="arn:aws:dynamodb:us-east-1:1:table/x/stream/y")
    def publisher(event: DynamoDBEvent) -> None:
        calls.record("stream", event.to_dict())
        keys = [record.keys["pk"]["S"] for record in event]
        tries = sum("flaky" in [r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]]
                    for e in calls.of("stream"))
        if "flaky" in keys and tries < 3:
            raise RuntimeError("the stream handler broke")

    return app


# ---- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAWS]:
    embedded = EmbeddedAWS().start()
    yield embedded
    embedded.stop()


@pytest.fixture(scope="module")
def stream_arn(aws: EmbeddedAWS) -> str:
    """A table with a stream, for the throwaway app's @on_dynamodb_record handler."""
    created = _client("dynamodb", aws).create_table(
        TableName=f"stream-{uuid.uuid4().hex[:8]}",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(created["TableDescription"]["LatestStreamArn"])


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def app(calls: Calls) -> Chalice:
    return _throwaway_app(calls)


@pytest.fixture
def gateway(app: Chalice) -> Iterator[WebSocketGateway]:
    running = WebSocketGateway(port=0).start(app)
    # What Penny's app does with PENNY_WEBSOCKET_ENDPOINT: chalice would otherwise derive
    # https://{apiId}.execute-api.{region}.amazonaws.com/{stage} from the event.
    app.websocket_api._endpoint = running.url
    yield running
    running.stop()


def _connect(gateway: WebSocketGateway, query: str = f"?token={GOOD_TOKEN}",
             **kwargs: Any) -> ClientConnection:
    return connect(f"{gateway.ws_url}/{query}", open_timeout=30, close_timeout=30, **kwargs)


def _connected_id(calls: Calls) -> str:
    return str(calls.of("$connect")[-1]["requestContext"]["connectionId"])


def _client(service: str, aws: EmbeddedAWS) -> Any:
    return boto3.client(service, endpoint_url=aws.url, region_name=REGION, **CREDENTIALS)


# ---- $connect ------------------------------------------------------------------------------


def test_connect_with_a_bad_token_is_refused_with_the_handlers_status(
    gateway: WebSocketGateway, calls: Calls
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _connect(gateway, "?token=forged")

    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.body or b"{}") == {"message": "Forbidden"}
    assert gateway.connection_ids == []
    # A refused connection never existed: no $disconnect for it. A connection opened and
    # closed after it is the barrier (not a pause): its $disconnect is the only one.
    with _connect(gateway):
        accepted = _connected_id(calls)
    calls.wait_for("$disconnect", lambda e: True)
    assert [e["requestContext"]["connectionId"] for e in calls.of("$disconnect")] == [accepted]


def test_connect_without_a_token_is_refused(gateway: WebSocketGateway) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _connect(gateway, "")

    assert refused.value.response.status_code == 403


def test_a_connect_handler_that_raises_refuses_with_502(gateway: WebSocketGateway) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _connect(gateway, "?token=explode")

    assert refused.value.response.status_code == 502


def test_connect_event_is_shaped_like_api_gateways(
    gateway: WebSocketGateway, calls: Calls
) -> None:
    with _connect(gateway, f"?token={GOOD_TOKEN}&tag=a&tag=b", user_agent_header="tests/1"):
        pass

    event = calls.of("$connect")[0]
    context = event["requestContext"]
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert context["messageDirection"] == "IN"
    assert context["stage"] == "local"
    assert context["domainName"] == gateway.domain_name
    assert context["apiId"] == gateway.api_id
    assert len(context["connectionId"]) == 16 and context["connectionId"].endswith("=")
    assert isinstance(context["connectedAt"], int)
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["requestId"]
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "tests/1"}
    assert event["queryStringParameters"] == {"token": GOOD_TOKEN, "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"token": [GOOD_TOKEN], "tag": ["a", "b"]}
    assert event["headers"]["Sec-WebSocket-Version"] == "13"
    assert event["headers"]["Sec-WebSocket-Key"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["multiValueHeaders"]["Sec-WebSocket-Version"] == ["13"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event


def test_a_token_in_the_subprotocol_header_reaches_connect_and_the_agreed_one_comes_back(
    gateway: WebSocketGateway, calls: Calls
) -> None:
    with _connect(gateway, "", subprotocols=["penny.v1", GOOD_TOKEN]) as ws:
        assert ws.subprotocol == "penny.v1"

    headers = calls.of("$connect")[0]["headers"]
    assert headers["Sec-WebSocket-Protocol"] == f"penny.v1, {GOOD_TOKEN}"


# ---- messages and the management API -------------------------------------------------------


def test_an_accepted_client_gets_what_the_app_sends_through_the_management_api(
    app: Chalice, gateway: WebSocketGateway, calls: Calls
) -> None:
    with _connect(gateway) as ws:
        connection_id = _connected_id(calls)
        assert gateway.connection_ids == [connection_id]

        # From outside any WebSocket handler, as the notifier does.
        app.websocket_api.send(connection_id, json.dumps({"type": "booking.created"}))
        assert json.loads(ws.recv(timeout=30)) == {"type": "booking.created"}

        # From the $default handler, in reply; the handler's own return value is not sent.
        ws.send('{"action": "ping"}')
        assert ws.recv(timeout=30) == 'echo: {"action": "ping"}'
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)

    message = calls.of("$default")[0]
    assert message["body"] == '{"action": "ping"}'
    assert message["isBase64Encoded"] is False
    assert message["requestContext"]["routeKey"] == "$default"
    assert message["requestContext"]["eventType"] == "MESSAGE"
    assert message["requestContext"]["connectionId"] == connection_id
    assert message["requestContext"]["messageId"]


def test_a_connection_is_registered_before_the_client_sees_the_handshake(
    app: Chalice, gateway: WebSocketGateway, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A busy machine may run the client before the gateway's loop resumes after the
    # handshake; a pause after it stands in for that, so the order is tested, not luck.
    prepare = web.WebSocketResponse.prepare

    async def prepare_then_stall(self: web.WebSocketResponse, request: web.BaseRequest) -> Any:
        writer = await prepare(self, request)
        await asyncio.sleep(1)
        return writer

    monkeypatch.setattr(web.WebSocketResponse, "prepare", prepare_then_stall)
    with _connect(gateway) as ws:
        connection_id = _connected_id(calls)

        assert gateway.connection_ids == [connection_id]
        app.websocket_api.send(connection_id, "as soon as it is open")
        assert ws.recv(timeout=30) == "as soon as it is open"


def test_a_failing_message_handler_gets_api_gateways_error_message(
    gateway: WebSocketGateway, calls: Calls
) -> None:
    with _connect(gateway) as ws:
        ws.send("fail")
        error = json.loads(ws.recv(timeout=30))

    assert error["message"] == "Internal server error"
    assert error["connectionId"] == _connected_id(calls)


def test_disconnect_is_invoked_when_the_client_closes(
    gateway: WebSocketGateway, calls: Calls
) -> None:
    with _connect(gateway):
        connection_id = _connected_id(calls)

    event = calls.wait_for(
        "$disconnect", lambda e: e["requestContext"]["connectionId"] == connection_id
    )
    assert event["requestContext"]["eventType"] == "DISCONNECT"
    assert event["requestContext"]["disconnectStatusCode"] == 1000
    assert event["requestContext"]["connectedAt"] == (
        calls.of("$connect")[0]["requestContext"]["connectedAt"]
    )
    assert gateway.connection_ids == []


def test_sending_to_an_unknown_connection_is_410_gone(
    app: Chalice, gateway: WebSocketGateway
) -> None:
    for path in ("/@connections/AAAAAAAAAAAAAAA=", "/local/@connections/AAAAAAAAAAAAAAA="):
        response = requests.post(f"{gateway.url}{path}", data=b"hi", timeout=30)
        assert response.status_code == 410
        assert response.headers["x-amzn-ErrorType"] == "GoneException"
        assert response.json()["message"]

    with pytest.raises(WebsocketDisconnectedError):
        app.websocket_api.send("AAAAAAAAAAAAAAA=", "hi")
    with pytest.raises(WebsocketDisconnectedError):
        app.websocket_api.close("AAAAAAAAAAAAAAA=")
    with pytest.raises(WebsocketDisconnectedError):
        app.websocket_api.info("AAAAAAAAAAAAAAA=")


def test_a_closed_connection_is_gone(app: Chalice, gateway: WebSocketGateway, calls: Calls) -> None:
    with _connect(gateway):
        connection_id = _connected_id(calls)
    calls.wait_for("$disconnect", lambda e: True)

    with pytest.raises(WebsocketDisconnectedError):
        app.websocket_api.send(connection_id, "too late")


def test_the_management_api_describes_and_deletes_a_connection(
    app: Chalice, gateway: WebSocketGateway, calls: Calls
) -> None:
    with _connect(gateway, user_agent_header="tests/2") as ws:
        connection_id = _connected_id(calls)
        info = app.websocket_api.info(connection_id)
        assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "tests/2"}
        assert info["ConnectedAt"] <= info["LastActiveAt"]

        app.websocket_api.close(connection_id)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000

    calls.wait_for("$disconnect", lambda e: e["requestContext"]["connectionId"] == connection_id)
    with pytest.raises(WebsocketDisconnectedError):
        app.websocket_api.send(connection_id, "gone")


def test_pennys_sender_finds_a_connection_open_until_its_client_closes_it(
    app: Chalice, gateway: WebSocketGateway, calls: Calls
) -> None:
    # What the host's bound asks of an old socket's record (GetConnection): a reloaded
    # tab's socket is gone, and its record can go.
    sender = ChaliceSender(app.websocket_api)
    with _connect(gateway):
        connection_id = _connected_id(calls)
        assert sender.is_open(connection_id)

    calls.wait_for("$disconnect", lambda e: e["requestContext"]["connectionId"] == connection_id)
    assert not sender.is_open(connection_id)
    assert not sender.is_open("AAAAAAAAAAAAAAA=")


def test_a_handler_may_close_its_own_connection(gateway: WebSocketGateway, calls: Calls) -> None:
    with _connect(gateway) as ws:
        ws.send("close me")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=30)
    calls.wait_for("$disconnect", lambda e: True)


def test_binary_posts_arrive_as_binary_frames(app: Chalice, gateway: WebSocketGateway,
                                              calls: Calls) -> None:
    with _connect(gateway) as ws:
        connection_id = _connected_id(calls)
        response = requests.post(
            f"{gateway.url}/@connections/{connection_id}", data=b"\xff\x00", timeout=30
        )
        assert response.status_code == 200
        assert ws.recv(timeout=30) == b"\xff\x00"


def test_stopping_the_gateway_closes_clients_and_invokes_disconnect(
    app: Chalice, calls: Calls
) -> None:
    gateway = WebSocketGateway(port=0).start(app)
    with _connect(gateway) as ws:
        connection_id = _connected_id(calls)

        gateway.stop()

        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=30)
    event = calls.wait_for("$disconnect", lambda e: True)
    assert event["requestContext"]["connectionId"] == connection_id
    assert event["requestContext"]["disconnectStatusCode"] == 1001
    with pytest.raises(requests.ConnectionError):
        requests.get(gateway.url, timeout=2)


def test_a_plain_http_request_is_told_to_upgrade(gateway: WebSocketGateway) -> None:
    assert requests.get(f"{gateway.url}/", timeout=30).status_code == 426


# ---- SQS poller ----------------------------------------------------------------------------


def test_sns_push_delivers_each_event_once_and_dead_letters_what_keeps_failing(
    aws: EmbeddedAWS, app: Chalice, calls: Calls, stream_arn: str
) -> None:
    spec = QueueSpec("notes", ("booking.confirmed",), max_retries=2)
    messaging = provision_messaging(aws.url, REGION, prefix="push-test", specs=(spec,))
    consumer = messaging.queues["notes"]
    sns = _client("sns", aws)
    for body, event_type in [("ok-1", "booking.confirmed"), ("poison", "booking.confirmed"),
                             ("ok-2", "booking.confirmed"), ("filtered", "booking.created")]:
        sns.publish(
            TopicArn=messaging.topic_arn,
            Message=body,
            MessageAttributes={"type": {"DataType": "String", "StringValue": event_type}},
        )
    pollers = pollers_for_app(
        app, aws_url=aws.url, region=REGION, messaging=messaging, stream_arn=stream_arn
    )
    (poller,) = [p for p in pollers if isinstance(p, SnsPushPoller)]
    poller.retry_delay = 0.01
    poller.start()
    try:
        sqs = _client("sqs", aws)
        deadline = time.monotonic() + 60
        dead: list[dict[str, Any]] = []
        while not dead and time.monotonic() < deadline:
            dead = sqs.receive_message(QueueUrl=consumer.dlq_url).get("Messages", [])
            time.sleep(0.2)
    finally:
        poller.stop()

    messages = [record["Sns"]["Message"] for record in calls.of("sns")]
    assert sorted(messages) == ["ok-1", "ok-2", "poison", "poison", "poison"]  # 1 + 2 retries
    (failure,) = [json.loads(m["Body"]) for m in dead]
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestPayload"]["Records"][0]["Sns"]["Message"] == "poison"
    assert failure["responsePayload"]["errorMessage"] == "the worker broke"
    record = calls.of("sns")[0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == consumer.subscription_arn
    assert record["Sns"]["TopicArn"] == messaging.topic_arn
    assert record["Sns"]["MessageAttributes"]["type"] == {
        "Type": "String", "Value": "booking.confirmed"}
    assert {"MessageId", "Timestamp", "SigningCertUrl", "UnsubscribeUrl"} <= set(record["Sns"])


def test_sqs_poller_honours_partial_batch_failures_and_the_redrive_policy(
    aws: EmbeddedAWS, calls: Calls, app: Chalice
) -> None:
    sqs = _client("sqs", aws)
    dlq = sqs.create_queue(QueueName="replay-test-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    redrive = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 3}
    queue = sqs.create_queue(QueueName="gateway-test-replay", Attributes={
        "VisibilityTimeout": "1", "RedrivePolicy": json.dumps(redrive)})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    for body in ("ok-1", "poison", "ok-2"):
        sqs.send_message(QueueUrl=queue, MessageBody=body, MessageAttributes={
            "type": {"DataType": "String", "StringValue": "booking.confirmed"}})
    # All three are waiting before the poller starts, so they arrive as one batch.
    poller = SqsPoller(app.handler_map["replay"], queue_url=queue,
                       queue_arn=queue_arn["Attributes"]["QueueArn"], sqs=sqs)
    poller.start()
    try:
        deadline = time.monotonic() + 60
        dead: list[dict[str, Any]] = []
        while not dead and time.monotonic() < deadline:
            dead = sqs.receive_message(QueueUrl=dlq).get("Messages", [])
            time.sleep(0.2)
    finally:
        poller.stop()

    assert [m["Body"] for m in dead] == ["poison"]
    bodies = [record["body"] for record in calls.of("sqs")]
    assert sorted(bodies) == ["ok-1", "ok-2", "poison", "poison", "poison"]  # each ok once
    first = calls.of("sqs")[:3]
    assert sorted(r["body"] for r in first) == ["ok-1", "ok-2", "poison"]  # one batch
    poison = [r for r in calls.of("sqs") if r["body"] == "poison"]
    assert [r["attributes"]["ApproximateReceiveCount"] for r in poison] == ["1", "2", "3"]
    record = first[0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue_arn["Attributes"]["QueueArn"]
    assert record["awsRegion"] == REGION
    assert record["receiptHandle"] and record["md5OfBody"]
    assert record["messageAttributes"]["type"] == {
        "stringValue": "booking.confirmed", "stringListValues": [], "binaryListValues": [],
        "dataType": "String",
    }
    # Nothing left: the successes were deleted once, the poison moved to the DLQ.
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"
    }


def test_sqs_poller_deletes_nothing_when_the_handler_raises(aws: EmbeddedAWS) -> None:
    sqs = _client("sqs", aws)
    url = sqs.create_queue(QueueName=f"raise-{uuid.uuid4().hex[:8]}",
                           Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    seen: list[tuple[str, str]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        assert context.get_remaining_time_in_millis() > 0 and context.aws_request_id
        seen.extend((r["body"], r["attributes"]["ApproximateReceiveCount"])
                    for r in event["Records"])
        if len(seen) <= 2:
            raise RuntimeError("first delivery fails")

    poller = SqsPoller(handler, queue_url=url, queue_arn=arn["Attributes"]["QueueArn"], sqs=sqs)
    poller.start()
    try:
        deadline = time.monotonic() + 30
        while len(seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        poller.stop()

    assert sorted(seen) == [("a", "1"), ("a", "2"), ("b", "1"), ("b", "2")]
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None


# ---- DynamoDB Streams poller ---------------------------------------------------------------


def test_stream_poller_delivers_every_write_and_retries_a_failed_batch(
    aws: EmbeddedAWS, app: Chalice, calls: Calls, stream_arn: str
) -> None:
    dynamodb = _client("dynamodb", aws)
    table = stream_arn.split("/")[1]
    # Written before the poller starts: TRIM_HORIZON must still deliver it.
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "early"}, "blob": {"B": b"\x00\x01"}})
    (poller,) = [
        p for p in pollers_for_app(
            app, aws_url=aws.url, region=REGION,
            messaging=provision_messaging(aws.url, REGION, prefix="stream-test", specs=(
                QueueSpec("notes", ("x",)),)),
            stream_arn=stream_arn,
        ) if isinstance(p, StreamPoller)
    ]
    poller.start()
    try:
        calls.wait_for("stream", lambda e: True)
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "flaky"}})
        calls.wait_for("stream", lambda e: len(calls.of("stream")) > 1)  # failed once
        dynamodb.update_item(
            TableName=table, Key={"pk": {"S": "early"}},
            UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": "1"}},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            r["eventName"] == "MODIFY" for e in calls.of("stream") for r in e["Records"]
        ):
            time.sleep(0.1)
    finally:
        poller.stop()

    batches = [[(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in e["Records"]]
               for e in calls.of("stream")]
    assert batches[0] == [("INSERT", "early")]
    # The batch holding "flaky" failed twice and was retried as it was; the write after it
    # waited behind it, as a shard does in Lambda.
    assert batches[1:] == [[("INSERT", "flaky")]] * 3 + [[("MODIFY", "early")]]

    record = calls.of("stream")[0]["Records"][0]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == stream_arn
    assert record["awsRegion"] == REGION
    assert record["eventVersion"] and record["eventID"]
    image = record["dynamodb"]
    assert image["NewImage"]["blob"] == {"B": "AAE="}  # base64, as in Lambda's JSON
    assert isinstance(image["ApproximateCreationDateTime"], int)
    assert image["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert image["SequenceNumber"] and image["SizeBytes"] > 0


class _StreamsWithAHook:
    """The real streams client, running `hook` once right after a GetShardIterator."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.hook: Callable[[], None] | None = None
        self._reads = 0  # GetRecords calls answered
        self._reads_at_hook: int | None = None

    def get_records(self, **kwargs: Any) -> Any:
        try:
            return self._real.get_records(**kwargs)
        finally:
            self._reads += 1

    def read_since_hook(self) -> bool:
        """Has a GetRecords been answered since the hook ran (after it finished)?"""
        return self._reads_at_hook is not None and self._reads > self._reads_at_hook

    def get_shard_iterator(self, **kwargs: Any) -> Any:
        response = self._real.get_shard_iterator(**kwargs)
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
            self._reads_at_hook = self._reads
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_stream_poller_never_delivers_a_rolled_back_transaction(aws: EmbeddedAWS) -> None:
    # moto rolls a failed TransactWriteItems back by swapping in a copy of the table and
    # its stream: an iterator issued before then reads the abandoned original, rolled-back
    # writes included, and never sees another record.
    dynamodb = _client("dynamodb", aws)
    table = f"rollback-{uuid.uuid4().hex[:8]}"
    arn = dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    seen: list[str] = []
    arrived = threading.Event()

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"])
        arrived.set()

    def failed_transaction() -> None:
        with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
            dynamodb.transact_write_items(TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "rolled-back"}}}},
                {"Put": {"TableName": table, "Item": {"pk": {"S": "before"}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
            ])

    streams = _StreamsWithAHook(_client("dynamodbstreams", aws))
    poller = StreamPoller(handler, stream_arn=arn, streams=streams).start()
    try:
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "before"}})
        assert arrived.wait(30)
        # The worst moment: between the poller's GetShardIterator and its GetRecords.
        streams.hook = failed_transaction
        deadline = time.monotonic() + 30
        # Write "after" only once the poller has read with the iterator issued before the
        # rollback (a read counted, not a pause guessed), so that iterator is what is tested.
        while not streams.read_since_hook() and time.monotonic() < deadline:
            time.sleep(0.05)
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "after"}})
        while "after" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        poller.stop()

    assert streams.hook is None  # the transaction did run inside the window
    assert seen == ["before", "after"]


def test_the_embedded_aws_forgets_old_shard_iterators(aws: EmbeddedAWS, stream_arn: str) -> None:
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    streams = _client("dynamodbstreams", aws)
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    for _ in range(5):
        streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
        )
    newest = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
    )["ShardIterator"]

    forget_old_shard_iterators(REGION, keep=1)

    assert list(dynamodbstreams_backends["123456789012"][REGION].shard_iterators) == [newest]
    assert streams.get_records(ShardIterator=newest)["Records"] == []
