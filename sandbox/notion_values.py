"""The fake Notion's property values: a page's value for each property of its data
source's schema, checked in the request shape and kept in the response shape.

Kept to what Penny writes: title, rich_text, email, url, select and date. Notion's rules
kept here: a value's key must be the property's type ("Email is expected to be email."),
a rich-text item holds at most 2,000 characters and a value at most 100 items, an e-mail
200 and a URL 2,000 (characters counted as JavaScript does, in UTF-16 units), a select
option named anew joins the schema (no commas in its name), and a date with `time_zone`
takes neither a UTC offset nor a bare date. Answers always carry `time_zone: null`, the
zone's offset written into `start` and `end`, as Notion renders them.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TYPES = frozenset({"title", "rich_text", "email", "url", "select", "date"})
MAX_TEXT, MAX_ITEMS, MAX_OPTION = 2000, 100, 100
MAX_EMAIL, MAX_URL = 200, 2000     # Notion's size limits for property values
_TEXT_FILTERS = frozenset({"equals", "does_not_equal", "contains", "is_empty", "is_not_empty"})


class Invalid(Exception):
    """A value Notion refuses with 400 validation_error."""


def schema_property(name: str, kind: str, options: tuple[str, ...] = ()) -> dict[str, Any]:
    """One property of a data source's schema, as `GET /v1/data_sources/{id}` lists it."""
    if kind not in TYPES:
        raise Invalid(f"the sandbox has no {kind} properties")
    config: dict[str, Any] = {"options": [_option(o) for o in options]} if kind == "select" \
        else {}
    pid = "title" if kind == "title" else secrets.token_urlsafe(3)
    return {"id": pid, "name": name, "type": kind, kind: config}


def updated_schema(schema: dict[str, dict[str, Any]], changes: Any) -> dict[str, dict[str, Any]]:
    """A schema after `PATCH /v1/data_sources/{id}`'s `properties`: a new property by name
    and type (`{"Booking": {"rich_text": {}}}`), or `null` to remove one. The sandbox keeps
    a property's type as it is."""
    if not isinstance(changes, dict):
        raise Invalid("body.properties should be an object.")
    updated = dict(schema)
    for name, change in changes.items():
        if change is None:
            if updated.get(name, {}).get("type") == "title":
                raise Invalid("A data source keeps its title property.")
            updated.pop(name, None)
            continue
        kinds = [k for k in change if k in TYPES] if isinstance(change, dict) else []
        if len(kinds) != 1:
            raise Invalid(f"body.properties.{name} should name one of {sorted(TYPES)}.")
        kind = kinds[0]
        if name in updated:
            if updated[name]["type"] != kind:
                raise Invalid(f"the sandbox does not change the type of {name}.")
            continue
        if kind == "title":
            raise Invalid("A data source has one title property.")
        config = change[kind] if isinstance(change[kind], dict) else {}
        names = tuple(str(o.get("name")) for o in config.get("options", [])
                      if isinstance(o, dict))
        updated[name] = schema_property(name, kind, names)
    return updated


def js_length(text: str) -> int:
    """A string's length as Notion (JavaScript) counts it: UTF-16 code units, so an emoji
    outside the Basic Multilingual Plane counts 2."""
    return len(text.encode("utf-16-le")) // 2


def rich_text(items: Any, where: str) -> list[dict[str, Any]]:
    """Request rich text (text items only) as Notion answers it."""
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise Invalid(f"{where} should be an array of at most {MAX_ITEMS} rich text items")
    made = []
    for i, item in enumerate(items):
        text = item.get("text") if isinstance(item, dict) else None
        content = text.get("content") if isinstance(text, dict) else None
        if not isinstance(content, str):
            raise Invalid(f"{where}[{i}].text.content should be defined")
        if js_length(content) > MAX_TEXT:
            raise Invalid(f"{where}[{i}].text.content.length should be ≤ `{MAX_TEXT}`, "
                          f"instead was `{js_length(content)}`.")
        link = text.get("link") if isinstance(text, dict) else None
        href = link.get("url") if isinstance(link, dict) else None
        if isinstance(href, str) and js_length(href) > MAX_TEXT:
            raise Invalid(f"{where}[{i}].text.link.url.length should be ≤ `{MAX_TEXT}`, "
                          f"instead was `{js_length(href)}`.")
        made.append({"type": "text", "text": {"content": content,
                                              "link": {"url": href} if href else None},
                     "annotations": {"bold": False, "italic": False, "strikethrough": False,
                                     "underline": False, "code": False, "color": "default",
                                     **(item.get("annotations") or {})},
                     "plain_text": content, "href": href})
    return made


def plain(items: list[dict[str, Any]]) -> str:
    return "".join(str(item.get("plain_text", "")) for item in items)


def empty(kind: str) -> Any:
    return [] if kind in ("title", "rich_text") else None


def value(prop: dict[str, Any], given: Any) -> Any:
    """The kept value of `given` (`{"<type>": ...}`) for the schema property `prop`; a new
    select option is added to `prop`."""
    name, kind = prop["name"], prop["type"]
    if not isinstance(given, dict) or kind not in given:
        raise Invalid(f"{name} is expected to be {kind}.")
    raw = given[kind]
    if kind in ("title", "rich_text"):
        return rich_text(raw, f"body.properties.{name}.{kind}")
    if raw is None:
        return None
    if kind in ("email", "url"):
        if not isinstance(raw, str):
            raise Invalid(f"body.properties.{name}.{kind} should be a string or `null`")
        limit, length = MAX_EMAIL if kind == "email" else MAX_URL, js_length(raw)
        if length > limit:
            raise Invalid(f"body.properties.{name}.{kind}.length should be ≤ `{limit}`, "
                          f"instead was `{length}`.")
        return raw
    if kind == "select":
        return _select(prop, raw)
    return _date(name, raw)


def render(prop: dict[str, Any], kept: Any) -> dict[str, Any]:
    kind = prop["type"]
    return {"id": prop["id"], "type": kind, kind: empty(kind) if kept is None else kept}


def matches(schema: dict[str, dict[str, Any]], values: dict[str, Any],
            condition: dict[str, Any]) -> bool:
    """Whether a page's values pass a query filter: a text or select condition on one
    property, or `and`/`or` of them."""
    for joint, test in (("and", all), ("or", any)):
        if joint in condition:
            return test(matches(schema, values, part) for part in condition[joint])
    name = condition.get("property")
    prop = schema.get(str(name)) or next((p for p in schema.values() if p["id"] == name), None)
    if prop is None:
        raise Invalid(f"Could not find property with name or id: {name}")
    kind, key = prop["type"], next((k for k in condition if k != "property"), "")
    if key != kind and not (key == "rich_text" and kind == "title"):
        raise Invalid(f"filter on {prop['name']} is expected to be {kind}.")
    ops = condition[key] if isinstance(condition[key], dict) else {}
    if len(ops) != 1 or next(iter(ops)) not in _TEXT_FILTERS:
        raise Invalid(f"body.filter.{key} should have one of {sorted(_TEXT_FILTERS)}")
    [(op, wanted)] = ops.items()
    kept = values.get(prop["id"])
    if kind == "select":
        have = kept["name"] if kept else None
    elif kind in ("title", "rich_text"):
        have = plain(kept or []) or None
    elif kind in ("email", "url"):
        have = kept
    else:
        raise Invalid(f"the sandbox does not filter on {kind} properties")
    outcomes = {"equals": have == wanted, "does_not_equal": have != wanted,
                "contains": isinstance(wanted, str) and wanted in (have or ""),
                "is_empty": not have, "is_not_empty": bool(have)}
    return bool(outcomes[op])


def _option(name: str) -> dict[str, Any]:
    return {"id": secrets.token_urlsafe(3), "name": name, "color": "default",
            "description": None}


def _select(prop: dict[str, Any], raw: Any) -> dict[str, Any]:
    options: list[dict[str, Any]] = prop["select"]["options"]
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and "name" not in raw:
        found = next((o for o in options if o["id"] == raw["id"]), None)
        if found is None:
            raise Invalid(f"Select option with id {raw['id']} does not exist.")
    else:
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name or len(name) > MAX_OPTION or "," in name:
            raise Invalid(f"body.properties.{prop['name']}.select.name should be a name of at "
                          f"most {MAX_OPTION} characters without commas")
        found = next((o for o in options if o["name"] == name), None)
        if found is None:
            found = _option(name)
            options.append(found)
    return {"id": found["id"], "name": found["name"], "color": found["color"]}


def _date(name: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("start"), str):
        raise Invalid(f"body.properties.{name}.date.start should be defined")
    zone_name = raw.get("time_zone")
    try:
        zone = ZoneInfo(zone_name) if isinstance(zone_name, str) else None
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"{zone_name} is not a valid time zone.") from exc
    ends = raw.get("end")
    return {"start": _moment(name, raw["start"], zone),
            "end": _moment(name, ends, zone) if isinstance(ends, str) else None,
            "time_zone": None}


def _moment(name: str, text: str, zone: ZoneInfo | None) -> str:
    try:
        if "T" not in text:
            if zone is not None:
                raise Invalid(f"{name}: a date with a time_zone needs a time.")
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"{text} is an invalid date for {name}.") from exc
    if zone is not None:
        if moment.tzinfo is not None:
            raise Invalid(f"{name}: start and end cannot have a UTC offset with a time_zone.")
        moment = moment.replace(tzinfo=zone)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds")
