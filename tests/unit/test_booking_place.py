"""Where the dashboard puts one booking a live event told of (web/static/app-booking-place.js),
run in node: its row put in at its place, moved or taken out, as the list's pages would
have it, or the list read again where the page cannot tell. The bookings are as the API
lists them (`host_booking_out`); the clock stands at 2026-03-02T12:00Z."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus
from chalicelib.functions.views import host_booking_out
from tests.fakes.bookings import a_booking

SCRIPT = Path(__file__).parents[2] / "chalicelib/web/static/app-booking-place.js"
RUN = """
const { placeAmong } = await import(process.argv[1]);
const [rows, booking, list, now] = JSON.parse(process.argv[2]);
console.log(JSON.stringify(placeAmong(rows, booking, list, Date.parse(now))));
"""
NOW = "2026-03-02T12:00:00+00:00"

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def booked(uid: str, start: str, name: str = "Bo Booker", minutes: int = 30,
           **changes: Any) -> dict[str, Any]:
    b: Booking = replace(a_booking(), uid=uid, start=at(start),
                         end=at(start) + timedelta(minutes=minutes),
                         attendee=Attendee(name, f"{uid}@example.com", "UTC"), **changes)
    return host_booking_out(b).model_dump(mode="json")


def place(rows: list[dict[str, Any]], booking: dict[str, Any], status: str = "upcoming",
          find: str = "", more: bool = False, bound: dict[str, Any] | None = None,
          skipped: bool = False) -> int | None:
    list_ = {"status": status, "find": find, "more": more, "bound": bound, "skipped": skipped}
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, SCRIPT.as_uri(),
                          json.dumps([rows, booking, list_, NOW])],
                         capture_output=True, text=True, timeout=30, check=True)
    answer = json.loads(out.stdout)
    assert answer is None or isinstance(answer, int)
    return answer


MONDAY = booked("a", "2026-03-02T11:45:00+00:00")   # in progress
TUESDAY = booked("b", "2026-03-03T10:00:00+00:00")
THURSDAY = booked("d", "2026-03-05T10:00:00+00:00")
SHOWN = [MONDAY, TUESDAY, THURSDAY]


def test_a_new_booking_goes_in_at_its_time_among_the_upcoming_rows() -> None:
    wednesday = booked("c", "2026-03-04T10:00:00+00:00")

    assert place(SHOWN, wednesday) == 2
    assert place(SHOWN, booked("e", "2026-03-09T10:00:00+00:00")) == 3  # the last page


def test_a_meeting_in_progress_is_upcoming_and_first_and_one_ended_is_past() -> None:
    begun = booked("0", "2026-03-02T11:00:00+00:00", minutes=90)
    ended = booked("0", "2026-03-02T11:00:00+00:00", minutes=60)

    assert place(SHOWN, begun) == 0
    assert place(SHOWN, ended) == -1
    assert place([], ended, status="past") == 0


def test_a_cancelled_booking_leaves_upcoming_for_cancelled_latest_first() -> None:
    dropped = booked("c", "2026-03-04T10:00:00+00:00", status=BookingStatus.CANCELLED)

    assert place(SHOWN, dropped) == -1
    assert place([THURSDAY, TUESDAY], dropped, status="cancelled") == 1


def test_past_the_pages_read_a_booking_waits_for_show_more() -> None:
    later = booked("e", "2026-03-09T10:00:00+00:00")

    assert place(SHOWN, later, more=True, bound=THURSDAY) == -1
    # the last row read left the list since: the cursor still stands at it
    assert place(SHOWN[:2], booked("c", "2026-03-04T10:00:00+00:00"), more=True,
                 bound=THURSDAY) == 2


def test_past_a_page_that_ended_short_the_page_cannot_tell_and_reads_again() -> None:
    later = booked("e", "2026-03-09T10:00:00+00:00")

    assert place(SHOWN, later, more=True, bound=THURSDAY, skipped=True) is None
    assert place(SHOWN, booked("c", "2026-03-04T10:00:00+00:00"), more=True,
                 bound=THURSDAY, skipped=True) == 2


def test_only_the_client_looked_for_is_put_in_and_beyond_ascii_the_page_cannot_tell() -> None:
    ada = booked("c", "2026-03-04T10:00:00+00:00", name="Ada Lovelace")

    assert place(SHOWN, ada, find="LOVE") == 2
    assert place(SHOWN, ada, find="grace") == -1
    assert place(SHOWN, booked("c", "2026-03-04T10:00:00+00:00", name="Jörg Strauß"),
                 find="strauss") is None


MERGE = """
const { withRowsRead } = await import(process.argv[1]);
const [bookings, heard, begun, list, now] = JSON.parse(process.argv[2]);
console.log(JSON.stringify(withRowsRead(bookings, new Map(heard), begun, list,
  Date.parse(now)).map((b) => [b.uid, b.status])));
"""


def merged(bookings: list[dict[str, Any]], heard: list[tuple[dict[str, Any], int]],
           begun: int) -> list[list[str]]:
    """The list read begun `begun`-th, with the rows read alone (`heard`: each booking and
    the count of list reads begun when its read answered) laid over it."""
    list_ = {"status": "upcoming", "find": "", "more": False, "bound": None, "skipped": False}
    rows = [[b["uid"], {"booking": b, "at": at}] for b, at in heard]
    out = subprocess.run(["node", "--input-type=module", "-e", MERGE, SCRIPT.as_uri(),
                          json.dumps([bookings, rows, begun, list_, NOW])],
                         capture_output=True, text=True, timeout=30, check=True)
    return list(json.loads(out.stdout))


def test_a_list_read_answering_from_before_a_booking_keeps_its_row_read_since() -> None:
    made = booked("c", "2026-03-04T10:00:00+00:00", version=1)
    dropped = {**booked("b", "2026-03-03T10:00:00+00:00", version=2), "status": "cancelled"}
    listed = [MONDAY, {**TUESDAY, "version": 1}, THURSDAY]

    # read alone while the list read was on its way: put in, taken out
    assert merged(listed, [(made, 3), (dropped, 3)], begun=3) == [
        ["a", "confirmed"], ["c", "confirmed"], ["d", "confirmed"]]
    # read before the list read began: the list's answer stands
    assert merged(listed, [(made, 2)], begun=3) == [
        ["a", "confirmed"], ["b", "confirmed"], ["d", "confirmed"]]
    # of an older write than the list gave: the list's answer stands
    assert merged(listed, [({**dropped, "version": 0}, 3)], begun=3) == [
        ["a", "confirmed"], ["b", "confirmed"], ["d", "confirmed"]]
