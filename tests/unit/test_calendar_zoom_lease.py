"""Two events of one booking handled at once by the calendar worker (its confirmation and
a reschedule made a second later, or a reconnect's calendar.requested) make one Zoom
meeting: Zoom has no idempotency key and job records are per event, so the run that
makes the meeting holds a short lease on it; a run meanwhile fails for a retry
(JobBusyError) and, retried, updates the meeting made. Nothing is left orphaned, so a
cancellation leaves no meeting behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from chalicelib.domain.errors import JobBusyError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.providers.video import Meeting, MeetingRequest
from chalicelib.services.jobs import JobRunner, lease_for
from tests.fakes.jobs import FakeJobRecords
from tests.fakes.providers import FakeVideo
from tests.unit.fakes import FixedClock
from tests.unit.test_calendar_sync import AT_3, CANCELLED, HOST, NOW, ZOOM, World, a_booking


class ZoomWithoutKeys(FakeVideo):
    """As the real Zoom API (integrations/zoom_meetings.py): every POST is a new meeting."""

    def create_meeting(self, request: MeetingRequest) -> Meeting:
        self.faults.before("create_meeting")
        meeting_id = f"mtg-{len(self._ids) + 1}"
        self._ids[meeting_id] = meeting_id
        self.meetings[meeting_id] = request
        return self._meeting(meeting_id)


def body(kind: EventKind, event_id: str) -> str:
    return json.dumps(Event(kind, event_id, NOW, HOST, {"uid": "b-1"}).to_json())


class Setting:
    def __init__(self) -> None:
        self.world, self.zoom, self.records = World(), ZoomWithoutKeys(), FakeJobRecords()
        self.world.adapters.video_accounts[(HOST, "zoom")] = self.zoom
        self.world.now(a_booking(location=ZOOM))
        self.busy: list[str] = []

    def run(self, kind: EventKind, event_id: str) -> None:
        JobRunner(self.world.job, self.records, FixedClock(NOW), lease_for(60)).process(
            body(kind, event_id))

    def meanwhile(self, kind: EventKind, event_id: str,
                  before: Callable[[], None] = lambda: None) -> None:
        """Another Lambda runs `kind` while the first is making the meeting."""
        def rival() -> None:
            before()
            with pytest.raises(JobBusyError):
                self.run(kind, event_id)
            self.busy.append(event_id)
        self.zoom.faults.meanwhile("create_meeting", rival)


def test_a_confirmation_and_a_reschedule_handled_together_make_one_zoom_meeting() -> None:
    s = Setting()
    moved = replace(a_booking(when=AT_3, sequence=1, location=ZOOM))
    s.meanwhile(EventKind.BOOKING_RESCHEDULED, "evt-rescheduled",
                lambda: s.world.now(replace(moved, version=s.world.stored().version)))

    s.run(EventKind.BOOKING_CONFIRMED, "evt-confirmed")
    s.run(EventKind.BOOKING_RESCHEDULED, "evt-rescheduled")    # its retry

    assert s.busy == ["evt-rescheduled"]
    assert sorted(s.zoom.meetings) == ["mtg-1"]
    assert s.zoom.meetings["mtg-1"].when == moved.meeting       # moved by the retry


def test_after_such_a_race_a_cancellation_leaves_no_zoom_meeting_behind() -> None:
    s = Setting()
    s.meanwhile(EventKind.CALENDAR_REQUESTED, "evt-requested")
    s.run(EventKind.BOOKING_CONFIRMED, "evt-confirmed")
    s.run(EventKind.CALENDAR_REQUESTED, "evt-requested")

    s.world.now(replace(s.world.stored(), status=CANCELLED))
    s.run(EventKind.BOOKING_CANCELLED, "evt-cancelled")

    assert s.zoom.meetings == {}


def test_two_runs_finding_the_zoom_meeting_deleted_make_one_new_meeting() -> None:
    # Alice deleted Bo's meeting in Zoom; Bo moves the booking, and a reconnect's
    # catch-up runs for it at the same moment: both find the meeting gone.
    s = Setting()
    s.run(EventKind.BOOKING_CONFIRMED, "evt-confirmed")
    del s.zoom.meetings["mtg-1"]
    s.world.now(a_booking(when=AT_3, sequence=1, location=ZOOM))
    s.meanwhile(EventKind.CALENDAR_REQUESTED, "evt-requested")

    s.run(EventKind.BOOKING_RESCHEDULED, "evt-rescheduled")
    s.run(EventKind.CALENDAR_REQUESTED, "evt-requested")       # its retry

    assert s.busy == ["evt-requested"]
    (made,) = s.zoom.meetings
    assert made != "mtg-1" and s.zoom.meetings[made].when == AT_3
    assert s.world.stored().video_url == f"https://video.test/j/{made}"
    ref = s.world.refs.get("zoom", "b-1")
    assert ref is not None and ref.external_id == made


def test_a_run_finding_the_zoom_meeting_deleted_after_another_replaced_it_moves_that_one(
        ) -> None:
    s = Setting()
    s.run(EventKind.BOOKING_CONFIRMED, "evt-confirmed")
    del s.zoom.meetings["mtg-1"]
    s.world.now(a_booking(when=AT_3, sequence=1, location=ZOOM))
    # The catch-up replaces the meeting while the reschedule's run is asking Zoom.
    s.zoom.faults.meanwhile("update_meeting",
                            lambda: s.run(EventKind.CALENDAR_REQUESTED, "evt-requested"))

    s.run(EventKind.BOOKING_RESCHEDULED, "evt-rescheduled")

    assert sorted(s.zoom.meetings) == ["mtg-2"]
    assert s.world.stored().video_url == "https://video.test/j/mtg-2"
    ref = s.world.refs.get("zoom", "b-1")
    assert ref is not None and (ref.external_id, ref.sequence) == ("mtg-2", 1)
