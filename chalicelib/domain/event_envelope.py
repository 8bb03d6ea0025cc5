"""The booking event's envelope: what happened (EventKind), the small, versioned JSON
every worker and dashboard is pushed (Event), and its id, stable for one change.

Events are read off the table's change stream (events.py), never written by the code
that changes a booking.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

ENVELOPE_VERSION = 1


class EventKind(StrEnum):
    """What happened to a booking (the envelope's "type" on the wire); not to be confused
    with `event_types.EventType`, the kind of meeting a host offers."""

    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_RESCHEDULED = "booking.rescheduled"
    # Its video link arrived (or a note instead), or its event was deleted in the host's
    # calendar (or made again).
    BOOKING_UPDATED = "booking.updated"
    BOOKING_EXPIRED = "booking.expired"      # its hold lapsed unpaid: the time is free
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REFUNDED = "payment.refunded"
    PAYMENT_REFUND_FAILED = "payment.refund_failed"   # the host must refund another way
    PAYMENT_DISPUTED = "payment.disputed"   # a chargeback: the host answers it at the provider
    PAYMENT_DISPUTE_CLOSED = "payment.dispute_closed"   # the bank decided: won, lost, closed
    # The end of a paid booking's hold (its one-time timer): for the payments worker.
    PAYMENT_HOLD_EXPIRED = "payment.hold_expired"
    NOTES_SAVED = "notes.saved"
    SUMMARY_READY = "summary.ready"
    # The host (re)connected their notes: write this booking's notes page now (for the
    # notes worker only: NOT_FOR_DASHBOARDS).
    NOTES_REQUESTED = "notes.requested"
    # The host (re)connected a calendar or Zoom: write this booking's event and meeting
    # now (for the calendar worker only).
    CALENDAR_REQUESTED = "calendar.requested"
    # A sync too short for a provider's watch call (a Graph subscription waits on Graph's
    # validation of Penny's address) found the calendar's push channel due: the calendar
    # worker makes it (for that worker only; about a calendar, not a booking).
    CALENDAR_WATCH_REQUESTED = "calendar.watch_requested"
    # Not about a booking: a host's connection to a provider stopped working, or works
    # again (connection_events.py).
    CONNECTION_BROKEN = "connection.broken"
    CONNECTION_REPAIRED = "connection.repaired"
    # One calendar of a working connection was taken out of the host's calendars: the
    # provider says the host can no longer read it (services/calendar_gone.py).
    CALENDAR_REMOVED = "connection.calendar_removed"


@dataclass(frozen=True)
class Event:
    type: EventKind
    id: str            # stable for one change: a redelivered stream record keeps its id
    occurred_at: datetime
    host_id: str
    booking: dict[str, Any]
    version: int = ENVELOPE_VERSION
    connection: dict[str, Any] | None = None   # connection events: which, and why
    # A booking event of a premium host (the booking says so: Booking.premium). Only
    # premium-only workers look at it; in the envelope only when true.
    premium: bool = False
    # A booking event the notes worker hears (notes_worker_hears): in the envelope only
    # when true.
    notes: bool = False

    def to_json(self) -> dict[str, Any]:
        envelope = {"type": self.type.value, "id": self.id, "version": self.version,
                    "occurred_at": self.occurred_at.isoformat(), "host_id": self.host_id,
                    "booking": self.booking}
        if self.connection is not None:
            envelope["connection"] = self.connection
        if self.premium:
            envelope["premium"] = True
        if self.notes:
            envelope["notes"] = True
        return envelope

    @classmethod
    def from_json(cls, data: Any) -> Event:
        """The envelope back from its JSON (what a worker is pushed); KeyError, ValueError
        or TypeError when it is not one, e.g. a booking without a uid or an unknown type."""
        kind = EventKind(data["type"])
        booking, connection = data["booking"], data.get("connection")
        if kind in ABOUT_A_CALENDAR:
            if not isinstance(connection, dict) or not isinstance(
                    connection.get("calendar"), str) or not connection["calendar"]:
                raise ValueError("the event names no calendar")
        elif kind in ABOUT_A_CONNECTION:
            if not isinstance(connection, dict) or not isinstance(
                    connection.get("provider"), str) or not connection["provider"]:
                raise ValueError("the event names no provider")
        elif not isinstance(booking, dict) or not isinstance(booking.get("uid"), str) \
                or not booking["uid"]:
            raise ValueError("the event names no booking uid")
        host_id, event_id = data["host_id"], data["id"]
        if not (isinstance(host_id, str) and host_id and isinstance(event_id, str) and event_id):
            raise ValueError("the event needs an id and a host id")
        occurred_at = datetime.fromisoformat(data["occurred_at"])
        if occurred_at.utcoffset() is None:
            raise ValueError("occurred_at has no UTC offset")
        return cls(kind, event_id, occurred_at, host_id, booking,
                   int(data.get("version", ENVELOPE_VERSION)),
                   connection=connection if isinstance(connection, dict) else None,
                   premium=data.get("premium") is True, notes=data.get("notes") is True)


# Work orders for a worker, nothing a host needs to hear about.
NOT_FOR_DASHBOARDS = frozenset({EventKind.NOTES_REQUESTED, EventKind.CALENDAR_REQUESTED,
                                EventKind.CALENDAR_WATCH_REQUESTED})
# Work orders about one of a host's calendars, not a booking: `connection["calendar"]`
# names it (a CalendarRef key), and `booking` is empty.
ABOUT_A_CALENDAR = frozenset({EventKind.CALENDAR_WATCH_REQUESTED})
# News of a host's connection, not a booking: `connection["provider"]` names it, and
# `booking` is empty (the calendar worker hears `connection.repaired`).
ABOUT_A_CONNECTION = frozenset({EventKind.CONNECTION_BROKEN, EventKind.CONNECTION_REPAIRED,
                                EventKind.CALENDAR_REMOVED})


def event_id(change_id: str, kind: EventKind) -> str:
    return hashlib.sha256(f"{change_id}:{kind.value}".encode()).hexdigest()[:24]
