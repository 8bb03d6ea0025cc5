"""In-memory fakes of the service ports, and a builder for a host ready to be booked.

Rule of thumb: each fake keeps the store's contract, not its mechanics. The booking fake
versions ledger days and bookings the way PynamoDB's VersionAttribute does (absent, then
1, 2, ...) and refuses a commit whose reads went stale, all or nothing, so the services'
optimistic-concurrency loops run here exactly as they do against DynamoDB.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.availability import LocalRange, Schedule
from chalicelib.domain.bookings import Booking, LedgerDay
from chalicelib.domain.calendar_cache import CalendarSetup, DayEvents
from chalicelib.domain.errors import (
    AttendeeQuotaError,
    AuthenticationError,
    ConcurrentWriteError,
    EmailTakenError,
    EventSlugTakenError,
    EventTypeChangedError,
    IdempotentReplayError,
    NotFoundError,
    ProfileChangedError,
    ScheduleChangedError,
    SlugTakenError,
    SocketGoneError,
)
from chalicelib.domain.event_type_order import EventTypeOrder, in_order
from chalicelib.domain.event_types import EventType, LocationKind
from chalicelib.domain.events import Event
from chalicelib.domain.hosts import Account, HostConfig, Profile
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.access_tokens import AccessClaims
from chalicelib.services.ports import (
    SPENT_TOKENS_KEPT,
    BookingWrite,
    Count,
    ExternalBusy,
    IdempotencyRecord,
    LedgerRead,
    NoExternalBusy,
    StoredRefreshToken,
)
from chalicelib.services.realtime import OpenSocket
from chalicelib.services.reservations import Reservations

# A rival writer that runs just before a commit is checked (the race the retry loop handles).
Interleaved = Callable[[], object]


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


class FastPasswords:
    """Not a password hash: a salt-free SHA-256 so unit tests need no argon2 work.

    Any "{scheme}${sha256}" verifies; only the "plain" scheme is current, so another
    scheme stands for an outdated hash that login should upgrade.
    """

    def hash(self, password: str) -> str:
        return "plain$" + hashlib.sha256(password.encode()).hexdigest()

    def verify(self, password_hash: str, password: str) -> bool:
        digest = password_hash.partition("$")[2]
        return digest == hashlib.sha256(password.encode()).hexdigest()

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith("plain$")


@dataclass
class FakeHosts:
    accounts: dict[str, Account] = field(default_factory=dict)         # by email
    slugs: dict[str, str] = field(default_factory=dict)                # slug -> host id
    profiles: dict[str, Profile] = field(default_factory=dict)         # by host id
    emails: dict[str, str] = field(default_factory=dict)               # host id -> email
    schedules: dict[str, Schedule] = field(default_factory=dict)       # by host id
    events: dict[str, dict[str, EventType]] = field(default_factory=dict)  # host -> id -> et
    # The hosts' calendar setups, as on the profile item; share it with a
    # FakeCalendarStore (tests/fakes/calendar_cache.py) so a sync's writes are read here.
    calendars: dict[str, CalendarSetup] = field(default_factory=dict)
    premium: set[str] = field(default_factory=set)  # host ids the operator made premium
    notes: dict[str, NotesDestination] = field(default_factory=dict)  # host id -> where
    orders: dict[str, EventTypeOrder] = field(default_factory=dict)  # host id -> order

    def create(self, profile: Profile, email: str, password_hash: str, now: datetime,
               identity: object = None) -> None:
        if email in self.accounts:
            raise EmailTakenError("an account with this email exists", "email")
        if profile.slug in self.slugs:
            raise SlugTakenError("this slug is taken", "slug")
        self.accounts[email] = Account(profile.host_id, email, password_hash)
        self.slugs[profile.slug] = profile.host_id
        self.profiles[profile.host_id] = profile
        self.emails[profile.host_id] = email
        self.schedules[profile.host_id] = Schedule(profile.timezone, {}, {})
        self.events[profile.host_id] = {}
        self.calendars.setdefault(profile.host_id, CalendarSetup())

    def account(self, email: str) -> Account | None:
        return self.accounts.get(email)

    def update_password_hash(self, account: Account, password_hash: str) -> None:
        self.accounts[account.email] = replace(account, password_hash=password_hash)

    def replace_password_hash(self, account: Account, password_hash: str) -> None:
        stored = self.accounts.get(account.email)
        if stored is None or stored.password_hash != account.password_hash:
            raise ConcurrentWriteError()
        self.accounts[account.email] = replace(account, password_hash=password_hash)

    def config(self, host_id: str, consistent: bool = False) -> HostConfig:
        # In memory, every read is consistent.
        profile = self.profiles.get(host_id)
        if profile is None:
            raise NotFoundError(f"host {host_id} not found")
        stored = self.schedules[host_id]
        # As in the store: the schedule is always read in the profile's timezone.
        schedule = replace(stored, timezone=profile.timezone)
        order = self.orders.get(host_id, EventTypeOrder())
        events = in_order(self.events[host_id].values(), order.ids)
        return HostConfig(profile, schedule, events, self.emails[host_id],
                          self.calendars.get(host_id, CalendarSetup()),
                          premium=host_id in self.premium, notes=self.notes.get(host_id),
                          event_order=order)

    def save_notes(self, host_id: str, destination: NotesDestination | None) -> None:
        if destination is None:
            self.notes.pop(host_id, None)
        else:
            self.notes[host_id] = destination

    def profile(self, host_id: str) -> Profile:
        return self.config(host_id).profile

    def public_config(self, slug: str) -> HostConfig:
        host_id = next((p.host_id for p in self.profiles.values() if p.slug == slug), None)
        if host_id is None:
            raise NotFoundError(f"host '{slug}' not found")
        return self.config(host_id)

    def save_profile(self, old: HostConfig, new: Profile, expected: int | None = None) -> int:
        stored = self.profiles[new.host_id]
        if expected is not None and stored.version != expected:
            raise ProfileChangedError("your profile was changed elsewhere", current=stored)
        if new.slug != old.profile.slug:
            if new.slug in self.slugs:
                raise SlugTakenError("this slug is taken", "slug")
            del self.slugs[old.profile.slug]
            self.slugs[new.slug] = new.host_id
        self.profiles[new.host_id] = replace(new, version=stored.version + 1)
        return stored.version + 1

    def save_schedule(self, host_slug: str, schedule: Schedule, host_id: str,
                      expected: int | None = None) -> int:
        stored = self.schedules.get(host_id)
        version = stored.version if stored is not None else 0
        if expected is not None and version != expected:
            raise ScheduleChangedError("your hours were changed elsewhere", current=stored)
        self.schedules[host_id] = replace(schedule, version=version + 1)
        return version + 1

    def save_event_type(self, et: EventType, host_slug: str, old: EventType | None,
                        expected: int | None = None) -> int:
        mine = self.events.setdefault(et.host_id, {})
        stored = mine.get(et.id)
        if expected is not None and stored is not None and stored.version != expected:
            raise EventTypeChangedError("this event type was changed elsewhere", current=stored)
        if (old is None or old.slug != et.slug) and any(
                e.slug == et.slug for e in mine.values()):
            raise EventSlugTakenError(f"you already have an event type '{et.slug}'", "slug")
        if old is not None and old.id not in mine:
            raise NotFoundError("event type not found")
        version = (stored.version if stored is not None else 0) + 1
        mine[et.id] = replace(et, version=version)
        if old is None:
            order = self.orders.get(et.host_id, EventTypeOrder())
            self.orders[et.host_id] = EventTypeOrder((*order.ids, et.id), order.version + 1)
        return version

    def delete_event_type(self, et: EventType, host_slug: str, expected: int | None = None,
                          order: EventTypeOrder | None = None) -> None:
        stored = self.events.get(et.host_id, {}).get(et.id)
        if expected is not None and stored is not None and stored.version != expected:
            raise EventTypeChangedError("changed elsewhere", current=stored)
        self.events.get(et.host_id, {}).pop(et.id, None)
        now = self.orders.get(et.host_id, EventTypeOrder())
        self.orders[et.host_id] = EventTypeOrder(tuple(i for i in now.ids if i != et.id),
                                                 now.version + 1)

    def save_event_order(self, host_id: str, order: EventTypeOrder) -> bool:
        if self.orders.get(host_id, EventTypeOrder()).version != order.version:
            return False
        self.orders[host_id] = replace(order, version=order.version + 1)
        return True


class CachedDays(Protocol):
    """The hosts' cached calendar days (tests/fakes/calendar_cache.py FakeCalendarStore)."""

    def days_between(self, host_id: str, first: date, last: date
                     ) -> Mapping[str, list[DayEvents]]: ...


@dataclass
class FakeBookings:
    """Bookings, ledger days and idempotency records, with DynamoDB's all-or-nothing commit.

    ``fail_commits``: the next N commits raise ConcurrentWriteError before any check.
    ``before_commit``: each commit first runs (and drops) the oldest of these, e.g. a rival
    booking that lands between this request's read and its write.
    ``cached``: the calendar days the slots read finds beside the ledger days.
    """

    bookings: dict[str, Booking] = field(default_factory=dict)
    days: dict[tuple[str, date], LedgerDay] = field(default_factory=dict)
    records: dict[str, IdempotencyRecord] = field(default_factory=dict)
    quotas: dict[str, int] = field(default_factory=dict)  # attendee quota key -> bookings
    fail_commits: int = 0
    before_commit: list[Interleaved] = field(default_factory=list)
    reads: int = 0      # ledger_for_write calls
    commits: int = 0    # commit calls, failed or not
    cached: CachedDays | None = None

    def put_day(self, host_id: str, day: LedgerDay) -> None:
        """Seed a ledger day as if it had been written once."""
        self.days[(host_id, day.day)] = replace(day, version=(day.version or 0) + 1)

    def day(self, host_id: str, day: date) -> LedgerDay:
        return self.days.get((host_id, day), LedgerDay(day))

    def ledger(self, host_id: str, first: date, last: date) -> LedgerRead:
        days = [self.day(host_id, first + timedelta(days=i))
                for i in range((last - first).days + 1)]
        cached = {} if self.cached is None else self.cached.days_between(host_id, first, last)
        return LedgerRead(days, dict(cached))

    def ledger_for_write(self, host_id: str, days: Sequence[date], idempotency_key: str | None
                         ) -> tuple[list[LedgerDay], IdempotencyRecord | None]:
        self.reads += 1
        record = None if idempotency_key is None else self.records.get(idempotency_key)
        return [self.day(host_id, d) for d in days], record

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        return self.records.get(key)

    def forget_idempotency(self, key: str) -> None:
        self.records.pop(key, None)

    def commit(self, write: BookingWrite, now: datetime) -> None:
        self.commits += 1
        if self.before_commit:
            self.before_commit.pop(0)()
        if self.fail_commits:
            self.fail_commits -= 1
            raise ConcurrentWriteError()
        booking, host_id = write.booking, write.booking.host_id
        # The adapter reports a lost idempotency key first, whatever else also failed.
        if write.idempotency is not None and write.idempotency[0] in self.records:
            raise IdempotentReplayError()
        if write.quota is not None and self.quotas.get(write.quota.key, 0) >= write.quota.limit:
            raise AttendeeQuotaError()
        stored = self.bookings.get(booking.uid)
        if (write.is_new and stored is not None) or (
                (None if stored is None else stored.version) != booking.version):
            raise ConcurrentWriteError()
        for day in (*write.changed_days, *write.checked_days):
            if self.day(host_id, day.day).version != day.version:
                raise ConcurrentWriteError()
        self.bookings[booking.uid] = replace(booking, version=(booking.version or 0) + 1)
        if write.idempotency is not None:
            key, fingerprint = write.idempotency
            self.records[key] = IdempotencyRecord(fingerprint, booking.uid)
        for day in write.changed_days:
            self.put_day(host_id, day)
        if write.quota is not None:
            self.quotas[write.quota.key] = self.quotas.get(write.quota.key, 0) + 1
        if write.uncounted is not None and self.quotas.get(write.uncounted, 0) > 0:
            self.quotas[write.uncounted] -= 1   # never below 0 (the adapter's condition)

    def get(self, uid: str) -> Booking | None:
        return self.bookings.get(uid)

    def save(self, booking: Booking) -> bool:
        """The booking alone, at the version it was read at (as the adapter's versioned put)."""
        stored = self.bookings.get(booking.uid)
        if stored is None or stored.version != booking.version:
            return False
        self.bookings[booking.uid] = replace(booking, version=(booking.version or 0) + 1)
        return True

    def for_host(self, host_id: str, *, after: datetime | None = None,
                 before: datetime | None = None, newest_first: bool = False,
                 limit: int = 50) -> list[Booking]:
        def wanted(b: Booking) -> bool:
            if after is not None and before is not None:
                return after <= b.start <= before  # the adapter's `between` is inclusive
            return (after is None or b.start >= after) and (before is None or b.start < before)

        mine = (b for b in self.bookings.values() if b.host_id == host_id and wanted(b))
        return sorted(mine, key=lambda b: (b.start, b.uid), reverse=newest_first)[:limit]

    def page_for_host(self, host_id: str, past: str | None, *, newest_first: bool,
                      limit: int) -> list[tuple[str, Booking]]:
        keyed = sorted(((f"{b.start.astimezone(UTC).isoformat()}#{b.uid}", b)
                        for b in self.bookings.values() if b.host_id == host_id),
                       key=lambda kb: kb[0], reverse=newest_first)
        if past is not None:
            keyed = [(k, b) for k, b in keyed if (k < past if newest_first else k > past)]
        return keyed[:limit]


@dataclass
class FakeExternalBusy:
    """The host's other calendars: busy ranges per host id, and every question asked
    (which setup, which window)."""

    ranges: dict[str, list[TimeRange]] = field(default_factory=dict)
    asked: list[tuple[str, CalendarSetup, TimeRange]] = field(default_factory=list)

    def busy(self, host_id: str, setup: CalendarSetup, window: TimeRange,
             own_event: OwnEvent | None = None) -> list[TimeRange]:
        self.asked.append((host_id, setup, window))
        ranges = [r for r in self.ranges.get(host_id, []) if r.overlaps(window)]
        # The ranges stand for the destination calendar's: a move's own event left out.
        return ranges if own_event is None else own_event.less_from_ranges(
            own_event.calendar, ranges, own_event.read_window(window))


def reservations(bookings: FakeBookings, clock: FixedClock, *, attempts: int = 6,
                 per_attendee: int = 5, calendars: ExternalBusy | None = None,
                 hosts: FakeHosts | None = None) -> Reservations:
    """The one booking write path over the fakes (no other calendar busy unless given;
    a late payment asks the calendars only when given the `hosts` their setups are in)."""
    return Reservations(bookings, calendars or NoExternalBusy(), clock, attempts, per_attendee,
                        hosts)


@dataclass
class _Login:
    host_id: str
    current: str | None  # None: a login from before tokens named it (old format)
    expires_at: datetime
    spent: tuple[str, ...] = ()
    revoked: bool = False
    started_at: datetime | None = None


@dataclass
class _OldFormatToken:
    host_id: str
    family_id: str
    expires_at: datetime
    used: bool = False


@dataclass
class FakeRefreshTokens:
    """Logins by id, each with its current token's hash and the last few it spent."""

    logins: dict[str, _Login] = field(default_factory=dict)
    old_format: dict[str, _OldFormatToken] = field(default_factory=dict)  # by token hash
    before_rotate: list[Interleaved] = field(default_factory=list)
    listed: dict[str, list[str]] = field(default_factory=dict)  # host -> login ids

    def issue(self, token_hash: str, host_id: str, family_id: str,
              expires_at: datetime, started_at: datetime | None = None) -> None:
        self.listed.setdefault(host_id, []).append(family_id)
        self.logins[family_id] = _Login(host_id, token_hash, expires_at,
                                        started_at=started_at)

    def started_at(self, family_id: str) -> datetime | None:
        login = self.logins.get(family_id)
        return None if login is None else login.started_at

    def for_host(self, host_id: str) -> list[str]:
        return list(self.listed.get(host_id, []))

    def unlist(self, host_id: str, family_ids: list[str]) -> None:
        self.listed[host_id] = [f for f in self.listed.get(host_id, []) if f not in family_ids]

    def issue_old_format(self, token_hash: str, host_id: str, family_id: str,
                         expires_at: datetime) -> None:
        """A login made before this release: its family, and its token as REFRESH#{hash}."""
        self.logins[family_id] = _Login(host_id, None, expires_at)
        self.old_format[token_hash] = _OldFormatToken(host_id, family_id, expires_at)

    def find(self, family_id: str, token_hash: str) -> StoredRefreshToken | None:
        login = self.logins.get(family_id)
        if login is None or login.current is None:
            return None
        if token_hash != login.current and token_hash not in login.spent:
            return None
        return StoredRefreshToken(token_hash, login.host_id, family_id,
                                  token_hash != login.current, login.expires_at,
                                  login.revoked, login.spent)

    def find_old_format(self, token_hash: str) -> StoredRefreshToken | None:
        token = self.old_format.get(token_hash)
        if token is None:
            return None
        login = self.logins.get(token.family_id)
        return StoredRefreshToken(
            token_hash, token.host_id, token.family_id,
            token.used or (login is not None and login.current is not None),
            token.expires_at, login is None or login.revoked)

    def rotate(self, old: StoredRefreshToken, new_hash: str, expires_at: datetime) -> None:
        if self.before_rotate:
            self.before_rotate.pop(0)()
        login = self.logins.get(old.family_id)
        if login is None or login.revoked or login.current not in (old.token_hash, None):
            raise ConcurrentWriteError()
        login.current, login.expires_at = new_hash, expires_at
        login.spent = (old.token_hash, *old.spent)[:SPENT_TOKENS_KEPT]

    def revoke_family(self, family_id: str) -> None:
        if family_id not in self.logins:
            # The adapter's update is conditioned on the family existing.
            raise LookupError(f"refresh family {family_id} does not exist")
        self.logins[family_id].revoked = True

    def is_active(self, family_id: str, now: datetime) -> bool:
        login = self.logins.get(family_id)
        return login is not None and not login.revoked and login.expires_at > now


@dataclass
class FakeCounters:
    """Rate-limit counters: the store's contract (expired items linger, as with TTL)."""

    items: dict[str, Count] = field(default_factory=dict)
    reads: int = 0
    writes: int = 0

    def read(self, key: str) -> Count | None:
        self.reads += 1
        return self.items.get(key)

    def add(self, key: str, now: datetime, expires_at: datetime, restart: bool = False) -> int:
        self.writes += 1
        before = 0 if restart or key not in self.items else self.items[key].count
        self.items[key] = Count(before + 1, now, expires_at)
        return before + 1

    def clear(self, key: str) -> None:
        self.writes += 1
        self.items.pop(key, None)


@dataclass
class FakeLoginSockets:
    """Records which logins had their sockets closed."""

    closed: list[tuple[str, str]] = field(default_factory=list)

    def close_login(self, host_id: str, session_id: str) -> int:
        self.closed.append((host_id, session_id))
        return 0


@dataclass
class FakeSockets:
    """Socket records by (host, key) -> (socket id, login, opened at), as the store keys
    them: a key already there refuses the write (the conditional put); expired records
    linger, as with TTL, but are not listed for a push. A refused socket's record keeps
    only its key (`spent`, until when), which refuses the write too but is no socket."""

    ttl: timedelta = timedelta(hours=2)
    records: dict[tuple[str, str], tuple[str, str | None, datetime]] = field(
        default_factory=dict)
    removed: list[tuple[str, list[str]]] = field(default_factory=list)  # host, socket ids
    spent: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def open(self, host_id: str, key: str, socket_id: str, now: datetime,
             session_id: str | None = None) -> bool:
        if (host_id, key) in self.records or (host_id, key) in self.spent:
            return False
        self.records[(host_id, key)] = (socket_id, session_id, now)
        return True

    def for_host(self, host_id: str, now: datetime) -> list[OpenSocket]:
        return [OpenSocket(socket_id, key, opened)
                for (host, key), (socket_id, _, opened) in self.records.items()
                if host == host_id and opened + self.ttl > now]

    def for_login(self, host_id: str, session_id: str) -> list[OpenSocket]:
        return [OpenSocket(socket_id, key, opened)
                for (host, key), (socket_id, sid, opened) in self.records.items()
                if host == host_id and sid == session_id]

    def remove(self, host_id: str, sockets: list[OpenSocket]) -> None:
        self.removed.append((host_id, [s.socket_id for s in sockets]))
        for socket in sockets:
            self.records.pop((host_id, socket.key), None)

    def mark_refused(self, host_id: str, socket: OpenSocket, until: datetime) -> None:
        self.records.pop((host_id, socket.key), None)
        self.spent[(host_id, socket.key)] = until

    def ids(self) -> list[str]:
        """The socket ids with a record, sorted."""
        return sorted(socket_id for socket_id, _, _ in self.records.values())


@dataclass
class FakeSender:
    """API Gateway's management API: what each socket got; `gone` ones raise, `broken` fail."""

    sent: dict[str, list[str]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    closed: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)  # GetConnection, in order

    def is_open(self, socket_id: str) -> bool:
        self.asked.append(socket_id)
        if socket_id in self.broken:
            raise RuntimeError("throttled")
        return socket_id not in self.gone and socket_id not in self.closed

    def send(self, socket_id: str, message: str) -> None:
        if socket_id in self.gone:
            raise SocketGoneError(socket_id)
        if socket_id in self.broken:
            raise RuntimeError("socket reset")
        self.sent.setdefault(socket_id, []).append(message)

    def close(self, socket_id: str) -> None:
        if socket_id in self.gone:
            raise SocketGoneError(socket_id)
        if socket_id in self.broken:
            raise RuntimeError("socket reset")
        self.closed.append(socket_id)


@dataclass
class FakeLogins:
    """Access tokens by value, and which logins (session ids) have ended."""

    tokens: dict[str, AccessClaims] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)

    def claims(self, access_token: str) -> AccessClaims:
        claims = self.tokens.get(access_token)
        if claims is None or (claims.session_id is not None and claims.session_id in self.ended):
            raise AuthenticationError("the access token is not valid; log in again")
        return claims

    def session_active(self, session_id: str) -> bool:
        return session_id not in self.ended


@dataclass
class FakeEventBus:
    """The SNS topic: what was published, in order."""

    published: list[Event] = field(default_factory=list)

    def publish(self, event: Event) -> None:
        self.published.append(event)


WEEKDAYS = range(5)


def make_host(hosts: FakeHosts, now: datetime, *, slug: str = "alice",
              timezone: str = "America/New_York", hours: tuple[str, str] = ("09:00", "17:00"),
              days: range = WEEKDAYS, **event: Any) -> HostConfig:
    """A host with weekly hours on ``days`` and one event type (default: 30-min "intro")."""
    host_id = f"host-{slug}"
    hosts.create(Profile(host_id, slug, slug.title(), timezone), f"{slug}@example.com",
                 FastPasswords().hash("correct horse battery"), now)
    weekly = {weekday: (LocalRange.parse(*hours),) for weekday in days}
    hosts.save_schedule(slug, Schedule(timezone, weekly, {}), host_id)
    fields: dict[str, Any] = {"id": f"{slug}-intro", "host_id": host_id, "slug": "intro",
                              "title": "Intro call", "duration_minutes": 30,
                              "location_kind": LocationKind.GOOGLE_MEET, **event}
    hosts.save_event_type(EventType(**fields), slug, None)
    return hosts.config(host_id)
