"""The notes job: the client's details as bullet notes in the host's Notion or Google Doc.

Today it does no real work (the notes issue fills it in through NotesProvider): finishing
marks the job done, and the runner's record announces `notes.saved`, which the dashboard
holds back until a notes provider is connected.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.events import Event, EventKind
from chalicelib.services.jobs import JobContext


@dataclass(frozen=True)
class NotesJob:
    name = "notes"
    takes = (EventKind.BOOKING_CONFIRMED,)
    announces = EventKind.NOTES_SAVED

    def run(self, event: Event) -> None:
        return None


def notes_job(context: JobContext) -> NotesJob:
    return NotesJob()
