"""The one definition of Penny's DynamoDB table.

A single on-demand table holds every item; `kind` (a PynamoDB discriminator) says which
model an item is, so one Query or BatchGet can return several kinds at once. That is
what keeps a slots request and a booking at two reads:

  access pattern                         key
  public config of a host, by slug       GSI1  gsi1pk = SLUG#{slug}
                                         (profile, schedule and event types together)
  booking ledger of a host, by UTC day   pk = LEDGER#{host}, sk = DAY#{yyyy-mm-dd}
  a booking, by uid                      pk = BOOKING#{uid}
  a host's bookings by start             GSI2  gsi2pk = HOSTBOOKINGS#{host}, gsi2sk = {start}#{uid}
  a job's run of a booking event         pk = JOB#{event id}, sk = {job} (TTL 30 days)
  a host's Stripe connection, by account GSI1  gsi1pk = PROVIDERACCOUNT#stripe#{acct}
  account by email, slug claims, idempotency keys, refresh tokens: pk = {KIND}#{id}

`infra/`, the local stack and the tests all build the table from `table_definition()`.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import DiscriminatorAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class SlugIndex(GlobalSecondaryIndex["PennyItem"]):
    """Everything a public page needs about a host, found by the host's slug."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class HostBookingsIndex(GlobalSecondaryIndex["PennyItem"]):
    """A host's bookings ordered by start time."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class PennyItem(Model):
    class Meta:
        table_name = "penny-dev"
        region = "us-east-1"
        host: str | None = None
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    # DynamoDB's TTL deletes expired items late (up to days): readers still check it.
    expires_at = TTLAttribute(null=True)

    by_slug = SlugIndex()
    host_bookings = HostBookingsIndex()


TTL_ATTRIBUTE = "expires_at"


def configure(table_name: str, region: str, endpoint: str | None,
              session: Any = None) -> None:
    """Point the models at a table; called once per container by bootstrap. `session`: the
    botocore session to make the DynamoDB client from (the container's shared one,
    integrations/aws_session.py), None for one of PynamoDB's own."""
    PennyItem.Meta.table_name = table_name
    PennyItem.Meta.region = region
    PennyItem.Meta.host = endpoint
    # Every item class shares the base class's connection, so there is one botocore
    # client per container (creating one costs tens of milliseconds of cold start).
    for model in PennyItem.__subclasses__():
        if "_connection" in vars(model):
            delattr(model, "_connection")
    PennyItem._connection = None
    connection = PennyItem._get_connection().connection
    if session is not None:
        # PynamoDB takes no session, and makes its client from the one on this (per
        # thread) slot, or from a new session that parses botocore's data again (~50 ms).
        connection._local.session = session


def table_definition() -> dict[str, Any]:
    """The CreateTable shape of the table, shared by infra/, the local stack and tests."""
    schema: dict[str, Any] = dict(PennyItem._get_schema())
    definition: dict[str, Any] = {
        "AttributeDefinitions": schema["attribute_definitions"],
        "KeySchema": schema["key_schema"],
        "BillingMode": "PAY_PER_REQUEST",
        # Every booking change becomes an event from this stream (Lambda's reads are free).
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": index["projection"],
            }
            for index in schema["global_secondary_indexes"]
        ],
    }
    pascal: dict[str, Any] = _pascal(definition)
    return pascal


def _pascal(value: Any) -> Any:
    # PynamoDB's schema uses snake_case keys; CreateTable and CloudFormation use PascalCase.
    if isinstance(value, dict):
        return {_pascal_key(k): _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def _pascal_key(key: str) -> str:
    return key if key[:1].isupper() else "".join(part.title() for part in key.split("_"))
