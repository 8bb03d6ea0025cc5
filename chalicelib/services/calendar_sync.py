"""The calendar job: every confirmed booking is an event in the host's calendar, with its
video meeting, and the booking carries the join link.

It reconciles rather than replays: whichever booking event arrives (confirmed,
rescheduled, cancelled; SNS keeps no order), it reads the booking as it is now and makes
the providers match: a confirmed booking has one event (and one Zoom meeting, for a Zoom
event type) at its current time, anything else has none. So a late `booking.confirmed`
for a booking cancelled since creates nothing, and a reschedule that overtook its
confirmation still ends at the new time.

The job also makes a calendar's push channel a short sync asked for
(`calendar.watch_requested`: services/calendar_records.py says why), and starts the
catch-up of a connection that works again without a reconnect (`connection.repaired`:
services/calendar_catch_up.py).

The link: Google Meet and Teams ride on the event (the host's destination calendar must
be that provider's), Zoom is its own meeting, put in the event's location. When the
meeting cannot be made (Zoom not connected or broken, a Meet event type while the
host's calendar is Outlook), the booking says plainly that the host will send the link:
Penny never switches to another provider on its own. The link or that note is written
on the booking; the table's stream turns that into `booking.updated` for the host's
dashboards, and the attendee's page shows it.

`CalendarSync` has the fields and reconciles; the event is written in
services/calendar_event_writes.py (deleted in calendar_event_deletes.py), the Zoom
meeting in services/zoom_meeting_writes.py, both removed in services/calendar_removal.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.calendar_refs import CalendarRef
from chalicelib.domain.errors import (
    BookingContentionError,
    ConnectionBrokenError,
    NotConnectedError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import LocationKind, meeting_place
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.hosts import HostConfig
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.services.calendar_catch_up import catch_up, catch_up_next
from chalicelib.services.calendar_event_deletes import CALENDAR, Written
from chalicelib.services.calendar_out_of_date import out_of_date
from chalicelib.services.calendar_ports import ProviderAdapters
from chalicelib.services.calendar_removal import CalendarRemoval
from chalicelib.services.jobs import HostConfigs, JobBookings, JobContext, ProviderRefs
from chalicelib.services.ports import Clock
from chalicelib.services.zoom_meeting_writes import ZoomMeetingWrites, follows_note

ROUNDS = 3
# Which calendar provider makes each kind of link on its events.
RIDES_ON = {LocationKind.GOOGLE_MEET: "google", LocationKind.TEAMS: "microsoft"}


def _location(booking: Booking) -> LocationKind | None:
    try:
        return LocationKind(booking.location_kind)
    except ValueError:
        return None


def _state(b: Booking | None) -> tuple[BookingStatus, int, str | None] | None:
    return None if b is None else (b.status, b.sequence, b.video_url)


@dataclass(frozen=True)
class CalendarSync(CalendarRemoval, ZoomMeetingWrites):
    bookings: JobBookings
    hosts: HostConfigs
    adapters: ProviderAdapters
    refs: ProviderRefs
    manage_url: Callable[[str], str]        # booking uid -> the attendee's manage page
    cache: CalendarCache | None = None      # the copies, kept up to date after each write
    clock: Clock | None = None              # when a link asks for the notes again
    name: str = "calendar"
    takes: tuple[EventKind, ...] = (EventKind.BOOKING_CONFIRMED, EventKind.BOOKING_RESCHEDULED,
                                    EventKind.BOOKING_CANCELLED, EventKind.CALENDAR_REQUESTED,
                                    EventKind.CALENDAR_WATCH_REQUESTED,
                                    EventKind.CONNECTION_REPAIRED)
    announces: EventKind | None = None

    def run(self, event: Event) -> bool | None:
        if event.type is EventKind.CALENDAR_WATCH_REQUESTED:
            return self._watch(event)
        if event.type is EventKind.CONNECTION_REPAIRED:
            return self._repaired(event)
        uid = str(event.booking["uid"])
        booking = self.bookings.get(uid)
        config = None
        written: list[Written] = []
        try:
            for _ in range(ROUNDS):
                done, stands = self._reconcile(uid, booking, written)
                config = done or config
                again = self.bookings.get(uid)
                # Its own link written is no change to reconcile again: only someone
                # else's.
                if _state(again) == _state(stands):
                    break
                booking = again
        except (ProviderError, NotConnectedError) as exc:
            # What was written before the failure (the event moved, then Zoom refused)
            # reaches the copies all the same: a freed time must not stay busy there.
            if written:
                self._resync(event.host_id, config, written)
            if isinstance(exc, ProviderRejectedError):
                self._catch_up_next(event)  # this one refused for good: on to the next
            raise
        self._resync(event.host_id, config, written)
        self._catch_up_next(event)
        return None

    def _watch(self, event: Event) -> bool:
        """A push channel a short sync could not make (a Graph subscription waits on
        Graph's validation of Penny's address): made here, where the call may wait for
        it (services/calendar_pushes.py `make_watch`). A host who disconnected meanwhile
        has nothing to watch."""
        if self.cache is None or event.connection is None:
            return False
        try:
            return self.cache.make_watch(
                event.host_id, CalendarRef.parse(str(event.connection["calendar"])))
        except NotConnectedError:
            return False

    def _repaired(self, event: Event) -> bool:
        """A connection works again with no reconnect (a late refresh saved over a
        refused one's mark): the bookings its break left behind (`out_of_date`) are
        caught up as a reconnect's are. A reconnect caught up already (the OAuth
        callback), so its repair asks for nothing more."""
        connection = event.connection or {}
        if connection.get("reconnected") is not False:
            return False
        now = self.clock.now() if self.clock is not None else event.occurred_at
        return catch_up(self.bookings, self.refs, event.host_id, now,
                        behind=str(connection["provider"])) > 0

    def _catch_up_next(self, event: Event) -> None:
        """A reconnect's catch-up goes on once a job it asked for ends: done, or refused
        for good. Not after a retryable failure (the retry goes on with it; a job that
        ends in the dead-letter queue goes on with it when replayed), nor on a broken
        connection (every job would fail: the reconnect starts the catch-up again)."""
        if event.type is EventKind.CALENDAR_REQUESTED:
            now = self.clock.now() if self.clock is not None else event.occurred_at
            catch_up_next(self.bookings, self.refs, event.host_id, now)

    def _reconcile(self, uid: str, booking: Booking | None, written: list[Written]
                   ) -> tuple[HostConfig | None, Booking | None]:
        """Make the providers match the booking; the host's config, when it was read, and
        the booking as this run left it (its link written, when it wrote one)."""
        active = booking is not None and booking.status is BookingStatus.CONFIRMED
        # The jobs (ZOOM, CALENDAR) this run found broken or disconnected: what they hold
        # of the booking as it was is flagged for the host (services/calendar_out_of_date.py).
        unreachable: set[str] = set()
        if booking is None or not active:
            try:
                removed = self._remove(booking.host_id if booking else None, uid, written,
                                       unreachable)
            except (ProviderError, NotConnectedError):
                self._flag(booking, unreachable)
                raise
            return removed, self._flag(booking, unreachable)
        config = self.hosts.config(booking.host_id)
        kind = _location(booking)
        zoom_url, zoom_note = None, None
        zoom_failed: ProviderError | None = None
        # The link's maker did not answer (Zoom, or the calendar a Meet or Teams link
        # rides on): the booking keeps its link and note as they are, for the retry.
        waiting = False
        if kind is LocationKind.ZOOM:
            try:
                zoom_url, zoom_note = self._zoom(booking, unreachable, config.profile.timezone)
            except (ProviderRejectedError, ProviderUnavailableError) as exc:
                # Zoom refused the meeting for good (a 4xx not about the connection, nor
                # a meeting gone), or did not answer (5xx, 429, a timeout): the event is
                # still written (moved, on a reschedule: the meeting keeps its id, so its
                # link still works), with the link the booking has (the meeting there
                # is, or the note when none was made); Zoom's error is raised once it is:
                # a refusal ends the job failed for good, as a broken connection does,
                # and an outage is retried, which moves or makes the meeting (its record
                # still names the sequence it was last written for).
                zoom_failed = exc
                zoom_url = booking.video_url
                waiting = isinstance(exc, ProviderUnavailableError)
        destination = config.calendars.destination
        rides = kind is not None and RIDES_ON.get(kind) is not None and \
            destination is not None and RIDES_ON[kind] == destination.provider
        broken: ProviderError | NotConnectedError | None = None
        link = None
        try:
            if destination is not None:
                venue = None if kind is None or kind.is_video else meeting_place(
                    kind, config.location_details(booking))
                link = self._event(booking, destination, rides, zoom_url, written, venue,
                                   config.profile.timezone)
            else:  # the host stopped writing bookings to a calendar: take ours away
                self._drop_event(booking.host_id, booking.uid, written)
        except (ConnectionBrokenError, NotConnectedError) as exc:
            broken = exc  # the Zoom link (or the note) is still written below
            unreachable.add(CALENDAR)
            # A Meet or Teams link the event already had stays: the event is still in the
            # host's calendar with it (only a booking that has none gets the note).
            link = booking.video_url if rides else None
            # The provider that refused: the calendar the event was in before the host
            # chose another (its old event is deleted first) is not the destination.
            if isinstance(exc, ConnectionBrokenError):
                self.adapters.broken(booking.host_id, exc.provider, exc.message)
        except ProviderRejectedError as exc:
            # The calendar refused the event for good (not the connection): the job ends
            # failed with no retry, so the Zoom meeting's link (or the Meet or Teams link
            # the event already had) is written now, or never.
            broken = exc
            link = booking.video_url if rides else None
        except ProviderUnavailableError as exc:
            # The calendar did not answer: the job is retried, and the retry writes the
            # event. A Zoom meeting made meanwhile is on the booking now, not after the
            # retries (which find its record and make no other); a Meet or Teams link
            # comes with the event, on the retry.
            broken = exc
            waiting = waiting or rides
        url = zoom_url or link
        note = None
        if url is None and kind is not None and kind.is_video:
            note = zoom_note or follows_note(kind)
        if waiting:
            url, note = booking.video_url, booking.video_note
        # The booking's event is as it should be now, as far as Penny knows: made, or
        # found by its patch; or taken away, the host writing bookings to no calendar.
        settled = broken is None
        booking = self._save_video(booking, url, note, config, settled,
                                   out_of_date(self.refs, booking, unreachable))
        failures = [f for f in (broken, zoom_failed) if f is not None]
        if failures:
            # An outage first: its retry still does what is left (the calendar's write,
            # Zoom's move), and ends failed for good on a refusal if one stays.
            raise next((f for f in failures if isinstance(f, ProviderUnavailableError)),
                       failures[0])
        return config, booking

    def _flag(self, booking: Booking | None, unreachable: set[str]) -> Booking | None:
        """A booking that no longer stands, with the providers that still hold its
        meeting or event flagged (or no longer) for the host."""
        if booking is None:
            return None
        flags = out_of_date(self.refs, booking, unreachable)
        if flags == booking.out_of_date:
            return booking
        return self._save_video(booking, booking.video_url, booking.video_note, None,
                                out_of_date=flags)

    def _save_video(self, booking: Booking, url: str | None, note: str | None,
                    config: HostConfig | None, settled: bool = False,
                    out_of_date: tuple[str, ...] = ()) -> Booking:
        """The link (or note) written on the booking, and, when this run `settled` its
        event (made again, or found by its patch; or taken away, as the host writes
        bookings to no calendar and the booking expects none), the flag that the host
        deleted it cleared; the providers still holding it as it was (`out_of_date`); the
        booking as this run leaves it.
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
            relinked = (url, note) != (current.video_url, current.video_note)
            restored = settled and current.calendar_event_removed_at is not None
            if not relinked and not restored and out_of_date == current.out_of_date:
                return current
            # With it, the client's notes page is asked for again (`notes.requested`), to
            # show the link: only for a host who keeps notes, so no other host's booking
            # wakes the notes worker.
            asked = current.notes_requested_at
            if relinked and config is not None and config.notes is not None and \
                    self.clock is not None:
                asked = self.clock.now()
            linked = replace(current, video_url=url, video_note=note, notes_requested_at=asked,
                             out_of_date=out_of_date,
                             calendar_event_removed_at=None if restored
                             else current.calendar_event_removed_at)
            if self.bookings.save_video(linked):
                return linked
            current = self.bookings.get(booking.uid)
        raise BookingContentionError(f"booking {booking.uid} kept changing; try again")


def calendar_job(context: JobContext) -> CalendarSync:
    return CalendarSync(context.bookings, context.hosts, context.adapters, context.refs,
                        context.manage_url, context.calendars, clock=context.clock)
