"""Changing a booking after the fact: view, cancel and reschedule.

The attendee acts through the secret links (a token per purpose); the host through
its session. Both write the booking and its ledger days in one transaction, each
conditioned on the version read, and retry from a fresh read if something moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.domain.bookings import Booking, LedgerDay, LedgerEntry, busy_from_ledger, utc_days
from chalicelib.domain.errors import (
    BookingContentionError,
    BookingLinkError,
    BookingStateError,
    ConcurrentWriteError,
    NotFoundError,
)
from chalicelib.domain.event_types import EventType
from chalicelib.domain.slots import SlotQuery
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.booking import check_slot, ledger_days_for
from chalicelib.services.links import BookingLinks, LinkPurpose
from chalicelib.services.ports import Bookings, Clock, Hosts
from chalicelib.store.bookings import BookingWrite
from chalicelib.store.hosts import HostConfig


@dataclass(frozen=True)
class BookingChanges:
    hosts: Hosts
    bookings: Bookings
    clock: Clock
    links: BookingLinks
    attempts: int = 6

    def view(self, uid: str, token: str, *purposes: LinkPurpose) -> Booking:
        """The booking, if `token` is its link for one of `purposes` (default: any)."""
        return self.view_by_link(uid, token, *purposes)[0]

    def view_by_link(self, uid: str, token: str,
                     *purposes: LinkPurpose) -> tuple[Booking, LinkPurpose]:
        """The booking and which of its links `token` is (one of `purposes`, default any)."""
        return self._by_link(uid, token, *(purposes or tuple(LinkPurpose)))

    @staticmethod
    def movable(booking: Booking, now: datetime) -> bool:
        """Whether it may still be cancelled or moved: active and not yet started."""
        return booking.is_active(now) and booking.start > now

    @staticmethod
    def bookable_event_type(config: HostConfig, booking: Booking) -> EventType | None:
        """The booking's event type, while it still takes bookings."""
        return next((e for e in config.event_types
                     if e.id == booking.event_type_id and e.active), None)

    def host_view(self, host_id: str, uid: str) -> Booking:
        booking = self.bookings.get(uid)
        if booking is None or booking.host_id != host_id:
            raise NotFoundError("booking not found")
        return booking

    def list_for_host(self, host_id: str, status: str, limit: int) -> list[Booking]:
        """Upcoming (soonest first), past (latest first) or cancelled (latest first)."""
        now = self.clock.now()
        if status == "upcoming":
            found = self.bookings.for_host(host_id, after=now, limit=limit * 2)
            return [b for b in found if b.is_active(now)][:limit]
        if status == "past":
            found = self.bookings.for_host(host_id, before=now, newest_first=True,
                                           limit=limit * 2)
            return [b for b in found if b.is_active(now)][:limit]
        found = self.bookings.for_host(host_id, newest_first=True, limit=500)
        return [b for b in found if not b.is_active(now)][:limit]

    def cancel_by_attendee(self, uid: str, token: str, reason: str | None) -> Booking:
        self._by_link(uid, token, LinkPurpose.CANCEL)
        return self._cancel(lambda: self.bookings.get(uid), reason, "attendee")

    def cancel_by_host(self, host_id: str, uid: str, reason: str | None) -> Booking:
        self.host_view(host_id, uid)
        return self._cancel(lambda: self.bookings.get(uid), reason, "host")

    def reschedule(self, uid: str, token: str, new_start: datetime) -> Booking:
        self._by_link(uid, token, LinkPurpose.RESCHEDULE)
        start = new_start.astimezone(UTC)
        for _ in range(self.attempts):
            now = self.clock.now()
            booking = self._active(self.bookings.get(uid), now)
            config = self.hosts.config(booking.host_id)
            et = self.bookable_event_type(config, booking)
            if et is None:
                raise BookingStateError("this event type no longer takes bookings")
            rules = et.slot_rules()
            moved = booking.moved_to(start, now)
            days = sorted(set(ledger_days_for(config, moved.meeting, moved.blocked))
                          | set(utc_days([booking.blocked])))
            ledger, _ = self.bookings.ledger_for_write(booking.host_id, days, None)
            query = SlotQuery(now, config.schedule, rules, et.id,
                              busy_from_ledger(ledger, now, ignore_uid=uid),
                              TimeRange(start, moved.end), booking.attendee.timezone)
            check_slot(query, start)
            if self._commit(moved, ledger, now, add=True):
                return moved
        raise BookingContentionError("the host's calendar is busy right now; try again")

    def host_config(self, booking: Booking) -> HostConfig:
        return self.hosts.config(booking.host_id)

    def _by_link(self, uid: str, token: str,
                 *purposes: LinkPurpose) -> tuple[Booking, LinkPurpose]:
        presented = self.links.purpose_of(uid, token)
        booking = self.bookings.get(uid) if presented in purposes else None
        if booking is None or presented is None:
            raise BookingLinkError("booking not found or link not valid")
        return booking, presented

    def _active(self, booking: Booking | None, now: datetime) -> Booking:
        if booking is None:
            raise NotFoundError("booking not found")
        if self.movable(booking, now):
            return booking
        if not booking.is_active(now):
            raise BookingStateError(f"this booking is {booking.status.value}")
        raise BookingStateError("this booking has already started")

    def _cancel(self, load: Callable[[], Booking | None], reason: str | None,
                by: str) -> Booking:
        for _ in range(self.attempts):
            now = self.clock.now()
            booking = self._active(load(), now)
            days = utc_days([booking.blocked])
            ledger, _ = self.bookings.ledger_for_write(booking.host_id, days, None)
            cancelled = booking.cancelled(now, (reason or "").strip() or None, by)
            if self._commit(cancelled, ledger, now, add=False):
                return cancelled
        raise BookingContentionError("the host's calendar is busy right now; try again")

    def _commit(self, booking: Booking, ledger: list[LedgerDay], now: datetime, add: bool) -> bool:
        touched = set(utc_days([booking.blocked])) if add else set()
        entry = LedgerEntry.of(booking)
        changed: list[LedgerDay] = []
        checked: list[LedgerDay] = []
        for day in ledger:
            if day.day in touched:
                changed.append(day.with_entry(entry, now))
            elif any(e.booking_uid == booking.uid for e in day.entries):
                changed.append(day.without(booking.uid, now))
            else:
                checked.append(day)
        try:
            self.bookings.commit(BookingWrite(booking, False, changed, checked), now)
        except ConcurrentWriteError:
            return False
        return True
