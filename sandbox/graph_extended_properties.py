"""Graph's single-value extended properties on the fake's events: set by a POST or PATCH
body's `singleValueExtendedProperties` (a PATCH adds to those the event has, or changes
one of the same id), and the `$filter` that finds events by one:

    singleValueExtendedProperties/Any(ep: ep/id eq '<id>' and ep/value eq '<value>')

the form Graph documents, and the only one the sandbox reads; any other filter, or a
property id that is none of Graph's forms, answers 400 in Graph's error shape. Graph
lists an event's extended properties only when asked to `$expand` them: the fake never
does (its tests read the store).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox.calendar_model import CalendarEvent

FIELD = "singleValueExtendedProperties"
# "{type} {guid} Name {name}", "{type} {guid} Id 0x{hex}" or "{type} 0x{tag}".
_ID = re.compile(r"^\w+ (\{[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\} (Name \S.*|Id 0x[0-9a-f]+)"
                 r"|0x[0-9a-f]{1,4})$", re.IGNORECASE)
_ANY = re.compile(r"^\s*singleValueExtendedProperties/Any\(\s*(?P<var>[a-z_]\w*)\s*:\s*"
                  r"(?P=var)/id\s+eq\s+'(?P<id>(?:[^']|'')*)'\s+and\s+"
                  r"(?P=var)/value\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*\)\s*$", re.IGNORECASE)


class BadFilter(ValueError):
    """A $filter the fake cannot read, worded as Graph's 400."""


def valid_id(property_id: str) -> bool:
    return bool(_ID.match(property_id))


def merged(held: Any, sent: Any) -> list[dict[str, str]]:
    """The event's properties after a body sent `sent` (ValueError: not properties)."""
    if not isinstance(sent, list) or not all(
            isinstance(p, dict) and isinstance(p.get("id"), str)
            and isinstance(p.get("value"), str) for p in sent):
        raise ValueError("singleValueExtendedProperties must be a list of {id, value} strings.")
    properties = {p["id"].casefold(): dict(p) for p in held or []}
    for sent_one in sent:
        if not valid_id(sent_one["id"]):
            raise ValueError(f"The extended property id '{sent_one['id']}' is not valid.")
        properties[sent_one["id"].casefold()] = {"id": sent_one["id"], "value": sent_one["value"]}
    return list(properties.values())


def event_filter(text: str | None) -> Callable[[CalendarEvent], bool]:
    """Which events a listing's `$filter` keeps (all, with none)."""
    if text is None:
        return lambda event: True
    found = _ANY.match(text)
    if found is None:
        raise BadFilter(f"Invalid filter clause: '{text}'. The sandbox reads only "
                        f"{FIELD}/Any(ep: ep/id eq '<id>' and ep/value eq '<value>').")
    wanted_id, value = (found[name].replace("''", "'") for name in ("id", "value"))
    if not valid_id(wanted_id):
        raise BadFilter(f"Invalid filter clause: the extended property id '{wanted_id}' "
                        "is not valid.")

    def keeps(event: CalendarEvent) -> bool:
        return any(p["id"].casefold() == wanted_id.casefold() and p["value"] == value
                   for p in event.body.get(FIELD) or [])
    return keeps
