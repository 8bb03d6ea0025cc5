"""What stands before every fake API call: a counter per endpoint, failures a test queued
(429 or 5xx, with Retry-After), answers a test queued to be lost after the work is done
(where an endpoint asks), and a delay a test set to make answers slow."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: int | None  # seconds, sent as Retry-After
    endpoint: str | None = None  # only a call to this endpoint (None: the next call)


class ApiGate:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._lost: Counter[str] = Counter()
        self.delay = 0.0

    def enter(self, endpoint: str) -> Fault | None:
        """Count a call to `endpoint`, wait the set delay, and return a queued fault."""
        with self._lock:
            self._calls[endpoint] += 1
            at = next((i for i, f in enumerate(self._faults)
                       if f.endpoint in (None, endpoint)), None)
            fault = None if at is None else self._faults.pop(at)
            delay = self.delay
        if delay:
            time.sleep(delay)  # a slow vendor: the test set it, the handler thread waits
        return fault

    def fail_next(self, status: int, times: int, retry_after: int | None,
                  endpoint: str | None = None) -> None:
        with self._lock:
            self._faults.extend([Fault(status, retry_after, endpoint)] * times)

    def lose_next(self, endpoint: str, times: int) -> None:
        with self._lock:
            self._lost[endpoint] += times

    def answer_lost(self, endpoint: str) -> bool:
        """Is this call's answer, its work done, one a test queued to lose? (Counted off.)"""
        with self._lock:
            if self._lost[endpoint] <= 0:
                return False
            self._lost[endpoint] -= 1
            return True

    def calls(self, endpoint: str | None = None) -> int:
        with self._lock:
            return self._calls[endpoint] if endpoint else sum(self._calls.values())

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
