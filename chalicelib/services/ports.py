"""The narrow interfaces services depend on; store/ and the test fakes implement them.

Ports speak the domain: what crosses them is a domain type or one of the small records
below, never a storage model. The repositories translate to and from their items, so
no service (and no unit test) loads PynamoDB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.availability import Schedule
from chalicelib.domain.bookings import Booking, LedgerDay
from chalicelib.domain.calendar_cache import CalendarSetup, DayEvents
from chalicelib.domain.connections import LinkedIdentity
from chalicelib.domain.event_type_order import EventTypeOrder
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import Account, HostConfig, Profile
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.providers.oauth import Identity
from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class IdempotencyRecord:
    """The booking a retried request's Idempotency-Key made, and what that request said."""

    fingerprint: str
    booking_uid: str


@dataclass(frozen=True)
class AttendeeQuota:
    """One more booking by an attendee with a host today, refused once `limit` are made."""

    key: str
    limit: int
    expires_at: datetime


@dataclass(frozen=True)
class BookingWrite:
    """One atomic booking write: the booking, the ledger days it changes or relies on."""

    booking: Booking
    is_new: bool
    changed_days: Sequence[LedgerDay]       # rewritten with the version they were read at
    checked_days: Sequence[LedgerDay] = ()  # unchanged, but must still be at that version
    idempotency: tuple[str, str] | None = None  # (key, fingerprint)
    quota: AttendeeQuota | None = None          # counted in the same transaction
    # An attendee quota key (AttendeeQuota.key) given one back in the same transaction,
    # never below 0: a hold let go before it was ever a booking (Reservations.let_go).
    uncounted: str | None = None


@dataclass(frozen=True)
class LedgerRead:
    """The slots page's second read: the ledger days, and the host's cached calendar
    days beside them, by calendar (CalendarRef.key)."""

    days: list[LedgerDay]
    calendars: Mapping[str, list[DayEvents]] = field(default_factory=dict)


# How many spent refresh tokens a login remembers, so that replaying one is seen as reuse
# (the login is revoked). An older one is only refused: it grants nothing either way, and
# when a thief rotates first, the host's next refresh presents the token just spent.
SPENT_TOKENS_KEPT = 5


@dataclass(frozen=True)
class StoredRefreshToken:
    """A presented refresh token as its login (family) stores it: only hashes.

    `used`: the login has rotated past it, so presenting it again is reuse. `spent`: the
    hashes of the login's recently spent tokens, newest first (kept by a rotation).
    """

    token_hash: str
    host_id: str
    family_id: str
    used: bool
    expires_at: datetime
    family_revoked: bool
    spent: tuple[str, ...] = ()


@dataclass(frozen=True)
class Count:
    """A rate-limit counter: how many so far, the last one, and when it is forgotten."""

    count: int
    last_at: datetime
    expires_at: datetime


class Clock(Protocol):
    def now(self) -> datetime: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class Hosts(Protocol):
    def create(self, profile: Profile, email: str, password_hash: str, now: datetime,
               identity: Identity | None = None) -> None: ...
    def account(self, email: str) -> Account | None: ...
    def update_password_hash(self, account: Account, password_hash: str) -> None: ...
    # Only while the stored hash is still `account.password_hash` (ConcurrentWriteError).
    def replace_password_hash(self, account: Account, password_hash: str) -> None: ...
    # `consistent`: a read that sees every write made before it, at twice the read units;
    # for what the host's editors are handed (the versions their saves send back).
    def config(self, host_id: str, consistent: bool = False) -> HostConfig: ...
    def profile(self, host_id: str) -> Profile: ...  # the profile alone, read consistently
    def public_config(self, slug: str) -> HostConfig: ...
    # `expected`: the version the caller's editor read (None: the last writer wins);
    # each returns the version written.
    def save_profile(self, old: HostConfig, new: Profile,
                     expected: int | None = None) -> int: ...
    def save_schedule(self, host_slug: str, schedule: Schedule, host_id: str,
                      expected: int | None = None) -> int: ...
    def save_event_type(self, et: EventType, host_slug: str, old: EventType | None,
                        expected: int | None = None) -> int: ...
    # `order`: the event types' order as read with `et` (None: read it again).
    def delete_event_type(self, et: EventType, host_slug: str, expected: int | None = None,
                          order: EventTypeOrder | None = None) -> None: ...
    # Over the order read at `order.version`, if still that one (False: nothing written).
    def save_event_order(self, host_id: str, order: EventTypeOrder) -> bool: ...


class Bookings(Protocol):
    def ledger(self, host_id: str, first: date, last: date) -> LedgerRead: ...
    def ledger_for_write(self, host_id: str, days: Sequence[date], idempotency_key: str | None
                         ) -> tuple[list[LedgerDay], IdempotencyRecord | None]: ...
    def idempotency(self, key: str) -> IdempotencyRecord | None: ...
    def commit(self, write: BookingWrite, now: datetime) -> None: ...
    def get(self, uid: str) -> Booking | None: ...
    def for_host(self, host_id: str, *, after: datetime | None = None,
                 before: datetime | None = None, newest_first: bool = False,
                 limit: int = 50) -> list[Booking]: ...

    def page_for_host(self, host_id: str, past: str | None, *, newest_first: bool,
                      limit: int) -> list[tuple[str, Booking]]:
        """Up to `limit` bookings in start order with their sort keys ("{start}#{uid}",
        start in UTC ISO), strictly after `past` (before it, `newest_first`)."""
        ...

    def forget_idempotency(self, key: str) -> None:
        """Drop a request's Idempotency-Key record, so its retry is a new attempt."""
        ...

    def save(self, booking: Booking) -> bool:
        """Write what changed on the booking alone (not its time or status: those go
        through the ledger), if it is still at the version it was read at (False: read
        it again)."""
        ...


class Identities(Protocol):
    """Sign-in identities (store/identities.py)."""

    def find(self, provider: str, subject: str) -> str | None: ...
    def for_host(self, host_id: str) -> list[LinkedIdentity]: ...
    def link(self, host_id: str, identity: Identity, now: datetime) -> None: ...
    def unlink(self, host_id: str, provider: str, keep_another: bool = False) -> None: ...


class ExternalBusy(Protocol):
    """Busy time on the host's own calendars (Google, Outlook), read afresh for a booking
    (services/fresh_busy.py); no slot may touch it. A move leaves out `own_event`, its
    booking's event (domain/own_event.py), and nothing else."""

    def busy(self, host_id: str, setup: CalendarSetup, window: TimeRange,
             own_event: OwnEvent | None = None) -> list[TimeRange]: ...


class NoExternalBusy:
    """No calendars: nothing outside Penny is busy (tests of the booking core)."""

    def busy(self, host_id: str, setup: CalendarSetup, window: TimeRange,
             own_event: OwnEvent | None = None) -> list[TimeRange]:
        return []


class RefreshTokens(Protocol):
    """Logins (refresh-token families), one item each; a token is known by its hash."""

    def issue(self, token_hash: str, host_id: str, family_id: str,
              expires_at: datetime, started_at: datetime | None = None) -> None: ...
    # When the login began (None: unknown, or from before this was kept).
    def started_at(self, family_id: str) -> datetime | None: ...
    # The host's logins (ids), live or ended, as listed at their start.
    def for_host(self, host_id: str) -> list[str]: ...
    def unlist(self, host_id: str, family_ids: list[str]) -> None: ...
    # The token in that login, current or recently spent; None if the login holds no such.
    def find(self, family_id: str, token_hash: str) -> StoredRefreshToken | None: ...
    # A token from before tokens named their login (a bare secret): read for one release.
    def find_old_format(self, token_hash: str) -> StoredRefreshToken | None: ...
    # ConcurrentWriteError if `old` is no longer the login's current token, or it was revoked.
    def rotate(self, old: StoredRefreshToken, new_hash: str, expires_at: datetime) -> None: ...
    def revoke_family(self, family_id: str) -> None: ...
    def is_active(self, family_id: str, now: datetime) -> bool: ...


class LoginSockets(Protocol):
    """The dashboard sockets a login opened, closed when the login ends."""

    def close_login(self, host_id: str, session_id: str) -> int: ...
