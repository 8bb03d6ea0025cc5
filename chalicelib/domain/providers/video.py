"""The video port (Google Meet, Teams, Zoom): a booking's meeting, made, moved and
deleted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class MeetingRequest:
    key: str
    topic: str
    when: TimeRange
    time_zone: str = "UTC"  # the host's (IANA), which the meeting is shown in


@dataclass(frozen=True)
class Meeting:
    id: str
    join_url: str


class VideoProvider(Protocol):
    def create_meeting(self, request: MeetingRequest) -> Meeting: ...
    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> Meeting:
        """MeetingGoneError when the meeting is no longer there."""
        ...

    def delete_meeting(self, meeting_id: str) -> None:
        """Deleting a meeting that is already gone is not an error."""
        ...
