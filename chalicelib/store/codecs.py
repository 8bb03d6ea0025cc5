"""Domain objects <-> the JSON documents stored inside items.

Read by the keys and list positions this version knows: a key a newer version added, or
an element it added at the end of a list, is passed over (docs/deploy.md). A booking's
document is store/booking_codec.py's, which keeps the top-level keys it does not know and
writes them back (newer_keys.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.availability import LocalRange
from chalicelib.domain.event_types import EventType, LocationKind, Price, Question, QuestionType
from chalicelib.domain.slots import BookingDates
from chalicelib.store.booking_codec import booking_from_json, booking_to_json

__all__ = ["booking_from_json", "booking_to_json", "day_key", "event_type_from_json",
           "event_type_to_json", "ranges_from_json", "ranges_to_json"]


def ranges_to_json(ranges: tuple[LocalRange, ...]) -> list[list[str]]:
    return [[r.start.strftime("%H:%M"), "24:00" if r.end is None else r.end.strftime("%H:%M")]
            for r in ranges]


def ranges_from_json(raw: list[list[str]]) -> tuple[LocalRange, ...]:
    return tuple(LocalRange.parse(r[0], r[1]) for r in raw)


def event_type_to_json(et: EventType) -> dict[str, Any]:
    return {
        "slug": et.slug, "title": et.title, "description": et.description,
        "duration_minutes": et.duration_minutes, "location_kind": et.location_kind.value,
        "location_details": et.location_details,
        "price": None if et.price is None else [et.price.amount_minor, et.price.currency],
        "buffer_before_minutes": et.buffer_before_minutes,
        "buffer_after_minutes": et.buffer_after_minutes,
        "minimum_notice_minutes": et.minimum_notice_minutes,
        "slot_interval_minutes": et.slot_interval_minutes,
        "booking_window_days": et.booking_window_days, "daily_limit": et.daily_limit,
        "questions": [[q.id, q.label, q.type.value, q.required, list(q.options)]
                      for q in et.questions],
        "hidden": et.hidden, "active": et.active,
        "refund_hours_before": et.refund_hours_before,
        # Only when set: the profile Query reads every event type, on the hot path.
        **({} if et.booking_window_dates is None else {"booking_window_dates": [
            et.booking_window_dates.start.isoformat(),
            et.booking_window_dates.end.isoformat()]}),
    }


def event_type_from_json(event_type_id: str, host_id: str, d: dict[str, Any]) -> EventType:
    price, dates = d.get("price"), d.get("booking_window_dates")
    return EventType(
        id=event_type_id, host_id=host_id, slug=d["slug"], title=d["title"],
        description=d.get("description", ""), duration_minutes=d["duration_minutes"],
        location_kind=LocationKind(d["location_kind"]), location_details=d.get("location_details"),
        price=None if price is None else Price(price[0], price[1]),
        buffer_before_minutes=d["buffer_before_minutes"],
        buffer_after_minutes=d["buffer_after_minutes"],
        minimum_notice_minutes=d["minimum_notice_minutes"],
        slot_interval_minutes=d.get("slot_interval_minutes"),
        booking_window_days=d.get("booking_window_days"), daily_limit=d.get("daily_limit"),
        booking_window_dates=None if dates is None else BookingDates(
            date.fromisoformat(dates[0]), date.fromisoformat(dates[1])),
        questions=tuple(Question(q[0], q[1], QuestionType(q[2]), q[3], tuple(q[4]))
                        for q in d.get("questions", [])),
        hidden=d.get("hidden", False), active=d.get("active", True),
        refund_hours_before=d.get("refund_hours_before", 24),
    )


def day_key(day: date) -> str:
    return f"DAY#{day.isoformat()}"
