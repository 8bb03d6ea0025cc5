"""What the harness's table holds: an item as it is now (the meter's lookup), what a
filtered Query read (the meter's too), the table's bytes, kept for good and expiring by
TTL, and a fresh table for each sample host."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from bench.costing.holds import HoldTimers
from bench.costing.stack_names import REGION, TABLE
from bench.costing.units import Item, storage_bytes

_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


class StoredItems:
    """The table's items, read through the harness's own (unmetered) client."""

    indexes: dict[str, tuple[str, ...]]
    holds: HoldTimers
    _reader: Any
    unmetered: Callable[[], AbstractContextManager[None]]
    pump: Callable[[], int]
    _follow_stream: Callable[[], None]

    def _lookup(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item = self._reader.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
        return item.get("Item")  # type: ignore[no-any-return]

    def _read_unfiltered(self, operation: str, params: dict[str, Any]) -> list[Item]:
        """The items a Query or Scan page read before its filter (the meter bills them):
        the same request without the filter, and the placeholders only it used."""
        kept = {k: v for k, v in params.items()
                if k not in ("FilterExpression", "QueryFilter", "ScanFilter",
                             "ConditionalOperator", "ReturnConsumedCapacity")}
        used = set(_PLACEHOLDER.findall(" ".join(
            str(kept.get(k, "")) for k in ("KeyConditionExpression", "ProjectionExpression"))))
        for placeholders in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            if placeholders in kept:
                kept[placeholders] = {k: v for k, v in kept[placeholders].items() if k in used}
                if not kept[placeholders]:
                    del kept[placeholders]
        read = self._reader.query if operation == "Query" else self._reader.scan
        return read(**kept).get("Items", [])  # type: ignore[no-any-return]

    def _items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self._reader.get_paginator("scan").paginate(TableName=TABLE):
            items.extend(page["Items"])
        return items

    def stored(self) -> tuple[int, int]:
        """Bytes the table holds now: (kept for good, expiring by TTL)."""
        from chalicelib.store.tables import TTL_ATTRIBUTE

        items = self._items()
        expiring = [i for i in items if TTL_ATTRIBUTE in i]
        kept = [i for i in items if TTL_ATTRIBUTE not in i]
        return storage_bytes(kept, self.indexes), storage_bytes(expiring, self.indexes)

    def empty_table(self) -> tuple[int, int]:
        """What the table holds (`stored`); then a new, empty table for the next host.

        Hosts share nothing. moto copies the whole table, stream included, for every
        transaction and scans every item for an index query, so a table kept across
        hosts would make the run slower and slower; a fresh one per host keeps it flat.
        """
        from local.provision import provision

        with self.unmetered():
            self.pump()
            stored = self.stored()
            self._reader.delete_table(TableName=TABLE)
            self.holds.forget()  # the timers of holds that went with the table
            provision(None, TABLE, REGION)  # type: ignore[arg-type]
            self._follow_stream()
        return stored
