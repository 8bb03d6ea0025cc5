"""The month's clock, and the sandbox (and Penny's Stripe adapter) following it.

The provider sandbox's calendars and its Stripe follow the month's clock, and so does
Penny's Stripe adapter (it reads the time itself: Stripe's rules for a session's expiry
are in real time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class SimClock:
    current: datetime

    def now(self) -> datetime:
        return self.current


# The sandbox's calendar modules that read the time: push channels expire, events are
# stamped, by the month's clock (a month simulated in minutes would otherwise see every
# channel expire on day 7 and renew it on every request after).
SANDBOX_CALENDAR_MODULES = ("sandbox.google_event_calls", "sandbox.google_push_calls",
                            "sandbox.calendar_store", "sandbox.calendar_model",
                            "sandbox.graph_subscriptions")


@contextmanager
def sandbox_calendars_follow(clock: SimClock) -> Iterator[None]:
    import importlib

    class SimulatedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return clock.current if tz is None else clock.current.astimezone(tz)

    modules = [importlib.import_module(name) for name in SANDBOX_CALENDAR_MODULES]
    saved = [module.datetime for module in modules]
    for module in modules:
        module.datetime = SimulatedDatetime  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, original in zip(modules, saved, strict=True):
            module.datetime = original  # type: ignore[attr-defined]


@contextmanager
def stripe_follows(clock: SimClock) -> Iterator[None]:
    """The fake Stripe's clock (sessions made, expiring) and Penny's Stripe adapter's
    (a session's least lifetime, from now) read the month's time; webhook signatures stay
    in real time on both sides (both check them against the wall clock)."""
    import importlib

    class SimulatedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return clock.current if tz is None else clock.current.astimezone(tz)

    patches = [(importlib.import_module("sandbox.stripe_objects"), "now",
                lambda: int(clock.current.timestamp())),
               (importlib.import_module("chalicelib.integrations.stripe_payments"), "datetime",
                SimulatedDatetime)]
    saved = [getattr(module, name) for module, name, _ in patches]
    for module, name, value in patches:
        setattr(module, name, value)
    try:
        yield
    finally:
        for (module, name, _), original in zip(patches, saved, strict=True):
            setattr(module, name, original)
