"""Errors of the providers (calendars, video, payments, notes, AI).

An adapter raises one of these `from` the vendor's own error. Each says what happens
next, so no caller needs to know the vendor: the HTTP edge maps them in its one table,
and a job's runner retries, records or gives up on them. Also the signals of Penny's own
AWS plumbing a worker acts on (a socket gone, a job's lease held).
"""

from __future__ import annotations

from chalicelib.domain.caller_errors import PennyError


class ProviderError(PennyError):
    """A provider could not do what was asked; a subclass says what happens next."""

    code = "provider_error"

    def __init__(self, provider: str, message: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.provider = provider


class ProviderUnavailableError(ProviderError):
    """The provider is down, slow or rate-limiting: try again later (then the DLQ)."""

    code = "provider_unavailable"


class ConnectionBrokenError(ProviderError):
    """The host's connection no longer works (refresh refused, access revoked, scopes
    withdrawn): mark it broken and tell the host; retrying cannot help."""

    code = "connection_broken"


class ProviderRejectedError(ProviderError):
    """The provider refused this request as it stands (a 4xx that is not about the
    connection): retrying the same request cannot help."""

    code = "provider_rejected"


class RefundDisputedError(ProviderRejectedError):
    """The provider refuses the refund because the client's bank disputes the payment
    (Stripe's charge_disputed): the dispute decides the money, not a retry. `dispute_id`:
    the dispute, when the provider's answer names it."""

    code = "refund_disputed"

    def __init__(self, provider: str, message: str, dispute_id: str | None = None) -> None:
        super().__init__(provider, message)
        self.dispute_id = dispute_id


class NothingBilled:
    """Mixed into a provider error raised before the vendor did any billable work: it
    answered with an error status (rate limit, outage, a refused key or request) or was
    never reached. A usage cap gives such an attempt back (services/summary.py)."""


class UnbilledUnavailableError(ProviderUnavailableError, NothingBilled):
    """Unavailable, and nothing billed (a 429 or 5xx answer, a refused connection)."""


class UnbilledRejectedError(ProviderRejectedError, NothingBilled):
    """Rejected, and nothing billed (a 4xx answer: the key or the request refused)."""


class BriefNeverWrittenError(ProviderRejectedError):
    """The model answered, billed, with no brief, and would for this booking again: the
    booking says why, and the model is not asked about it again."""


class BriefRefusedError(BriefNeverWrittenError):
    """The model declined to write about this booking (a safety or other policy block):
    the same booking would be declined again."""


class BriefCutShortError(BriefNeverWrittenError):
    """The model's answer outgrew its output bound (MAX_TOKENS): the same booking would
    be cut short again, each time billed."""


class NotesPageGoneError(ProviderRejectedError):
    """The booking's notes page is no longer where Penny wrote it (deleted for good, or
    moved out of what Penny may see): its notes go on a page made anew."""

    code = "notes_page_gone"


class MeetingGoneError(ProviderRejectedError):
    """The meeting to change is no longer there (the host deleted it at the provider)."""

    code = "meeting_gone"


class EventGoneError(ProviderRejectedError):
    """The calendar event to change is no longer there (the host deleted it in their
    calendar)."""

    code = "event_gone"


class CalendarGoneError(ProviderRejectedError):
    """The provider says the host can no longer read this calendar: it was deleted, or its
    owner stopped sharing it (the connection itself still works). Asking again cannot
    help: it holds nothing for Penny, and is taken out of the host's calendars."""

    code = "calendar_gone"


class SocketGoneError(Exception):
    """The socket no longer exists (API Gateway's GoneException for a WebSocket connection)."""


class JobBusyError(Exception):
    """Another run holds this job's live lease: raised so Lambda retries it later,
    rather than doing the work twice at once."""
