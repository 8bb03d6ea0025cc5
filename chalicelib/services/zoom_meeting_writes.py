"""The booking's Zoom meeting, for the calendar job (services/calendar_sync.py): made
under a lease, moved with the booking, made anew when the host deleted it in Zoom; its
link, or the note that the host will send one (`follows_note`).

Its record (ProviderRef: the meeting's id) is kept per booking like the event's. Zoom
has no idempotency key: its meeting's id is stored before anything else is done, so only
a crash in between could leave a stray meeting.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.domain.bookings import Booking
from chalicelib.domain.errors import ConnectionBrokenError, MeetingGoneError, NotConnectedError
from chalicelib.domain.event_types import LocationKind
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.domain.providers.video import Meeting, MeetingRequest, VideoProvider
from chalicelib.services.calendar_copy_sync import SYNC_TIMEOUT
from chalicelib.services.calendar_event_writes import KEEP_AFTER_MEETING
from chalicelib.services.calendar_ports import ProviderAdapters
from chalicelib.services.jobs import ProviderRefs, take_lease
from chalicelib.services.ports import Clock

ZOOM = "zoom"
ZOOM_CREATING = "zoom:creating"              # a run's lease on making the meeting
ZOOM_CREATE_LEASE = timedelta(minutes=2)     # longer than a create may take


def follows_note(kind: LocationKind) -> str:
    return f"The host will send you the {kind.label} link before the meeting."


class ZoomMeetingWrites:
    """Held by CalendarSync (services/calendar_sync.py), which has these fields."""

    adapters: ProviderAdapters
    refs: ProviderRefs
    clock: Clock | None

    def _zoom(self, booking: Booking, unreachable: set[str],
              zone: str = "UTC") -> tuple[str | None, str | None]:
        """The meeting's join link, or a note saying why the host will send one. ZOOM is
        added to `unreachable` when Zoom is broken or disconnected; `zone`: the host's,
        which the meeting is shown in."""
        request = MeetingRequest(key=booking.uid,
                                 topic=f"{booking.event_title} with {booking.attendee.name}",
                                 when=booking.meeting, time_zone=zone)
        ref = self.refs.get(ZOOM, booking.uid)
        if ref is not None and ref.sequence >= booking.sequence and booking.video_url is not None:
            # Made, and at the booking's time: nothing to ask of Zoom. Its link stays on the
            # booking even when Zoom was disconnected or broke since (the meeting is still
            # in the host's Zoom), rather than turn into the note (a reconnect's catch-up
            # of another provider runs this for every booking to come).
            return booking.video_url, None
        try:
            zoom = self.adapters.video(booking.host_id, "zoom", SYNC_TIMEOUT)
            if ref is None:
                made = self._make(zoom, request, booking, None)
                if isinstance(made, Meeting):
                    return made.join_url, None
                ref = made
            if ref.sequence < booking.sequence or booking.video_url is None:
                try:
                    meeting = zoom.update_meeting(ref.external_id, request)
                except MeetingGoneError:  # the host deleted it in Zoom: a new one
                    again = self._make(zoom, request, booking, ref)
                    if isinstance(again, Meeting):
                        return again.join_url, None
                    # Another run made the new one meanwhile: it is moved to the booking.
                    ref = again
                    meeting = zoom.update_meeting(ref.external_id, request)
                self.refs.put(replace(ref, sequence=booking.sequence,
                                      keep_until=booking.end + KEEP_AFTER_MEETING))
                return meeting.join_url, None
        except (NotConnectedError, ConnectionBrokenError) as exc:
            # The host is told (Connections shows it broken); the attendee is told the
            # link will follow. Never another provider's link instead.
            if isinstance(exc, ConnectionBrokenError):
                self.adapters.broken(booking.host_id, "zoom", exc.message)
            unreachable.add(ZOOM)
            if ref is not None and booking.video_url is not None:
                # A move: the meeting is still in the host's Zoom, at its old time (the
                # host's row says so), and keeps its id when a run after the reconnect
                # moves it, so its link stays the client's. Before 2026-12-08 the client
                # was told the host would send one, and the event lost it.
                return booking.video_url, None
            return None, follows_note(LocationKind.ZOOM)
        return booking.video_url, None

    def _make(self, zoom: VideoProvider, request: MeetingRequest, booking: Booking,
              gone: ProviderRef | None) -> Meeting | ProviderRef:
        """A new meeting for the booking (in place of `gone`, the one the host deleted in
        Zoom), recorded; or the record of the one another run made meanwhile.

        Zoom has no idempotency key: two runs for one booking at once (its confirmation
        and a reschedule or a reconnect's catch-up, or two retries finding the meeting
        gone) would each make a meeting, so one run makes it under a lease. Under it the
        record is read again: a run that finished just before made it already."""
        now = self.clock.now() if self.clock else datetime.now(UTC)
        lease = take_lease(self.refs, ZOOM_CREATING, booking, now, ZOOM_CREATE_LEASE,
                           "Zoom meeting")
        try:
            ref = self.refs.get(ZOOM, booking.uid)
            if ref is not None and (gone is None or ref.external_id != gone.external_id):
                return ref
            meeting = zoom.create_meeting(request)
            keep = booking.end + KEEP_AFTER_MEETING
            if gone is None:
                self.refs.put(ProviderRef(ZOOM, booking.uid, meeting.id, booking.sequence,
                                          keep))
            else:
                # Recorded as written for the sequence it had: the booking still carries
                # the deleted meeting's link, so a retry before this run saves the new
                # one (the calendar refused, timed out) reads the new link again instead
                # of taking the booking's for current.
                self.refs.put(replace(gone, external_id=meeting.id, keep_until=keep))
            return meeting
        finally:
            self.refs.delete(lease)
