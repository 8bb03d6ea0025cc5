"""A booking <-> the JSON document stored inside its item (with store/payment_codec.py,
the payment's document inside it; store/codecs.py names both for the repositories).

Read by the keys and list positions this version knows: a key a newer version added at
the top of the document is kept on the booking and written back (newer_keys.py); one it
added deeper, or an element at the end of a list, is passed over (docs/deploy.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.bookings import (
    Attendee,
    Booking,
    BookingBrief,
    BookingStatus,
    HistoryEntry,
)
from chalicelib.store.newer_keys import with_unknown
from chalicelib.store.payment_codec import payment_from_json, payment_to_json


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# A booking's fields always stored; the others only when they hold something (None,
# False, an empty list or map are left out and read back as their defaults): a write is
# billed per KB, a booking is stored for good, and most bookings never get a
# cancellation, a payment or a brief. Buffers and the sequence are left out at 0 (items
# written before hold them at 0 too).
_ALWAYS = frozenset({"event_type_id", "event_title", "start", "end", "attendee",
                     "created_at", "location_kind"})
_ZERO_BY_DEFAULT = frozenset({"buffer_before", "buffer_after", "sequence"})
# Every key of the document this version writes, held or left out: any other a newer
# version wrote is kept on the booking it reads.
_KEYS = _ALWAYS | _ZERO_BY_DEFAULT | frozenset({
    "answers", "hold_until", "cancelled_at", "cancel_reason", "cancelled_by", "history",
    "price_minor", "currency", "video_url", "video_note", "premium", "keeps_notes",
    "payment", "notes_url", "brief", "brief_note", "notes_requested_at",
    "calendar_requested_at", "calendar_catch_up_at", "location_details", "phone",
    "out_of_date"})


def _absent(key: str, value: Any) -> bool:
    if key in _ZERO_BY_DEFAULT:
        return bool(value == 0)
    return value is None or value is False or value == [] or value == {}


def booking_to_json(b: Booking) -> dict[str, Any]:
    written = {k: v for k, v in _booking_fields(b).items()
               if k in _ALWAYS or not _absent(k, v)}
    return with_unknown(written, {k: v for k, v in b.unknown_keys.items() if k not in _KEYS})


def _booking_fields(b: Booking) -> dict[str, Any]:
    return {
        "event_type_id": b.event_type_id, "event_title": b.event_title,
        "start": b.start.isoformat(), "end": b.end.isoformat(),
        "buffer_before": int(b.buffer_before.total_seconds()),
        "buffer_after": int(b.buffer_after.total_seconds()),
        "attendee": [b.attendee.name, b.attendee.email, b.attendee.timezone],
        "answers": b.answers, "created_at": b.created_at.isoformat(),
        "location_kind": b.location_kind, "location_details": b.location_details,
        "phone": b.phone, "sequence": b.sequence,
        "hold_until": None if b.hold_until is None else b.hold_until.isoformat(),
        "cancelled_at": None if b.cancelled_at is None else b.cancelled_at.isoformat(),
        "cancel_reason": b.cancel_reason, "cancelled_by": b.cancelled_by,
        "history": [[h.start.isoformat(), h.end.isoformat(), h.changed_at.isoformat()]
                    for h in b.history],
        "price_minor": b.price_minor, "currency": b.currency,
        "video_url": b.video_url, "video_note": b.video_note, "premium": b.premium,
        "keeps_notes": b.keeps_notes,
        "payment": None if b.payment is None else payment_to_json(b.payment),
        "notes_url": b.notes_url,
        "brief": None if b.brief is None else {
            "who": b.brief.who, "wants": b.brief.wants, "prepare": list(b.brief.prepare),
            "questions": list(b.brief.questions)},
        "brief_note": b.brief_note,
        "notes_requested_at": None if b.notes_requested_at is None
        else b.notes_requested_at.isoformat(),
        "calendar_requested_at": None if b.calendar_requested_at is None
        else b.calendar_requested_at.isoformat(),
        "calendar_catch_up_at": None if b.calendar_catch_up_at is None
        else b.calendar_catch_up_at.isoformat(),
        "out_of_date": list(b.out_of_date),
    }


def booking_from_json(uid: str, host_id: str, status: str, version: int | None,
                      d: dict[str, Any]) -> Booking:
    name, email, tz = d["attendee"][:3]
    return Booking(
        uid=uid, host_id=host_id, event_type_id=d["event_type_id"], event_title=d["event_title"],
        start=datetime.fromisoformat(d["start"]), end=datetime.fromisoformat(d["end"]),
        buffer_before=timedelta(seconds=d.get("buffer_before", 0)),
        buffer_after=timedelta(seconds=d.get("buffer_after", 0)),
        attendee=Attendee(name, email, tz), answers=d.get("answers", {}),
        status=BookingStatus(status), created_at=datetime.fromisoformat(d["created_at"]),
        location_kind=d["location_kind"], sequence=d.get("sequence", 0),
        # Absent on bookings made before it was kept: None, the event type's stand in.
        location_details=d.get("location_details"), phone=d.get("phone"),
        hold_until=_dt(d.get("hold_until")), cancelled_at=_dt(d.get("cancelled_at")),
        cancel_reason=d.get("cancel_reason"), cancelled_by=d.get("cancelled_by"),
        history=tuple(HistoryEntry(datetime.fromisoformat(h[0]), datetime.fromisoformat(h[1]),
                                   datetime.fromisoformat(h[2]))
                      for h in d.get("history", [])),
        price_minor=d.get("price_minor"), currency=d.get("currency"), version=version,
        video_url=d.get("video_url"), video_note=d.get("video_note"),
        # Absent on bookings made before the premium plan existed: not premium.
        premium=d.get("premium") is True,
        # Absent on bookings made before the flag (and on hosts without notes): a booking
        # that has a notes page reaches the notes worker anyway (events.notes_worker_hears).
        keeps_notes=d.get("keeps_notes") is True,
        payment=payment_from_json(d.get("payment")),
        notes_url=d.get("notes_url"), brief=_brief_from_json(d.get("brief")),
        brief_note=d.get("brief_note"), notes_requested_at=_dt(d.get("notes_requested_at")),
        calendar_requested_at=_dt(d.get("calendar_requested_at")),
        calendar_catch_up_at=_dt(d.get("calendar_catch_up_at")),
        out_of_date=tuple(d.get("out_of_date") or ()),
        unknown_keys={k: v for k, v in d.items() if k not in _KEYS},
    )


def _brief_from_json(d: dict[str, Any] | None) -> BookingBrief | None:
    if d is None:
        return None
    return BookingBrief(d["who"], d["wants"], tuple(d.get("prepare") or ()),
                        tuple(d.get("questions") or ()))
