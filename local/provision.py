"""Creates Penny's DynamoDB table in the embedded AWS, from the one shared definition.

`chalicelib.store.tables.table_definition()` is also what infra/ turns into CloudFormation,
so the local table has the same keys, indexes and TTL as the deployed one.
"""

from __future__ import annotations

import boto3

from chalicelib.store.tables import TTL_ATTRIBUTE, table_definition

# The embedded AWS accepts any credentials; explicit ones keep a developer's real
# ~/.aws profile from ever being read (or sent) while provisioning.
_LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def provision(endpoint_url: str, table_name: str, region: str) -> None:
    """Create the table and enable TTL; safe to call again on a provisioned table."""
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint_url, region_name=region, **_LOCAL_CREDENTIALS
    )
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
