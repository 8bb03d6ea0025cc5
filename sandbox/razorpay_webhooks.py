"""The fake Razorpay's webhooks: each event POSTed to the merchant's webhook URL from one
background thread (never inside an API answer), signed as Razorpay signs it.

Wire: a compact JSON body `{"entity": "event", "account_id", "event", "contains",
"payload": {name: {"entity": {...}}}, "created_at"}` in UTF-8 (non-ASCII characters raw,
so a receiver that re-encodes the body breaks its signature, as it would at Razorpay);
`X-Razorpay-Signature` is the hex HMAC-SHA256 of those exact bytes with the webhook
secret; `x-razorpay-event-id` names the event and stays the same on every retry and
redelivery. A non-2xx answer, or none within `timeout`, is retried up to `max_attempts`
in all, `backoff` seconds apart and doubling (Razorpay retries for a day; tests cannot).

What tests can make it do: send every event `copies` times, redeliver one (on several
threads at once), hold deliveries and release them in a chosen order, sign the next ones
with a wrong secret or not at all. Every attempt is recorded.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import requests

from sandbox.notifier import TIMEOUT
from sandbox.razorpay_store import Events, Merchant, hex_hmac, new_id


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    event: str
    key_id: str
    url: str | None  # None: the merchant had no webhook for it (recorded, not sent)
    body: bytes
    secret: str = field(repr=False)


@dataclass(frozen=True)
class WebhookDelivery:
    event_id: str
    event: str
    url: str
    attempt: int  # 1 for the first try of a copy; retries count on
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: no answer (refused, timed out)
    error: str | None
    at: float


@dataclass(frozen=True)
class _Job:
    event: WebhookEvent
    url: str
    attempt: int = 1


class RazorpayWebhooks:
    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self.max_attempts = 4
        self.backoff = 0.05
        self.copies = 1
        self._changed = threading.Condition()
        self._due: list[tuple[float, int, _Job]] = []
        self._order = itertools.count()
        self._held: list[_Job] | None = None  # a list while deliveries are held
        self._tampering: list[str | None] = []  # per next attempt: a wrong secret, or None
        self._events: dict[str, WebhookEvent] = {}
        self._log: list[WebhookDelivery] = []
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    # -- what the API raises ---------------------------------------------------------

    def publish(self, merchant: Merchant, events: Events) -> list[WebhookEvent]:
        """Record the events and queue each for the merchant's webhook, if it wants it."""
        made = []
        for name, contains, entities in events:
            wanted = merchant.webhook_url and (merchant.webhook_events is None
                                               or name in merchant.webhook_events)
            body = json.dumps({"entity": "event", "account_id": merchant.account_id,
                               "event": name, "contains": list(contains),
                               "payload": {k: {"entity": v} for k, v in entities.items()},
                               "created_at": int(time.time())},
                              ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            event = WebhookEvent(new_id("evt")[4:], name, merchant.key_id,
                                 merchant.webhook_url if wanted else None, body,
                                 merchant.webhook_secret)
            made.append(event)
            with self._changed:
                self._events[event.id] = event
                for _ in range(self.copies if event.url else 0):
                    self._queue(_Job(event, str(event.url)))
        return made

    # -- controls --------------------------------------------------------------------

    def events(self) -> list[WebhookEvent]:
        with self._changed:
            return list(self._events.values())

    def deliveries(self) -> list[WebhookDelivery]:
        with self._changed:
            return list(self._log)

    def wait_for(self, count: int, timeout: float) -> list[WebhookDelivery]:
        """The first `count` attempts once made (AssertionError at the deadline)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._log) >= count, timeout):
                raise AssertionError(f"{len(self._log)} of {count} webhook deliveries made")
            return list(self._log[:count])

    def tamper_next(self, secret: str | None, times: int) -> None:
        with self._changed:
            self._tampering.extend([secret] * times)

    def hold(self) -> None:
        with self._changed:
            if self._held is None:
                self._held = []

    def held(self) -> list[WebhookEvent]:
        with self._changed:
            return [job.event for job in self._held or []]

    def release(self, event_ids: Sequence[str] | None = None) -> None:
        """Send the held deliveries, in the order of `event_ids` (None: as they came; ids
        not named are dropped), and stop holding."""
        with self._changed:
            held, self._held = self._held or [], None
            if event_ids is not None:
                held = [job for wanted in event_ids for job in held if job.event.id == wanted]
            for job in held:
                self._queue(job)

    def redeliver(self, event_id: str, threads: int = 1) -> None:
        """Send the event again; with threads > 1, that many copies at once, each on its
        own thread, and return when all are answered (no retries for these)."""
        with self._changed:
            event = self._events[event_id]
        if event.url is None:
            raise ValueError(f"event {event_id} had no webhook to go to")
        if threads == 1:
            with self._changed:
                self._queue(_Job(event, event.url))
            return
        start = threading.Barrier(threads)

        def send() -> None:
            with requests.Session() as session:
                start.wait(self.timeout)
                self._send(_Job(event, str(event.url)), session)

        senders = [threading.Thread(target=send, daemon=True) for _ in range(threads)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(self.timeout * 2 + 1)

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(self.timeout + 1)
        self._session.close()

    # -- the sender ------------------------------------------------------------------

    def _queue(self, job: _Job, delay: float = 0.0) -> None:
        """Under the lock: hold it, or schedule it `delay` seconds from now."""
        if self._held is not None and job.attempt == 1:
            self._held.append(job)
            return
        heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), job))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="razorpay-webhooks")
            self._thread.start()
        self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._stopping and (
                        not self._due or self._due[0][0] > time.monotonic()):
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    self._changed.wait(wait)
                if self._stopping:
                    return
                job = heapq.heappop(self._due)[2]
            if not self._send(job, self._session) and job.attempt < self.max_attempts:
                with self._changed:
                    self._queue(_Job(job.event, job.url, job.attempt + 1),
                                self.backoff * 2 ** (job.attempt - 1))

    def _send(self, job: _Job, http: requests.Session) -> bool:
        with self._changed:
            tamper = self._tampering.pop(0) if self._tampering else ""
        event = job.event
        headers = {"Content-Type": "application/json", "User-Agent": "Razorpay-Webhook/v1",
                   "x-razorpay-event-id": event.id}
        if tamper is not None:
            headers["X-Razorpay-Signature"] = hex_hmac(tamper or event.secret, event.body)
        status, error = None, None
        try:
            status = http.post(job.url, data=event.body, headers=headers,
                          timeout=self.timeout).status_code
        except requests.RequestException as exc:
            error = type(exc).__name__
        with self._changed:
            self._log.append(WebhookDelivery(event.id, event.event, job.url, job.attempt,
                                             headers, event.body, status, error, time.time()))
            self._changed.notify_all()
        return status is not None and 200 <= status < 300
