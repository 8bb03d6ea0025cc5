"""Workers behind the booking-events topic: one job per booking per worker, done once.

SNS, Lambda's retries and dead-letter replays deliver at least once, so a job first
claims its record (a conditional put); a redelivered event finds the claim and changes
nothing. Filling in the real work
(Notion / Google Docs notes, the Gemini summary) is the notes-and-AI issue's job; here
the record is what a worker does, and its stream event tells the dashboard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.errors import ValidationError
from chalicelib.services.ports import Clock


class WorkRecords(Protocol):
    def claim(self, worker: str, booking_uid: str, host_id: str, event_id: str,
              booking: dict[str, Any], now: datetime) -> bool: ...


@dataclass(frozen=True)
class Worker:
    name: str
    records: WorkRecords
    clock: Clock

    def process(self, body: str) -> bool:
        """Handle one message; True if it did the work, False if it was already done."""
        try:
            event = json.loads(body)
            booking, host_id, event_id = event["booking"], event["host_id"], event["id"]
            uid = booking["uid"]
        except (ValueError, KeyError, TypeError) as exc:
            # Raised, so the message is retried and ends in the dead-letter queue.
            raise ValidationError(f"not a booking event: {exc}") from exc
        return self.records.claim(self.name, uid, host_id, event_id, booking, self.clock.now())
