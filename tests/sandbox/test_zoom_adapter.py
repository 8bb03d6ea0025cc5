"""ZoomMeetings (chalicelib/integrations/zoom_meetings.py) against the sandbox's Zoom:
create, reschedule and cancel a meeting, and each error as the port names it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import pytest
import requests

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    MeetingGoneError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.oauth import Feature
from chalicelib.domain.providers.video import MeetingRequest
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.oauth.scopes import scopes_for
from chalicelib.integrations.zoom_meetings import ZoomMeetings
from chalicelib.provider_settings import OAuthApp
from sandbox import ProviderSandbox
from sandbox.testing import token_answer

VIDEO_SCOPES = scopes_for("zoom", frozenset({Feature.VIDEO}))


def _range(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))


INTRO = MeetingRequest(key="booking-uid-1", topic="Intro call with Grace Hopper",
                       when=_range("2026-05-04T11:00:00+02:00", "2026-05-04T11:30:00+02:00"))


class HostTokens:
    """The host's Zoom tokens: `(False)` the current access token, `(True)` a refresh at
    the sandbox (Zoom rotates the refresh token and kills the old one)."""

    def __init__(self, sandbox: ProviderSandbox, scopes: Sequence[str] = VIDEO_SCOPES) -> None:
        self.sandbox = sandbox
        answer = token_answer(sandbox, "zoom", scopes)
        self.access, self.refresh = str(answer["access_token"]), answer.get("refresh_token")
        self.refreshes = 0

    def __call__(self, force: bool) -> str:
        if force:
            client = self.sandbox.client("zoom")
            answer = requests.post(f"{self.sandbox.base_url('zoom')}/oauth/token",
                                   auth=(client.client_id, client.client_secret),
                                   data={"grant_type": "refresh_token",
                                         "refresh_token": self.refresh}, timeout=10)
            answer.raise_for_status()
            self.access, self.refresh = answer.json()["access_token"], \
                answer.json()["refresh_token"]
            self.refreshes += 1
        return self.access


def _zoom(sandbox: ProviderSandbox, tokens: HostTokens | None = None,
          timeout: float = 5.0) -> ZoomMeetings:
    client = sandbox.client("zoom")
    entry = OAuthApp(client.client_id, client.client_secret, base_url=sandbox.base_url("zoom"))
    return ZoomMeetings(entry, tokens or HostTokens(sandbox), timeout=timeout)


def test_video_asks_for_the_scopes_each_meeting_call_needs() -> None:
    assert VIDEO_SCOPES == ("meeting:write:meeting", "meeting:update:meeting",
                            "meeting:delete:meeting", "meeting:read:meeting", "user:read:user")


def test_create_makes_a_scheduled_meeting_in_utc_behind_a_waiting_room(
        provider_sandbox: ProviderSandbox) -> None:
    made = _zoom(provider_sandbox).create_meeting(INTRO)

    [meeting] = provider_sandbox.meetings()
    assert made.id == str(meeting["id"]) and made.join_url == meeting["join_url"]
    assert (meeting["topic"], meeting["type"], meeting["start_time"], meeting["duration"]) == (
        "Intro call with Grace Hopper", 2, "2026-05-04T09:00:00Z", 30)
    assert meeting["settings"]["join_before_host"] is False
    assert meeting["settings"]["waiting_room"] is True


@pytest.mark.parametrize(("start", "end", "utc"), [
    ("2026-07-06T13:00:00+00:00", "2026-07-06T13:30:00+00:00", "2026-07-06T13:00:00Z"),
    ("2026-12-07T14:00:00+00:00", "2026-12-07T14:30:00+00:00", "2026-12-07T14:00:00Z"),
])
def test_a_meeting_is_made_and_moved_in_the_hosts_zone_at_its_wall_time(
        provider_sandbox: ProviderSandbox, start: str, end: str, utc: str) -> None:
    # A New York host's 09:00, in summer (EDT) and in winter (EST): Zoom reads a time
    # without an offset in `timezone`.
    zoom = _zoom(provider_sandbox)
    made = zoom.create_meeting(replace(INTRO, time_zone="America/New_York"))
    zoom.update_meeting(made.id, MeetingRequest(INTRO.key, INTRO.topic, _range(start, end),
                                                "America/New_York"))

    [meeting] = provider_sandbox.meetings()
    assert provider_sandbox.zoom_fields(meeting["id"])["start_time"] == start[:11] + "09:00:00"
    assert (meeting["start_time"], meeting["timezone"]) == (utc, "America/New_York")
    assert provider_sandbox.api_call_counts("zoom") == {
        "meetings.create": 1, "meetings.patch": 1, "meetings.get": 1}


@pytest.mark.parametrize("refused", [True, False])
def test_a_zone_zoom_does_not_take_is_written_in_utc_instead(
        provider_sandbox: ProviderSandbox, refused: bool) -> None:
    # Zoom takes the zones of its own list: one it does not list is refused (300), or
    # read as the account's zone, which would put the meeting at another time.
    provider_sandbox.zoom_unlisted_zone("America/Detroit", refuse=refused)
    zoom = _zoom(provider_sandbox)
    detroit = replace(INTRO, time_zone="America/Detroit")

    made = zoom.create_meeting(detroit)
    moved = zoom.update_meeting(made.id, detroit)

    [meeting] = provider_sandbox.meetings()
    assert moved == made and made.id == str(meeting["id"])
    assert (meeting["start_time"], meeting["timezone"]) == ("2026-05-04T09:00:00Z", "UTC")


def test_the_agenda_refers_to_the_booking_without_showing_its_key(
        provider_sandbox: ProviderSandbox) -> None:
    zoom = _zoom(provider_sandbox)

    zoom.create_meeting(INTRO)
    zoom.create_meeting(INTRO)  # Zoom has no idempotency key: the caller keeps the id
    first, second = provider_sandbox.meetings()

    assert first["agenda"] == second["agenda"] and first["agenda"].startswith("Booked with")
    assert INTRO.key not in first["agenda"]


def test_update_moves_the_meeting_and_keeps_its_join_url(
        provider_sandbox: ProviderSandbox) -> None:
    zoom = _zoom(provider_sandbox)
    made = zoom.create_meeting(INTRO)
    later = _range("2026-05-05T14:00:00+00:00", "2026-05-05T14:45:00+00:00")

    moved = zoom.update_meeting(made.id, MeetingRequest(INTRO.key, INTRO.topic, later))

    [meeting] = provider_sandbox.meetings()
    assert moved == made
    assert (meeting["start_time"], meeting["duration"]) == ("2026-05-05T14:00:00Z", 45)


def test_deleting_a_meeting_twice_is_fine(provider_sandbox: ProviderSandbox) -> None:
    zoom = _zoom(provider_sandbox)
    made = zoom.create_meeting(INTRO)

    zoom.delete_meeting(made.id)
    zoom.delete_meeting(made.id)

    assert provider_sandbox.meetings() == []


def test_updating_a_meeting_that_is_gone_says_it_is_gone(
        provider_sandbox: ProviderSandbox) -> None:
    zoom = _zoom(provider_sandbox)
    made = zoom.create_meeting(INTRO)
    zoom.delete_meeting(made.id)

    with pytest.raises(MeetingGoneError, match="no meeting here any more"):
        zoom.update_meeting(made.id, INTRO)


def test_an_expired_token_is_refreshed_once_and_the_call_retried(
        provider_sandbox: ProviderSandbox) -> None:
    tokens = HostTokens(provider_sandbox)
    zoom = _zoom(provider_sandbox, tokens)
    provider_sandbox.expire_access_tokens("zoom")

    made = zoom.create_meeting(INTRO)

    assert tokens.refreshes == 1
    assert [str(m["id"]) for m in provider_sandbox.meetings()] == [made.id]


def test_a_token_refused_again_after_a_refresh_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    asked: list[bool] = []

    def refused(force: bool) -> str:
        asked.append(force)
        return "not-a-token"

    client = provider_sandbox.client("zoom")
    zoom = ZoomMeetings(OAuthApp(client.client_id, client.client_secret,
                                 base_url=provider_sandbox.base_url("zoom")), refused)

    with pytest.raises(ConnectionBrokenError) as broken:
        zoom.create_meeting(INTRO)
    assert broken.value.provider == "zoom" and asked.count(True) == 1


def test_a_grant_missing_a_scope_breaks_the_connection(provider_sandbox: ProviderSandbox) -> None:
    without_read = tuple(s for s in VIDEO_SCOPES if s != "meeting:read:meeting")
    zoom = _zoom(provider_sandbox, HostTokens(provider_sandbox, without_read))
    made = zoom.create_meeting(INTRO)

    with pytest.raises(ConnectionBrokenError, match="code 4711"):
        zoom.update_meeting(made.id, INTRO)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_or_a_server_error_is_unavailable(provider_sandbox: ProviderSandbox,
                                                     status: int) -> None:
    zoom = _zoom(provider_sandbox)
    provider_sandbox.fail_next_api_calls("zoom", status=status, retry_after=2)

    with pytest.raises(ProviderUnavailableError, match=r"Retry-After: 2 s") as unavailable:
        zoom.create_meeting(INTRO)
    assert unavailable.value.provider == "zoom" and provider_sandbox.meetings() == []


def test_a_slow_zoom_is_unavailable(provider_sandbox: ProviderSandbox) -> None:
    zoom = _zoom(provider_sandbox, timeout=0.2)
    provider_sandbox.set_api_delay("zoom", 1.0)

    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        zoom.delete_meeting("85746065432")
