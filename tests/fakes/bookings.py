"""A booking to start a test from: Bo Booker's 30-minute intro call with Alice, on 4 March
2026 at 15:00 UTC, confirmed, over Zoom; any field given replaces its default."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus

START = datetime.fromisoformat("2026-03-04T15:00:00+00:00")


def a_booking(**changes: Any) -> Booking:
    start = changes.pop("start", START)
    fields: dict[str, Any] = {
        "uid": "b-1", "host_id": "host-alice", "event_type_id": "alice-intro",
        "event_title": "Intro call", "start": start,
        "end": changes.pop("end", start + timedelta(minutes=30)),
        "buffer_before": timedelta(0), "buffer_after": timedelta(0),
        "attendee": Attendee("Bo Booker", "bo@example.com", "Europe/London"), "answers": {},
        "status": BookingStatus.CONFIRMED,
        "created_at": datetime.fromisoformat("2026-03-01T09:00:00+00:00"),
        "location_kind": "zoom"}
    return Booking(**{**fields, **changes})
