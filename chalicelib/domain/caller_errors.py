"""The base of every error Penny reports to a caller, and the caller's own mistakes: a
value Penny cannot take, a thing that is not there (or not theirs), a name already taken,
an Idempotency-Key reused for another request."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.domain.availability import Schedule
    from chalicelib.domain.event_type_order import EventTypeOrder
    from chalicelib.domain.event_types import EventType
    from chalicelib.domain.hosts import Profile


class PennyError(Exception):
    """Base of every error Penny reports to a caller."""

    code = "error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(PennyError):
    """The request is well-formed but a value is not acceptable."""

    code = "validation_error"


class InvalidTimezoneError(ValidationError):
    """A timezone is not an IANA zone name."""

    code = "invalid_timezone"


class InvalidAnswerError(ValidationError):
    """An answer to a booking question is missing or malformed."""

    code = "invalid_answer"


class InvalidBookingWindowError(ValidationError):
    """An event type's booking window ends before it starts, or is given two ways."""

    code = "invalid_booking_window"


class NotFoundError(PennyError):
    """The thing does not exist, or belongs to someone else."""

    code = "not_found"


class EmailTakenError(PennyError):
    """An account with this email exists."""

    code = "email_taken"


class SlugTakenError(PennyError):
    """Another host uses this slug, or it is reserved."""

    code = "slug_taken"


class EventSlugTakenError(PennyError):
    """The host already has an event type with this slug."""

    code = "event_slug_taken"


class ChangedElsewhereError(PennyError):
    """An object saved elsewhere (another tab, a script) since the caller read the
    version it sent: the save is refused, and `current`, the object as stored now when
    known, lets the caller show it rather than read it again."""

    def __init__(self, message: str, field: str | None = None,
                 current: EventType | EventTypeOrder | Profile | Schedule | None = None
                 ) -> None:
        super().__init__(message, field)
        self.current = current


class EventTypeChangedError(ChangedElsewhereError):
    """The event type was saved elsewhere since the caller read the version it sent, or
    kept changing while this write was made."""

    code = "event_type_changed"


class BookedTermsChangedError(EventTypeChangedError):
    """A booking sent the event type's version its page showed, and the host has saved the
    event type since: its length, price, place or questions may not be the ones the
    client was shown. `current` is the event type as it now stands, for the public."""


class EventTypeOrderChangedError(ChangedElsewhereError):
    """The order of the event types was saved, or one made or deleted, elsewhere since
    the caller read the version it sent."""

    code = "event_type_order_changed"


class UnknownEventTypeError(ValidationError):
    """An id the caller sent is not one of their event types."""

    code = "unknown_event_type"


class EventTypeMissingError(ValidationError):
    """An order of the event types leaves one of them out."""

    code = "event_type_missing"


class ProfileChangedError(ChangedElsewhereError):
    """The profile was saved elsewhere since the caller read the version it sent."""

    code = "profile_changed"


class ScheduleChangedError(ChangedElsewhereError):
    """The schedule was saved elsewhere since the caller read the version it sent."""

    code = "schedule_changed"


class IdempotencyKeyReusedError(PennyError):
    """An Idempotency-Key was reused with a different request."""

    code = "idempotency_key_reused"


class WeakPasswordError(ValidationError):
    """A new password breaks the sign-up rules (too short or too long)."""

    code = "weak_password"


class CurrentPasswordRequiredError(ValidationError):
    """Changing a password needs the current one."""

    code = "current_password_required"
