"""Which telling of a booking's join link and of its event deleted in the host's calendar
the dashboard's row keeps (web/static/app-row-news.js), run in node: the live events the
server makes of each change (`booking_events`), heard as app-booking-news.js hears them, and
the bookings list (`host_booking_out`) read around them. GSI2, which the list reads, is
eventually consistent: a read begun before an event may answer after it with the item
as it was before that event's write."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.bookings import Booking
from chalicelib.domain.events import booking_events
from chalicelib.functions.views import host_booking_out
from tests.fakes.bookings import a_booking

SCRIPT = Path(__file__).parents[2] / "chalicelib/web/static/app-row-news.js"
# Each step, in order: ["listed", booking] (a list read begins and answers at once),
# ["begin"] (a list read begins), ["heard", event], ["answer", booking] (the read begun
# last answers). The row is drawn as app-bookings.js draws it: from the list's answer,
# then again on each booking.updated heard.
RUN = """
const { keptNews, updateNews, withRemovalNews, withVideoNews } = await import(process.argv[1]);
let generation = 0, video, removal, row, shown;
const draw = (live) => withRemovalNews(withVideoNews(row.booking, video, { live }), removal,
  row.read);
for (const [step, value] of JSON.parse(process.argv[2])) {
  if (step === "listed" || step === "begin") generation += 1;
  if (step === "listed" || step === "answer") {
    row = { booking: value, read: generation };
    shown = draw(false);
  }
  if (step === "heard" && value.type === "booking.updated") {
    const news = updateNews(value.booking, generation);
    video = keptNews(video, news.video);
    removal = keptNews(removal, news.removal);
    if (row) shown = draw(true);
  }
}
console.log(JSON.stringify({ link: shown.video_url || null,
  removed: Boolean(shown.calendar_event_removed_at), out_of_date: shown.out_of_date || [] }));
"""

AT = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
OLD_LINK = "https://teams.microsoft.com/l/meetup-join/old"
NEW_LINK = "https://teams.microsoft.com/l/meetup-join/new"


def confirmed() -> Booking:
    return a_booking(created_at=AT, location_kind="teams", video_url=OLD_LINK, version=1)


# Each write as the table counts it (its version one up).
BOOKED = confirmed()
# The host deleted its event in their calendar; then Put it back made it again.
FLAGGED = replace(BOOKED, calendar_event_removed_at=AT, version=2)
PUT_BACK = replace(FLAGGED, calendar_event_removed_at=None, version=3)
# Moved: the calendar job then remakes the Teams meeting, with a new link.
MOVED = replace(BOOKED.moved_to(datetime.fromisoformat("2026-03-05T15:00:00+00:00"), AT),
                version=2)
RELINKED = replace(MOVED, video_url=NEW_LINK, version=3)
# Moved while the host's Outlook was broken: the event is still at the old time; then the
# reconnect's catch-up moved it.
HELD = replace(MOVED, out_of_date=("microsoft",), version=3)
CAUGHT_UP = replace(HELD, out_of_date=(), version=4)


def told(old: Booking, new: Booking) -> list[list[Any]]:
    return [["heard", e.to_json()] for e in booking_events(old, new, f"change-{new.version}", AT)]


def listed(b: Booking) -> dict[str, Any]:
    return host_booking_out(b).model_dump(mode="json")


def row_shows(steps: list[list[Any]]) -> dict[str, Any]:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, SCRIPT.as_uri(),
                          json.dumps(steps)],
                         capture_output=True, text=True, timeout=30, check=True)
    return dict(json.loads(out.stdout))


def unversioned(steps: list[list[Any]]) -> list[list[Any]]:
    def bare(value: dict[str, Any]) -> dict[str, Any]:
        if "booking" in value:
            return {**value, "booking": bare(value["booking"])}
        return {k: v for k, v in value.items() if k != "version"}
    return [[step, *(bare(v) for v in rest)] for step, *rest in steps]


needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


@needs_node
def test_a_list_read_answering_from_before_the_flag_keeps_the_notice_heard_live() -> None:
    steps = [["listed", listed(BOOKED)], *told(BOOKED, FLAGGED), ["begin"],
             ["answer", listed(BOOKED)]]

    assert [s[1]["type"] for s in steps if s[0] == "heard"] == ["booking.updated"]
    assert row_shows(steps)["removed"] is True


@needs_node
def test_a_list_read_answering_from_before_put_it_back_does_not_bring_the_notice_back(
) -> None:
    steps = [["listed", listed(FLAGGED)], *told(FLAGGED, PUT_BACK), ["begin"],
             ["answer", listed(FLAGGED)]]

    assert row_shows(steps)["removed"] is False


@needs_node
def test_a_flag_delivered_after_put_it_back_changes_nothing() -> None:
    steps = [["listed", listed(BOOKED)], *told(FLAGGED, PUT_BACK), *told(BOOKED, FLAGGED)]

    assert row_shows(steps)["removed"] is False


@needs_node
def test_a_reschedules_refresh_answering_before_the_new_meeting_shows_its_new_link(
) -> None:
    # booking.rescheduled asks for a read of the list; the calendar job remakes the
    # meeting (booking.updated) while it is on its way, and GSI2 answers the move alone.
    steps = [["listed", listed(BOOKED)], *told(BOOKED, MOVED), ["begin"],
             *told(MOVED, RELINKED), ["answer", listed(MOVED)]]

    assert [s[1]["type"] for s in steps if s[0] == "heard"] == [
        "booking.rescheduled", "booking.updated"]
    assert row_shows(steps)["link"] == NEW_LINK


@needs_node
def test_a_list_read_of_a_later_write_that_took_the_link_away_is_not_given_it_back(
) -> None:
    unlinked = replace(RELINKED, video_url=None, version=4)
    steps = [["begin"], *told(MOVED, RELINKED), ["answer", listed(unlinked)]]

    assert row_shows(steps)["link"] is None


@needs_node
def test_without_versions_a_list_read_begun_after_the_event_is_trusted_as_before() -> None:
    steps = unversioned([["listed", listed(BOOKED)], *told(BOOKED, FLAGGED), ["begin"],
                         ["answer", listed(BOOKED)]])

    assert row_shows(steps) == {"link": OLD_LINK, "removed": False, "out_of_date": []}


@needs_node
def test_a_provider_still_holding_the_old_time_is_told_live() -> None:
    steps = [["listed", listed(MOVED)], *told(MOVED, HELD)]

    assert [s[1]["type"] for s in steps if s[0] == "heard"] == ["booking.updated"]
    assert row_shows(steps)["out_of_date"] == ["microsoft"]


@needs_node
def test_a_list_read_answering_from_before_the_catch_up_does_not_bring_the_notice_back(
) -> None:
    steps = [["listed", listed(HELD)], *told(HELD, CAUGHT_UP), ["begin"],
             ["answer", listed(HELD)]]

    assert row_shows(steps)["out_of_date"] == []
