"""Creates Penny's AWS resources in the embedded AWS, from the one shared definition.

`chalicelib.store.tables.table_definition()` is also what infra/ turns into CloudFormation,
so the local table has the same keys, indexes, stream and TTL as the deployed one; and
`chalicelib.store.queues` (the topic, and per consumer a filtered subscription and a
dead-letter queue) is what infra/ builds the fan-out from, so the local topic, filters
and dead-letter queues are the deployed ones too. One difference: the embedded AWS has
no Lambda to push to, so each consumer's subscription delivers to a local "delivery"
queue, which `local.sns_push.SnsPushPoller` turns into the pushes SNS would make.
The paid-booking hold timers get their schedule group and role as infra/hold_timers.py
makes them; moto keeps schedules without running them, which
`local.schedule_poller.SchedulePoller` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from chalicelib.store.queues import QUEUES, TOPIC, QueueSpec
from chalicelib.store.tables import TTL_ATTRIBUTE, table_definition

# The embedded AWS accepts any credentials; explicit ones keep a developer's real
# ~/.aws profile from ever being read (or sent) while provisioning.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

PREFIX = "penny-local"


def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    return boto3.client(
        service, endpoint_url=endpoint_url, region_name=region, **LOCAL_CREDENTIALS
    )


def provision(endpoint_url: str, table_name: str, region: str) -> None:
    """Create the table and enable TTL; safe to call again on a provisioned table."""
    client = _client("dynamodb", endpoint_url, region)
    try:
        client.create_table(TableName=table_name, **table_definition())
    except client.exceptions.ResourceInUseException:
        pass  # already there: fall through so a half-provisioned table still gets TTL
    else:
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    # DynamoDB rejects enabling TTL twice, so only ask when it is off.
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )


def stream_arn(endpoint_url: str, table_name: str, region: str) -> str | None:
    """The table's current stream ARN, or None when the table has no stream."""
    table = _client("dynamodb", endpoint_url, region).describe_table(TableName=table_name)
    arn = table["Table"].get("LatestStreamArn")
    return str(arn) if arn else None


@dataclass(frozen=True)
class QueueResources:
    """One consumer, as provisioned: its local delivery queue (standing in for SNS's push
    to the worker) and its dead-letter queue."""

    spec: QueueSpec
    url: str
    arn: str
    dlq_url: str
    subscription_arn: str


@dataclass(frozen=True)
class Messaging:
    """The fan-out resources as provisioned (infra/messaging.py's, locally): the
    booking-events topic and the consumers, by logical name."""

    topic_arn: str
    queues: dict[str, QueueResources]


def provision_messaging(
    endpoint_url: str | None,
    region: str,
    prefix: str = PREFIX,
    specs: tuple[QueueSpec, ...] = QUEUES,
) -> Messaging:
    """Create the topic, and per spec a DLQ, a delivery queue and a filtered
    subscription; safe to call again (the settings are put again, not duplicated)."""
    sns = _client("sns", endpoint_url, region)
    sqs = _client("sqs", endpoint_url, region)
    topic_arn = str(sns.create_topic(Name=f"{prefix}-{TOPIC}")["TopicArn"])  # idempotent
    queues = {}
    for spec in specs:
        dlq_url = _queue(sqs, spec.dlq_name(prefix))
        url = _queue(sqs, f"{prefix}-{spec.name}-delivery")
        arn = str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"])
        subscription = _subscribe(sns, topic_arn, arn, spec)
        queues[spec.name] = QueueResources(spec, url, arn, dlq_url, subscription)
    return Messaging(topic_arn, queues)


def _queue(sqs: Any, name: str) -> str:
    """The queue's URL, creating it when missing."""
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except sqs.exceptions.QueueDoesNotExist:
        return str(sqs.create_queue(QueueName=name)["QueueUrl"])


def _subscribe(sns: Any, topic_arn: str, queue_arn: str, spec: QueueSpec) -> str:
    attributes = {
        # SNS's JSON envelope, as a Lambda subscriber gets it (record["Sns"]).
        "RawMessageDelivery": "false",
        "FilterPolicy": json.dumps(spec.filter_policy),
    }
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    for page in pages:
        for subscription in page["Subscriptions"]:
            if subscription["Protocol"] == "sqs" and subscription["Endpoint"] == queue_arn:
                arn = str(subscription["SubscriptionArn"])
                for name, value in attributes.items():
                    sns.set_subscription_attributes(
                        SubscriptionArn=arn, AttributeName=name, AttributeValue=value
                    )
                return arn
    created = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    return str(created["SubscriptionArn"])


@dataclass(frozen=True)
class HoldTimers:
    """The paid-booking hold timers' group and role (infra/hold_timers.py's, locally)."""

    group: str
    role_arn: str


def provision_hold_timers(endpoint_url: str | None, region: str, topic_arn: str,
                          prefix: str = PREFIX) -> HoldTimers:
    """The schedule group Penny makes hold timers in, and the role they name (moto checks
    no policy, but the role is the deployed one: Scheduler's to assume, publish only);
    safe to call again (moto's CreateScheduleGroup would empty an existing group)."""
    scheduler = _client("scheduler", endpoint_url, region)
    group = f"{prefix}-holds"
    try:
        scheduler.get_schedule_group(Name=group)
    except scheduler.exceptions.ResourceNotFoundException:
        scheduler.create_schedule_group(Name=group)
    iam = _client("iam", endpoint_url, region)
    name = f"{prefix}-hold-scheduler"
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        publish = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn}]}
        iam.put_role_policy(RoleName=name, PolicyName="PublishHoldExpired",
                            PolicyDocument=json.dumps(publish))
    return HoldTimers(group, str(role["Arn"]))


# What password reset e-mail is sent from on this machine (the operator's verified SES
# identity in AWS; docs/deploy.md). The embedded SES keeps what is sent: local/outbox.py.
LOCAL_SENDER = "penny@penny.local"


def provision_email(endpoint_url: str | None, region: str) -> str:
    """Verify the local sender in the embedded SES (which, like SES, refuses to send from
    an address it does not know); return it."""
    _client("sesv2", endpoint_url, region).create_email_identity(EmailIdentity=LOCAL_SENDER)
    return LOCAL_SENDER
