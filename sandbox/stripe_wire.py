"""Stripe's wire as the fake speaks it: form-encoded nested parameters in, JSON objects and
`{"error": {...}}` bodies out, ids with Stripe's prefixes.

The SDK encodes nested values as bracketed keys (`line_items[0][price_data][unit_amount]`,
`metadata[booking_uid]`), every value a string; `parse_params` rebuilds the tree, turning
a level whose keys are all indexes into a list. Stripe itself checks the types, so the
handlers read values through `integer()` and `text()`, which raise `StripeFailure` with
Stripe's own codes and messages.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Response

from sandbox import stripe_units as units

ALPHABET = string.ascii_letters + string.digits


class StripeFailure(Exception):
    """An answer in Stripe's error shape, raised from anywhere in a handler."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 param: str | None = None, kind: str = "invalid_request_error",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.kind, self.headers = kind, headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.kind, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


def stripe_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Stripe answers pretty-printed JSON; the SDK does not care, a person reading does.
    response = Response(json.dumps(body, indent=2, ensure_ascii=False), status=status,
                        mimetype="application/json")
    response.headers.update(headers or {})
    return response


def parse_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`a[b][0][c]=v` pairs as the nested dicts and lists they encode."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head] + ([part for part in rest.rstrip("]").split("][")] if rest else [])
        node = tree
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StripeFailure(400, f"Invalid hash: {key}", code="parameter_invalid_hash",
                                    param=head)
            node = child
        node[path[-1] or str(len(node))] = value  # `expand[]=x`: the next index
    return {key: _lists(value) for key, value in tree.items()}


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _given(params: dict[str, Any], name: str, param: str, required: bool) -> Any:
    """The parameter's raw value; None when absent or empty (a 400 if `required`)."""
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise StripeFailure(400, f"Missing required param: {param}.",
                                code="parameter_missing", param=param)
        return None
    return raw


def integer(params: dict[str, Any], name: str, where: str = "", *, minimum: int = 0,
            required: bool = False) -> int | None:
    """An integer parameter; `where` is the bracketed path Stripe names in its error."""
    param = where or name
    raw = _given(params, name, param, required)
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.lstrip("-").isdigit():
        raise StripeFailure(400, f"Invalid integer: {raw}", code="parameter_invalid_integer",
                            param=param)
    value = int(raw)
    if value < minimum:
        kind = "positive" if minimum > 0 else "non-negative"
        raise StripeFailure(400, f"Invalid {kind} integer", code="parameter_invalid_integer",
                            param=param)
    return value


def text(params: dict[str, Any], name: str, where: str = "", *,
         required: bool = False, choices: Iterable[str] = ()) -> str | None:
    param = where or name
    raw = _given(params, name, param, required)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise StripeFailure(400, f"Invalid string: {raw!r}", code="parameter_invalid_string",
                            param=param)
    allowed = list(choices)
    if allowed and raw not in allowed:
        raise StripeFailure(400, f"Invalid {param}: must be one of {', '.join(allowed)}",
                            code="parameter_invalid_string", param=param)
    return raw


def metadata(params: dict[str, Any], name: str = "metadata") -> dict[str, str]:
    raw = params.get(name, {})
    if raw == "":
        return {}  # `metadata=` unsets every key
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise StripeFailure(400, "Invalid hash", code="parameter_invalid_hash", param=name)
    if len(raw) > 50 or any(len(k) > 40 or len(v) > 500 for k, v in raw.items()):
        raise StripeFailure(400, "Metadata may have up to 50 keys, each up to 40 characters "
                            "with values up to 500 characters.", param=name)
    return dict(raw)


def unknown(params: dict[str, Any], known: Iterable[str]) -> None:
    extra = sorted(set(params) - set(known) - {"expand"})
    if extra:
        raise StripeFailure(400, f"Received unknown parameter: {extra[0]}",
                            code="parameter_unknown", param=extra[0])


def money(amount: int, currency: str) -> str:
    """An amount as Stripe's messages show it ("25.00 USD", "1500 JPY")."""
    return units.money(amount, currency)


def masked(key: str) -> str:
    return key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key
