"""PynamoDB item models: one class per kind of item in the single table.

They never leave `store/`: repositories turn them into domain objects and back.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from chalicelib.store.tables import PennyItem


class AccountItem(PennyItem, discriminator="account"):
    """pk = EMAIL#{email}: makes the email unique and finds the host at login."""

    host_id = UnicodeAttribute()
    password_hash = UnicodeAttribute()


class SlugClaimItem(PennyItem, discriminator="slug"):
    """pk = SLUG#{slug}: makes the slug unique across hosts."""

    host_id = UnicodeAttribute()


class HostItem(PennyItem, discriminator="host"):
    """pk = HOST#{id}, sk = PROFILE; on GSI1 under the host's slug."""

    host_id = UnicodeAttribute()
    email = UnicodeAttribute()
    slug = UnicodeAttribute()
    display_name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    links = JSONAttribute(default=list)
    timezone = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    contact_email = UnicodeAttribute(null=True)


class ScheduleItem(PennyItem, discriminator="schedule"):
    """pk = HOST#{id}, sk = SCHEDULE; weekly hours and overrides as wall-clock strings."""

    host_id = UnicodeAttribute()
    weekly = JSONAttribute()     # {"0": [["09:00", "17:00"]], ...} Monday = 0
    overrides = JSONAttribute()  # {"2026-12-24": []}


class EventSlugClaimItem(PennyItem, discriminator="event_slug"):
    """pk = HOST#{id}, sk = EVENTSLUG#{slug}: event slugs are unique per host."""

    event_type_id = UnicodeAttribute()


class EventTypeItem(PennyItem, discriminator="event_type"):
    """pk = HOST#{id}, sk = EVENT#{event id}; on GSI1 under the host's slug."""

    event_type_id = UnicodeAttribute()
    host_id = UnicodeAttribute()
    data = JSONAttribute()


class LedgerEntryMap(MapAttribute[str, object]):
    uid = UnicodeAttribute()
    event_type_id = UnicodeAttribute()
    start = NumberAttribute()        # epoch seconds: compact, and the day item stays small
    end = NumberAttribute()
    block_start = NumberAttribute()
    block_end = NumberAttribute()
    hold_until = NumberAttribute(null=True)


class LedgerDayItem(PennyItem, discriminator="ledger"):
    """pk = LEDGER#{host}, sk = DAY#{utc date}; versioned for optimistic concurrency."""

    entries = ListAttribute(of=LedgerEntryMap, default=list)
    version = VersionAttribute()


class BookingItem(PennyItem, discriminator="booking"):
    """pk = BOOKING#{uid}, sk = BOOKING; on GSI2 under the host, sorted by start."""

    uid = UnicodeAttribute()
    host_id = UnicodeAttribute()
    data = JSONAttribute()
    status = UnicodeAttribute()
    version = VersionAttribute()


class IdempotencyItem(PennyItem, discriminator="idempotency"):
    """pk = IDEMP#{scope}#{key}: the first result of a retried POST (expires after a day)."""

    fingerprint = UnicodeAttribute()
    booking_uid = UnicodeAttribute()


class RefreshTokenItem(PennyItem, discriminator="refresh"):
    """pk = REFRESH#{sha256 of token}: one refresh token, usable once."""

    host_id = UnicodeAttribute()
    family_id = UnicodeAttribute()
    used = BooleanAttribute(default=False)


class RefreshFamilyItem(PennyItem, discriminator="refresh_family"):
    """pk = RFAMILY#{id}: all tokens rotated from one login; revoked as a whole."""

    host_id = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)


# A socket is what API Gateway calls a WebSocket connection. The stored names keep the old
# word (keys HOSTCONNS#/CONN#/WSCONN#, kind "ws_connection", attribute "connection_id"):
# they are in deployed tables, and renaming them would orphan every open socket.
class SocketItem(PennyItem, discriminator="ws_connection"):
    """pk = HOSTCONNS#{host}, sk = CONN#{id}: a host's open dashboards, found in one Query."""

    socket_id = UnicodeAttribute(attr_name="connection_id")  # API Gateway's connection id
    session_id = UnicodeAttribute(null=True)  # the login that opened it: logout closes it


class SocketLookupItem(PennyItem, discriminator="ws_lookup"):
    """pk = WSCONN#{id}: which host a socket belongs to ($disconnect knows only the id)."""

    host_id = UnicodeAttribute()


class UsedTicketItem(PennyItem, discriminator="ws_ticket"):
    """pk = WSTICKET#{ticket id}: a realtime ticket that has opened its one socket; TTL ends it."""


class CounterItem(PennyItem, discriminator="counter"):
    """pk = COUNTER#{scope}#{key}: a rate limit's count (failed logins, signups); TTL ends it."""

    hits = NumberAttribute(default=0)  # not `count`: Model.count is a classmethod
    last_at = UTCDateTimeAttribute()


class JobRecordItem(PennyItem, discriminator="job"):
    """pk = JOB#{event id}, sk = {job}: one job's run of one booking event (domain/jobs.py).

    Keyed by the event, not the booking: a later event about the same booking is a new
    job. `expires_at` (TTL) is set 30 days on, past the dead-letter queues' 14 days.
    """

    event_type = UnicodeAttribute()
    host_id = UnicodeAttribute()
    booking = JSONAttribute()
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
