"""Stripe's webhook deliveries, from one background thread, never inside an API answer.

Each event goes to every registered endpoint as Stripe posts it: the JSON body (UTF-8, as
is) and `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, signed
afresh on every attempt. A non-2xx answer, or none within the timeout, is tried again
after each delay of `backoff` in turn (Stripe keeps trying for three days; the sandbox a
few times, quickly). What Stripe promises and Penny must survive is made easy to provoke:
every event delivered n times, deliveries held back and released in another order, one
delivery signed with a stale timestamp or another secret, and a redelivery on n threads
at once. Every attempt is recorded, oldest first.
"""

from __future__ import annotations

import heapq
import hmac
import itertools
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import requests

_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache",
            "Accept": "*/*; q=0.5, application/xml",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}


@dataclass(frozen=True)
class StripeDelivery:
    event_id: str
    event_type: str
    url: str
    attempt: int            # 1, then 2, 3... for the retries of one delivery
    status: int | None      # None: no answer (refused, timed out)
    error: str | None
    signature: str          # the Stripe-Signature header sent
    body: bytes
    at: float
    redelivery: bool = False  # sent by redeliver(), not by the queue


@dataclass(frozen=True)
class _Job:
    event_id: str
    event_type: str
    url: str
    body: bytes
    attempt: int = 1


def signature(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class StripeWebhooks:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.duplicates = 1
        self.backoff: tuple[float, ...] = (0.1, 0.5, 2.0)
        self.timeout = 5.0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._endpoints: list[str] = []
        self._bodies: dict[str, tuple[str, bytes]] = {}
        self._queue: list[tuple[float, int, _Job]] = []
        self._order = itertools.count()
        self._held: list[_Job] | None = None
        self._tampers: list[tuple[int, str | None]] = []
        self._log: list[StripeDelivery] = []
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._session = requests.Session()

    # -- what tests and the local stack set ----------------------------------------------

    def add_endpoint(self, url: str) -> None:
        with self._lock:
            if url not in self._endpoints:
                self._endpoints.append(url)

    def endpoints(self) -> list[str]:
        with self._lock:
            return list(self._endpoints)

    def hold(self) -> None:
        with self._lock:
            if self._held is None:
                self._held = []

    def held(self) -> list[str]:
        """The ids of the events held back, in the order they happened."""
        with self._lock:
            return list(dict.fromkeys(job.event_id for job in self._held or []))

    def release(self, order: Sequence[str] | None = None) -> None:
        """Send what was held, the events named in `order` first in that order, then the
        rest as they happened; stop holding."""
        with self._lock:
            jobs, self._held = self._held or [], None
            rank = {event_id: i for i, event_id in enumerate(order or ())}
            for job in sorted(jobs, key=lambda j: rank.get(j.event_id, len(rank))):
                self._schedule(job, 0.0)

    def tamper_next(self, age: int = 0, secret: str | None = None) -> None:
        """Sign the next attempt `age` seconds in the past, or with `secret`."""
        with self._lock:
            self._tampers.append((age, secret))

    # -- events ----------------------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        """Queue `event` for every endpoint (`duplicates` times each); returns at once."""
        with self._lock:
            event["pending_webhooks"] = len(self._endpoints)
            body = json.dumps(event, indent=2, ensure_ascii=False).encode()
            self._bodies[event["id"]] = (event["type"], body)
            for url in self._endpoints:
                for _ in range(self.duplicates):
                    job = _Job(event["id"], event["type"], url, body)
                    if self._held is not None:
                        self._held.append(job)
                    else:
                        self._schedule(job, 0.0)

    def redeliver(self, event_id: str, threads: int = 1) -> None:
        """Post the event again to every endpoint from `threads` threads at once (as a
        person pressing "Resend" while Stripe retries); returns without waiting."""
        with self._lock:
            kind, body = self._bodies[event_id]
            urls = list(self._endpoints)
        for url in urls:
            start = threading.Barrier(threads)
            for _ in range(threads):
                job = _Job(event_id, kind, url, body)
                threading.Thread(target=self._redeliver, args=(job, start), daemon=True,
                                 name="stripe-redelivery").start()

    def deliveries(self) -> list[StripeDelivery]:
        with self._lock:
            return list(self._log)

    def wait_for(self, count: int, timeout: float) -> list[StripeDelivery]:
        """The first `count` attempts, once made (AssertionError at the deadline)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._log) >= count, timeout):
                raise AssertionError(f"{len(self._log)} of {count} Stripe webhook attempts "
                                     f"were made within {timeout:g} s")
            return list(self._log[:count])

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=self.timeout + 1)
        self._session.close()

    # -- the sender ----------------------------------------------------------------------

    def _schedule(self, job: _Job, delay: float) -> None:
        heapq.heappush(self._queue, (time.monotonic() + delay, next(self._order), job))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="stripe-webhooks")
            self._thread.start()
        self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._stopped and (
                        not self._queue or self._queue[0][0] > time.monotonic()):
                    self._changed.wait(self._queue[0][0] - time.monotonic()
                                       if self._queue else None)
                if self._stopped:
                    return
                job = heapq.heappop(self._queue)[2]
            if not self._post(job, self._session) and job.attempt <= len(self.backoff):
                with self._lock:
                    again = _Job(job.event_id, job.event_type, job.url, job.body,
                                 job.attempt + 1)
                    self._schedule(again, self.backoff[job.attempt - 1])

    def _redeliver(self, job: _Job, start: threading.Barrier) -> None:
        start.wait(timeout=self.timeout)
        with requests.Session() as session:
            self._post(job, session, redelivery=True)

    def _post(self, job: _Job, session: requests.Session, redelivery: bool = False) -> bool:
        with self._lock:
            age, secret = self._tampers.pop(0) if self._tampers else (0, None)
        header = signature(job.body, secret or self.secret, int(time.time()) - age)
        status, error = None, None
        try:
            status = session.post(job.url, data=job.body, timeout=self.timeout,
                                  headers={**_HEADERS, "Stripe-Signature": header}).status_code
        except requests.RequestException as exc:
            error = type(exc).__name__
        with self._changed:
            self._log.append(StripeDelivery(job.event_id, job.event_type, job.url, job.attempt,
                                            status, error, header, job.body, time.time(),
                                            redelivery))
            self._changed.notify_all()
        return status is not None and 200 <= status < 300
