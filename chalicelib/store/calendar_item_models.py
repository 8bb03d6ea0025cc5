"""The item models the slots page reads: a host's ledger days (each booking's footprint,
the per-day record that makes double booking impossible), the busy events of each of the
host's calendars beside them, and the push channels that keep those fresh.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from chalicelib.store.compact_json import CompactJSONAttribute
from chalicelib.store.tables import PennyItem


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
    # The calendar's sync cursor (domain/calendar_channels.py ChannelCursor): Google's
    # syncToken and how many times it moved; absent on a channel made before it was
    # kept here (its cursor is in the host's `calendars`).
    cursor = UnicodeAttribute(null=True)
    cursor_version = NumberAttribute(null=True)
    cursor_synced_at = UTCDateTimeAttribute(null=True)  # the start of the sync that moved it


class CalendarRemovedItem(PennyItem, discriminator="calendar_removed"):
    """pk = HOST#{host}, sk = CALREMOVED#{calendar key}#{removed at}: Penny took one of
    the host's calendars out (the provider says the host can no longer read it). Written
    once, read by nothing: its insert is what the table's stream turns into the
    dashboards' `connection.calendar_removed` (store/stream.py). TTL: a day."""

    host_id = UnicodeAttribute()
    calendar = UnicodeAttribute()      # CalendarRef.key
    reason = UnicodeAttribute()
    was_destination = UnicodeAttribute()   # "yes" / "no"


class WatchAttemptItem(PennyItem, discriminator="watch_attempt"):
    """pk = WATCHTRY#{provider}#{SHA-256 of the channel's token}, sk = WATCHTRY: a push
    channel Penny asked for (a Graph subscription), written before the call, so that a
    channel the provider made while Penny's call went unanswered is found by the token
    its notifications carry (store/calendar_watch_attempts.py). TTL: past the longest
    channel asked for."""

    host_id = UnicodeAttribute()
    calendar = UnicodeAttribute()      # CalendarRef.key
    attempted_at = UTCDateTimeAttribute()
