"""In-memory fakes of the provider ports (chalicelib/domain/providers/), and of the
per-host registry that hands them out (`FakeAdapters`, services/calendar_cache.py's
ProviderAdapters).

Each keeps the port's contract, not a vendor's mechanics: creates are idempotent on
their key, deletes of what is gone succeed, a calendar it cannot read is `unknown` and
never free, a webhook's signature is checked. Every fake can be told to fail its next
call of a method, before or after doing the work (a vendor that timed out after it had
already made the event), with any exception, including a BaseException standing for a
process that died.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from chalicelib.domain.errors import (
    AuthenticationError,
    CalendarGoneError,
    ConnectionBrokenError,
    EventGoneError,
    MeetingGoneError,
    NotConnectedError,
    ProviderRejectedError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.external_busy import CalendarBusy, ExternalEvent, busy_of
from chalicelib.domain.providers import (
    BookingFacts,
    BookingNotes,
    Brief,
    CalendarChanges,
    CalendarEvent,
    CalendarInfo,
    CalendarProvider,
    Checkout,
    CheckoutRequest,
    EventChange,
    Meeting,
    MeetingRequest,
    NotesPage,
    PaymentEvent,
    PaymentEventKind,
    Refund,
    TaggedEvent,
    VideoProvider,
    Watch,
    WrittenEvent,
)
from chalicelib.domain.timerange import TimeRange

A = TypeVar("A")


@dataclass
class Faults:
    """Failures queued per method: raised before the method's work, or after it; and
    rivals queued per method: run as the method's next call begins (a push notification
    that lands while a sync is reading)."""

    queued: dict[str, list[tuple[BaseException, bool]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    rivals: dict[str, list[Callable[[], object]]] = field(default_factory=dict)

    def fail_next(self, method: str, error: BaseException, *, after_work: bool = False) -> None:
        self.queued.setdefault(method, []).append((error, after_work))

    def meanwhile(self, method: str, rival: Callable[[], object]) -> None:
        self.rivals.setdefault(method, []).append(rival)

    def before(self, method: str) -> None:
        self.calls.append(method)
        rivals = self.rivals.get(method, [])
        if rivals:
            rivals.pop(0)()
        self._raise(method, after_work=False)

    def after(self, method: str) -> None:
        self._raise(method, after_work=True)

    def _raise(self, method: str, *, after_work: bool) -> None:
        pending = self.queued.get(method, [])
        if pending and pending[0][1] is after_work:
            error, _ = pending.pop(0)
            raise error


# ---- calendars -----------------------------------------------------------------------

PRIMARY = CalendarInfo("primary", "Primary", primary=True, writable=True)


@dataclass(frozen=True)
class WatchMade:
    """A push channel the fake was asked for: where it posts, with which token."""

    watch: Watch
    address: str
    token: str


@dataclass
class FakeCalendar:
    """One host's account at a calendar provider: its calendars, each holding events by
    id. The host's own events (`add`, `remove`) and the events Penny writes are listed
    alike, and both are busy time. Every edit goes on a change log, so `changes` with a
    cursor answers only what changed since; a cursor the fake no longer honours (see
    `expire_cursors`, Google's 410 Gone) or none gets the full listing.
    """

    listed: list[CalendarInfo] = field(default_factory=lambda: [PRIMARY])
    unknown: set[str] = field(default_factory=set)   # busy() cannot read these
    # Deleted, or no longer shared (why): busy() says gone, changes() CalendarGoneError.
    gone: dict[str, str] = field(default_factory=dict)
    link_base: str = "https://meet.test"             # where online meetings' links point
    links_every_event: bool = False   # the host's own setting: a link on every event made
    # An update's answer names the meeting's link (Graph's PATCH answer has been seen
    # without its onlineMeeting, the link still on the event).
    links_in_updates: bool = True
    watch_capped_at: datetime | None = None          # the provider ends watches sooner
    keyed_ids: bool = False   # Penny chooses each event's id from its key, as with Google
    tagged: bool = False      # a booking's events are found by its tag, as with Graph
    whole: bool = False       # every listing is the window whole, as Penny reads Graph's
    now: datetime = datetime(2026, 11, 20, 9, tzinfo=UTC)  # the provider's clock
    made_at: dict[str, datetime] = field(default_factory=dict)      # event id -> made
    own: dict[str, dict[str, ExternalEvent]] = field(default_factory=dict)
    written: dict[str, dict[str, CalendarEvent]] = field(default_factory=dict)
    watches: dict[str, WatchMade] = field(default_factory=dict)      # live, by id
    stopped: list[Watch] = field(default_factory=list)
    busy_asked: list[tuple[str, ...]] = field(default_factory=list)
    changes_asked: list[tuple[str, str | None]] = field(default_factory=list)
    moves_asked: list[tuple[str, str]] = field(default_factory=list)  # (left, event id)
    faults: Faults = field(default_factory=Faults)
    _log: list[tuple[str, str]] = field(default_factory=list)        # (calendar, event id)
    _epoch: int = 0
    _ids: dict[tuple[str, str], str] = field(default_factory=dict)   # (calendar, key) -> id

    # ---- the host's own edits, as the provider's own app makes them -------------------

    def add(self, calendar_id: str, event_id: str, event: ExternalEvent) -> None:
        self.own.setdefault(calendar_id, {})[event_id] = event
        self._log.append((calendar_id, event_id))

    def remove(self, calendar_id: str, event_id: str) -> None:
        self.own.get(calendar_id, {}).pop(event_id, None)
        self._log.append((calendar_id, event_id))

    def deleted_by_host(self, calendar_id: str, event_id: str) -> None:
        """The host deletes an event Penny wrote, in the provider's own app."""
        del self.written[calendar_id][event_id]
        self._log.append((calendar_id, event_id))

    def moved_by_host(self, calendar_id: str, event_id: str, to: str) -> None:
        """The host moves an event Penny wrote to another of their calendars (Google's
        "move to calendar": the id stays, the calendar it left lists it deleted)."""
        self.written.setdefault(to, {})[event_id] = self.written[calendar_id].pop(event_id)
        self._log += [(calendar_id, event_id), (to, event_id)]

    def expire_cursors(self) -> None:
        """Every cursor handed out so far is refused from now on (a full listing next)."""
        self._epoch += 1

    def events(self, calendar_id: str) -> dict[str, ExternalEvent]:
        """Everything on the calendar now: the host's events and Penny's, all busy."""
        penny = {i: ExternalEvent(e.when) for i, e in self.written.get(calendar_id, {}).items()}
        return {**self.own.get(calendar_id, {}), **penny}

    # ---- the port ----------------------------------------------------------------------

    def calendars(self) -> list[CalendarInfo]:
        self.faults.before("calendars")
        return list(self.listed)

    def busy(self, calendar_ids: Sequence[str], window: TimeRange) -> list[CalendarBusy]:
        self.faults.before("busy")
        self.busy_asked.append(tuple(calendar_ids))
        known = {c.id for c in self.listed}
        return [CalendarBusy(c, window, gone=self.gone[c]) if c in self.gone
                else CalendarBusy(c, window, unknown=True) if c in self.unknown or c not in known
                else busy_of(c, window, self.events(c).values()) for c in calendar_ids]

    def changes(self, calendar_id: str, window: TimeRange,
                cursor: str | None) -> CalendarChanges:
        self.faults.before("changes")
        self.changes_asked.append((calendar_id, cursor))
        if calendar_id in self.gone:
            raise CalendarGoneError("fake", self.gone[calendar_id])
        now = self._cursor(calendar_id, len(self._log))
        since = None if self.whole else self._position(calendar_id, cursor)
        events = self.events(calendar_id)
        if since is None:
            listing = tuple(EventChange(i, e) for i, e in sorted(events.items())
                            if e.when.overlaps(window))
            return CalendarChanges(calendar_id, listing, full=True, cursor=now)
        changed = dict.fromkeys(i for c, i in self._log[since:] if c == calendar_id)
        # An event no longer there is listed deleted, as Google lists it cancelled.
        return CalendarChanges(calendar_id, tuple(EventChange(i, events.get(i), i not in events)
                                                  for i in changed), full=False, cursor=now)

    def watch(self, calendar_id: str, address: str, watch_id: str, token: str,
              expires_at: datetime) -> Watch:
        self.faults.before("watch")
        if self.watch_capped_at is not None:
            expires_at = min(expires_at, self.watch_capped_at)
        made = Watch(watch_id, calendar_id, expires_at, resource_id=f"res-{watch_id}")
        self.watches[watch_id] = WatchMade(made, address, token)
        self.faults.after("watch")   # made, and the answer lost (Graph's POST timed out)
        return made

    def stop(self, watch: Watch) -> None:
        self.faults.before("stop")
        self.watches.pop(watch.id, None)
        self.stopped.append(watch)

    def create_event(self, calendar_id: str, event: CalendarEvent) -> WrittenEvent:
        self.faults.before("create_event")
        self._writable(calendar_id)
        chosen = self.event_id_for(calendar_id, event.key) or f"evt-{len(self._ids) + 1}"
        event_id = self._ids.setdefault((calendar_id, event.key), chosen)
        on = self.written.setdefault(calendar_id, {})
        if event_id not in on:  # the same key again: the first event, unchanged
            on[event_id] = event
            self.made_at.setdefault(event_id, self.now)
            self._log.append((calendar_id, event_id))
        self.faults.after("create_event")
        return self._written(event_id, on[event_id])

    def event_id_for(self, calendar_id: str, key: str) -> str | None:
        return f"evt-{key}" if self.keyed_ids else None

    def booking_events(self, calendar_id: str, booking_uid: str) -> list[TaggedEvent] | None:
        """When `tagged` (as Graph), Penny's events carrying the booking's tag, with when
        each was made (`now` then); else None: nothing is tagged."""
        if not self.tagged:
            return None
        self.faults.before("booking_events")
        return [TaggedEvent(i, self.made_at.get(i)) for i, e in
                self.written.get(calendar_id, {}).items() if e.booking == booking_uid]

    def moved_to(self, calendar_id: str, event_id: str) -> str | None:
        """The other writable calendar Penny's event is in now (`moved_by_host`)."""
        self.faults.before("moved_to")
        self.moves_asked.append((calendar_id, event_id))
        return next((c.id for c in self.listed if c.writable and c.id != calendar_id
                     and event_id in self.written.get(c.id, {})), None)

    def update_event(self, calendar_id: str, event_id: str,
                     event: CalendarEvent) -> WrittenEvent:
        self.faults.before("update_event")
        on = self.written.get(calendar_id, {})
        if event_id not in on:
            raise EventGoneError("fake-calendar", f"no event {event_id}")
        on[event_id] = event
        self._log.append((calendar_id, event_id))
        self.faults.after("update_event")
        written = self._written(event_id, event)
        return written if self.links_in_updates else WrittenEvent(event_id)

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        self.faults.before("delete_event")
        if self.written.get(calendar_id, {}).pop(event_id, None) is not None:
            self._log.append((calendar_id, event_id))
        self.faults.after("delete_event")

    # ---- inside the fake -----------------------------------------------------------------

    def _writable(self, calendar_id: str) -> None:
        found = next((c for c in self.listed if c.id == calendar_id), None)
        if found is None or not found.writable:
            raise ProviderRejectedError("fake-calendar", f"cannot write to {calendar_id}")

    def _written(self, event_id: str, event: CalendarEvent) -> WrittenEvent:
        linked = event.online_meeting or self.links_every_event
        return WrittenEvent(event_id, f"{self.link_base}/{event_id}" if linked else None)

    def _cursor(self, calendar_id: str, position: int) -> str:
        return f"{calendar_id}@{self._epoch}.{position}"

    def _position(self, calendar_id: str, cursor: str | None) -> int | None:
        """Where in the log a cursor points; None when it is none, or not honoured."""
        if cursor is None:
            return None
        mine, _, rest = cursor.rpartition("@")
        epoch, _, position = rest.partition(".")
        if mine != calendar_id or epoch != str(self._epoch) or not position.isdigit() \
                or int(position) > len(self._log):
            return None
        return int(position)


# ---- video ---------------------------------------------------------------------------


@dataclass
class FakeVideo:
    """One host's Zoom account: meetings by id, made once per key."""

    meetings: dict[str, MeetingRequest] = field(default_factory=dict)  # live, by id
    faults: Faults = field(default_factory=Faults)
    _ids: dict[str, str] = field(default_factory=dict)

    def create_meeting(self, request: MeetingRequest) -> Meeting:
        self.faults.before("create_meeting")
        meeting_id = self._ids.setdefault(request.key, f"mtg-{len(self._ids) + 1}")
        self.meetings.setdefault(meeting_id, request)
        self.faults.after("create_meeting")
        return self._meeting(meeting_id)

    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> Meeting:
        self.faults.before("update_meeting")
        if meeting_id not in self.meetings:
            raise MeetingGoneError("fake-video", f"no meeting {meeting_id}")
        self.meetings[meeting_id] = request
        return self._meeting(meeting_id)

    def delete_meeting(self, meeting_id: str) -> None:
        self.faults.before("delete_meeting")
        self.meetings.pop(meeting_id, None)

    def deleted_by_host(self, meeting_id: str) -> None:
        """The host deletes the meeting in Zoom: gone, and a new create makes another."""
        request = self.meetings.pop(meeting_id)
        self._ids[f"deleted:{meeting_id}"] = self._ids.pop(request.key)  # ids keep counting

    @staticmethod
    def _meeting(meeting_id: str) -> Meeting:
        return Meeting(meeting_id, f"https://video.test/j/{meeting_id}")


# ---- the hosts' connections ----------------------------------------------------------

# Which link each calendar provider's online meeting gets (Meet on Google, Teams on Outlook).
LINKS = {"google": "https://meet.test", "microsoft": "https://teams.test"}


@dataclass
class FakeAdapters:
    """The `ProviderAdapters` port (services/calendar_cache.py): each host's accounts,
    by provider. One not connected raises NotConnectedError, one marked broken raises
    ConnectionBrokenError, as bootstrap.HostAdapters does before any vendor call."""

    calendar_accounts: dict[tuple[str, str], FakeCalendar] = field(default_factory=dict)
    video_accounts: dict[tuple[str, str], FakeVideo] = field(default_factory=dict)
    broken_reasons: dict[tuple[str, str], str] = field(default_factory=dict)  # reason
    asked: list[tuple[str, str, float]] = field(default_factory=list)  # (host, provider, s)

    def connect_calendar(self, host_id: str, provider: str = "google",
                         *calendars: CalendarInfo) -> FakeCalendar:
        """The host's account (the one it had, if it connects again: no longer broken)."""
        self.broken_reasons.pop((host_id, provider), None)
        account = FakeCalendar(link_base=LINKS.get(provider, "https://meet.test"))
        if calendars:
            account.listed = list(calendars)
        return self.calendar_accounts.setdefault((host_id, provider), account)

    def connect_video(self, host_id: str, provider: str = "zoom") -> FakeVideo:
        self.broken_reasons.pop((host_id, provider), None)
        return self.video_accounts.setdefault((host_id, provider), FakeVideo())

    def disconnect(self, host_id: str, provider: str) -> None:
        self.calendar_accounts.pop((host_id, provider), None)
        self.video_accounts.pop((host_id, provider), None)
        self.broken_reasons.pop((host_id, provider), None)

    def break_connection(self, host_id: str, provider: str,
                         reason: str = "refresh refused") -> None:
        self.broken_reasons[(host_id, provider)] = reason

    def broken(self, host_id: str, provider: str, reason: str) -> None:
        """A provider refused the host's working connection: flagged, as
        ConnectionService.broken does (later calls fail fast)."""
        self.broken_reasons.setdefault((host_id, provider), reason)

    def calendar(self, host_id: str, provider: str, timeout: float) -> CalendarProvider:
        return self._account(self.calendar_accounts, host_id, provider, timeout)

    def video(self, host_id: str, provider: str, timeout: float) -> VideoProvider:
        return self._account(self.video_accounts, host_id, provider, timeout)

    def _account(self, accounts: Mapping[tuple[str, str], A], host_id: str, provider: str,
                 timeout: float) -> A:
        self.asked.append((host_id, provider, timeout))
        found = accounts.get((host_id, provider))
        if found is None:
            raise NotConnectedError(f"{provider.title()} is not connected")
        if (host_id, provider) in self.broken_reasons:
            raise ConnectionBrokenError(provider, self.broken_reasons[(host_id, provider)])
        return found


# ---- payments ------------------------------------------------------------------------

SIGNATURE_HEADER = "fake-signature"


@dataclass
class FakePayments:
    secret: bytes = b"fake-webhook-secret"
    checkouts: dict[str, CheckoutRequest] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    refunds: dict[str, Refund] = field(default_factory=dict)          # by key
    faults: Faults = field(default_factory=Faults)
    _ids: dict[str, str] = field(default_factory=dict)

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        self.faults.before("create_checkout")
        checkout_id = self._ids.setdefault(request.key, f"cs-{len(self._ids) + 1}")
        first = self.checkouts.setdefault(checkout_id, request)
        return Checkout(checkout_id, f"https://pay.test/c/{checkout_id}", first.expires_at)

    def expire_checkout(self, checkout_id: str) -> None:
        self.faults.before("expire_checkout")
        if checkout_id not in self.checkouts:
            raise ProviderRejectedError("fake-payments", f"no checkout {checkout_id}")
        self.expired.add(checkout_id)

    def refund(self, payment_id: str, amount: Price, key: str) -> Refund:
        self.faults.before("refund")
        made = self.refunds.setdefault(key, Refund(f"re-{len(self.refunds) + 1}", payment_id,
                                                   amount))
        self.faults.after("refund")  # made, and its answer lost
        return made

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, self._sign(body)):
            raise AuthenticationError("the webhook's signature does not match its body")
        data = json.loads(body)
        if data.get("kind") not in set(PaymentEventKind):
            return None
        amount = (Price(data["amount_minor"], data["currency"])
                  if data.get("amount_minor") is not None else None)
        return PaymentEvent(data["id"], PaymentEventKind(data["kind"]), data["booking_uid"],
                            data["checkout_id"], data.get("payment_id"), amount,
                            data.get("account"))

    def webhook(self, event: PaymentEvent | dict[str, object]) -> tuple[bytes, dict[str, str]]:
        """A signed delivery of `event`, as the vendor would post it."""
        data = event if isinstance(event, dict) else {
            "id": event.id, "kind": event.kind.value, "booking_uid": event.booking_uid,
            "checkout_id": event.checkout_id, "payment_id": event.payment_id,
            "amount_minor": event.amount.amount_minor if event.amount else None,
            "currency": event.amount.currency if event.amount else None,
            "account": event.account}
        body = json.dumps(data).encode()
        return body, {SIGNATURE_HEADER: self._sign(body)}

    def _sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()


# ---- notes ---------------------------------------------------------------------------


@dataclass
class FakeNotes:
    pages: dict[str, BookingNotes] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    _ids: dict[str, str] = field(default_factory=dict)

    def save_notes(self, notes: BookingNotes) -> NotesPage:
        self.faults.before("save_notes")
        page_id = self._ids.setdefault(notes.key, f"page-{len(self._ids) + 1}")
        self.pages.setdefault(page_id, notes)
        self.faults.after("save_notes")
        return self._page(page_id)

    def update_notes(self, page_id: str, notes: BookingNotes) -> NotesPage:
        self.faults.before("update_notes")
        if page_id not in self.pages:
            raise ProviderRejectedError("fake-notes", f"no page {page_id}")
        self.pages[page_id] = notes
        return self._page(page_id)

    @staticmethod
    def _page(page_id: str) -> NotesPage:
        return NotesPage(page_id, f"https://notes.test/{page_id}")


# ---- briefs --------------------------------------------------------------------------


@dataclass
class FakeBriefs:
    written: list[BookingFacts] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)

    def write(self, facts: BookingFacts) -> Brief:
        self.faults.before("write")
        self.written.append(facts)
        return Brief(
            who=f"{facts.attendee_name} booked {facts.event_title} at "
                f"{facts.when.start.isoformat()} ({len(facts.earlier)} earlier bookings).",
            wants=facts.answers[0][1] if facts.answers else f"A {facts.event_title}.",
            prepare=tuple(f"{question}: {answer}" for question, answer in facts.answers),
            questions=(), model="fake-briefs", input_tokens=0, output_tokens=0)

