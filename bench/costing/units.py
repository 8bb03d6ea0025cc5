"""Billing units, from what a request really carried: DynamoDB item sizes and request
units, 64 KB / 32 KB message chunks, Lambda's 1 ms steps and cold starts.

Item sizes follow "DynamoDB item sizes and formats" (CapacityUnitCalculations.html):
attribute names count, numbers take 1 byte per two significant digits plus 1, lists and
maps 3 bytes plus 1 byte per element. Reads are 4 KB units (half for eventually
consistent), writes 1 KB units, transactions twice that (prepare and commit).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
STORAGE_OVERHEAD_BYTES = 100  # per item, and per index entry, for storage billing

Item = Mapping[str, Mapping[str, Any]]  # DynamoDB JSON: {"name": {"S": "value"}}


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").strip("0")
    return (max(1, len(digits)) + 1) // 2 + 1


def _binary_size(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    return len(base64.b64decode(value))


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one attribute value (without its name)."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return _binary_size(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(_number_size(n) for n in inner)
    if kind == "BS":
        return sum(_binary_size(b) for b in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Item | None) -> int:
    """Bytes of an item as DynamoDB bills it; 0 for no item."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool, transactional: bool = False) -> float:
    """Request units of reading `size` bytes (one item, or one Query page's sum)."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def write_units(size: int, transactional: bool = False) -> int:
    """Request units of writing an item whose larger image (before/after) is `size`."""
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return 2 * units if transactional else units


def index_writes(old: Item | None, new: Item | None,
                 key_names: tuple[str, ...]) -> list[int]:
    """Sizes of the writes one item change makes to a global secondary index.

    An item is in the index when it has every key attribute. Same keys before and after:
    one update; different keys: a delete and a put; in on one side only: one write.
    Projection is ALL, so an index entry is as big as the item.
    """
    def keys(item: Item | None) -> tuple[Any, ...] | None:
        if not item or any(name not in item for name in key_names):
            return None
        return tuple(repr(item[name]) for name in key_names)

    before, after = keys(old), keys(new)
    if before is None and after is None:
        return []
    if before is None:
        return [item_size(new)]
    if after is None:
        return [item_size(old)]
    if before == after:
        return [max(item_size(old), item_size(new))]
    return [item_size(old), item_size(new)]


def storage_bytes(items: Iterable[Item], indexes: Mapping[str, tuple[str, ...]]) -> int:
    """Table plus index storage, with DynamoDB's 100 bytes of overhead per entry."""
    total = 0
    for item in items:
        size = item_size(item) + STORAGE_OVERHEAD_BYTES
        total += size
        for key_names in indexes.values():
            if all(name in item for name in key_names):
                total += size
    return total


def chunks(size: int, unit: int) -> int:
    """Billed requests for a payload metered in `unit`-byte chunks (at least one)."""
    return max(1, math.ceil(size / unit))


def billed_ms(duration_ms: float) -> int:
    """Lambda bills each invocation's duration rounded up to the next millisecond."""
    return max(1, math.ceil(duration_ms))


def cold_start_share(invocations: float, minutes: float, warm_minutes: float,
                     floor: float) -> float:
    """Share of invocations that find no warm environment.

    Arrivals spread evenly over `minutes` (a Poisson stream); an environment left idle
    longer than `warm_minutes` is gone, so an invocation is cold when the gap before it
    is longer: e^(-rate * warm). AWS reports cold starts in under 1% of invocations for
    busy functions; `floor` keeps that (scale-out, deploys, host recycling).
    """
    if invocations <= 0:
        return 0.0
    rate = invocations / minutes
    return max(floor, math.exp(-rate * warm_minutes))
