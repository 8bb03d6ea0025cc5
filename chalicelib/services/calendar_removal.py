"""A booking that no longer stands (cancelled, or gone), for the calendar job
(services/calendar_sync.py): its Zoom meeting and its calendar event deleted, each
whatever happens to the other."""

from __future__ import annotations

from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import ConnectionBrokenError, NotConnectedError, ProviderError
from chalicelib.domain.hosts import HostConfig
from chalicelib.services.calendar_copy_sync import SYNC_TIMEOUT
from chalicelib.services.calendar_event_deletes import CALENDAR, Written
from chalicelib.services.calendar_event_writes import CalendarEventWrites
from chalicelib.services.zoom_meeting_writes import ZOOM


class CalendarRemoval(CalendarEventWrites):
    """Held by CalendarSync (services/calendar_sync.py), which has the fields."""

    def _remove(self, host_id: str | None, uid: str, written: list[Written],
                unreachable: set[str]) -> HostConfig | None:
        """The meeting and the event, each whatever happens to the other: a calendar
        that needs reconnecting does not keep a cancelled booking's Zoom meeting alive,
        nor Zoom the calendar's event (with its attendee invited). A meeting that could
        not be deleted keeps its record, for a later run (the retry, or the run after
        the host reconnects) to delete; the failure is raised once the event is gone.
        ZOOM or CALENDAR is added to `unreachable` when its connection is broken or (the
        calendar's) disconnected: the host's row says what is still there.
        With no record of the event, those a lost create answer may have left in the
        destination calendar are deleted (services/calendar_event_deletes.py). The host's
        config, when it was read."""
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
                    unreachable.add(ZOOM)
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
        except (ConnectionBrokenError, NotConnectedError) as exc:
            unreachable.add(CALENDAR)
            if isinstance(exc, ConnectionBrokenError) and where is not None:
                self.adapters.broken(host_id, where.provider, exc.message)
            raise
        if failed is not None:
            raise failed
        return config
