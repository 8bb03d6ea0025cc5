"""In-memory fakes of the provider ports (chalicelib/domain/providers.py).

Each keeps the port's contract, not a vendor's mechanics: creates are idempotent on
their key, deletes of what is gone succeed, a webhook's signature is checked. Every fake
can be told to fail its next call of a method, before or after doing the work (a vendor
that timed out after it had already made the event), with any exception, including a
BaseException standing for a process that died.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.domain.errors import AuthenticationError, ProviderRejectedError
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers import (
    BookingFacts,
    BookingNotes,
    CalendarEvent,
    Checkout,
    CheckoutRequest,
    Meeting,
    MeetingRequest,
    NotesPage,
    PaymentEvent,
    PaymentEventKind,
    Refund,
)
from chalicelib.domain.timerange import TimeRange, intersect


@dataclass
class Faults:
    """Failures queued per method: raised before the method's work, or after it."""

    queued: dict[str, list[tuple[BaseException, bool]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def fail_next(self, method: str, error: BaseException, *, after_work: bool = False) -> None:
        self.queued.setdefault(method, []).append((error, after_work))

    def before(self, method: str) -> None:
        self.calls.append(method)
        self._raise(method, after_work=False)

    def after(self, method: str) -> None:
        self._raise(method, after_work=True)

    def _raise(self, method: str, *, after_work: bool) -> None:
        pending = self.queued.get(method, [])
        if pending and pending[0][1] is after_work:
            error, _ = pending.pop(0)
            raise error


# ---- calendars -----------------------------------------------------------------------


@dataclass
class FakeCalendar:
    busy_ranges: list[TimeRange] = field(default_factory=list)
    events: dict[str, CalendarEvent] = field(default_factory=dict)   # live, by event id
    faults: Faults = field(default_factory=Faults)
    _ids: dict[str, str] = field(default_factory=dict)               # create key -> id

    def busy(self, window: TimeRange) -> list[TimeRange]:
        self.faults.before("busy")
        return intersect(self.busy_ranges, [window])

    def create_event(self, event: CalendarEvent) -> str:
        self.faults.before("create_event")
        event_id = self._ids.setdefault(event.key, f"evt-{len(self._ids) + 1}")
        self.events.setdefault(event_id, event)  # the same key again: the first event
        self.faults.after("create_event")
        return event_id

    def update_event(self, event_id: str, event: CalendarEvent) -> None:
        self.faults.before("update_event")
        if event_id not in self.events:
            raise ProviderRejectedError("fake-calendar", f"no event {event_id}")
        self.events[event_id] = event
        self.faults.after("update_event")

    def delete_event(self, event_id: str) -> None:
        self.faults.before("delete_event")
        self.events.pop(event_id, None)
        self.faults.after("delete_event")


@dataclass
class FakeCalendars:
    """Hosts' calendars: a host with none connected gets None."""

    by_host: dict[str, FakeCalendar] = field(default_factory=dict)

    def connect(self, host_id: str) -> FakeCalendar:
        return self.by_host.setdefault(host_id, FakeCalendar())

    def for_host(self, host_id: str) -> FakeCalendar | None:
        return self.by_host.get(host_id)


# ---- video ---------------------------------------------------------------------------


@dataclass
class FakeVideo:
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
            raise ProviderRejectedError("fake-video", f"no meeting {meeting_id}")
        self.meetings[meeting_id] = request
        return self._meeting(meeting_id)

    def delete_meeting(self, meeting_id: str) -> None:
        self.faults.before("delete_meeting")
        self.meetings.pop(meeting_id, None)

    @staticmethod
    def _meeting(meeting_id: str) -> Meeting:
        return Meeting(meeting_id, f"https://video.test/j/{meeting_id}")


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
        return self.refunds.setdefault(key, Refund(f"re-{len(self.refunds) + 1}", payment_id,
                                                   amount))

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
                            data["checkout_id"], data.get("payment_id"), amount)

    def webhook(self, event: PaymentEvent | dict[str, object]) -> tuple[bytes, dict[str, str]]:
        """A signed delivery of `event`, as the vendor would post it."""
        data = event if isinstance(event, dict) else {
            "id": event.id, "kind": event.kind.value, "booking_uid": event.booking_uid,
            "checkout_id": event.checkout_id, "payment_id": event.payment_id,
            "amount_minor": event.amount.amount_minor if event.amount else None,
            "currency": event.amount.currency if event.amount else None}
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

    def write(self, facts: BookingFacts) -> str:
        self.faults.before("write")
        self.written.append(facts)
        lines = [f"{facts.attendee_name} ({facts.attendee_email}) booked {facts.event_title} "
                 f"at {facts.when.start.isoformat()}."]
        lines += [f"- {question}: {answer}" for question, answer in facts.answers]
        return "\n".join(lines)

