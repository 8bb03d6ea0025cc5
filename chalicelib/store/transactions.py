"""Reading why DynamoDB refused a write: a failed condition, a cancelled transaction."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib.store.tables import PennyItem


def connection() -> Connection:
    """The low-level connection TransactWrite needs, shared with the models."""
    return PennyItem._get_connection().connection


def condition_failed(exc: PynamoDBException) -> bool:
    """Whether a single-item write was refused by its condition (not a fault to raise)."""
    return exc.cause_response_code == "ConditionalCheckFailedException"


def cancelled_reasons(exc: TransactWriteError) -> list[str | None]:
    """One code per transaction item ("ConditionalCheckFailed", None, ...).

    PynamoDB sends a TransactWrite's items grouped by kind, not in call order:
    condition checks, then deletes, then puts, then updates. Index accordingly.
    """
    if exc.cause_response_code != "TransactionCanceledException":
        raise exc
    return [None if r is None or r.code == "None" else r.code for r in exc.cancellation_reasons]
