"""Reading why DynamoDB refused a write: a failed condition, a cancelled transaction."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError

from chalicelib.store.tables import PennyItem


def connection() -> Connection:
    """The low-level connection TransactWrite needs, shared with the models."""
    return PennyItem._get_connection().connection


def condition_failed(exc: PynamoDBException) -> bool:
    """Whether a single-item write was refused by its condition (not a fault to raise)."""
    return exc.cause_response_code == "ConditionalCheckFailedException"


def saved_if_new(item: PennyItem) -> bool:
    """Put `item` only where no item has its key: False (nothing written) if one does."""
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def cancelled_reasons(exc: TransactWriteError) -> list[str | None]:
    """One code per transaction item ("ConditionalCheckFailed", None, ...).

    PynamoDB sends a TransactWrite's items grouped by kind, not in call order:
    condition checks, then deletes, then puts, then updates. Index accordingly.
    """
    if exc.cause_response_code != "TransactionCanceledException":
        raise exc
    return [None if r is None or r.code == "None" else r.code for r in exc.cancellation_reasons]
