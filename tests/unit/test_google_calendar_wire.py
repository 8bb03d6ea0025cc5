"""What Google Calendar's JSON means in Penny's terms (integrations/google_calendar_wire.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.external_busy import ExternalEvent, ShownAs
from chalicelib.domain.providers.calendars import EventChange
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.google_calendar_wire import (
    calendar_busy,
    event_change,
    refusal,
    written_event,
)

WINDOW = TimeRange(datetime(2026, 5, 4, tzinfo=UTC), datetime(2026, 5, 5, tzinfo=UTC))
BERLIN = ZoneInfo("Europe/Berlin")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _error_body(reason: str, message: str = "Rate Limit Exceeded") -> bytes:
    return json.dumps({"error": {"code": 0, "message": message,
                                 "errors": [{"reason": reason, "message": message}]}}).encode()


def test_an_all_day_event_runs_midnight_to_midnight_in_the_calendars_zone() -> None:
    item = {"id": "holiday1", "status": "confirmed", "start": {"date": "2026-05-04"},
            "end": {"date": "2026-05-05"}}

    assert event_change(item, BERLIN) == EventChange("holiday1", ExternalEvent(
        TimeRange(_at("2026-05-03T22:00:00+00:00"), _at("2026-05-04T22:00:00+00:00")),
        all_day=True))


def test_an_event_the_host_declined_is_marked_declined_and_another_ones_answer_is_not() -> None:
    item = {"id": "invite1", "start": {"dateTime": "2026-05-04T11:00:00+02:00"},
            "end": {"dateTime": "2026-05-04T12:00:00+02:00"}, "transparency": "opaque",
            "attendees": [{"email": "bob@example.com", "responseStatus": "accepted"},
                          {"email": "ada@example.com", "self": True,
                           "responseStatus": "declined"}]}

    change = event_change(item, UTC)

    assert change.event == ExternalEvent(
        TimeRange(_at("2026-05-04T09:00:00+00:00"), _at("2026-05-04T10:00:00+00:00")),
        shown_as=ShownAs.BUSY, declined=True)


def test_a_cancelled_or_zero_length_event_is_gone() -> None:
    assert event_change({"id": "gone1", "status": "cancelled"}, UTC).event is None
    assert event_change({"id": "nil1", "start": {"dateTime": "2026-05-04T09:00:00Z"},
                         "end": {"dateTime": "2026-05-04T09:00:00Z"}}, UTC).event is None


def test_only_a_cancelled_event_is_told_removed_not_one_of_no_length() -> None:
    assert event_change({"id": "gone1", "status": "cancelled"}, UTC) == \
        EventChange("gone1", None, removed=True)
    assert not event_change({"id": "nil1", "start": {"dateTime": "2026-05-04T09:00:00Z"},
                             "end": {"dateTime": "2026-05-04T09:00:00Z"}}, UTC).removed


def test_a_calendar_missing_from_a_freebusy_answer_or_failing_there_is_unknown() -> None:
    assert calendar_busy("cal1", WINDOW, None).unknown
    failing = calendar_busy("cal1", WINDOW, {"busy": [], "errors": [{"reason": "backendError"}]})
    assert failing.unknown and failing.gone is None


def test_a_calendar_freebusy_did_not_find_is_gone_holding_nothing() -> None:
    # Deleted, or no longer shared with the host: Google's freeBusy says notFound alike.
    gone = calendar_busy("cal1", WINDOW, {"busy": [], "errors": [{"domain": "global",
                                                                   "reason": "notFound"}]})
    assert not gone.unknown and gone.gone is not None and "deleted" in gone.gone
    assert gone.busy() == []


def test_a_pending_meet_request_has_no_join_url_yet() -> None:
    answer = {"id": "event1", "conferenceData": {"createRequest": {
        "requestId": "k", "status": {"statusCode": "pending"}}}}

    assert written_event(answer).join_url is None


def test_a_403_rate_limit_is_unavailable_like_a_429() -> None:
    error = refusal(403, {"retry-after": "30"}, _error_body("userRateLimitExceeded"), "x")

    assert isinstance(error, ProviderUnavailableError)
    assert "Retry-After: 30" in error.message and "userRateLimitExceeded" in error.message


def test_a_403_for_missing_scopes_breaks_the_connection() -> None:
    error = refusal(403, {}, _error_body("insufficientPermissions"), "creating an event")

    assert isinstance(error, ConnectionBrokenError) and error.provider == "google"


@pytest.mark.parametrize("status", [400, 403, 404])
def test_other_refusals_are_rejected_without_googles_free_text(status: int) -> None:
    error = refusal(status, {}, _error_body("forbidden", "You need writer access to a@b.c"),
                    "creating an event")

    assert isinstance(error, ProviderRejectedError)
    assert f"HTTP {status}, forbidden" in error.message and "a@b.c" not in error.message


# EventDateTime.dateTime: "A time zone offset is required unless a time zone is explicitly
# specified in timeZone." A time without one is read there, never in the server's zone.
def test_a_time_without_an_offset_is_read_in_the_timezone_it_names() -> None:
    item = {"id": "naive1", "start": {"dateTime": "2026-11-24T09:00:00",
                                      "timeZone": "America/New_York"},
            "end": {"dateTime": "2026-11-24T10:00:00", "timeZone": "America/New_York"}}

    assert event_change(item, BERLIN).event == ExternalEvent(
        TimeRange(_at("2026-11-24T14:00:00+00:00"), _at("2026-11-24T15:00:00+00:00")))


def test_a_time_without_an_offset_or_a_known_timezone_is_read_in_the_calendars_zone() -> None:
    for named in ({}, {"timeZone": "Mars/Olympus_Mons"}):
        item = {"id": "naive2", "start": {"dateTime": "2026-05-04T11:00:00", **named},
                "end": {"dateTime": "2026-05-04T12:00:00", **named}}

        assert event_change(item, BERLIN).event == ExternalEvent(
            TimeRange(_at("2026-05-04T09:00:00+00:00"), _at("2026-05-04T10:00:00+00:00")))


def test_a_time_with_an_offset_keeps_it_whatever_timezone_is_named() -> None:
    item = {"id": "tokyo1", "start": {"dateTime": "2026-11-24T09:00:00+09:00",
                                      "timeZone": "Asia/Tokyo"},
            "end": {"dateTime": "2026-11-24T10:00:00+09:00", "timeZone": "America/New_York"}}

    assert event_change(item, BERLIN).event == ExternalEvent(
        TimeRange(_at("2026-11-24T00:00:00+00:00"), _at("2026-11-24T01:00:00+00:00")))
