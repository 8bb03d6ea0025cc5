"""The event Penny writes to Outlook, in Graph's JSON (integrations/graph_calendar_wire.py):
its times in the host's zone, named as Graph takes zones (Windows names)."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.domain.providers.calendars import CalendarEvent
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.graph_calendar_wire import event_body, moved


def _event(start: str, end: str, zone: str) -> CalendarEvent:
    return CalendarEvent(key="booking-uid-1", title="Intro call",
                         when=TimeRange(datetime.fromisoformat(start),
                                        datetime.fromisoformat(end)),
                         attendee_name="Grace Hopper", attendee_email="grace@example.test",
                         time_zone=zone)


@pytest.mark.parametrize(("start", "end"), [
    ("2026-07-06T13:00:00+00:00", "2026-07-06T13:30:00+00:00"),   # EDT, UTC-4
    ("2026-12-07T14:00:00+00:00", "2026-12-07T14:30:00+00:00"),   # EST, UTC-5
])
def test_a_new_york_hosts_nine_oclock_is_nine_in_eastern_time_summer_and_winter(
        start: str, end: str) -> None:
    body = event_body(_event(start, end, "America/New_York"))

    day = start[:10]
    assert body["start"] == {"dateTime": f"{day}T09:00:00", "timeZone": "Eastern Standard Time"}
    assert body["end"] == {"dateTime": f"{day}T09:30:00", "timeZone": "Eastern Standard Time"}


def test_a_zone_is_named_by_cldrs_windows_name_for_it_not_only_the_main_city() -> None:
    # Graph takes Windows names, and IANA names only for the one city it lists per zone.
    body = event_body(_event("2026-05-04T07:00:00+00:00", "2026-05-04T08:00:00+00:00",
                             "Europe/Kyiv"))

    assert body["start"] == {"dateTime": "2026-05-04T10:00:00", "timeZone": "FLE Standard Time"}


def test_a_zone_with_no_windows_name_is_written_in_utc() -> None:
    body = event_body(_event("2026-05-04T07:00:00+00:00", "2026-05-04T08:00:00+00:00",
                             "Antarctica/Troll"))

    assert body["start"] == {"dateTime": "2026-05-04T07:00:00", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2026-05-04T08:00:00", "timeZone": "UTC"}


def test_a_time_the_zones_clocks_show_twice_is_written_in_utc() -> None:
    # 01:30 came twice in New York on 2026-11-01: the wall time alone could be either.
    body = event_body(_event("2026-11-01T06:30:00+00:00", "2026-11-01T07:00:00+00:00",
                             "America/New_York"))

    assert body["start"] == {"dateTime": "2026-11-01T06:30:00", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2026-11-01T07:00:00", "timeZone": "UTC"}


BOOKED = TimeRange(datetime.fromisoformat("2026-07-07T13:00:00+00:00"),
                   datetime.fromisoformat("2026-07-07T13:30:00+00:00"))


def _answered(start: str, end: str, zone: str) -> dict[str, dict[str, str]]:
    return {"start": {"dateTime": start, "timeZone": zone},
            "end": {"dateTime": end, "timeZone": zone}}


@pytest.mark.parametrize(("answer", "elsewhere"), [
    (_answered("2026-07-07T13:00:00.0000000", "2026-07-07T13:30:00.0000000", "UTC"), False),
    (_answered("2026-07-07T09:00:00.0000000", "2026-07-07T09:30:00.0000000",
               "Eastern Standard Time"), False),
    (_answered("2026-07-07T09:00:00.0000000", "2026-07-07T09:30:00.0000000",
               "America/New_York"), False),
    # The transactionId's first event, made before the booking moved, answered in the
    # zone it was written in: found elsewhere, so it is moved (not left at the old time).
    (_answered("2026-07-06T09:00:00.0000000", "2026-07-06T09:30:00.0000000",
               "Eastern Standard Time"), True),
    (_answered("2026-07-06T13:00:00.0000000", "2026-07-06T13:30:00.0000000", "UTC"), True),
    (_answered("2026-07-06T09:00:00.0000000", "2026-07-06T09:30:00.0000000",
               "Nowhere Standard Time"), False),
])
def test_an_answer_is_placed_in_the_zone_graph_names_whether_utc_windows_or_iana(
        answer: dict[str, dict[str, str]], elsewhere: bool) -> None:
    assert moved(answer, BOOKED) is elsewhere
