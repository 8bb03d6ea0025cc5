"""Changing a booking after the fact: view, cancel and reschedule.

The attendee acts through the secret links (a token per purpose); the host through
its session. A cancel releases the booking's time and a reschedule moves it, both
through the reservation service's one write path (services/reservations.py).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from chalicelib.domain.bookings import Booking
from chalicelib.domain.errors import (
    BookingLinkError,
    BookingStateError,
    NotFoundError,
    ValidationError,
)
from chalicelib.domain.event_types import LONGEST_MEETING, EventType
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.reservations import Claim, event_type_of, move_rules
from chalicelib.services.calendar_put_back import put_back
from chalicelib.services.links import BookingLinks, LinkPurpose
from chalicelib.services.ports import Bookings, Clock, Hosts
from chalicelib.services.reservations import Reservations

# A host's booking list: reads of the index per page at most, and its cursor: a key of
# the index ("{start in UTC}#{uid}"), base64url-encoded so it travels in a URL as it is.
LIST_READS = 5
LIST_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00#[0-9a-zA-Z_-]{1,64}")


def _cursor_of(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _key_of(cursor: str) -> str:
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        key = ""
    if not LIST_KEY.fullmatch(key):
        raise ValidationError("cursor is not one this list gave", "cursor")
    return key


@dataclass(frozen=True)
class BookingChanges:
    hosts: Hosts
    bookings: Bookings
    clock: Clock
    links: BookingLinks
    reservations: Reservations

    def view(self, uid: str, token: str, *purposes: LinkPurpose) -> Booking:
        """The booking, if `token` is its link for one of `purposes` (default: any)."""
        return self.view_by_link(uid, token, *purposes)[0]

    def view_by_link(self, uid: str, token: str,
                     *purposes: LinkPurpose) -> tuple[Booking, LinkPurpose]:
        """The booking and which of its links `token` is (one of `purposes`, default any),
        as it stands now (a lapsed hold is shown expired)."""
        booking, presented = self._by_link(uid, token, *(purposes or tuple(LinkPurpose)))
        return booking.as_of(self.clock.now()), presented

    @staticmethod
    def movable(booking: Booking, now: datetime) -> bool:
        """Whether it may still be cancelled or moved (for the manage page)."""
        return booking.movable(now)

    @staticmethod
    def bookable_event_type(config: HostConfig, booking: Booking) -> EventType | None:
        """The booking's event type, while it still takes bookings (for the move page)."""
        return event_type_of(booking, config.event_types)

    def move_target(self, uid: str, token: str) -> tuple[Booking, HostConfig, EventType]:
        """What a move from the reschedule link works with: the booking (while it may
        still move), its host's config and its event type (while that takes bookings)."""
        booking = self.view(uid, token, LinkPurpose.RESCHEDULE)
        booking.check_reschedulable(self.clock.now())
        config = self.hosts.config(booking.host_id)
        et = event_type_of(booking, config.event_types)
        if et is None:
            raise BookingStateError("this event type no longer takes bookings")
        return booking, config, et

    def host_view(self, host_id: str, uid: str) -> Booking:
        booking = self.bookings.get(uid)
        if booking is None or booking.host_id != host_id:
            raise NotFoundError("booking not found")
        return booking.as_of(self.clock.now())

    def list_for_host(self, host_id: str, status: str, limit: int,
                      cursor: str | None = None,
                      attendee: str | None = None) -> tuple[list[Booking], str | None]:
        """A page of upcoming (not yet ended, soonest first: a meeting in progress comes
        first), past (ended, latest first) or cancelled (latest first: cancelled, and
        holds that ended unpaid) bookings, and the cursor of the next page (None: no
        more); with `attendee`, only those of a client whose name or e-mail holds it, in
        any case. The index holds them all by start, so the others of a page's stretch
        are read and skipped; at most LIST_READS reads a page, and a page cut short by
        that carries a cursor on from where it stopped."""
        now = self.clock.now()
        # The index is by start, and a booking's end is not in its key: a meeting still
        # on began at most LONGEST_MEETING ago, so upcoming reads on from then (skipping
        # the few that ended since) and past back from now (skipping those still on).
        # Cancelled: every time.
        first = {"upcoming": now - LONGEST_MEETING, "past": now}.get(status)
        past = _key_of(cursor) if cursor is not None else \
            None if first is None else first.astimezone(UTC).isoformat()
        newest_first = status != "upcoming"

        needle = None if attendee is None else attendee.casefold()

        def in_tab(b: Booking) -> bool:
            if status == "cancelled":
                return not b.is_active(now)
            return b.is_active(now) and (b.end > now) == (status == "upcoming")

        def wanted(b: Booking) -> bool:
            return in_tab(b) and (
                needle is None or needle in b.attendee.name.casefold()
                or needle in b.attendee.email.casefold())

        found: list[Booking] = []
        for _ in range(LIST_READS):
            page = self.bookings.page_for_host(host_id, past, newest_first=newest_first,
                                               limit=limit * 2)
            for key, booking in page:
                past = key
                if wanted(booking):
                    found.append(booking.as_of(now))
                    if len(found) == limit:
                        return found, _cursor_of(key)
            if len(page) < limit * 2:
                return found, None
        return found, None if past is None else _cursor_of(past)

    def cancel_by_attendee(self, uid: str, token: str, reason: str | None) -> Booking:
        self._by_link(uid, token, LinkPurpose.CANCEL)
        return self._cancel(uid, reason, "attendee")

    def cancel_by_host(self, host_id: str, uid: str, reason: str | None) -> Booking:
        self.host_view(host_id, uid)
        return self._cancel(uid, reason, "host")

    def put_back_event(self, host_id: str, uid: str) -> Booking:
        """The host's "Put it back" (services/calendar_put_back.py)."""
        return put_back(self.bookings, self.hosts, self.clock, host_id, uid)

    def reschedule(self, uid: str, token: str, new_start: datetime) -> Booking:
        """The booking at `new_start`. Asking for the time it already has changes nothing
        (a retried request gets the booking it moved, and no move is used up)."""
        booking, _ = self._by_link(uid, token, LinkPurpose.RESCHEDULE)
        if booking.start == new_start:
            now = self.clock.now()
            booking.check_reschedulable(now)
            return booking.as_of(now)

        def moved(now: datetime) -> Claim:
            booking = self._movable(uid, now)
            booking.check_reschedulable(now)
            config = self.hosts.config(booking.host_id)
            et = event_type_of(booking, config.event_types)
            if et is None:
                raise BookingStateError("this event type no longer takes bookings")
            # The moved booking carries the host's plan as it is now, like a new one, and
            # keeps reaching the notes worker once it did (its page says it moved).
            moved_booking = replace(booking.moved_to(new_start, now), premium=config.premium,
                                    keeps_notes=booking.keeps_notes or config.notes is not None)
            setup = config.calendars
            return Claim(moved_booking, config.schedule, move_rules(booking, et),
                         releasing=booking.blocked, calendars=setup,
                         own_event=OwnEvent.where(setup.destination, setup.refs,
                                                  booking.meeting))

        return self.reservations.move(moved)

    def host_config(self, booking: Booking) -> HostConfig:
        return self.hosts.config(booking.host_id)

    def _by_link(self, uid: str, token: str,
                 *purposes: LinkPurpose) -> tuple[Booking, LinkPurpose]:
        presented = self.links.purpose_of(uid, token)
        booking = self.bookings.get(uid) if presented in purposes else None
        if booking is None or presented is None:
            raise BookingLinkError("booking not found or link not valid")
        return booking, presented

    def _movable(self, uid: str, now: datetime) -> Booking:
        booking = self.bookings.get(uid)
        if booking is None:
            raise NotFoundError("booking not found")
        booking.check_movable(now)
        return booking

    def _cancel(self, uid: str, reason: str | None, by: str) -> Booking:
        reason = (reason or "").strip() or None
        return self.reservations.release(
            lambda now: self._movable(uid, now).cancelled(now, reason, by))
