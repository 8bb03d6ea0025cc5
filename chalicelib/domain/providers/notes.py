"""The notes port (Notion, Google Docs): a booking's notes page, and the places the
host's notes can go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class BookingNotes:
    key: str                       # the booking uid: one page per booking, found again by it
    title: str
    when: TimeRange
    attendee_name: str
    attendee_email: str
    bullets: tuple[str, ...]       # one line each, in order (links as bare URLs)
    status: str                    # as the host reads it: "Confirmed", "Rescheduled", ...
    time_zone: str                 # the host's IANA zone: `when` is shown in it


@dataclass(frozen=True)
class NotesPage:
    id: str
    url: str


@dataclass(frozen=True)
class NotesDatabase:
    """A place the host shared with Penny that notes can go to (a Notion data source)."""

    database_id: str
    data_source_id: str
    title: str


class NotesProvider(Protocol):
    def save_notes(self, notes: BookingNotes) -> NotesPage: ...
    def update_notes(self, page_id: str, notes: BookingNotes) -> NotesPage: ...

    def databases(self) -> list[NotesDatabase]:
        """Where notes can go: what the host shared with Penny, as the provider lists it."""
        ...

    def make_place(self) -> NotesDatabase | None:
        """A new place for notes, made by Penny (a Google Drive folder); None where the
        host must share one instead (Notion)."""
        ...
