"""The summary job: a pre-meeting brief about the client (premium), written by Briefs.

Premium hosts only (the operator's `make premium`): its SNS subscription drops other
hosts' events (QueueSpec.premium_only), and its runner does no work for one that comes
anyway (Outcome.NOT_PREMIUM), so the model is never asked for an ordinary host.

On `booking.confirmed` it writes the brief from the booking's questions and answers and
the client's earlier bookings with this host (domain/notes.py booking_facts), and puts it
on the booking (the dashboard's booking detail) in the same write as a request for the
notes page (`notes_requested_at`: the table's stream makes it `notes.requested`): the
notes worker alone writes notes pages, so the brief reaches the page without two workers
ever editing it at once. Its record then announces `summary.ready`. A host whose premium
plan ended since the booking was made gets no brief.

A brief the model declines to write (its safety rules) or cuts short (its answer
outgrew the output bound) is never asked for again: the same booking would end the same,
billed each time. The booking says why (`brief_note`), as past the cap, the job's record
fails for good with the model's reason, and the one call counted stays the only one.

Idempotent: a booking that has its brief is never sent to the model again. A retry after
a model call whose brief could not be saved asks the model again.

The cost guard: each host has at most `per_month` model calls a calendar month (UTC),
counted on one counter item per host and month, with DynamoDB's atomic ADD, before each
call: a call that fails (an unreadable or refused answer, billed all the same) counts,
and briefs written at the same moment never pass the cap. A call Gemini answered with an
error, or that never reached it (NothingBilled: a 429, a 5xx, a refused key), is given
back, so an outage and Lambda's retries do not use up a host's month; and without a
Gemini entry no call is counted at all. Past it no model call is made:
the booking records the skip and why (`brief_note`), the dashboard shows it, and nothing
is announced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.domain.bookings import BookingBrief, BookingStatus
from chalicelib.domain.errors import (
    BriefCutShortError,
    BriefNeverWrittenError,
    NothingBilled,
    ProviderError,
)
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.notes import booking_facts
from chalicelib.domain.providers.briefs import Brief, Briefs
from chalicelib.services.jobs import HostConfigs, JobContext
from chalicelib.services.notes_bookings import (
    NotesBookings,
    client_history,
    question_labels,
    save_on_latest,
)
from chalicelib.services.ports import Clock, Count

ROUNDS = 3
log = logging.getLogger("penny.summary")


class BriefUsage(Protocol):
    """Counters (store/counters.py): briefs written per host and month."""

    def read(self, key: str) -> Count | None: ...
    def add(self, key: str, now: datetime, expires_at: datetime,
            restart: bool = False) -> int: ...
    def take_back(self, key: str) -> None: ...


def usage_key(host_id: str, now: datetime) -> str:
    return f"briefs#{host_id}#{now.astimezone(UTC):%Y-%m}"


def cap_note(per_month: int) -> str:
    return (f"Not written: this month's {per_month} briefs are used. "
            "Briefs start again on the 1st (UTC).")


REFUSED_NOTE = ("Not written: Gemini declined to write a brief for this booking (its "
                "safety rules), and would again.")
CUT_SHORT_NOTE = ("Not written: Gemini's brief for this booking ran past its length limit "
                  "and was cut short, and would be again.")
NEVER_WRITTEN = (REFUSED_NOTE, CUT_SHORT_NOTE)


def never_written_note(exc: BriefNeverWrittenError) -> str:
    return CUT_SHORT_NOTE if isinstance(exc, BriefCutShortError) else REFUSED_NOTE


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
    name: str = "summary"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED,)
    announces: EventKind | None = EventKind.SUMMARY_READY

    def run(self, event: Event) -> bool:
        """True when the booking has its brief."""
        booking = self.bookings.get(str(event.booking["uid"]))
        if booking is None or booking.status is not BookingStatus.CONFIRMED:
            return False
        if booking.brief is not None:
            return True  # a redelivery: the brief was written, and its notes asked for
        if booking.brief_note in NEVER_WRITTEN:
            return False  # declined or cut short before: it would be again (and billed)
        config = self.hosts.config(booking.host_id)
        if not config.premium:
            return False  # the operator ended the plan since the booking was made
        # The model first: briefs not set up (ProviderRejectedError) make no call, so
        # they use none of the month's briefs.
        model = self.briefs()
        now = self.clock.now()
        key = usage_key(booking.host_id, now)
        used = self.usage.read(key)
        # Counted before the call (one atomic ADD): the cap bounds the calls billed.
        if (used.count if used is not None else 0) >= self.per_month or \
                self.usage.add(key, now, _month_after(now) + timedelta(days=31)) > \
                self.per_month:
            # The note goes on the notes page too (the notes worker rewrites it).
            save_on_latest(self.bookings, booking, lambda b: replace(
                b, brief_note=cap_note(self.per_month), notes_requested_at=now))
            return False
        facts = booking_facts(booking, question_labels(config, booking),
                              client_history(self.bookings, booking))
        try:
            written = model.write(facts)
        except ProviderError as exc:
            if isinstance(exc, NothingBilled):
                self._give_back(key)  # answered with an error: nothing was billed
            if isinstance(exc, BriefNeverWrittenError):
                # Never written, ever: the booking says why (dashboard, notes page), and
                # the job's record too (failed for good: no retry asks again, so the
                # month's cap counts this booking's one call once).
                note, ended_at = never_written_note(exc), self.clock.now()
                save_on_latest(self.bookings, booking, lambda b: replace(
                    b, brief_note=note, notes_requested_at=ended_at))
            raise
        brief = kept(written)
        now = self.clock.now()
        # The brief, and a request for the notes page to be written again with it: the
        # notes worker alone writes pages (services/notes.py), so two never race.
        saved = save_on_latest(self.bookings, booking, lambda b: replace(
            b, brief=brief, brief_note=None, notes_requested_at=now))
        return saved is not None

    def _give_back(self, key: str) -> None:
        try:
            self.usage.take_back(key)
        except Exception:  # the count stays one high: the cap errs on the safe side
            log.warning("could not give back a brief to %s", key, exc_info=True)


def summary_job(context: JobContext) -> SummaryJob:
    if context.briefs is None or context.usage is None:
        raise LookupError("the summary job needs the model and the usage counters")
    return SummaryJob(context.bookings, context.hosts, context.briefs, context.usage,
                      context.clock, context.briefs_per_month)
