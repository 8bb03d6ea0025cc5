"""PynamoDB item models: one class per kind of item in the single table.

They never leave `store/`: repositories turn them into domain objects and back.
"""

from __future__ import annotations

import json
from typing import Any

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


class CompactJSONAttribute(JSONAttribute):
    """JSON as DynamoDB should store it: no space after `,` and `:`, and text outside
    ASCII as UTF-8 (2-4 bytes) rather than `\\uXXXX` escapes (6-12). DynamoDB bills a
    write per KB of the item, and a booking's JSON is most of its item. Items written
    before read the same: only the writing changed."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
    links = CompactJSONAttribute(default=list)
    timezone = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    contact_email = UnicodeAttribute(null=True)
    # The host's calendars (domain/calendar_cache.py CalendarSetup) as JSON: on the
    # profile, so the config read that starts a slots request has their sync states.
    calendars = UnicodeAttribute(null=True)
    # The premium plan, switched by the operator (infra/premium.py); absent: not premium.
    premium = BooleanAttribute(null=True)
    # Where the host's client notes go (domain/notes.py NotesDestination) as JSON.
    notes = UnicodeAttribute(null=True)
    # Counts writes of the schedule and event types (each conditioned on `slug`, the key
    # of their index entries): a slug change re-keys them all, and is conditioned on it.
    settings_version = NumberAttribute(null=True)


class ScheduleItem(PennyItem, discriminator="schedule"):
    """pk = HOST#{id}, sk = SCHEDULE; weekly hours and overrides as wall-clock strings."""

    host_id = UnicodeAttribute()
    weekly = CompactJSONAttribute()     # {"0": [["09:00", "17:00"]], ...} Monday = 0
    overrides = CompactJSONAttribute()  # {"2026-12-24": []}
    # Written by the host's first save on; absent on the empty one an account starts with
    # (and on accounts made before it existed).
    saved = BooleanAttribute(null=True)


class EventSlugClaimItem(PennyItem, discriminator="event_slug"):
    """pk = HOST#{id}, sk = EVENTSLUG#{slug}: event slugs are unique per host."""

    event_type_id = UnicodeAttribute()


class EventTypeItem(PennyItem, discriminator="event_type"):
    """pk = HOST#{id}, sk = EVENT#{event id}; on GSI1 under the host's slug."""

    event_type_id = UnicodeAttribute()
    host_id = UnicodeAttribute()
    data = CompactJSONAttribute()


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


class CalendarDayItem(PennyItem, discriminator="calendar_day"):
    """pk = LEDGER#{host}, sk = DAY#{utc date}#CAL#{calendar hash}: one of the host's
    calendars' blocking events that day ({event id: [start, end]} in epoch seconds).
    Beside the ledger day, so the slots page's one ledger Query reads both."""

    calendar = UnicodeAttribute()      # CalendarRef.key
    events = CompactJSONAttribute(default=dict)


class WatchItem(PennyItem, discriminator="watch"):
    """pk = WATCH#{provider}#{channel or subscription id}, sk = WATCH: whose calendar a
    push notification is about, the hash of the token it must carry, and the calendar's
    sync cursor."""

    host_id = UnicodeAttribute()
    calendar = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    # The calendar's sync cursor (domain/calendar_cache.py ChannelCursor): Google's
    # syncToken and how many times it moved; absent on a channel made before it was
    # kept here (its cursor is in the host's `calendars`).
    cursor = UnicodeAttribute(null=True)
    cursor_version = NumberAttribute(null=True)
    cursor_synced_at = UTCDateTimeAttribute(null=True)  # the start of the sync that moved it


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


class RefreshTokenItem(PennyItem, discriminator="refresh"):
    """pk = REFRESH#{sha256 of token}: an old-format refresh token (a bare secret).

    No longer written: read for one release (store/tokens.py), TTL removes the last.
    """

    host_id = UnicodeAttribute()
    family_id = UnicodeAttribute()
    used = BooleanAttribute(default=False)


class RefreshFamilyItem(PennyItem, discriminator="refresh_family"):
    """pk = RFAMILY#{id}: one login; its refresh token's hash, the last few it spent.

    Under 1 KB, so a read and a rotation cost one unit each. `expires_at` slides with
    each rotation. A login from before tokens named it has no `current_hash` yet.
    """

    host_id = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)
    current_hash = UnicodeAttribute(null=True)  # sha256 of the one token that may rotate
    spent_hashes = ListAttribute[str](null=True)  # newest first, bounded; each an S in an L


# A socket is what API Gateway calls a WebSocket connection. The stored names keep the old
# word (keys HOSTCONNS#/CONN#, kind "ws_connection", attribute "connection_id"): they are
# in deployed tables, and renaming them would orphan every open socket.
class SocketItem(PennyItem, discriminator="ws_connection"):
    """pk = HOSTCONNS#{host}, sk = CONN#{ticket id} (an access token's socket, or one from
    before: CONN#{socket id}): a host's open dashboards, found in one Query; TTL 2 h.

    Written once, conditionally, at `$connect` (store/sockets.py). The WSCONN# lookups and
    WSTICKET# claims that used to sit beside them are read by nothing: TTL ends them.
    """

    socket_id = UnicodeAttribute(attr_name="connection_id")  # API Gateway's connection id
    session_id = UnicodeAttribute(null=True)  # the login that opened it: logout closes it


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


# A connection is a host's link to a provider (not a socket: those are the ws_ items
# above). Its partition is its own, not HOST#: the host's config Query reads every item
# under HOST#, and neither it nor the public pages should read (or pay for) tokens.
class ConnectionItem(PennyItem, discriminator="connection"):
    """pk = CONNECTIONS#{host}, sk = PROVIDER#{provider}: a host's connection to a
    provider (domain/connections.py), its tokens sealed by the token cipher with the host
    id and provider as associated data. `GET /me/connections` is one Query.

    `refresh_lease`/`refresh_lease_until`: who is refreshing the tokens, until when
    (absent: nobody). Taken by a conditional UpdateItem for one `tokens_version`; the
    refresh's result is saved, the version bumped and the lease removed in one more.
    """

    host_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    grant_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    account_label = UnicodeAttribute()
    scopes = ListAttribute[str](default=list)  # untyped: each scope an S in a DynamoDB L
    connected_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    broken_reason = UnicodeAttribute(null=True)
    broken_at = UTCDateTimeAttribute(null=True)
    # True: broken by the provider refusing a refresh of this `tokens_version` (a rotated
    # refresh token spent by a refresh that outlived its lease): that refresh's save of
    # the same version clears it (store/connections.py).
    broken_by_refresh = BooleanAttribute(null=True)
    access_token = UnicodeAttribute()           # ciphertext (integrations/token_cipher.py)
    refresh_token = UnicodeAttribute(null=True)  # ciphertext; None: the provider gives none
    token_expires_at = UTCDateTimeAttribute(null=True)
    tokens_version = NumberAttribute(default=1)  # + 1 by each refresh
    refresh_lease = UnicodeAttribute(null=True)
    refresh_lease_until = UTCDateTimeAttribute(null=True)


class OAuthStateItem(PennyItem, discriminator="oauth_state"):
    """pk = OAUTHSTATE#{state id}, sk = OAUTHSTATE: one OAuth round trip in flight, taken
    (deleted) once by its callback. `expires_at` (TTL) is 10 minutes on; a take after it
    is refused even before TTL deletes the item."""

    provider = UnicodeAttribute()
    host_id = UnicodeAttribute(null=True)        # None: a sign-in
    session_id = UnicodeAttribute()
    code_verifier = UnicodeAttribute()           # ciphertext: the PKCE verifier is a secret
    nonce = UnicodeAttribute()
    redirect_to = UnicodeAttribute()
    scopes = ListAttribute[str](default=list)  # untyped: each scope an S in a DynamoDB L
    created_at = UTCDateTimeAttribute()
    binding = UnicodeAttribute()                 # a hash of the starting browser's cookie
    purpose = UnicodeAttribute(default="connect")  # connect, sign_in or link
    timezone = UnicodeAttribute(default="")      # sign-in: for a new account


class IdentityItem(PennyItem, discriminator="identity"):
    """pk = IDENTITY#{provider}#{subject}, sk = IDENTITY: which account a provider identity
    signs in to (unique: a conditional put). Its twin, IdentityLinkItem, lists it under
    the host; both are written and deleted in one transaction."""

    host_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    subject = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    linked_at = UTCDateTimeAttribute()


class IdentityLinkItem(PennyItem, discriminator="identity_link"):
    """pk = IDENTITIES#{host}, sk = PROVIDER#{provider}: the host's sign-in identities
    (one per provider), listed with one Query."""

    host_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    subject = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    linked_at = UTCDateTimeAttribute()
