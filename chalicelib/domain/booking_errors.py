"""Errors of booking a time, moving and cancelling it: the time not free, the calendar
unsure, the booking past changing; and the signals of a conditional write that lost a
race, caught by the service that wrote (services/reservations.py's read-check-commit
loop, a refresh token's rotation) and never reported as such."""

from __future__ import annotations

from chalicelib.domain.caller_errors import PennyError


class SlotUnavailableError(PennyError):
    """The requested start is not one of the free slots (hours, notice, window, limit)."""

    code = "slot_unavailable"

    def __init__(self, message: str, field: str | None = None,
                 reason: str | None = None) -> None:
        super().__init__(message, field)
        # Which rule refused it (chalicelib/domain/refusals.py), for machines and pages.
        self.reason = reason


class SlotTakenError(PennyError):
    """Another booking holds this time."""

    code = "slot_taken"


class BookingContentionError(PennyError):
    """Too many concurrent writes to the host's calendar; the client may retry."""

    code = "booking_contention"


class CalendarUnavailableError(PennyError):
    """The host's calendar could not be checked just now, and its cached copy is too old
    to book on: refused rather than risk a double booking; the client may retry."""

    code = "calendar_unavailable"
    retry_after = 30


class BookingStateError(PennyError):
    """The booking cannot change from its current state (e.g. already cancelled)."""

    code = "booking_not_active"


class CalendarEventPresentError(BookingStateError):
    """The booking's event was not deleted in the host's calendar: nothing to put back."""

    code = "calendar_event_present"


class NoDestinationCalendarError(BookingStateError):
    """The host writes bookings to no calendar: there is none to put the event back in."""

    code = "no_destination_calendar"


class TooManyMovesError(BookingStateError):
    """The booking was moved as often as one may be (domain/bookings.py MAX_MOVES)."""

    code = "too_many_moves"


class ConcurrentWriteError(Exception):
    """Someone changed the host's ledger since it was read: re-read and try again.

    Internal to the booking service's retry loop; never reported to a caller as such.
    """


class AttendeeQuotaError(Exception):
    """The booking's write found the attendee's daily allowance used up.

    Internal to the booking service, which reports it as TooManyBookingsError.
    """


class IdempotentReplayError(Exception):
    """A concurrent request with the same Idempotency-Key committed first."""
