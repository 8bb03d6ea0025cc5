"""The summary job: a pre-meeting brief about the client (premium), written by Briefs.

Today it does no real work (the notes-and-AI issue fills it in): finishing marks the job
done, and the runner's record announces `summary.ready`, which the dashboard holds back
until a notes provider is connected.

Premium hosts only (the operator's `make premium`): its SNS subscription drops other
hosts' events (QueueSpec.premium_only), and its runner does no work for one that comes
anyway (Outcome.NOT_PREMIUM), so the model is never asked for an ordinary host.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.events import Event, EventKind
from chalicelib.services.jobs import JobContext


@dataclass(frozen=True)
class SummaryJob:
    name = "summary"
    takes = (EventKind.BOOKING_CONFIRMED,)
    announces = EventKind.SUMMARY_READY

    def run(self, event: Event) -> None:
        return None


def summary_job(context: JobContext) -> SummaryJob:
    return SummaryJob()
