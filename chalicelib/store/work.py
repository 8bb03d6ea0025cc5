"""Work records: a worker's job for a booking, claimed once with a conditional put."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.store.items import WorkRecordItem


class WorkRecordRepository:
    def claim(self, worker: str, booking_uid: str, host_id: str, event_id: str,
              booking: dict[str, Any], now: datetime) -> bool:
        item = WorkRecordItem(f"WORK#{booking_uid}", worker, host_id=host_id,
                              event_id=event_id, booking=booking, done_at=now)
        try:
            item.save(condition=WorkRecordItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
