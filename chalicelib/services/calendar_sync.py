"""The calendar job: every confirmed booking is an event in the host's calendar, with its
video meeting, and the booking carries the join link.

It reconciles rather than replays: whichever booking event arrives (confirmed,
rescheduled, cancelled; SNS keeps no order), it reads the booking as it is now and makes
the providers match: a confirmed booking has one event (and one Zoom meeting, for a Zoom
event type) at its current time, anything else has none. So a late `booking.confirmed`
for a booking cancelled since creates nothing, and a reschedule that overtook its
confirmation still ends at the new time.

What it made is kept per booking (ProviderRef: the calendar's key and the event's id, or
the meeting's id), stored the moment the provider answers, with the booking's sequence
it was written for. Creates are keyed by the booking uid (Google's client-chosen event
id, Graph's transactionId), so a retry after a create that timed out finds the first
event instead of making a second; a cancel with no record deletes Google's event by
that id all the same (Graph's cannot be found). Zoom has no such key: its meeting's id
is stored before anything else is done, so only a crash in between could leave a stray
meeting.

The link: Google Meet and Teams ride on the event (the host's destination calendar must
be that provider's), Zoom is its own meeting, put in the event's location. When the
meeting cannot be made (Zoom not connected or broken, a Meet event type while the
host's calendar is Outlook), the booking says plainly that the host will send the link:
Penny never switches to another provider on its own. The link or that note is written
on the booking; the table's stream turns that into `booking.updated` for the host's
dashboards, and the attendee's page shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import (
    BookingContentionError,
    ConnectionBrokenError,
    MeetingGoneError,
    NotConnectedError,
    ProviderError,
)
from chalicelib.domain.event_types import LocationKind
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.providers import CalendarEvent, MeetingRequest, ProviderRef
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.services.calendar_copy_sync import SYNC_TIMEOUT
from chalicelib.services.calendar_ports import ProviderAdapters
from chalicelib.services.jobs import (
    HostConfigs,
    JobBookings,
    JobContext,
    ProviderRefs,
    take_lease,
)
from chalicelib.services.notes import NotesBookings, save_on_latest
from chalicelib.services.ports import Clock

ROUNDS = 3
KEEP_AFTER_MEETING = timedelta(days=30)
CALENDAR, ZOOM = "calendar", "zoom"
ZOOM_CREATING = "zoom:creating"              # a run's lease on making the meeting
ZOOM_CREATE_LEASE = timedelta(minutes=2)     # longer than a create may take
# Which calendar provider makes each kind of link on its events.
RIDES_ON = {LocationKind.GOOGLE_MEET: "google", LocationKind.TEAMS: "microsoft"}


@dataclass(frozen=True)
class Written:
    """An event Penny wrote in a host's calendar during one run: made (`when`: its time,
    which can go straight into the calendar's copy), or moved or removed (`when` None:
    the copy is synced, so no freed time stays busy in it)."""

    calendar: CalendarRef
    event_id: str
    when: TimeRange | None


def _location(booking: Booking) -> LocationKind | None:
    try:
        return LocationKind(booking.location_kind)
    except ValueError:
        return None


def _state(b: Booking | None) -> tuple[BookingStatus, int, str | None] | None:
    return None if b is None else (b.status, b.sequence, b.video_url)


def follows_note(kind: LocationKind) -> str:
    return f"The host will send you the {kind.label} link before the meeting."


@dataclass(frozen=True)
class CalendarSync:
    bookings: JobBookings
    hosts: HostConfigs
    adapters: ProviderAdapters
    refs: ProviderRefs
    manage_url: Callable[[str], str]        # booking uid -> the attendee's manage page
    cache: CalendarCache | None = None      # the copies, kept up to date after each write
    clock: Clock | None = None              # when a link asks for the notes again
    name: str = "calendar"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED, EventKind.BOOKING_RESCHEDULED,
                                    EventKind.BOOKING_CANCELLED, EventKind.CALENDAR_REQUESTED)
    announces: EventKind | None = None

    def run(self, event: Event) -> None:
        uid = str(event.booking["uid"])
        booking = self.bookings.get(uid)
        config = None
        written: list[Written] = []
        for _ in range(ROUNDS):
            done, stands = self._reconcile(uid, booking, written)
            config = done or config
            again = self.bookings.get(uid)
            # Its own link written is no change to reconcile again: only someone else's.
            if _state(again) == _state(stands):
                break
            booking = again
        self._resync(event.host_id, config, written)

    def _resync(self, host_id: str, config: HostConfig | None,
                written: list[Written]) -> None:
        """Bring the copies of the calendars Penny wrote to up to date now, and renew a
        push channel that ends soon. A new event in a watched calendar goes straight into
        its copy (the provider pushes the change too); a moved or removed one, or one in
        a calendar without a live channel, is synced. A calendar Penny did not write to
        is synced only when its channel is due for renewal. Best effort: push or the
        next read does it otherwise."""
        if self.cache is None:
            return
        config = config or self.hosts.config(host_id)
        now = self.cache.clock.now()
        for state in config.calendars.conflicts:
            mine = [w for w in written if w.calendar == state.ref]
            made = [(w.event_id, w.when) for w in mine if w.when is not None]
            with suppress(ProviderError, NotConnectedError):
                if mine and len(made) == len(mine) and self.cache.records_own_writes(state):
                    for event_id, when in made:
                        self.cache.record_own(host_id, state.ref, event_id, when)
                elif mine or state.needs_watch(now):
                    self.cache.sync(host_id, state)

    def _reconcile(self, uid: str, booking: Booking | None, written: list[Written]
                   ) -> tuple[HostConfig | None, Booking | None]:
        """Make the providers match the booking; the host's config, when it was read, and
        the booking as this run left it (its link written, when it wrote one)."""
        active = booking is not None and booking.status is BookingStatus.CONFIRMED
        if booking is None or not active:
            return self._remove(booking.host_id if booking else None, uid, written), booking
        config = self.hosts.config(booking.host_id)
        kind = _location(booking)
        zoom_url, zoom_note = self._zoom(booking) if kind is LocationKind.ZOOM else (None, None)
        destination = config.calendars.destination
        rides = kind is not None and RIDES_ON.get(kind) is not None and \
            destination is not None and RIDES_ON[kind] == destination.provider
        broken: ProviderError | NotConnectedError | None = None
        link = None
        try:
            if destination is not None:
                link = self._event(booking, destination, rides, zoom_url, written)
            else:  # the host stopped writing bookings to a calendar: take ours away
                self._drop_event(booking.host_id, booking.uid, written)
        except (ConnectionBrokenError, NotConnectedError) as exc:
            broken = exc  # the Zoom link (or the note) is still written below
            if isinstance(exc, ConnectionBrokenError) and destination is not None:
                self.adapters.broken(booking.host_id, destination.provider, exc.message)
        url = zoom_url or link
        note = None
        if url is None and kind is not None and kind.is_video:
            note = zoom_note or follows_note(kind)
        booking = self._save_video(booking, url, note, config)
        if broken is not None:
            raise broken
        return config, booking

    def _save_video(self, booking: Booking, url: str | None, note: str | None,
                    config: HostConfig) -> Booking:
        """The link (or note) written on the booking; the booking as this run leaves it.
        A save refused because someone else wrote the booking meanwhile is made again on
        the booking read afresh, when that write left what the link is for as it was (a
        payment recorded, a notes page linked): no later round, nor any event, would
        write it, and a broken calendar ends the run right after. A new status, time or
        link is left unsaved here, for `run`'s next round (or that change's own event)
        to reconcile."""
        current: Booking | None = booking
        for _ in range(ROUNDS):
            if current is None or _state(current) != _state(booking):
                return booking
            if (url, note) == (current.video_url, current.video_note):
                return current
            # With it, the client's notes page is asked for again (`notes.requested`), to
            # show the link: only for a host who keeps notes, so no other host's booking
            # wakes the notes worker.
            asked = current.notes_requested_at
            if config.notes is not None and self.clock is not None:
                asked = self.clock.now()
            linked = replace(current, video_url=url, video_note=note, notes_requested_at=asked)
            if self.bookings.save_video(linked):
                return linked
            current = self.bookings.get(booking.uid)
        raise BookingContentionError(f"booking {booking.uid} kept changing; try again")

    # ---- the calendar event ---------------------------------------------------------

    def _event(self, booking: Booking, destination: CalendarRef, online: bool,
               zoom_url: str | None, written: list[Written]) -> str | None:
        ref = self.refs.get(CALENDAR, booking.uid)
        if ref is not None:
            place, _, event_id = ref.external_id.partition("\n")
            if place != destination.key:  # the host chose another calendar meanwhile
                self._delete_event(booking.host_id, ref, written)
                ref = None
        event = CalendarEvent(
            key=booking.uid, title=f"{booking.event_title} with {booking.attendee.name}",
            when=booking.meeting, attendee_name=booking.attendee.name,
            attendee_email=booking.attendee.email,
            description=f"Booked with Penny. Reschedule or cancel: {self.manage_url(booking.uid)}",
            location=zoom_url, online_meeting=online)
        calendar = self.adapters.calendar(booking.host_id, destination.provider, SYNC_TIMEOUT)
        if ref is None:
            made = calendar.create_event(destination.calendar_id, event)
            self.refs.put(ProviderRef(CALENDAR, booking.uid,
                                      f"{destination.key}\n{made.id}", booking.sequence,
                                      booking.end + KEEP_AFTER_MEETING))
            written.append(Written(destination, made.id, booking.meeting))
            # A link the calendar added on its own (the host's "add a meeting to every
            # event") is never the booking's: only the one Penny asked for.
            return made.join_url if online else None
        lacks_link = online and booking.video_url is None
        if ref.sequence < booking.sequence or lacks_link or \
                (zoom_url is not None and booking.video_url != zoom_url):
            updated = calendar.update_event(destination.calendar_id, event_id, event)
            self.refs.put(replace(ref, sequence=booking.sequence,
                                  keep_until=booking.end + KEEP_AFTER_MEETING))
            written.append(Written(destination, event_id, None))
            return updated.join_url if online else None
        return booking.video_url if online else None

    def _drop_event(self, host_id: str, uid: str, written: list[Written]) -> None:
        ref = self.refs.get(CALENDAR, uid)
        if ref is not None:
            self._delete_event(host_id, ref, written)

    def _delete_event(self, host_id: str, ref: ProviderRef, written: list[Written]) -> None:
        place, _, event_id = ref.external_id.partition("\n")
        where = CalendarRef.parse(place)
        try:
            calendar = self.adapters.calendar(host_id, where.provider, SYNC_TIMEOUT)
        except NotConnectedError:
            self.refs.delete(ref)  # disconnected: nothing Penny can still remove
            return
        calendar.delete_event(where.calendar_id, event_id)
        self.refs.delete(ref)
        written.append(Written(where, event_id, None))

    def _delete_unrecorded(self, host_id: str, uid: str, where: CalendarRef,
                           written: list[Written]) -> None:
        """The event a create may have made without Penny hearing back (it reached the
        provider, its answer was lost, and no retry recorded it before the booking was
        cancelled), deleted by the id Penny chose for it: only where Penny chooses ids
        (Google's, from the booking uid, so never an event Penny did not make). One never
        made is already gone, which is fine. Graph assigns ids: such an event stays."""
        try:
            calendar = self.adapters.calendar(host_id, where.provider, SYNC_TIMEOUT)
        except NotConnectedError:
            return
        event_id = calendar.event_id_for(where.calendar_id, uid)
        if event_id is not None:
            calendar.delete_event(where.calendar_id, event_id)
            written.append(Written(where, event_id, None))

    # ---- the Zoom meeting -----------------------------------------------------------

    def _zoom(self, booking: Booking) -> tuple[str | None, str | None]:
        """The meeting's join link, or a note saying why the host will send one."""
        request = MeetingRequest(key=booking.uid,
                                 topic=f"{booking.event_title} with {booking.attendee.name}",
                                 when=booking.meeting)
        ref = self.refs.get(ZOOM, booking.uid)
        try:
            zoom = self.adapters.video(booking.host_id, "zoom", SYNC_TIMEOUT)
            if ref is None:
                # Zoom has no idempotency key: two runs for one booking at once (its
                # confirmation and a reschedule or a reconnect's catch-up) would each make
                # a meeting, so one run makes it under a lease. Under it the meeting's id
                # is read again: a run that finished just before made it already.
                now = self.clock.now() if self.clock else datetime.now(UTC)
                lease = take_lease(self.refs, ZOOM_CREATING, booking, now, ZOOM_CREATE_LEASE,
                                   "Zoom meeting")
                try:
                    ref = self.refs.get(ZOOM, booking.uid)
                    if ref is None:
                        meeting = zoom.create_meeting(request)
                        self.refs.put(ProviderRef(ZOOM, booking.uid, meeting.id,
                                                  booking.sequence,
                                                  booking.end + KEEP_AFTER_MEETING))
                        return meeting.join_url, None
                finally:
                    self.refs.delete(lease)
            if ref.sequence < booking.sequence or booking.video_url is None:
                try:
                    meeting = zoom.update_meeting(ref.external_id, request)
                except MeetingGoneError:  # the host deleted it in Zoom: a new one
                    meeting = zoom.create_meeting(request)
                    ref = replace(ref, external_id=meeting.id)
                self.refs.put(replace(ref, sequence=booking.sequence,
                                      keep_until=booking.end + KEEP_AFTER_MEETING))
                return meeting.join_url, None
        except (NotConnectedError, ConnectionBrokenError) as exc:
            # The host is told (Connections shows it broken); the attendee is told the
            # link will follow. Never another provider's link instead.
            if isinstance(exc, ConnectionBrokenError):
                self.adapters.broken(booking.host_id, "zoom", exc.message)
            return None, follows_note(LocationKind.ZOOM)
        return booking.video_url, None

    # ---- a booking that no longer stands ------------------------------------------------

    def _remove(self, host_id: str | None, uid: str, written: list[Written]
                ) -> HostConfig | None:
        """The meeting and the event, each whatever happens to the other: a calendar
        that needs reconnecting does not keep a cancelled booking's Zoom meeting alive,
        nor Zoom the calendar's event (with its attendee invited). A meeting that could
        not be deleted keeps its record, for a later run (the retry, or the run after
        the host reconnects) to delete; the failure is raised once the event is gone.
        With no record of the event, the one a lost create answer may have left in the
        destination calendar is deleted by its key. The host's config, when it was read."""
        if host_id is None:
            return None
        meeting = self.refs.get(ZOOM, uid)
        failed: ProviderError | None = None
        if meeting is not None:
            try:
                self.adapters.video(host_id, "zoom", SYNC_TIMEOUT).delete_meeting(
                    meeting.external_id)
                self.refs.delete(meeting)
            except NotConnectedError:  # disconnected: nothing Penny can remove
                self.refs.delete(meeting)
            except ProviderError as exc:
                if isinstance(exc, ConnectionBrokenError):
                    self.adapters.broken(host_id, "zoom", exc.message)
                failed = exc
        config = None
        ref = self.refs.get(CALENDAR, uid)
        if ref is not None:
            where: CalendarRef | None = CalendarRef.parse(ref.external_id.partition("\n")[0])
        else:
            config = self.hosts.config(host_id)
            where = config.calendars.destination
        try:
            if ref is not None:
                self._delete_event(host_id, ref, written)
            elif where is not None:
                self._delete_unrecorded(host_id, uid, where, written)
        except ConnectionBrokenError as exc:
            if where is not None:
                self.adapters.broken(host_id, where.provider, exc.message)
            raise
        if failed is not None:
            raise failed
        return config


CATCH_UP = 200   # upcoming bookings a (re)connection asks the calendar worker for again


def catch_up(bookings: NotesBookings, host_id: str, now: datetime) -> int:
    """The host (re)connected a calendar or Zoom: their confirmed bookings still to come
    are asked of the calendar worker again (`calendar.requested`), so those made while the
    connection was broken, or before it existed, reach the calendar with their link. It
    reconciles each from the booking as it is, so one already written costs a read.
    How many were asked."""
    asked = 0
    for booking in bookings.for_host(host_id, after=now, limit=CATCH_UP):
        if booking.status is BookingStatus.CONFIRMED and save_on_latest(
                bookings, booking, lambda b: replace(b, calendar_requested_at=now)):
            asked += 1
    return asked


def calendar_job(context: JobContext) -> CalendarSync:
    return CalendarSync(context.bookings, context.hosts, context.adapters, context.refs,
                        context.manage_url, context.calendars, clock=context.clock)
