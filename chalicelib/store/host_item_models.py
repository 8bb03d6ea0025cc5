"""A host's item models: the account (which makes its email unique) and the slug claims,
the profile, the schedule and the event types, each keyed under the host (the
profile and event types also on GSI1 under the host's slug). host_items.py turns them
into domain shapes and back.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.store.compact_json import CompactJSONAttribute
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
    # Counts writes of the profile's own fields (the host's form), and only those: an
    # editor sends the one it read, and its save is conditioned on it (absent: 0).
    profile_version = NumberAttribute(null=True)
    # The order of the host's event types (their ids, first shown first): on the profile,
    # so the config read that starts a profile page has it. A new event type is appended
    # to it, a deleted one taken out, a reorder writes it whole; each counts
    # `event_order_version` up, and a reorder is conditioned on the one it read.
    event_order = ListAttribute[str](null=True)
    event_order_version = NumberAttribute(null=True)


class ScheduleItem(PennyItem, discriminator="schedule"):
    """pk = HOST#{id}, sk = SCHEDULE; weekly hours and overrides as wall-clock strings."""

    host_id = UnicodeAttribute()
    weekly = CompactJSONAttribute()     # {"0": [["09:00", "17:00"]], ...} Monday = 0
    overrides = CompactJSONAttribute()  # {"2026-12-24": []}
    # Written by the host's first save on; absent on the empty one an account starts with
    # (and on accounts made before it existed).
    saved = BooleanAttribute(null=True)
    # Counted up by each save; absent on schedules saved before it existed (version 0).
    version = NumberAttribute(null=True)


class EventSlugClaimItem(PennyItem, discriminator="event_slug"):
    """pk = HOST#{id}, sk = EVENTSLUG#{slug}: event slugs are unique per host."""

    event_type_id = UnicodeAttribute()


class EventTypeItem(PennyItem, discriminator="event_type"):
    """pk = HOST#{id}, sk = EVENT#{event id}; on GSI1 under the host's slug."""

    event_type_id = UnicodeAttribute()
    host_id = UnicodeAttribute()
    data = CompactJSONAttribute()
    # Counts this event type's own writes (a slug change of the host re-keys it as it
    # is): an editor's save is conditioned on the one it read (absent: 0).
    version = NumberAttribute(null=True)
