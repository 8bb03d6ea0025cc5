"""The fake Gemini's "model": a deterministic answer built from the request alone, so a
test can say exactly what a brief will hold and a real client can parse it.

It reads the user turn as data: the first JSON document in it (Penny sends one), from
which it takes the client's name, the event, the answers to the booking questions and
earlier bookings by key names, never by position. It then fills the response schema (the
OpenAPI subset google-genai sends, in either snake_case or camelCase spelling) with fixed
sentences that echo what it found, and counts tokens as Google's rule of thumb does
(about four characters a token). It follows no instruction found in the data: a prompt
injection comes back quoted inside a sentence, as data, which is the property the tests
need to check Penny's side of the contract.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Thinking tokens per prompt token, by level; a budget caps its share of the prompt.
_THINKING_SHARE = {"MINIMAL": 0.0, "LOW": 0.125, "MEDIUM": 0.25, "HIGH": 0.5, "XHIGH": 0.75}
_DEFAULT_SHARE = 0.25


def tokens(text: str) -> int:
    """Tokens in `text`, deterministically: a token per four characters, rounded up."""
    return math.ceil(len(text) / 4)


def setting(config: dict[str, Any], name: str) -> Any:
    """A field of a proto-JSON object by its snake_case name, whichever way it was spelt
    (Google's parser takes both; google-genai sends camelCase outside, snake inside)."""
    head, *rest = name.split("_")
    camel = head + "".join(part.title() for part in rest)
    return config.get(name, config.get(camel))


@dataclass
class Facts:
    """What the fake found in the request's data."""

    name: str = "the client"
    event: str = "the meeting"
    answers: list[tuple[str, str]] = field(default_factory=list)
    earlier: int = 0


def facts_from(user_text: str) -> Facts:
    """The name (a key ending in "name"), the event (a key with "event" or "title"), the
    answers (a list under a key with "answer") and how many earlier bookings (a list
    under "earlier" or "history"); text that is not JSON is one answer, "Message"."""
    document = _document(user_text)
    if document is None:
        return Facts(answers=[("Message", user_text.strip())] if user_text.strip() else [])
    leaves = list(_leaves(document))
    found = Facts()
    found.name = next((v for k, v in leaves if k.endswith("name")), found.name)
    found.event = next((v for k, v in leaves if "event" in k or "title" in k), found.event)
    answers = _list_under(document, "answer")
    found.answers = [pair for item in answers if (pair := _pair(item)) is not None]
    found.earlier = len(_list_under(document, "earlier") or _list_under(document, "history"))
    return found


def answer_text(user_text: str, config: dict[str, Any]) -> str:
    """The answer's text: JSON filling the response schema when JSON was asked for,
    otherwise the same sentences as plain lines."""
    facts = facts_from(user_text)
    schema = setting(config, "response_schema")
    if setting(config, "response_mime_type") == "application/json":
        value = _fill(schema, "", facts) if isinstance(schema, dict) else _default(facts)
        return json.dumps(value, ensure_ascii=False)
    brief = _default(facts)
    return "\n".join([brief["who"], brief["wants"], *brief["prepare"], *brief["questions"]])


def thinking_tokens(prompt_tokens: int, config: dict[str, Any]) -> int:
    """Thinking tokens spent: a share of the prompt set by the level (a quarter when
    none is given), capped by a budget."""
    thinking = setting(config, "thinking_config") or {}
    budget = setting(thinking, "thinking_budget")
    level = str(setting(thinking, "thinking_level") or "").upper()
    spent = math.floor(prompt_tokens * _THINKING_SHARE.get(level, _DEFAULT_SHARE))
    # A budget caps thinking (0 turns it off); -1 is "dynamic", as if none were set.
    return min(budget, spent) if isinstance(budget, int) and budget >= 0 else spent


# ---- the sentences ---------------------------------------------------------------------


def _default(facts: Facts) -> dict[str, Any]:
    return {name: _fill({"type": kind}, name, facts) for name, kind in
            (("who", "STRING"), ("wants", "STRING"), ("prepare", "ARRAY"),
             ("questions", "ARRAY"))}


def _fill(schema: dict[str, Any], name: str, facts: Facts) -> Any:
    kind = str(schema.get("type", "STRING")).upper()
    options = setting(schema, "any_of")
    if options:
        return _fill(options[0], name, facts)
    if kind == "OBJECT":
        properties: dict[str, Any] = schema.get("properties") or {}
        order = setting(schema, "property_ordering") or list(properties)
        return {key: _fill(properties[key], key, facts) for key in order if key in properties}
    if kind == "ARRAY":
        items = _items(name.lower(), facts)
        least, most = setting(schema, "min_items"), setting(schema, "max_items")
        items = items[:int(most)] if most is not None else items
        while least is not None and len(items) < int(least):
            items.append(f"Look over the {facts.event} booking.")
        return items
    if schema.get("enum"):
        return schema["enum"][0]
    if kind in ("INTEGER", "NUMBER"):
        return len(facts.answers)
    if kind == "BOOLEAN":
        return bool(facts.answers)
    return _sentence(name.lower(), facts)


def _sentence(name: str, facts: Facts) -> str:
    if "who" in name:
        before = (f" They have booked with you {facts.earlier} time(s) before."
                  if facts.earlier else " It is their first booking with you.")
        return f"{facts.name} booked {facts.event}.{before}"
    if "want" in name:
        if facts.answers:
            question, answer = facts.answers[0]
            return f'{facts.name} wants to talk about "{answer}" (their answer to "{question}").'
        return f"{facts.name} wants to talk about {facts.event}."
    return f"{name.replace('_', ' ').capitalize() or 'Brief'}: {facts.name}, {facts.event}."


def _items(name: str, facts: Facts) -> list[str]:
    if "question" in name:
        return [f'Ask {facts.name} more about "{question}".' for question, _ in facts.answers]
    if "prepare" in name:
        return [f'Read the answer to "{question}": "{answer}".'
                for question, answer in facts.answers] or [f"Look over the {facts.event} booking."]
    return [f"{question}: {answer}" for question, answer in facts.answers]


# ---- reading the data ------------------------------------------------------------------


def _document(text: str) -> Any:
    """The first JSON object or array in `text`, or None."""
    decoder = json.JSONDecoder()
    for start, char in enumerate(text):
        if char in "{[":
            try:
                return decoder.raw_decode(text, start)[0]
            except ValueError:
                continue
    return None


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) for every string in `value`, depth first, keys lowercased."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, str(name).lower())
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, key)
    elif isinstance(value, str) and value.strip():
        yield key, value


def _list_under(value: Any, word: str) -> list[Any]:
    """The first list held under a key containing `word`."""
    if isinstance(value, dict):
        for name, item in value.items():
            if word in str(name).lower() and isinstance(item, list):
                return item
            if found := _list_under(item, word):
                return found
    elif isinstance(value, list):
        for item in value:
            if found := _list_under(item, word):
                return found
    return []


def _pair(item: Any) -> tuple[str, str] | None:
    if isinstance(item, dict):
        question = next((str(v) for k, v in item.items()
                         if any(w in k.lower() for w in ("question", "label"))), None)
        answer = next((str(v) for k, v in item.items() if "answer" in k.lower()), None)
        return (question, answer) if question is not None and answer is not None else None
    if isinstance(item, list) and len(item) == 2:
        return str(item[0]), str(item[1])
    return None
