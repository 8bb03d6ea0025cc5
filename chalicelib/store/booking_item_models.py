"""A booking's item models: the booking, the first result of a retried booking POST, a
job's run of one booking event, and what a job made at a provider for a booking.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from chalicelib.store.compact_json import CompactJSONAttribute
from chalicelib.store.tables import PennyItem


class BookingItem(PennyItem, discriminator="booking"):
    """pk = BOOKING#{uid}, sk = BOOKING; on GSI2 under the host, sorted by start.

    Its uid and host are read from its keys: a booking is kept for good, twice (the table
    and GSI2), so it holds nothing twice. Items written before hold them as `uid` and
    `host_id` too."""

    uid = UnicodeAttribute(null=True)
    host_id = UnicodeAttribute(null=True)
    data = CompactJSONAttribute()
    status = UnicodeAttribute()
    version = VersionAttribute()
    # Beside `data`, not in it: a calendar sync flags the booking with one conditional
    # UpdateItem (store/event_owners.py), reading nothing first.
    calendar_event_removed_at = UTCDateTimeAttribute(null=True)


class IdempotencyItem(PennyItem, discriminator="idempotency"):
    """pk = IDEMP#{scope}#{key}: the first result of a retried POST (expires after a day)."""

    fingerprint = UnicodeAttribute()
    booking_uid = UnicodeAttribute()


class JobRecordItem(PennyItem, discriminator="job"):
    """pk = JOB#{event id}, sk = {job}: one job's run of one booking event (domain/jobs.py).

    Keyed by the event, not the booking: a later event about the same booking is a new
    job. `expires_at` (TTL) is set 30 days on, past the dead-letter queues' 14 days.
    """

    event_type = UnicodeAttribute()
    host_id = UnicodeAttribute()
    booking = CompactJSONAttribute()
    announces = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    claim = UnicodeAttribute()
    lease_until = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    retryable = BooleanAttribute(default=False)


class ProviderRefItem(PennyItem, discriminator="provider_ref"):
    """pk = PROVIDERREF#{booking uid}, sk = {job}: what a job made at a provider for a
    booking (the calendar event's id), so a later reschedule or cancel finds it."""

    external_id = UnicodeAttribute()
    sequence = NumberAttribute()
