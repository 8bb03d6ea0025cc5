"""One rule for "busy" on a host's own calendars, whichever provider describes the event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.external_busy import (
    CalendarBusy,
    ExternalEvent,
    ShownAs,
    blocks,
    busy_of,
    google_shown_as,
    graph_shown_as,
)
from chalicelib.domain.timerange import TimeRange


def at(start_hour: int, end_hour: int, day: int = 24) -> TimeRange:
    return TimeRange(datetime(2026, 11, day, start_hour, tzinfo=UTC),
                     datetime(2026, 11, day, end_hour, tzinfo=UTC))


HOUR = at(15, 16)


@pytest.mark.parametrize(("event", "busy"), [
    (ExternalEvent(HOUR), True),
    (ExternalEvent(HOUR, ShownAs.TENTATIVE), True),
    (ExternalEvent(HOUR, ShownAs.OUT_OF_OFFICE), True),
    (ExternalEvent(HOUR, ShownAs.UNKNOWN), True),
    (ExternalEvent(HOUR, ShownAs.FREE), False),
    (ExternalEvent(HOUR, ShownAs.WORKING_ELSEWHERE), False),
    (ExternalEvent(HOUR, declined=True), False),
    (ExternalEvent(HOUR, cancelled=True), False),
    (ExternalEvent(at(0, 23), ShownAs.FREE, all_day=True), False),
    (ExternalEvent(at(0, 23), ShownAs.BUSY, all_day=True), True),
])
def test_which_events_keep_the_host_busy(event: ExternalEvent, busy: bool) -> None:
    assert blocks(event) is busy


@pytest.mark.parametrize(("google", "graph"), [
    (None, "busy"), ("opaque", "busy"), ("transparent", "free")])
def test_google_and_outlook_agree_on_the_same_kind_of_event(
        google: str | None, graph: str) -> None:
    assert blocks(ExternalEvent(HOUR, google_shown_as(google))) is \
        blocks(ExternalEvent(HOUR, graph_shown_as(graph)))


def test_a_show_as_value_penny_does_not_know_is_busy() -> None:
    assert graph_shown_as("somethingNew") is ShownAs.UNKNOWN
    assert blocks(ExternalEvent(HOUR, graph_shown_as("somethingNew")))


def test_a_calendars_busy_time_is_clipped_to_the_window_and_merged() -> None:
    window = at(9, 18)
    events = [ExternalEvent(at(8, 10)), ExternalEvent(at(10, 11)),
              ExternalEvent(at(12, 13), ShownAs.FREE), ExternalEvent(at(17, 20)),
              ExternalEvent(at(6, 7))]

    assert busy_of("primary", window, events).busy() == [at(9, 11), at(17, 18)]


def test_a_calendar_that_could_not_be_read_is_busy_all_window_never_free() -> None:
    window = at(9, 18)
    unread = CalendarBusy("work", window, unknown=True)

    assert unread.busy() == [window]
