"""Stored values read back: the response models show what was saved and check no input
rule tightened since (a currency withdrawn from the list, BGN in 2026), so such a value
never turns a read into a 500."""

from __future__ import annotations

from chalicelib.domain.availability import LocalRange, Schedule
from chalicelib.domain.event_types import LocationKind, Price
from chalicelib.domain.hosts import Link, Profile
from chalicelib.functions.views import (
    event_type_out,
    host_booking_out,
    profile_out,
    public_event_type,
    schedule_out,
)
from tests.fakes.bookings import a_booking
from tests.unit.test_event_types import an_event

BGN = {"amount_minor": 5000, "currency": "BGN"}


def test_a_booking_paid_in_a_withdrawn_currency_is_shown_with_its_price() -> None:
    shown = host_booking_out(a_booking(price_minor=5000, currency="BGN"))

    assert shown.model_dump()["price"] == BGN


def test_an_event_type_priced_in_a_withdrawn_currency_is_shown_to_host_and_visitors() -> None:
    et = an_event(price=Price(5000, "BGN"), location_kind=LocationKind.IN_PERSON,
                  location_details="Studio 4")

    assert event_type_out(et).model_dump()["price"] == BGN
    assert public_event_type(et).model_dump()["price"] == BGN


def test_an_event_type_read_back_keeps_a_title_longer_than_a_request_may_give() -> None:
    # Output models do not re-apply input limits: a rule tightened later cannot break reads.
    et = an_event(title="T" * 300)

    assert event_type_out(et).title == "T" * 300


def test_a_profile_read_back_keeps_what_was_saved_under_looser_rules() -> None:
    saved = Profile("host-alice", "alice", "A" * 150, "Europe/London",
                    links=(Link("L" * 80, "http://x"),))

    shown = profile_out(saved).model_dump()

    assert (shown["display_name"], shown["links"]) == ("A" * 150, [
        {"label": "L" * 80, "url": "http://x"}])


def test_a_schedule_read_back_keeps_more_ranges_a_day_than_a_request_may_give() -> None:
    ranges = tuple(LocalRange.parse(f"{h:02d}:00", f"{h:02d}:30") for h in range(13))
    saved = Schedule("Europe/London", {0: ranges}, {}, saved=True)

    assert len(schedule_out(saved).model_dump()["weekly"]["monday"]) == 13
