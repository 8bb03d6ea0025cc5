"""The DynamoDB requests a store makes, by operation name, as its PynamoDB client sends
them (the store tests count round trips with it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chalicelib.store.tables import PennyItem

EVENT = "before-parameter-build.dynamodb"


@dataclass
class Requests:
    """The DynamoDB requests made, by operation name."""

    seen: Counter[str] = field(default_factory=Counter)

    def __call__(self, model: Any, **_: Any) -> None:
        self.seen[model.name] += 1

    def take(self) -> dict[str, int]:
        seen, self.seen = dict(self.seen), Counter()
        return seen


@contextmanager
def recorded() -> Iterator[Requests]:
    """Count the requests of the table's client while inside (the table configured)."""
    recorder = Requests()
    client = PennyItem._get_connection().connection.client
    client.meta.events.register(EVENT, recorder, unique_id="counted-requests")
    try:
        yield recorder
    finally:
        client.meta.events.unregister(EVENT, unique_id="counted-requests")
