"""A JSON attribute written compactly: the item models' JSON documents (items.py)."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import JSONAttribute


class CompactJSONAttribute(JSONAttribute):
    """JSON as DynamoDB should store it: no space after `,` and `:`, and text outside
    ASCII as UTF-8 (2-4 bytes) rather than `\\uXXXX` escapes (6-12). DynamoDB bills a
    write per KB of the item, and a booking's JSON is most of its item. Items written
    before read the same: only the writing changed."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
