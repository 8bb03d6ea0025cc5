"""What a visitor sees (chalicelib/services/public.py): profile, event type, free slots.

Alice works 09:00-17:00 New York time on weekdays (UTC-5 in early March 2026); the clock
stands at Monday 2026-03-02 12:00Z, 07:00 in New York.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus, LedgerDay, LedgerEntry
from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.errors import (
    InvalidTimezoneError,
    NotFoundError,
    ProviderUnavailableError,
    ValidationError,
)
from chalicelib.domain.external_busy import ExternalEvent
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.services.ports import LedgerRead
from chalicelib.services.public import (
    LEDGER_MARGIN,
    MAX_WINDOW_DAYS,
    PublicService,
    local_window,
)
from tests.fakes.calendar_cache import FakeCalendarStore
from tests.fakes.providers import FakeAdapters, FakeCalendar
from tests.unit.fakes import FakeBookings, FakeHosts, FixedClock, make_host

NOW = "2026-03-02T12:00:00+00:00"
WEDNESDAY = date(2026, 3, 4)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class RecordingBookings(FakeBookings):
    """The fake store, noting which ledger days each read asked for."""

    ledger_reads: list[tuple[date, date]] = field(default_factory=list)

    def ledger(self, host_id: str, first: date, last: date) -> LedgerRead:
        self.ledger_reads.append((first, last))
        return super().ledger(host_id, first, last)


def given_alice(**event: Any) -> tuple[PublicService, RecordingBookings, FakeHosts]:
    hosts, bookings = FakeHosts(), RecordingBookings()
    make_host(hosts, at(NOW), **event)
    return PublicService(hosts, bookings, FixedClock(at(NOW)), None), bookings, hosts


def clock(slots: dict[date, list[datetime]], day: date) -> list[str]:
    return [s.strftime("%H:%M") for s in slots.get(day, [])]


def test_a_visitor_gets_the_free_slots_of_a_day_in_their_own_zone() -> None:
    service, _, _ = given_alice()

    result = service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "Europe/London")

    assert (result.event_type.id, result.time_zone) == ("alice-intro", "Europe/London")
    assert list(result.slots) == [WEDNESDAY]
    assert clock(result.slots, WEDNESDAY)[0] == "14:00" and len(result.slots[WEDNESDAY]) == 16
    assert str(result.slots[WEDNESDAY][0].tzinfo) == "Europe/London"


def test_the_dates_asked_for_are_the_visitors_dates() -> None:
    # Kolkata is 10:30 ahead of New York: Alice's Tuesday afternoon is Wednesday there.
    service, _, _ = given_alice()

    result = service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "Asia/Kolkata")

    assert list(result.slots) == [WEDNESDAY]
    assert result.slots[WEDNESDAY][0] == at("2026-03-04T00:00:00+05:30")  # Tue 13:30 NY
    assert result.slots[WEDNESDAY][-1] == at("2026-03-04T23:30:00+05:30")


def test_booked_time_and_live_holds_are_not_offered() -> None:
    service, bookings, _ = given_alice()
    meeting = TimeRange(at("2026-03-04T15:00:00+00:00"), at("2026-03-04T16:00:00+00:00"))
    bookings.put_day("host-alice", LedgerDay(WEDNESDAY, (
        LedgerEntry("b-1", "alice-intro", meeting, meeting),)))

    result = service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "America/New_York")

    assert "10:00" not in clock(result.slots, WEDNESDAY)
    assert "10:30" not in clock(result.slots, WEDNESDAY)
    assert "09:30" in clock(result.slots, WEDNESDAY) and "11:00" in clock(result.slots,
                                                                            WEDNESDAY)


def test_the_ledger_is_read_with_a_margin_of_two_days_around_the_window() -> None:
    service, bookings, _ = given_alice()

    service.slots("alice", "intro", WEDNESDAY, date(2026, 3, 6), "UTC")

    # The window is 4 March 00:00Z to 7 March 00:00Z; buffers and the host's local day
    # reach into the UTC days around it.
    assert LEDGER_MARGIN.days == 2
    assert bookings.ledger_reads == [(date(2026, 3, 2), date(2026, 3, 9))]


def test_the_ledger_read_is_counted_in_utc_days_whatever_the_visitors_zone() -> None:
    service, bookings, _ = given_alice()

    service.slots("alice", "intro", WEDNESDAY, date(2026, 3, 6), "Asia/Tokyo")

    # Tokyo's 4 March begins at 15:00Z on 3 March; its 6 March ends at 15:00Z on 6 March.
    assert bookings.ledger_reads == [(date(2026, 3, 1), date(2026, 3, 8))]


def test_a_window_of_up_to_62_dates_is_served_and_no_longer() -> None:
    service, _, _ = given_alice()
    last = date(2026, 5, 2)   # 2 March .. 2 May: 62 dates

    assert (last - date(2026, 3, 2)).days == MAX_WINDOW_DAYS - 1
    assert service.slots("alice", "intro", date(2026, 3, 2), last, "UTC").slots
    with pytest.raises(ValidationError) as raised:
        service.slots("alice", "intro", date(2026, 3, 2), date(2026, 5, 3), "UTC")

    assert (raised.value.field, raised.value.message) == ("end",
                                                          "a window spans at most 62 days")


def test_a_window_ending_before_it_starts_is_refused_and_one_day_is_fine() -> None:
    service, _, _ = given_alice()

    with pytest.raises(ValidationError) as raised:
        service.slots("alice", "intro", WEDNESDAY, date(2026, 3, 3), "UTC")

    assert (raised.value.field, raised.value.message) == ("end",
                                                          "end must not be before start")


def test_a_zone_that_is_no_iana_zone_is_refused_by_its_query_name() -> None:
    service, _, _ = given_alice()

    with pytest.raises(InvalidTimezoneError) as raised:
        service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "EST5EDT,M3.2.0,M11.1.0")

    assert raised.value.field == "timeZone"


def test_an_inactive_event_type_is_not_found_and_a_hidden_one_is() -> None:
    service, _, _ = given_alice(active=False)

    with pytest.raises(NotFoundError) as raised:
        service.event("alice", "intro")

    assert raised.value.message == "event type 'intro' not found"
    hidden, _, _ = given_alice(hidden=True)
    assert hidden.event("alice", "intro")[1].id == "alice-intro"


def test_slots_for_a_config_already_read_are_the_slots_and_read_no_config_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    service, _, hosts = given_alice()
    config, et = service.event("alice", "intro")
    expected = service.slots("alice", "intro", WEDNESDAY, date(2026, 3, 6), "UTC")

    monkeypatch.setattr(hosts, "public_config", lambda slug: pytest.fail("read again"))
    result = service.slots_for(config, et, WEDNESDAY, date(2026, 3, 6), "UTC")

    assert result == expected and result.slots


def test_a_profile_is_found_by_its_slug() -> None:
    service, _, _ = given_alice()

    assert service.profile("alice").profile.host_id == "host-alice"
    with pytest.raises(NotFoundError):
        service.profile("nobody")


def test_a_local_window_runs_from_the_first_dates_midnight_to_the_day_after_the_last() -> None:
    window = local_window(date(2026, 3, 7), date(2026, 3, 8), "America/New_York")

    # 8 March is 23 hours long in New York (spring forward)
    assert window == TimeRange(at("2026-03-07T00:00:00-05:00"), at("2026-03-09T00:00:00-04:00"))


def test_a_day_at_the_event_types_daily_limit_offers_nothing_while_a_hold_counts() -> None:
    # GIVEN one booking a day allowed, and a live pending hold on Wednesday 10:00 New York
    service, bookings, _ = given_alice(daily_limit=1)
    meeting = TimeRange(at("2026-03-04T15:00:00+00:00"), at("2026-03-04T15:30:00+00:00"))
    bookings.put_day("host-alice", LedgerDay(WEDNESDAY, (LedgerEntry(
        "held", "alice-intro", meeting, meeting, at("2026-03-02T12:10:00+00:00")),)))

    result = service.slots("alice", "intro", WEDNESDAY, date(2026, 3, 5), "America/New_York")

    # THEN Wednesday is full and Thursday is open
    assert list(result.slots) == [date(2026, 3, 5)]


# ---- the host's other calendars -------------------------------------------------------
# Alice counts her Google calendar; a dentist's appointment sits there on Wednesday
# 10:00-11:00 New York (15:00-16:00Z).

GOOGLE = CalendarRef("google", "primary")
DENTIST = TimeRange(at("2026-03-04T15:00:00+00:00"), at("2026-03-04T16:00:00+00:00"))


@dataclass
class Calendars:
    service: PublicService
    store: FakeCalendarStore
    google: FakeCalendar

    def hours(self) -> list[str]:
        result = self.service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "America/New_York")
        return clock(result.slots, WEDNESDAY)


def given_alices_calendar(state: SyncState, cached: bool = True,
                          refreshing: bool = True) -> Calendars:
    hosts, adapters = FakeHosts(), FakeAdapters()
    make_host(hosts, at(NOW))
    store = FakeCalendarStore(setups=hosts.calendars)
    store.setups["host-alice"] = CalendarSetup((state,), GOOGLE)
    if cached:
        store.write("host-alice", GOOGLE, {WEDNESDAY: {"dentist": DENTIST}})
    google = adapters.connect_calendar("host-alice", "google")
    google.add("primary", "dentist", ExternalEvent(DENTIST))
    clock_ = FixedClock(at(NOW))
    cache = CalendarCache(adapters, store, clock_, lambda p: f"https://penny.test/hooks/{p}")
    service = PublicService(hosts, FakeBookings(cached=store), clock_,
                            cache if refreshing else None)
    return Calendars(service, store, google)


WATCHED = SyncState(GOOGLE, synced_at=at("2026-03-01T09:00:00+00:00"),
                    covered_until=at("2026-06-01T00:00:00+00:00"), cursor="c-1",
                    watch_id="w-1", watch_expires_at=at("2026-03-05T00:00:00+00:00"))
LAPSED = replace(WATCHED, watch_id=None, watch_expires_at=None)


def test_a_fresh_copy_of_the_hosts_calendar_keeps_its_busy_time_out_asking_no_one() -> None:
    alice = given_alices_calendar(WATCHED)

    hours = alice.hours()

    assert {"10:00", "10:30"}.isdisjoint(hours) and {"09:30", "11:00"} <= set(hours)
    assert alice.google.faults.calls == []


def test_a_copy_past_its_expiry_is_synced_before_the_slots_are_made() -> None:
    alice = given_alices_calendar(LAPSED, cached=False)

    result = alice.service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "America/New_York")

    assert "10:00" not in clock(result.slots, WEDNESDAY) and not result.stale
    assert alice.google.changes_asked == [("primary", "c-1")]


def test_a_copy_that_cannot_be_synced_in_time_is_used_as_it_is_and_said_stale() -> None:
    alice = given_alices_calendar(LAPSED)
    alice.google.faults.fail_next("changes", ProviderUnavailableError("google", "timeout"))

    result = alice.service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "America/New_York")

    assert "10:00" not in clock(result.slots, WEDNESDAY) and result.stale


def test_without_calendar_providers_a_stale_copy_is_used_and_said_stale() -> None:
    alice = given_alices_calendar(LAPSED, refreshing=False)

    result = alice.service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "America/New_York")

    assert "10:00" not in clock(result.slots, WEDNESDAY) and result.stale


def test_a_fresh_copy_is_never_said_stale() -> None:
    alice = given_alices_calendar(WATCHED)

    assert not alice.service.slots("alice", "intro", WEDNESDAY, WEDNESDAY, "UTC").stale


# ---- the times a booking may move to ---------------------------------------------------
# Alice's 60-minute booking is Wednesday 10:00-11:00 New York, the dentist's time; the
# calendar job wrote its event there ("penny-event"), and Alice later put a 10:00-10:30
# doctor's appointment inside it.

DOCTOR = TimeRange(at("2026-03-04T15:00:00+00:00"), at("2026-03-04T15:30:00+00:00"))


def moving_booking() -> Booking:
    start = DENTIST.start
    return Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=start, end=DENTIST.end, buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "UTC"), answers={},
        status=BookingStatus.CONFIRMED, created_at=at(NOW), location_kind="google_meet")


def move_hours(alice: Calendars) -> list[str]:
    config = alice.service.hosts.config("host-alice")
    (et,) = config.event_types
    result = alice.service.slots_for(config, et, WEDNESDAY, WEDNESDAY, "America/New_York",
                                     moving=moving_booking())
    return clock(result.slots, WEDNESDAY)


def test_a_move_is_offered_its_own_events_time_but_not_a_host_event_inside_it() -> None:
    alice = given_alices_calendar(WATCHED, cached=False)
    alice.store.write("host-alice", GOOGLE, {WEDNESDAY: {"penny-event": DENTIST,
                                                         "doctor": DOCTOR}})

    hours = move_hours(alice)

    # 09:30 and 10:00 would overlap the doctor; 10:30 overlaps only the booking's own event
    assert {"09:30", "10:00"}.isdisjoint(hours) and {"09:00", "10:30", "11:00"} <= set(hours)


def test_a_move_whose_event_is_written_to_an_uncounted_calendar_is_offered_no_busy_time(
        ) -> None:
    # Alice writes her bookings to another calendar: the 10:00-11:00 event in the counted
    # one is hers, not the booking's, and keeps the move off it.
    alice = given_alices_calendar(WATCHED)
    alice.service.hosts.calendars["host-alice"] = CalendarSetup(
        (WATCHED,), CalendarRef("google", "bookings"))

    hours = move_hours(alice)

    assert {"09:30", "10:00", "10:30"}.isdisjoint(hours) and "11:00" in hours
