"""The AI brief port (Gemini): a pre-meeting brief written from what Penny knows of the
booking and the client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class PastBooking:
    """One of the client's earlier bookings with this host."""

    event_title: str
    when: TimeRange
    status: BookingStatus


@dataclass(frozen=True)
class BookingFacts:
    """What a brief may be written from: the booking, the client's answers and their
    history with this host. The name and answers are the client's own text: data for the
    model, never instructions to it."""

    event_title: str
    when: TimeRange
    attendee_name: str
    attendee_email: str
    answers: tuple[tuple[str, str], ...] = ()   # (question label, answer), in form order
    earlier: tuple[PastBooking, ...] = ()       # oldest first


@dataclass(frozen=True)
class Brief:
    """A pre-meeting brief: who the client is, what they want, what to prepare and what
    to ask; and what writing it cost (output counts the model's thinking too)."""

    who: str
    wants: str
    prepare: tuple[str, ...]
    questions: tuple[str, ...]
    model: str                     # the model that wrote it, as the vendor reported it
    input_tokens: int
    output_tokens: int

    @property
    def text(self) -> str:
        """The brief as short plain text (notes pages, e-mail, the dashboard)."""
        lines = [self.who, self.wants]
        if self.prepare:
            lines += ["", "Prepare:", *(f"- {item}" for item in self.prepare)]
        if self.questions:
            lines += ["", "Ask:", *(f"- {item}" for item in self.questions)]
        return "\n".join(lines)


class Briefs(Protocol):
    def write(self, facts: BookingFacts) -> Brief:
        """A brief of the client, never an empty one: an answer that does not parse
        raises ProviderUnavailableError (a retry may cure it); one the vendor refused or
        cut short raises a BriefNeverWrittenError (the booking would end so again)."""
        ...
