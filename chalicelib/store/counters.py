"""Counters with a TTL, for rate limits: one GetItem to read, one write to count.

A counter is one small item (well under 1 KB: one read or write unit). DynamoDB's TTL
deletes it late, so its expiry is also returned to the reader, who judges it.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.services.ports import Count
from chalicelib.store.items import CounterItem


def counter_keys(key: str) -> tuple[str, str]:
    """The counter item's (pk, sk); the booking transaction counts on the same item."""
    return f"COUNTER#{key}", "COUNTER"


class CounterRepository:
    def read(self, key: str) -> Count | None:
        try:
            item = CounterItem.get(*counter_keys(key), consistent_read=True)
        except DoesNotExist:
            return None
        assert item.expires_at is not None
        return Count(int(item.hits), item.last_at, item.expires_at)

    def add(self, key: str, now: datetime, expires_at: datetime, restart: bool = False) -> int:
        """Count one more and return the new count; `restart` starts again at 1."""
        if restart:
            CounterItem(*counter_keys(key), hits=1, last_at=now, expires_at=expires_at).save()
            return 1
        item = CounterItem(*counter_keys(key))
        # ADD is atomic: concurrent attempts each count. `kind` must be set by hand, as
        # an update (unlike a put) does not write the discriminator by itself.
        item.update(actions=[CounterItem.kind.set(CounterItem), CounterItem.hits.add(1),
                             CounterItem.last_at.set(now), CounterItem.expires_at.set(expires_at)])
        return int(item.hits)

    def take_back(self, key: str) -> None:
        """Count one fewer (an attempt that turned out not to count), never below 0."""
        item = CounterItem(*counter_keys(key))
        try:
            item.update(actions=[CounterItem.hits.add(-1)],
                        condition=CounterItem.hits > 0)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def clear(self, key: str) -> None:
        CounterItem(*counter_keys(key)).delete()
