"""A booking's notes on the day the host's clocks go back: New York, 2026-11-01, when
02:00 EDT becomes 01:00 EST and the clocks show 01:00-02:00 twice. A time in that hour
alone names two instants (01:30 is 05:30Z as EDT, 06:30Z as EST), so the notes say
which: the Notion page's When property with the instants' offsets
(chalicelib/integrations/notion_wire.py), the bullets and the Doc's status line with the
zone's abbreviation (domain/wall_clock.py). Any other time reads as it always did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.notes import booking_notes
from chalicelib.domain.providers.notes import BookingNotes
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations import google_docs_wire, notion_wire
from tests.unit.test_notes_jobs import a_booking

KINDS = {"Name": "title", "When": "date"}


def notes_at(start: str, end: str) -> BookingNotes:
    return BookingNotes(key="b1", title="Bo: Intro",
                        when=TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end)),
                        attendee_name="Bo", attendee_email="bo@example.com", bullets=(),
                        status="Confirmed", time_zone="America/New_York")


FIRST_0130 = notes_at("2026-11-01T05:30:00+00:00", "2026-11-01T06:00:00+00:00")  # EDT to EST
SECOND_0130 = notes_at("2026-11-01T06:30:00+00:00", "2026-11-01T07:00:00+00:00")  # EST


def answered(start: str, end: str) -> dict[str, Any]:
    """A page's When as Notion answers it: the instants with their offsets, no zone."""
    return {"When": {"date": {"start": start, "end": end, "time_zone": None}}}


# ---- the Notion page's When ----------------------------------------------------------


def test_notion_date_of_a_booking_in_the_repeated_hour_names_its_own_instants() -> None:
    # GIVEN a booking at 01:30-02:00 EST (06:30Z), the second time New York's clocks
    # read 01:30 that day, an hour after 01:30 EDT (05:30Z)
    # WHEN its Notion "When" property is written, and read back as Penny reads it
    wanted = notion_wire.values(SECOND_0130, KINDS)["When"]
    read_back = notion_wire._seen(wanted)

    # THEN it is the booking's own time, not the other 01:30 an hour earlier, written
    # with its offset (Notion takes none beside a time_zone)
    assert read_back == (SECOND_0130.when.start, SECOND_0130.when.end), (wanted, read_back)
    assert wanted == {"date": {"start": "2026-11-01T01:30:00-05:00",
                               "end": "2026-11-01T02:00:00-05:00"}}
    assert wanted != notion_wire.values(FIRST_0130, KINDS)["When"]


def test_notion_date_of_a_booking_across_the_fall_back_ends_after_it_starts() -> None:
    # GIVEN a 30-minute booking from 01:30 EDT (05:30Z) to 01:00 EST (06:00Z)
    # WHEN its Notion "When" property is written
    wanted = notion_wire.values(FIRST_0130, KINDS)["When"]["date"]

    # THEN its end, read as written, is after its start (not "01:30 to 01:00")
    start = notion_wire._instant(wanted["start"], wanted.get("time_zone"))
    end = notion_wire._instant(wanted["end"], wanted.get("time_zone"))
    assert isinstance(start, datetime) and isinstance(end, datetime), wanted
    assert (start, end) == (FIRST_0130.when.start, FIRST_0130.when.end), wanted


def test_notion_date_only_in_the_repeated_hour_carries_offsets_instead_of_the_zone() -> None:
    # GIVEN the second 01:30, and 03:00-03:30 EST the same day (08:00Z), after the change
    later = notes_at("2026-11-01T08:00:00+00:00", "2026-11-01T08:30:00+00:00")

    # WHEN both are written
    # THEN the one in the repeated hour names its instants; the other stays a wall-clock
    # time in the host's zone, as Notion shows it to them
    assert notion_wire.values(SECOND_0130, KINDS)["When"]["date"] == {
        "start": "2026-11-01T01:30:00-05:00", "end": "2026-11-01T02:00:00-05:00"}
    assert notion_wire.values(later, KINDS)["When"]["date"] == {
        "start": "2026-11-01T03:00:00", "end": "2026-11-01T03:30:00",
        "time_zone": "America/New_York"}


def test_a_page_dated_in_the_repeated_hour_changes_only_when_the_booking_moves_to_the_other(
) -> None:
    # GIVEN pages dated, as Notion answers, the first 01:30 (to 01:00 EST) and the second
    first_page = answered("2026-11-01T01:30:00.000-04:00", "2026-11-01T01:00:00.000-05:00")
    second_page = answered("2026-11-01T01:30:00.000-05:00", "2026-11-01T02:00:00.000-05:00")

    # WHEN the date of a booking at the second 01:30 is compared with each
    wanted = {"When": notion_wire.values(SECOND_0130, KINDS)["When"]}

    # THEN the same booking changes nothing (a redelivered event writes nothing), and a
    # move from the first 01:30 to the second rewrites the date
    assert notion_wire.changed(second_page, wanted) == {}
    assert notion_wire.changed(first_page, wanted) == {"When": wanted["When"]}


# ---- the bullets and the Doc ---------------------------------------------------------


def test_a_bullet_time_the_clocks_show_twice_says_which_by_its_zones_abbreviation() -> None:
    # GIVEN a booking from 01:30 EDT to 01:00 EST, and an earlier one at 09:00-09:30
    across = a_booking(start=datetime.fromisoformat("2026-11-01T05:30:00+00:00"))
    earlier = a_booking("b-0", start=datetime.fromisoformat("2026-10-27T13:00:00+00:00"))

    # WHEN its notes are made for a host in New York
    notes = booking_notes(across, "America/New_York", {}, lambda uid: f"/b/{uid}", [earlier])

    # THEN its time says which 01:30 and which 01:00; the other time reads as always
    assert "When: Sun 01 Nov 2026, 01:30 EDT to 01:00 EST (America/New_York)" in notes.bullets
    assert "Earlier: Intro call, Tue 27 Oct 2026, 09:00 to 09:30 (America/New_York) " \
        "(confirmed)" in notes.bullets


def test_a_docs_status_line_in_the_repeated_hour_says_which_time_by_its_zones_abbreviation(
) -> None:
    # GIVEN the second 01:30, and a booking from 01:30 EDT to 01:00 EST
    # WHEN their Docs' status lines are written
    # THEN each time in the repeated hour says which it is
    assert google_docs_wire.when(SECOND_0130) == \
        "Sunday 1 November 2026, 01:30 EST to 02:00 (America/New_York)"
    assert google_docs_wire.when(FIRST_0130) == \
        "Sunday 1 November 2026, 01:30 EDT to 01:00 EST (America/New_York)"
