"""Structured logs: one JSON object a line, in Powertools' Logger format, from every function.

Code logs through the standard library under "penny" (`logging.getLogger("penny.jobs")`):
services may not import an adapter, and the API's `import app` must not import
Powertools. `configure()` runs at every Lambda's init (app.py) and puts one handler on
"penny"; the first record that reaches it imports Powertools' formatter (the one its
Logger writes with), so a container that logs nothing, like the API answering slots and
pages, never pays for it. Each line carries the keys in scope where it was logged:

  the API (functions/request_logs.py)   request_id, function_request_id, booking_uid
  booking_events (functions/realtime)   event_id, event_type, booking_uid, host_id
  each worker (functions/realtime)      job, event_id, event_type, booking_uid, host_id

`scope(**keys)` sets keys for one request, event or job and puts back what was there
when it ends, so a warm container never lends one booking's uid to the next request.
Keys are ids. Never log a token, a secret link, a password, an e-mail address or an
attendee's answers: a message names ids and outcomes, never a request body.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

SERVICE = "penny"
# Powertools' own variable, so its documentation holds; INFO when unset.
LEVEL_VARIABLE = "POWERTOOLS_LOG_LEVEL"

_KEYS: ContextVar[Mapping[str, str] | None] = ContextVar("penny_log_keys", default=None)
# The "penny" logger's handlers, level and propagation before `configure`.
_before: tuple[list[logging.Handler], int, bool] | None = None


class JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record as Powertools' JSON, with the keys in scope (a record's own
    `extra` wins). The formatter is made with the first record, not at init."""

    def emit(self, record: logging.LogRecord) -> None:
        for key, value in (_KEYS.get() or {}).items():
            if key not in record.__dict__:
                setattr(record, key, value)
        if self.formatter is None:
            self.setFormatter(powertools_formatter())
        super().emit(record)


def powertools_formatter() -> logging.Formatter:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    # `name` (the logger: penny.api, penny.jobs, ...) says which part of Penny spoke.
    return LambdaPowertoolsFormatter(service=SERVICE, name="%(name)s", utc=True,
                                     use_rfc3339=True)


def configure(stream: IO[str] | None = None, level: str | None = None) -> logging.Logger:
    """Send "penny" and its children to `stream` (stdout) as JSON, at `level` or the
    POWERTOOLS_LOG_LEVEL variable's (INFO). Called again, it replaces the earlier set-up.

    "penny" is also Chalice's app logger: Chalice gives it a plain-text stdout handler at
    level ERROR (which dropped every warning below it). That handler is replaced, so
    Chalice's own lines come out as JSON too; and "penny" does not propagate, or Lambda's
    handler on the root logger would print each line again in its own format.
    """
    global _before
    logger = logging.getLogger(SERVICE)
    if _before is None:
        _before = (list(logger.handlers), logger.level, logger.propagate)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.addHandler(JsonHandler(stream or sys.stdout))
    logger.setLevel((level or os.environ.get(LEVEL_VARIABLE) or "INFO").upper())
    logger.propagate = False
    return logger


def unconfigure() -> None:
    """Put "penny" back as it was before `configure` (for tests)."""
    global _before
    if _before is None:
        return
    logger = logging.getLogger(SERVICE)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handlers, level, propagate = _before
    for handler in handlers:
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate
    _before = None


def present(keys: Mapping[str, object]) -> dict[str, str]:
    """The keys that have a text value (a missing id is left out, not logged as null)."""
    return {k: v for k, v in keys.items() if isinstance(v, str) and v}


@contextmanager
def scope(**keys: object) -> Iterator[None]:
    """Every record logged inside carries these keys; on leaving, the earlier ones return."""
    token = _KEYS.set({**(_KEYS.get() or {}), **present(keys)})
    try:
        yield
    finally:
        _KEYS.reset(token)


def note(**keys: object) -> None:
    """Add keys to the current scope, once known (a new booking's uid); they go with it."""
    _KEYS.set({**(_KEYS.get() or {}), **present(keys)})


def current() -> dict[str, str]:
    return dict(_KEYS.get() or {})


def event_keys(envelope: Any) -> dict[str, str]:
    """The keys of a booking event from its JSON envelope (domain/events.py), as the
    stream publishes it and a worker receives it; whatever is malformed is left out."""
    if not isinstance(envelope, Mapping):
        return {}
    booking = envelope.get("booking")
    return present({"event_id": envelope.get("id"), "event_type": envelope.get("type"),
                    "booking_uid": booking.get("uid") if isinstance(booking, Mapping) else None,
                    "host_id": envelope.get("host_id")})
