"""Requests per confirmed booking to SNS, SQS and the WebSocket management API.

Runs the real handlers in-process on moto (the same path the Lambdas take): a booking
is made over the API, the table's stream records go to the stream handler, what SNS
delivers to each consumer is pushed to its worker as SNS would (the local delivery
queues stand in for that push and are not counted: SNS to Lambda is not an SQS
request), and the job records, once done, come back through the stream. Every AWS call is counted
by a botocore hook; WebSocket posts are counted at the sender. One host with one open dashboard.

    python bench/event_requests.py
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(key, value)

import boto3  # noqa: E402
from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402

import app as app_module  # noqa: E402
from chalicelib import bootstrap  # noqa: E402
from chalicelib.integrations.argon2_passwords import Argon2Passwords  # noqa: E402
from chalicelib.settings import Settings  # noqa: E402
from chalicelib.store.queues import QUEUES  # noqa: E402
from chalicelib.store.tables import table_definition  # noqa: E402
from local.provision import provision_messaging  # noqa: E402

BOOKINGS = 10


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class CountingSender:
    def __init__(self) -> None:
        self.posts = 0

    def send(self, socket_id: str, message: str) -> None:
        self.posts += 1


def main() -> None:
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[f"{model.service_model.service_name}.{model.name}"] += 1

    with mock_aws():
        ddb = boto3.client("dynamodb")
        stream_arn = ddb.create_table(TableName="penny-bench", **table_definition())[
            "TableDescription"]["LatestStreamArn"]
        boto3.setup_default_session()
        sns, sqs = boto3.client("sns"), boto3.session.Session().client("sqs")
        provisioned = provision_messaging(None, "us-east-1", prefix="penny-bench")
        topic = provisioned.topic_arn
        queues = {name: q.url for name, q in provisioned.queues.items()}
        services = bootstrap.build(Settings(table_name="penny-bench", events_topic_arn=topic),
                                   clock=Clock(),
                                   passwords=Argon2Passwords(time_cost=1, memory_cost=1024))
        bootstrap.install(services)
        sender = CountingSender()
        bootstrap.install_realtime(bootstrap.build_realtime(
            services.core, app_module.app.websocket_api, sns_client=sns, sender=sender))
        streams = boto3.client("dynamodbstreams",
                               endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
        shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        with Client(app_module.app) as client:
            json_headers = {"Content-Type": "application/json"}
            token = client.http.post("/auth/signup", headers=json_headers, body=json.dumps({
                "email": "b@example.com", "password": "bench-password", "slug": "bench",
                "display_name": "Bench", "timezone": "UTC"})).json_body["access_token"]
            auth = {**json_headers, "Authorization": f"Bearer {token}"}
            client.http.put("/me/schedule", headers=auth, body=json.dumps({"weekly": {
                "tuesday": [{"start": "09:00", "end": "17:00"}]}}))
            client.http.post("/me/event-types", headers=auth, body=json.dumps({
                "slug": "call", "title": "Call", "duration_minutes": 30,
                "location": {"kind": "zoom"}}))
            client.lambda_.invoke("ws_connect", {"requestContext": {
                "routeKey": "$connect", "eventType": "CONNECT", "connectionId": "dash",
                "domainName": "bench", "stage": "api", "apiId": "bench"},
                "queryStringParameters": {"token": token}, "headers": {}})
            iterator = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
            sns.meta.events.register("before-call", count)
            # Any SQS request the app makes, from any client of the default session,
            # counts; the local delivery queues are read through a session of their own.
            boto3.DEFAULT_SESSION.events.register("before-call.sqs", count)
            invocations = 0
            for n in range(BOOKINGS):
                client.http.post("/hosts/bench/call/bookings", headers=json_headers,
                                 body=json.dumps({"start": f"2026-11-24T{9 + n // 2:02d}:"
                                                           f"{30 * (n % 2):02d}:00Z",
                                                  "attendee": {"name": "A",
                                                               "email": f"a{n}@example.com",
                                                               "timezone": "UTC"}}))
            for _ in range(2):  # bookings, then the job records they finish
                page = streams.get_records(ShardIterator=iterator)
                iterator = page["NextShardIterator"]
                client.lambda_.invoke("booking_events", {"Records": page["Records"]})
                for name, url in queues.items():
                    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
                    for m in got.get("Messages", []):
                        client.lambda_.invoke(f"{name}_worker", {"Records": [
                            {"EventSource": "aws:sns", "Sns": json.loads(m["Body"])}]})
                        invocations += 1
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    per = {key: value / BOOKINGS for key, value in sorted(calls.items())}
    print(f"event_requests.bookings: {BOOKINGS} confirmed, 1 open dashboard, "
          f"{len(QUEUES)} workers")
    print(f"event_requests.sns_publish_per_booking: {per.get('sns.Publish', 0):.2f}")
    print(f"event_requests.worker_invocations_per_booking: {invocations / BOOKINGS:.2f}  "
          f"(SNS pushes each event to the workers whose filter takes it: this host, "
          f"neither premium nor keeping notes, wakes the calendar worker alone)")
    sqs_calls = sum(v for k, v in per.items() if k.startswith("sqs."))
    print(f"event_requests.sqs_requests_per_booking: {sqs_calls:.2f}  "
          f"(SQS only holds events that failed every retry; nothing polls it)")
    print(f"event_requests.websocket_posts_per_booking: {sender.posts / BOOKINGS:.2f}  "
          f"(created, confirmed, and booking.updated with the video note, to one "
          f"dashboard; a host who keeps notes also hears notes.saved)")


if __name__ == "__main__":
    main()
