"""One booking's notes, as the notes adapters' tests (Notion, Google Docs) write them."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.providers.notes import BookingNotes
from chalicelib.domain.timerange import TimeRange


def span(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


INTRO = BookingNotes(
    key="bk_7Hq2", title="Intro call with Grace Hopper",
    when=span("2026-05-04T09:00:00+00:00", "2026-05-04T09:30:00+00:00"),
    attendee_name="Grace Hopper", attendee_email="grace@example.com",
    bullets=("Name: Grace Hopper", "E-mail: grace@example.com", "Time zone: America/New_York",
             "Manage: https://penny.test/manage/bk_7Hq2"),
    status="Confirmed", time_zone="Europe/Berlin")
