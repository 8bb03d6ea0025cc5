"""The keys of a stored document that this version does not know: a newer one wrote them.

A deploy is not atomic (CloudFormation updates the functions one by one) and may be
rolled back, so an older version reads items a newer one wrote. A decoder hands a
dataclass only the keys that are its fields, and keeps the others on its `unknown_keys`
field, which the encoder writes back as they were: the older version neither fails on
them nor loses them when it writes the item again. Nothing is logged: it would be a line
for every read of such an item.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import fields
from typing import Any

UNKNOWN_KEYS = "unknown_keys"


def field_names(cls: type) -> frozenset[str]:
    """The dataclass's fields that are stored under their own names."""
    return frozenset(f.name for f in fields(cls) if f.name != UNKNOWN_KEYS)


def known(cls: type, d: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of `d` that are the dataclass's fields."""
    names = field_names(cls)
    return {k: v for k, v in d.items() if k in names}


def unknown(cls: type, d: Mapping[str, Any], read_apart: Collection[str] = ()
            ) -> dict[str, Any]:
    """The keys of `d` that are none of the dataclass's fields; `read_apart` are keys the
    decoder reads itself (an older layout), never written back as they were."""
    names = field_names(cls)
    return {k: v for k, v in d.items() if k not in names and k not in read_apart}


def with_unknown(written: dict[str, Any], kept: Mapping[str, Any]) -> dict[str, Any]:
    """The document this version writes, with the unknown keys it read put back; a key it
    writes itself is never replaced by a kept one."""
    return {**kept, **written} if kept else written
