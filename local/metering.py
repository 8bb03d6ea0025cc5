"""Counting the AWS requests Penny makes, with a botocore event hook.

Used by the round-trip tests and bench/ scripts (and later the cost model): it sees
every request PynamoDB sends, whatever endpoint it goes to (moto in-process, the
embedded AWS, or real DynamoDB).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class CallCounter:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)


@contextmanager
def dynamodb_calls() -> Iterator[CallCounter]:
    """Count DynamoDB operations made by the Penny table's PynamoDB client meanwhile."""
    from chalicelib.store.tables import PennyItem

    events = PennyItem._get_connection().connection.client.meta.events
    counter = CallCounter()
    events.register("before-call.dynamodb", counter, unique_id="penny-metering")
    try:
        yield counter
    finally:
        events.unregister("before-call.dynamodb", unique_id="penny-metering")
