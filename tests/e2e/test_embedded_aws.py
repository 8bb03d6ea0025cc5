"""The local stack's embedded AWS (moto's server in-process): what it keeps in memory."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.dynamodb.models.table import Table

from local.aws import EmbeddedAWS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAWS]:
    embedded = EmbeddedAWS().start()
    yield embedded
    embedded.stop()


def test_transactions_leave_no_copy_of_the_table_behind(aws: EmbeddedAWS) -> None:
    # GIVEN a table with a stream, as Penny's (moto deep-copies a table, with its items
    # and stream records, before each TransactWriteItems, to roll back with)
    dynamodb = boto3.client("dynamodb", endpoint_url=aws.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    name = f"copies-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})

    # WHEN 30 transactions write to it, as 30 bookings would
    for n in range(30):
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": f"booking-{n}"}}}},
            {"Put": {"TableName": name, "Item": {"pk": {"S": f"day-{n}"}}}}])

    # THEN only the table itself is alive: no copy was kept (each was, before, so the
    # local stack grew by more with every booking)
    gc.collect()
    assert len([o for o in gc.get_objects() if isinstance(o, Table) and o.name == name]) == 1
    assert dynamodb.scan(TableName=name)["Count"] == 60


def test_a_failed_transaction_leaves_the_table_and_its_stream_as_they_were(
        aws: EmbeddedAWS) -> None:
    # GIVEN a table with a stream and one item written (a copy of the table shares its
    # stream records with it, so the rollback is what this checks)
    dynamodb = boto3.client("dynamodb", endpoint_url=aws.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    streams = boto3.client("dynamodbstreams", endpoint_url=aws.url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    name = f"rollback-{uuid.uuid4().hex[:8]}"
    arn = dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "taken"}})

    # WHEN a transaction writes one item, then fails its condition on the next
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "rolled-back"}}}},
            {"Put": {"TableName": name, "Item": {"pk": {"S": "taken"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}}])
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "after"}})

    # THEN neither the table nor its stream holds the rolled-back write
    assert sorted(i["pk"]["S"] for i in dynamodb.scan(TableName=name)["Items"]) == [
        "after", "taken"]
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["taken", "after"]
