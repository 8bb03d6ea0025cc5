"""A polling thread, the machinery every local event source shares.

A `Poller` is a daemon thread calling `poll_once()` until stopped, handing what each poll
found to one Lambda handler through `local.lambda_runtime`. What a poll reads and how a
failed invocation is retried belong to each subclass (SQS, SNS's push, DynamoDB Streams).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from local.lambda_runtime import LambdaHandler, invoke_lambda

log = logging.getLogger(__name__)


class Poller:
    """A daemon thread calling `poll_once()` until stopped; a failing poll is logged.
    Each poll hands what it found to one Lambda handler (`invoke`)."""

    kind = "poller"
    idle_seconds = 0.2

    def __init__(self, handler: LambdaHandler, *, function_name: str, region: str,
                 timeout_seconds: float) -> None:
        self.handler = handler
        self.function_name = function_name
        self.region = region
        self.timeout_seconds = timeout_seconds
        self.name = f"{self.kind}:{function_name}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def invoke(self, event: dict[str, Any]) -> Any:
        """The handler called with `event` as Lambda calls it; exceptions propagate."""
        return invoke_lambda(self.handler, event, function_name=self.function_name,
                             timeout_seconds=self.timeout_seconds, region=self.region)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the invocation under way, if any, and end the thread."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: still busy after %.0f s; leaving it", self.name, timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def poll_once(self) -> int:
        """Do one round of work; return how many records it handled (0 = idle)."""
        raise NotImplementedError

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                handled = self.poll_once()
                failures = 0
            except Exception:
                # Not the handler (each poller deals with that): the embedded AWS itself,
                # e.g. while the stack shuts down. Back off and try again.
                failures += 1
                if not self._stopping.is_set():
                    log.exception("%s: polling failed", self.name)
                self._stopping.wait(backoff(failures))
                continue
            if not handled:
                self._stopping.wait(self.idle_seconds)


def backoff(attempt: int, first: float = 0.1, cap: float = 5.0) -> float:
    """Seconds to wait before retry `attempt` (1, 2, ...): doubling from `first` to `cap`."""
    return float(min(cap, first * 2 ** max(0, attempt - 1)))
