"""The booking's event in the host's calendar, for the calendar job
(services/calendar_sync.py): made, moved or deleted, each write noted (`Written`), and
the copies of the calendars written to brought up to date after the run.

What it made is kept per booking (ProviderRef: the calendar's key and the event's id),
stored the moment the provider answers, with the booking's sequence it was written for.
Creates are keyed by the booking uid (Google's client-chosen event id, Graph's
transactionId), so a retry after a create that timed out finds the first event instead
of making a second. Deletes, and the events a create may have left unrecorded, are in
services/calendar_event_deletes.py. Beside each event made (Google's, Outlook's), an owner
record names its booking (services/calendar_event_owners.py).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import timedelta

from chalicelib.domain.bookings import Booking
from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import (
    EventGoneError,
    NotConnectedError,
    ProviderError,
    ProviderUnavailableError,
)
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.providers.calendars import CalendarEvent, CalendarProvider, WrittenEvent
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.services.calendar_copy_sync import SYNC_TIMEOUT
from chalicelib.services.calendar_event_deletes import (
    CalendarEventDeletes,
    Written,
    replacement_key,
)
from chalicelib.services.calendar_event_owners import disown, own
from chalicelib.services.calendar_event_records import CALENDAR, made_for, record, recorded
from chalicelib.services.calendar_ports import ProviderAdapters
from chalicelib.services.calendar_records import WATCH_TIMEOUT
from chalicelib.services.jobs import HostConfigs, ProviderRefs

KEEP_AFTER_MEETING = timedelta(days=30)
log = logging.getLogger("penny.calendars")


class CalendarEventWrites(CalendarEventDeletes):
    """Held by CalendarSync (services/calendar_sync.py), which has these fields."""

    hosts: HostConfigs
    adapters: ProviderAdapters
    refs: ProviderRefs
    manage_url: Callable[[str], str]
    cache: CalendarCache | None

    def _resync(self, host_id: str, config: HostConfig | None,
                written: list[Written]) -> None:
        """Bring the copies of the calendars Penny wrote to up to date now, and renew a
        push channel that ends soon. A new event in a watched calendar goes straight into
        its copy (the provider pushes the change too); a moved or removed one, or one in
        a calendar without a live channel, is synced. A calendar Penny did not write to
        is synced only when its channel is due for renewal. Best effort: push or the
        next read does it otherwise, so no failure here (a provider's, or the table's)
        fails a job whose own writes are done: a retry would only fail the same way."""
        if self.cache is None:
            return
        config = config or self.hosts.config(host_id)
        now = self.cache.clock.now()
        for state in config.calendars.conflicts:
            mine = [w for w in written if w.calendar == state.ref]
            made = [(w.event_id, w.when) for w in mine if w.when is not None]
            try:
                if mine and len(made) == len(mine) and self.cache.records_own_writes(state):
                    for event_id, when in made:
                        self.cache.record_own(host_id, state.ref, event_id, when)
                elif mine or state.needs_watch(now):
                    # A worker may wait on a watch call: a channel due is made here.
                    self.cache.sync(host_id, state, WATCH_TIMEOUT if state.needs_watch(now)
                                    else SYNC_TIMEOUT)
            except (ProviderError, NotConnectedError):
                pass  # the provider's fault: push or the next read syncs it
            except Exception:  # the table's: logged, the copy waits for push or a read
                log.exception("calendar copy not brought up to date",
                              extra={"host_id": host_id, "calendar": state.ref.key})

    def _event(self, booking: Booking, destination: CalendarRef, online: bool,
               zoom_url: str | None, written: list[Written],
               venue: str | None = None, zone: str = "UTC") -> str | None:
        """`venue`: the place of a meeting that is not a video call, with its details;
        `zone`: the host's, which the event is shown in."""
        ref = self.refs.get(CALENDAR, booking.uid)
        place, event_id, key = recorded(ref) if ref is not None else ("", "", booking.uid)
        if ref is not None and destination.key not in (made_for(ref), place):
            # The host chose another calendar for bookings (not one they moved the event
            # to themselves: that is followed, and the event patched where it is).
            self._delete_event(booking.host_id, ref, written)
            ref, key = None, booking.uid
        elif ref is not None and made_for(ref) != destination.key:
            # The host chose the calendar they had moved the event to: it is made for it.
            ref = replace(ref, external_id=record(place, event_id, key, booking.uid))
        where = CalendarRef.parse(place) if ref is not None else destination
        event = CalendarEvent(
            key=key, title=f"{booking.event_title} with {booking.attendee.name}",
            when=booking.meeting, attendee_name=booking.attendee.name,
            attendee_email=booking.attendee.email,
            description=f"Booked with Penny. Reschedule or cancel: {self.manage_url(booking.uid)}"
            + (f"\n\nCall {booking.attendee.name} at {booking.phone}." if booking.phone else ""),
            location=zoom_url or venue, online_meeting=online, booking_uid=booking.uid,
            time_zone=zone)
        calendar = self.adapters.calendar(booking.host_id, destination.provider, SYNC_TIMEOUT)
        if ref is None:
            made = self._create(calendar, booking, destination, event, written)
            return made.join_url if online else None
        # A sync saw the host delete it (services/calendar_event_owners.py): this run (the
        # host's "Put it back", a move) patches it, which finds it gone and makes it again
        # below, or finds it there (a flag from a sync that overlapped an earlier put-back).
        flagged = booking.calendar_event_removed_at is not None
        lacks_link = online and booking.video_url is None
        if flagged or ref.sequence < booking.sequence or lacks_link or \
                (zoom_url is not None and booking.video_url != zoom_url):
            try:
                updated = calendar.update_event(where.calendar_id, event_id, event)
            except EventGoneError:
                # The host deleted the event in their calendar, and the booking still
                # stands: it is made again, under a key of its own (Google's event id,
                # Graph's transactionId, the Meet request), so it gets a meeting of its
                # own (the deleted event's Teams meeting went with it) and is not the
                # deleted one brought back. The key is derived from the deleted event's
                # id, which stays recorded until the new one is: a retry after a create
                # whose answer was lost finds the event it made.
                written.append(Written(where, event_id, None))
                # Its owner record forgotten first: a sync that lists it deleted later
                # flags nothing. It is made again in the destination calendar.
                disown(self._owners, where, event_id)
                again = replace(event, key=replacement_key(booking.uid, event_id))
                made = self._create(calendar, booking, destination, again, written)
                # Any other event of the booking there goes (Graph's, found by its tag): one
                # an earlier run made again, its answer lost, under a key Graph has
                # forgotten since. The one just recorded stays. Graph not answering the
                # listing (or a delete) does not fail the run: the new event is recorded
                # for the booking's sequence, so a retry would neither list again nor read
                # its Teams link, and the booking would keep the deleted event's. A
                # leftover goes with the cancel, which deletes every event of the booking.
                with suppress(ProviderUnavailableError):
                    self._delete_unrecorded_in(calendar, destination, booking.uid, None,
                                               written, keep=made.id)
                return made.join_url if online else None
            if ref.sequence < booking.sequence:
                # Moved in place: its owner record follows the meeting's new end (what a
                # deletion is judged by, and the record's TTL), as the event's record does.
                own(self._owners, booking, where, event_id, booking.end + KEEP_AFTER_MEETING)
            self.refs.put(replace(ref, sequence=booking.sequence,
                                  keep_until=booking.end + KEEP_AFTER_MEETING))
            written.append(Written(where, event_id, None))
            # The meeting moved with its event and keeps its link: an answer that names
            # none (Graph's PATCH answer has come without its onlineMeeting) is no reason
            # to tell the client the host will send one.
            return (updated.join_url or booking.video_url) if online else None
        return booking.video_url if online else None

    def _create(self, calendar: CalendarProvider, booking: Booking, destination: CalendarRef,
                event: CalendarEvent, written: list[Written]) -> WrittenEvent:
        """The event made and recorded. A link the calendar added on its own (the host's
        "add a meeting to every event") is never the booking's: only the one Penny asked
        for (`event.online_meeting`)."""
        made = calendar.create_event(destination.calendar_id, event)
        # Whose it is, by its id, before it is recorded: a retry after a failure between
        # the two finds the same event (its key) and writes this again.
        own(self._owners, booking, destination, made.id, booking.end + KEEP_AFTER_MEETING)
        # The key rides on the record when it is not the booking's uid (a replacement), so
        # later updates send the same Meet request, which Google then ignores.
        self.refs.put(ProviderRef(CALENDAR, booking.uid,
                                  record(destination.key, made.id, event.key, booking.uid),
                                  booking.sequence, booking.end + KEEP_AFTER_MEETING))
        written.append(Written(destination, made.id, booking.meeting))
        return made
