"""Hosts and their public profile: who a booking link belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import available_timezones

from chalicelib.domain.availability import Schedule
from chalicelib.domain.bookings import Booking
from chalicelib.domain.calendar_cache import CalendarSetup
from chalicelib.domain.errors import InvalidTimezoneError, SlugTakenError, ValidationError
from chalicelib.domain.event_type_order import EventTypeOrder
from chalicelib.domain.event_types import EventType
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.transliteration import in_latin_letters

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")

# Top-level paths of the app (API and pages): a host may not take them as a slug.
RESERVED_SLUGS = frozenset(
    {"api", "app", "auth", "me", "hosts", "booking", "bookings", "openapi.json", "static",
     "admin", "login", "signup", "logout", "health", "docs", "assets", "penny", "www", "ws",
     "webhooks", "oauth"}
)


# tzdata and the system zone folder also hold files that are not zones a person lives
# in: the machine's own "localtime", "Factory", and the posix/ and right/ variants.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(z for z in available_timezones()
                     if z not in _NOT_ZONES and not z.startswith(("posix/", "right/")))


def validate_timezone(name: str, field_name: str = "timezone") -> str:
    """Accept only IANA names shipped with tzdata (no paths, no POSIX TZ strings)."""
    if name not in _zones():
        raise InvalidTimezoneError(f"'{name}' is not an IANA timezone such as Europe/Paris",
                                   field_name)
    return name


def slug_suggestion(text: str) -> str:
    """A slug from a name or an e-mail's local part ("Ada.Lovelace+x" -> "ada-lovelace-x",
    "Олена" -> "olena"), for an account made without a form (an OpenID sign-up); "host"
    when nothing is left (a name in Chinese or Arabic letters): it needs one at once."""
    slug = re.sub(r"[^a-z0-9]+", "-", in_latin_letters(text)).strip("-")[:30].strip("-")
    return slug if slug and slug not in RESERVED_SLUGS else "host"


def validate_event_slug(slug: str, field_name: str = "slug") -> str:
    """An event type's slug: the pattern only. It is the second path segment, under the
    host's (`/{host}/{event}`), so the app's top-level paths cannot clash with it."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValidationError(
            "slug must be 1-40 lowercase letters, digits or inner hyphens", field_name)
    return slug


def validate_slug(slug: str, field_name: str = "slug") -> str:
    """A host's slug: the pattern, and none of the app's top-level paths."""
    validate_event_slug(slug, field_name)
    if slug in RESERVED_SLUGS:
        raise SlugTakenError(f"'{slug}' is reserved", field_name)
    return slug


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Profile:
    host_id: str
    slug: str
    display_name: str
    timezone: str
    description: str = ""
    links: tuple[Link, ...] = field(default_factory=tuple)
    # The organizer address on invites (.ics); None: the login e-mail.
    contact_email: str | None = None
    # Counted up by every write of these fields (not by the schedule's, the event types'
    # or the calendars'): see EventType.version.
    version: int = 0


@dataclass(frozen=True)
class Account:
    """A host's login: the e-mail and the password's hash (never the password)."""

    host_id: str
    email: str
    password_hash: str


@dataclass(frozen=True)
class HostConfig:
    """Everything the public pages and the slot engine need about one host."""

    profile: Profile
    schedule: Schedule
    event_types: tuple[EventType, ...]  # in the host's order (domain/event_type_order.py)
    email: str  # the login e-mail; never shown on public pages
    calendars: CalendarSetup = field(default_factory=CalendarSetup)
    # The premium plan (the pre-meeting brief): set by the operator (infra/premium.py),
    # never by the host, so it is not part of the profile the host edits.
    premium: bool = False
    # Where the client notes go (Notion, Google Docs), once chosen; None: no notes.
    notes: NotesDestination | None = None
    # The order as stored: its ids may name event types since deleted, or leave out
    # those made before Penny kept one (`event_types` is in the order it makes).
    event_order: EventTypeOrder = field(default_factory=EventTypeOrder)

    @property
    def shown_order(self) -> EventTypeOrder:
        """The event types' order as the host sees it: every one, and only those."""
        return EventTypeOrder(tuple(et.id for et in self.event_types),
                              self.event_order.version)

    def location_details(self, booking: Booking) -> str | None:
        """The booking's location details (an address, a number to call): those it was
        booked with, so a later edit of the event type (or its delete) does not change the
        place the attendee was given. A booking made before Penny kept them has the event
        type's as the host wrote them now (None for one without any, or gone)."""
        if booking.location_details is not None:
            return booking.location_details or None
        return next((et.location_details for et in self.event_types
                     if et.id == booking.event_type_id), None)

    @property
    def organizer_email(self) -> str:
        """Who invites (.ics) name as the organizer: the contact address, or the login."""
        return self.profile.contact_email or self.email
