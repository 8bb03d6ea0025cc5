"""Push notifications leave the sandbox from one background thread per vendor, with a
short timeout, so a slow or dead receiver never holds up an API answer. Each delivery is
recorded for the tests and the sandbox page."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

import requests

TIMEOUT = 5.0  # seconds a receiver gets (Graph allows 3 s before it counts a failure)


@dataclass(frozen=True)
class Delivery:
    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: no answer (refused, timed out)
    error: str | None
    at: float


class Notifier:
    def __init__(self, name: str) -> None:
        self._name = name
        self._queue: queue.Queue[tuple[str, dict[str, str], bytes] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._log: list[Delivery] = []
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    def send(self, url: str, headers: dict[str, str], body: bytes = b"") -> None:
        """Queue a POST to `url`; returns at once."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"{self._name}-notifications")
                self._thread.start()
        self._queue.put((url, headers, body))

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._log)

    def stop(self) -> None:
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=TIMEOUT + 1)
        self._session.close()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            url, headers, body = item
            status, error = None, None
            try:
                status = self._session.post(url, data=body, headers=headers,
                                            timeout=TIMEOUT).status_code
            except requests.RequestException as exc:
                error = type(exc).__name__
            with self._lock:
                self._log.append(Delivery(url, headers, body, status, error, time.time()))
