"""Client notes and the pre-meeting brief, in Penny's terms: where a host's notes go, and
what a booking's notes page says.

The notes are bullets a host reads before a meeting: who the client is, what they
booked and when (in the host's zone), their answers, the links, and their earlier
bookings with this host; a premium host's brief is appended once it exists. Pure: the
notes job (services/notes.py) reads the booking and the host, and a provider adapter
(integrations/notion_notes.py) writes what this builds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.bookings import Booking, BookingBrief, BookingStatus
from chalicelib.domain.providers.briefs import BookingFacts, PastBooking
from chalicelib.domain.providers.notes import BookingNotes
from chalicelib.domain.wall_clock import hhmm

NOTES_PROVIDERS = ("notion", "google")
MAX_EARLIER = 10                   # earlier bookings listed (most recent)


@dataclass(frozen=True)
class NotesDestination:
    """Where a host's notes go: a Notion database (`database_id`, and the data source
    `data_source_id` of it), or a Google Drive folder Penny made (its id in both). The
    host picks it after connecting; `title` is how the host recognises it.

    `catch_up_at`: when notes last started going here (a connection, a choice): the
    host's bookings asked for before then are written again, a few at a time
    (services/notes_catch_up.py `waiting_for_catch_up`). Bookkeeping, not the place: two
    destinations differing only in it are the same place."""

    provider: str
    database_id: str
    data_source_id: str
    title: str
    catch_up_at: datetime | None = field(default=None, compare=False)

    def to_json(self) -> str:
        data = {"provider": self.provider, "database_id": self.database_id,
                "data_source_id": self.data_source_id, "title": self.title}
        if self.catch_up_at is not None:
            data["catch_up_at"] = self.catch_up_at.isoformat()
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | None) -> NotesDestination | None:
        if not raw:
            return None
        data = json.loads(raw)
        at = data.get("catch_up_at")
        return cls(str(data["provider"]), str(data["database_id"]),
                   str(data["data_source_id"]), str(data.get("title") or ""),
                   None if not at else datetime.fromisoformat(str(at)))


def status_label(booking: Booking) -> str:
    """The booking's state as the notes' Status says it."""
    if booking.status is BookingStatus.CANCELLED:
        return "Cancelled"
    return "Rescheduled" if booking.sequence > 0 else "Confirmed"


def _when(start: datetime, end: datetime, zone: str) -> str:
    """'Tue 24 Nov 2026, 09:00 to 09:30 (America/New_York)'; on the day the clocks go
    back a time they show twice says which: '01:30 EDT to 01:00 EST'."""
    tz = ZoneInfo(zone)
    s, e = start.astimezone(tz), end.astimezone(tz)
    return f"{s:%a %d %b %Y}, {hhmm(s)} to {hhmm(e)} ({zone})"


def answers_by_label(booking: Booking, labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The client's answers in form order, each under its question's label (an answer to
    a question deleted since keeps its id as its label)."""
    order = {qid: i for i, qid in enumerate(labels)}
    ordered = sorted(booking.answers.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    return tuple((labels.get(qid, qid), answer) for qid, answer in ordered if answer)


def earlier_bookings(booking: Booking, others: Sequence[Booking]) -> list[Booking]:
    """The client's earlier bookings with this host (same e-mail, starting before this
    one), most recent first, at most MAX_EARLIER."""
    email = booking.attendee.email.casefold()
    found = [b for b in others if b.uid != booking.uid and b.start < booking.start
             and b.attendee.email.casefold() == email
             and b.status in (BookingStatus.CONFIRMED, BookingStatus.CANCELLED)]
    return sorted(found, key=lambda b: b.start, reverse=True)[:MAX_EARLIER]


def brief_lines(brief: BookingBrief) -> list[str]:
    lines = [f"Brief: {brief.who}", f"Wants: {brief.wants}"]
    lines += [f"Prepare: {item}" for item in brief.prepare]
    lines += [f"Ask: {item}" for item in brief.questions]
    return lines


def booking_notes(booking: Booking, zone: str, labels: Mapping[str, str],
                  manage_url: Callable[[str], str], earlier: Sequence[Booking]) -> BookingNotes:
    """The notes page of a booking, as bullets; the same booking always makes the same
    notes, so a redelivered event rewrites nothing."""
    a = booking.attendee
    bullets = [f"Client: {a.name}", f"E-mail: {a.email}", f"Client's time zone: {a.timezone}",
               f"Event: {booking.event_title}",
               f"When: {_when(booking.start, booking.end, zone)}",
               f"Status: {status_label(booking)}"]
    bullets += [f"{label}: {answer}" for label, answer in answers_by_label(booking, labels)]
    if booking.video_url:
        bullets.append(f"Video link: {booking.video_url}")
    elif booking.video_note:
        bullets.append(f"Video link: {booking.video_note}")
    bullets.append(f"Manage the booking: {manage_url(booking.uid)}")
    if earlier:
        bullets += [f"Earlier: {b.event_title}, {_when(b.start, b.end, zone)} "
                    f"({b.status.value})" for b in earlier]
    else:
        bullets.append("Earlier bookings with you: none")
    if booking.brief is not None:
        bullets += brief_lines(booking.brief)
    elif booking.brief_note:
        bullets.append(f"Brief: {booking.brief_note}")
    return BookingNotes(key=booking.uid, title=f"{a.name}: {booking.event_title}",
                        when=booking.meeting, attendee_name=a.name, attendee_email=a.email,
                        bullets=tuple(line.replace("\n", " ") for line in bullets),
                        status=status_label(booking), time_zone=zone)


def booking_facts(booking: Booking, labels: Mapping[str, str],
                  earlier: Sequence[Booking]) -> BookingFacts:
    """What the brief is written from (the client's text stays data: integrations/
    gemini_briefs.py)."""
    return BookingFacts(
        event_title=booking.event_title, when=booking.meeting,
        attendee_name=booking.attendee.name, attendee_email=booking.attendee.email,
        # Not the number to call: it says nothing of what the meeting is for (the model
        # would ask about it), and it need not leave Penny.
        answers=tuple((label, answer) for label, answer in answers_by_label(booking, labels)
                      if booking.phone is None or answer != booking.phone),
        earlier=tuple(PastBooking(b.event_title, b.meeting, b.status)
                      for b in reversed(earlier)))
