"""How far a cached copy of a host's calendar is trusted, and how the copy is kept by UTC
day (chalicelib/domain/calendar_trust.py, calendar_copy.py, named by calendar_cache.py).
Pure rules: literal instants, no clock.

The copy was last synced at 2026-03-02T12:00Z unless a test says otherwise; its last
full listing reached 2026-06-10T12:00Z.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from chalicelib.domain.calendar_cache import (
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    ChannelCursor,
    SyncState,
    busy_ranges,
    sync_window,
    utc_days,
)
from chalicelib.domain.timerange import TimeRange


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def span(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


GOOGLE = CalendarRef("google", "ada@example.com")
OUTLOOK = CalendarRef("microsoft", "AAMk-work")
SYNCED = at("2026-03-02T12:00:00+00:00")
COVERED = at("2026-06-10T12:00:00+00:00")
WEEK = span("2026-03-02T00:00:00+00:00", "2026-03-09T00:00:00+00:00")
SYNCED_COPY = SyncState(GOOGLE, synced_at=SYNCED, covered_until=COVERED, cursor="c-1")
WATCHED = replace(SYNCED_COPY, watch_id="w-1",
                  watch_expires_at=at("2026-03-09T12:00:00+00:00"))


# ---- a slots page: fresh_for ---------------------------------------------------------


def test_a_calendar_never_synced_is_never_fresh() -> None:
    assert not SyncState(GOOGLE).fresh_for(WEEK, SYNCED, "UTC")
    assert not replace(SYNCED_COPY, covered_until=None).fresh_for(WEEK, SYNCED, "UTC")


def test_without_a_watch_a_sync_is_fresh_for_its_short_expiry_and_no_longer() -> None:
    assert SYNCED_COPY.fresh_for(WEEK, at("2026-03-02T12:04:59+00:00"), "UTC")
    assert not SYNCED_COPY.fresh_for(WEEK, at("2026-03-02T12:05:00+00:00"), "UTC")


def test_with_a_live_watch_a_sync_is_fresh_until_the_watch_ends() -> None:
    assert WATCHED.fresh_for(WEEK, at("2026-03-09T11:59:59+00:00"), "UTC")


def test_a_watch_that_ended_leaves_the_copy_on_its_short_expiry() -> None:
    assert not WATCHED.fresh_for(WEEK, at("2026-03-09T12:00:00+00:00"), "UTC")


def test_a_notification_after_the_sync_makes_the_copy_stale_even_while_watched() -> None:
    notified = replace(WATCHED, changed_at=at("2026-03-02T12:00:01+00:00"))

    assert not notified.fresh_for(WEEK, at("2026-03-02T12:00:02+00:00"), "UTC")


def test_a_notification_before_the_sync_started_is_in_it() -> None:
    earlier = replace(WATCHED, changed_at=at("2026-03-02T11:59:59+00:00"))

    assert earlier.fresh_for(WEEK, at("2026-03-03T09:00:00+00:00"), "UTC")


def test_a_window_past_what_the_last_full_listing_covered_is_not_fresh() -> None:
    reaching = span("2026-06-09T00:00:00+00:00", "2026-06-10T12:00:01+00:00")
    up_to = span("2026-06-09T00:00:00+00:00", "2026-06-10T12:00:00+00:00")

    assert not WATCHED.fresh_for(reaching, SYNCED, "UTC")
    assert WATCHED.fresh_for(up_to, SYNCED, "UTC")


def test_a_copy_placed_by_the_hosts_old_zone_is_not_fresh_once_they_changed_it() -> None:
    # Outlook's all-day dates, placed midnight to midnight in Honolulu
    placed = replace(WATCHED, ref=OUTLOOK, placed_in="Pacific/Honolulu")

    assert placed.fresh_for(WEEK, SYNCED, "Pacific/Honolulu")
    assert not placed.fresh_for(WEEK, SYNCED, "Europe/London")


def test_a_copy_with_nothing_placed_by_a_zone_is_fresh_in_any() -> None:
    assert WATCHED.placed_in is None
    assert WATCHED.fresh_for(WEEK, SYNCED, "Europe/London")
    assert WATCHED.fresh_for(WEEK, SYNCED, "Pacific/Honolulu")


# ---- a booking: trusted_for_booking ---------------------------------------------------


def test_a_booking_trusts_a_copy_younger_than_ten_minutes_only() -> None:
    assert SYNCED_COPY.trusted_for_booking(at("2026-03-02T12:09:59+00:00"), WEEK)
    assert not SYNCED_COPY.trusted_for_booking(at("2026-03-02T12:10:00+00:00"), WEEK)
    assert not SyncState(GOOGLE).trusted_for_booking(SYNCED, WEEK)


def test_a_booking_never_trusts_a_copy_with_a_change_not_synced_yet() -> None:
    notified = replace(SYNCED_COPY, changed_at=at("2026-03-02T12:01:00+00:00"))

    assert not notified.trusted_for_booking(at("2026-03-02T12:02:00+00:00"), WEEK)


def test_a_watch_does_not_make_an_old_copy_trusted_for_a_booking() -> None:
    assert not WATCHED.trusted_for_booking(at("2026-03-03T12:00:00+00:00"), WEEK)


def test_a_booking_trusts_a_copy_by_its_channels_last_sync_when_that_is_newer() -> None:
    later = at("2026-03-02T12:30:00+00:00")
    moved = ChannelCursor("c-2", 2, synced_at=at("2026-03-02T12:25:00+00:00"))

    assert not SYNCED_COPY.trusted_for_booking(later, WEEK)
    assert SYNCED_COPY.trusted_for_booking(later, WEEK, moved)
    assert not SYNCED_COPY.trusted_for_booking(later, WEEK, ChannelCursor("c-2", 2))
    # a notification after that sync, not synced yet: never trusted
    notified = replace(SYNCED_COPY, changed_at=at("2026-03-02T12:26:00+00:00"))
    assert not notified.trusted_for_booking(later, WEEK, moved)
    # an older channel sync changes nothing
    old = ChannelCursor("c-1", 1, synced_at=at("2026-03-02T11:00:00+00:00"))
    assert SYNCED_COPY.trusted_for_booking(at("2026-03-02T12:05:00+00:00"), WEEK, old)


def test_a_booking_never_trusts_a_copy_for_time_its_last_full_listing_did_not_reach(
        ) -> None:
    beyond = span("2026-07-30T15:00:00+00:00", "2026-07-30T16:00:00+00:00")  # 150 days on

    assert not SYNCED_COPY.trusted_for_booking(at("2026-03-02T12:01:00+00:00"), beyond)
    assert not SYNCED_COPY.covers(beyond) and SYNCED_COPY.covers(WEEK)


# ---- keeping it up: needs_watch, needs_full_sync, synced ------------------------------


def test_a_watch_is_needed_when_there_is_none_or_it_ends_within_a_day() -> None:
    ends = at("2026-03-09T12:00:00+00:00")

    assert SYNCED_COPY.needs_watch(SYNCED)
    assert not WATCHED.needs_watch(ends - timedelta(hours=24))
    assert WATCHED.needs_watch(ends - timedelta(hours=23, minutes=59))


def test_a_full_listing_is_needed_without_a_cursor_or_once_less_than_70_days_are_held(
        ) -> None:
    assert replace(SYNCED_COPY, cursor=None).needs_full_sync(SYNCED)
    assert not SYNCED_COPY.needs_full_sync(COVERED - timedelta(days=70))
    assert SYNCED_COPY.needs_full_sync(COVERED - timedelta(days=69, hours=23))


def test_a_window_past_the_last_full_listing_asks_for_one_reaching_it_up_to_two_years(
        ) -> None:
    far = at("2026-07-30T16:00:00+00:00")
    farthest = SYNCED + timedelta(days=731)

    assert SYNCED_COPY.needs_full_sync(SYNCED, far)
    assert not SYNCED_COPY.needs_full_sync(SYNCED, COVERED)
    assert sync_window(SYNCED, far).end == far
    assert sync_window(SYNCED, at("2036-01-01T00:00:00+00:00")).end == farthest
    assert sync_window(SYNCED, WEEK.end).end == SYNCED + timedelta(days=100)
    reaching = replace(SYNCED_COPY, covered_until=farthest)
    assert not reaching.needs_full_sync(SYNCED, at("2036-01-01T00:00:00+00:00"))
    assert reaching.fresh_for(span("2035-12-01T00:00:00+00:00", "2036-01-01T00:00:00+00:00"),
                              SYNCED + timedelta(minutes=1), "UTC")


def test_a_sync_records_when_it_started_its_cursor_and_clears_the_failure() -> None:
    failed = replace(SYNCED_COPY, failure="provider_unavailable: 503")
    later = at("2026-03-02T13:00:00+00:00")

    incremental = failed.synced(later, "c-2", None)
    full = failed.synced(later, "c-3", at("2026-06-10T13:00:00+00:00"))

    assert (incremental.synced_at, incremental.cursor, incremental.failure) == (later, "c-2",
                                                                                None)
    assert incremental.covered_until == COVERED    # an incremental sync reaches no further
    assert full.covered_until == at("2026-06-10T13:00:00+00:00")


def test_a_full_listing_records_the_zone_it_placed_by_and_an_incremental_one_adds_its_own(
        ) -> None:
    honolulu = replace(SYNCED_COPY, ref=OUTLOOK, placed_in="Pacific/Honolulu")
    later, until = at("2026-03-02T13:00:00+00:00"), at("2026-06-10T13:00:00+00:00")

    assert honolulu.synced(later, None, until, "Europe/London").placed_in == "Europe/London"
    assert honolulu.synced(later, None, until, None).placed_in is None   # none left
    assert honolulu.synced(later, "c-2", None, None).placed_in == "Pacific/Honolulu"


def test_a_full_listing_reads_from_yesterdays_utc_midnight_to_the_horizon() -> None:
    now = at("2026-03-02T00:30:00+00:00")

    assert sync_window(now) == span("2026-03-01T00:00:00+00:00", "2026-06-10T00:30:00+00:00")


# ---- the host's choice: CalendarRef, CalendarSetup --------------------------------------


def test_a_calendar_reference_is_its_provider_and_id_and_reads_back() -> None:
    ref = CalendarRef("google", "team:ops@example.com")   # ids may hold a colon

    assert ref.key == "google:team:ops@example.com"
    assert CalendarRef.parse(ref.key) == ref


@pytest.mark.parametrize("key", ["google", ":ada@example.com", "google:", ""])
def test_a_reference_without_both_parts_is_refused(key: str) -> None:
    with pytest.raises(ValueError):
        CalendarRef.parse(key)


def test_a_state_replaces_only_its_own_calendars_and_an_unknown_one_changes_nothing(
        ) -> None:
    setup = CalendarSetup((SyncState(GOOGLE), SyncState(OUTLOOK)), GOOGLE)

    changed = setup.with_state(SYNCED_COPY)
    stranger = setup.with_state(SyncState(CalendarRef("google", "other")))

    assert changed.conflicts == (SYNCED_COPY, SyncState(OUTLOOK))
    assert changed.destination == GOOGLE and changed.state(OUTLOOK) == SyncState(OUTLOOK)
    assert stranger == setup


def test_forgetting_a_provider_drops_its_calendars_and_its_destination() -> None:
    setup = CalendarSetup((SyncState(GOOGLE), SyncState(OUTLOOK)), OUTLOOK)

    assert setup.without_provider("microsoft") == CalendarSetup((SyncState(GOOGLE),), None)
    assert setup.without_provider("google") == CalendarSetup((SyncState(OUTLOOK),), OUTLOOK)
    assert setup.providers() == ("google", "microsoft")
    assert setup.refs == (GOOGLE, OUTLOOK)


# ---- the copy by UTC day ----------------------------------------------------------------


def test_a_range_touches_the_utc_days_it_covers_its_end_excluded() -> None:
    assert utc_days(span("2026-03-02T10:00:00+00:00", "2026-03-03T00:00:00+00:00")) == [
        date(2026, 3, 2)]
    # 19:00 to 21:00 in New York is midnight-crossing in UTC.
    assert utc_days(span("2026-03-02T19:00:00-05:00", "2026-03-02T21:00:00-05:00")) == [
        date(2026, 3, 3)]
    assert utc_days(span("2026-03-02T23:00:00+00:00", "2026-03-04T01:00:00+00:00")) == [
        date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]


def test_an_event_over_several_days_is_kept_on_each_and_all_are_written() -> None:
    offsite = span("2026-03-02T15:00:00+00:00", "2026-03-04T09:00:00+00:00")
    copy = CalendarCopy()

    copy.put("offsite", offsite)

    assert copy.changed_days() == {date(2026, 3, 2): {"offsite": offsite},
                                   date(2026, 3, 3): {"offsite": offsite},
                                   date(2026, 3, 4): {"offsite": offsite}}


def test_a_moved_event_leaves_its_old_days_which_are_written_empty() -> None:
    old = span("2026-03-02T15:00:00+00:00", "2026-03-03T09:00:00+00:00")
    new = span("2026-03-05T15:00:00+00:00", "2026-03-05T16:00:00+00:00")
    copy = CalendarCopy.of({date(2026, 3, 2): {"offsite": old},
                            date(2026, 3, 3): {"offsite": old}})

    copy.put("offsite", new)

    assert copy.changed_days() == {date(2026, 3, 2): {}, date(2026, 3, 3): {},
                                   date(2026, 3, 5): {"offsite": new}}


def test_an_event_put_again_as_it_is_held_touches_no_day() -> None:
    old = span("2026-03-02T15:00:00+00:00", "2026-03-03T09:00:00+00:00")
    copy = CalendarCopy.of({date(2026, 3, 2): {"offsite": old},
                            date(2026, 3, 3): {"offsite": old}})

    copy.put("offsite", old)
    assert copy.changed_days() == {}

    copy.put("offsite", span("2026-03-02T15:00:00+00:00", "2026-03-02T18:00:00+00:00"))
    assert set(copy.changed_days()) == {date(2026, 3, 2), date(2026, 3, 3)}


def test_removing_an_event_touches_only_its_days_and_an_unknown_id_nothing() -> None:
    lunch = span("2026-03-02T12:00:00+00:00", "2026-03-02T13:00:00+00:00")
    gym = span("2026-03-03T07:00:00+00:00", "2026-03-03T08:00:00+00:00")
    copy = CalendarCopy.of({date(2026, 3, 2): {"lunch": lunch},
                            date(2026, 3, 3): {"gym": gym}})

    copy.remove("never-seen")
    assert copy.changed_days() == {}

    copy.remove("lunch")
    assert copy.changed_days() == {date(2026, 3, 2): {}}
    assert copy.days[date(2026, 3, 3)] == {"gym": gym}


def test_clearing_a_window_forgets_its_days_and_writes_only_those_that_held_events() -> None:
    lunch = span("2026-03-02T12:00:00+00:00", "2026-03-02T13:00:00+00:00")
    later = span("2026-03-20T12:00:00+00:00", "2026-03-20T13:00:00+00:00")
    copy = CalendarCopy.of({date(2026, 3, 2): {"lunch": lunch},
                            date(2026, 3, 20): {"later": later}})

    copy.clear(WEEK)

    assert copy.changed_days() == {date(2026, 3, 2): {}}
    assert list(copy.days) == [date(2026, 3, 20)]


def test_a_copy_is_made_of_its_own_dicts_never_the_stores() -> None:
    lunch = span("2026-03-02T12:00:00+00:00", "2026-03-02T13:00:00+00:00")
    held = {date(2026, 3, 2): {"lunch": lunch}}

    CalendarCopy.of(held).remove("lunch")

    assert held == {date(2026, 3, 2): {"lunch": lunch}}


def test_busy_time_is_clipped_to_the_window_and_merged_across_days() -> None:
    offsite = span("2026-03-01T15:00:00+00:00", "2026-03-02T10:00:00+00:00")
    call = span("2026-03-02T09:30:00+00:00", "2026-03-02T11:00:00+00:00")
    touching = span("2026-03-02T11:00:00+00:00", "2026-03-02T11:30:00+00:00")
    outside = span("2026-03-09T09:00:00+00:00", "2026-03-09T10:00:00+00:00")
    days = [{"offsite": offsite}, {"offsite": offsite, "call": call, "touching": touching},
            {"outside": outside}]

    assert busy_ranges(days, WEEK) == [span("2026-03-02T00:00:00+00:00",
                                            "2026-03-02T11:30:00+00:00")]
    assert busy_ranges([], WEEK) == []
