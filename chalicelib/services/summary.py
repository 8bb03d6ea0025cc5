"""The summary job: a pre-meeting brief about the client (premium), written by Briefs.

Premium hosts only (the operator's `make premium`): its SNS subscription drops other
hosts' events (QueueSpec.premium_only), and its runner does no work for one that comes
anyway (Outcome.NOT_PREMIUM), so the model is never asked for an ordinary host.

On `booking.confirmed` it writes the brief from the booking's questions and answers and
the client's earlier bookings with this host (domain/notes.py booking_facts), puts it on
the booking (the dashboard's booking detail), and, when the booking's notes page exists,
rewrites that page with the brief appended (the notes job does it otherwise: see
services/notes.py). Its record then announces `summary.ready`.

Idempotent: a booking that has its brief is never sent to the model again; a retry after
the brief was saved only finishes the notes page.

The cost guard: each host has at most `per_month` briefs a calendar month (UTC), counted
on one counter item per host and month after each brief is saved. Past the cap no model
call is made: the booking records the skip and why (`brief_note`), the dashboard shows
it, and nothing is announced. Concurrent briefs may pass the cap by the few that were
being written at once; never by more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.domain.bookings import Booking, BookingBrief, BookingStatus
from chalicelib.domain.errors import BookingContentionError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.notes import booking_facts
from chalicelib.domain.providers import Brief, Briefs
from chalicelib.services.jobs import HostConfigs, JobContext
from chalicelib.services.notes import NotesBookings, NotesJob, client_history, question_labels
from chalicelib.services.ports import Clock, Count

ROUNDS = 3


class BriefUsage(Protocol):
    """Counters (store/counters.py): briefs written per host and month."""

    def read(self, key: str) -> Count | None: ...
    def add(self, key: str, now: datetime, expires_at: datetime,
            restart: bool = False) -> int: ...


def usage_key(host_id: str, now: datetime) -> str:
    return f"briefs#{host_id}#{now.astimezone(UTC):%Y-%m}"


def cap_note(per_month: int) -> str:
    return (f"Not written: this month's {per_month} briefs are used. "
            "Briefs start again on the 1st.")


def _month_after(now: datetime) -> datetime:
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def kept(brief: Brief) -> BookingBrief:
    return BookingBrief(brief.who, brief.wants, brief.prepare, brief.questions)


@dataclass(frozen=True)
class SummaryJob:
    bookings: NotesBookings
    hosts: HostConfigs
    briefs: Callable[[], Briefs]            # the model, made on the first brief
    usage: BriefUsage
    clock: Clock
    per_month: int
    notes: NotesJob | None = None           # rewrites the notes page with the brief
    name: str = "summary"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED,)
    announces: EventKind | None = EventKind.SUMMARY_READY

    def run(self, event: Event) -> bool:
        """True when the booking has its brief."""
        booking = self.bookings.get(str(event.booking["uid"]))
        if booking is None or booking.status is not BookingStatus.CONFIRMED:
            return False
        config: HostConfig | None = None
        earlier: list[Booking] | None = None
        if booking.brief is None:
            key = usage_key(booking.host_id, self.clock.now())
            used = self.usage.read(key)
            if used is not None and used.count >= self.per_month:
                self._save(booking, lambda b: replace(b, brief_note=cap_note(self.per_month)))
                return False
            config = self.hosts.config(booking.host_id)
            earlier = client_history(self.bookings, booking)
            facts = booking_facts(booking, question_labels(config, booking), earlier)
            brief = kept(self.briefs().write(facts))
            saved = self._save(booking, lambda b: replace(b, brief=brief, brief_note=None))
            now = self.clock.now()
            self.usage.add(key, now, _month_after(now) + timedelta(days=31))
            if saved is None:
                return False
            booking = saved
        if self.notes is not None and self.notes.written(booking):
            self.notes.rewrite(booking, config, earlier)
        return True

    def _save(self, booking: Booking, edit: Callable[[Booking], Booking]) -> Booking | None:
        """The booking with `edit` made, on its latest version; None if it is gone."""
        current: Booking | None = booking
        for _ in range(ROUNDS):
            if current is None:
                return None
            changed = edit(current)
            if self.bookings.save(changed):
                return replace(changed, version=(changed.version or 0) + 1)
            current = self.bookings.get(booking.uid)
        raise BookingContentionError(f"booking {booking.uid} kept changing; try again")


def summary_job(context: JobContext) -> SummaryJob:
    from chalicelib.services.notes import notes_job

    if context.briefs is None or context.usage is None:
        raise LookupError("the summary job needs the model and the usage counters")
    notes = notes_job(context) if context.notes is not None else None
    return SummaryJob(context.bookings, context.hosts, context.briefs, context.usage,
                      context.clock, context.briefs_per_month, notes)
