"""A host's own settings (chalicelib/services/profiles.py), on the in-memory host store.

Every method takes the authenticated host id: another host's event type is simply not
found, and whatever id a draft carries, the stored one is the caller's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from chalicelib.domain.availability import LocalRange, Schedule
from chalicelib.domain.errors import (
    EventTypeChangedError,
    InvalidTimezoneError,
    NotFoundError,
    PaymentNotConnectedError,
    PriceNotPayableError,
    ProfileChangedError,
    SlugTakenError,
    ValidationError,
)
from chalicelib.domain.event_types import (
    EventType,
    LocationKind,
    Price,
    Question,
    QuestionType,
)
from chalicelib.domain.hosts import Profile
from chalicelib.services.profiles import MAX_EVENT_TYPES, ProfileService
from tests.unit.fakes import FakeHosts, make_host

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")


def given_alice_and_bob() -> tuple[ProfileService, FakeHosts]:
    hosts = FakeHosts()
    make_host(hosts, NOW, slug="alice")
    make_host(hosts, NOW, slug="bob", timezone="Europe/Berlin")
    return ProfileService(hosts), hosts


def draft(slug: str = "demo", **fields: object) -> EventType:
    values: dict[str, object] = {"id": "from-the-client", "host_id": "host-bob", "slug": slug,
                                 "title": "Demo", "duration_minutes": 45,
                                 "location_kind": LocationKind.TEAMS, **fields}
    return EventType(**values)  # type: ignore[arg-type]


# --- profile ---------------------------------------------------------------------------------


def test_a_profile_update_is_stored_under_the_callers_id() -> None:
    service, hosts = given_alice_and_bob()

    saved = service.update_profile("host-alice", Profile("host-bob", "alice-k", "Alice K.",
                                                         "Asia/Tokyo"))

    assert saved == Profile("host-alice", "alice-k", "Alice K.", "Asia/Tokyo", version=1)
    assert service.config("host-alice").profile == saved
    assert hosts.profiles["host-bob"].slug == "bob"


def test_a_profile_update_with_a_bad_slug_or_zone_changes_nothing() -> None:
    service, _ = given_alice_and_bob()
    before = service.config("host-alice").profile

    with pytest.raises(ValidationError) as bad_slug:
        service.update_profile("host-alice", Profile("host-alice", "-x-", "A", "UTC"))
    with pytest.raises(SlugTakenError):
        service.update_profile("host-alice", Profile("host-alice", "admin", "A", "UTC"))
    with pytest.raises(InvalidTimezoneError) as bad_zone:
        service.update_profile("host-alice", Profile("host-alice", "alice", "A", "Mars/Base"))

    assert (bad_slug.value.field, bad_zone.value.field) == ("slug", "timezone")
    assert service.config("host-alice").profile == before


def test_a_profile_of_an_unknown_host_is_not_found() -> None:
    service, _ = given_alice_and_bob()

    with pytest.raises(NotFoundError):
        service.update_profile("host-nobody", Profile("host-nobody", "nobody", "N", "UTC"))


# --- schedule --------------------------------------------------------------------------------


def test_a_schedule_is_stored_in_the_hosts_profile_zone_whatever_zone_it_names() -> None:
    service, hosts = given_alice_and_bob()
    weekly = {0: (LocalRange.parse("08:00", "12:00"),)}
    overrides = {date(2026, 3, 9): ()}

    stored = service.update_schedule("host-bob", Schedule("Pacific/Auckland", weekly,
                                                          overrides))

    assert stored == Schedule("Europe/Berlin", weekly, overrides, saved=True, version=2)  # his 2nd
    assert hosts.schedules["host-bob"] == stored
    assert service.config("host-alice").schedule.weekly[0] == (
        LocalRange.parse("09:00", "17:00"),)


# --- event types -----------------------------------------------------------------------------


def test_a_new_event_type_gets_a_fresh_id_and_the_callers_host_id() -> None:
    service, _ = given_alice_and_bob()

    created = service.create_event_type("host-alice", draft())

    assert created.id != "from-the-client" and len(created.id) == 12
    assert created.host_id == "host-alice"
    assert created == replace(draft(), id=created.id, host_id="host-alice", version=1)
    assert service.event_type("host-alice", created.id) == created


def test_a_new_event_type_with_a_bad_slug_is_refused() -> None:
    service, _ = given_alice_and_bob()

    with pytest.raises(ValidationError) as raised:
        service.create_event_type("host-alice", draft(slug="Demo Call"))

    assert raised.value.field == "slug"
    assert [et.slug for et in service.config("host-alice").event_types] == ["intro"]


def test_a_host_may_have_fifty_event_types_and_no_more() -> None:
    service, _ = given_alice_and_bob()
    for n in range(MAX_EVENT_TYPES - 1):   # alice already has "intro"
        service.create_event_type("host-alice", draft(slug=f"e{n}"))

    with pytest.raises(ValidationError) as raised:
        service.create_event_type("host-alice", draft(slug="one-more"))

    assert raised.value.message == "a host can have at most 50 event types"
    assert len(service.config("host-alice").event_types) == MAX_EVENT_TYPES


def test_an_event_type_update_keeps_its_id_and_host() -> None:
    service, _ = given_alice_and_bob()

    updated = service.update_event_type("host-alice", "alice-intro",
                                        draft(slug="intro-call", title="Intro, longer"))

    assert (updated.id, updated.host_id, updated.slug, updated.title) == (
        "alice-intro", "host-alice", "intro-call", "Intro, longer")
    assert service.event_type("host-alice", "alice-intro") == updated


def test_a_choice_question_listing_an_option_twice_is_refused_unless_kept_as_it_was() -> None:
    service, hosts = given_alice_and_bob()
    twice = Question("size", "Team size", QuestionType.SELECT, options=("Small", "small"))
    with pytest.raises(ValidationError, match="'small' is listed twice") as refused:
        service.update_event_type("host-alice", "alice-intro",
                                  draft(slug="intro", questions=(twice,)))
    assert refused.value.field == "questions.0"
    with pytest.raises(ValidationError, match="listed twice"):
        service.create_event_type("host-alice", draft(slug="sizes", questions=(twice,)))
    # GIVEN one saved before the rule, as older code took it
    old = service.event_type("host-alice", "alice-intro")
    hosts.events["host-alice"]["alice-intro"] = replace(old, questions=(twice,))

    # WHEN the host hides it (the dashboard's toggle sends the event type back whole)
    hidden = service.update_event_type("host-alice", "alice-intro",
                                       draft(slug="intro", questions=(twice,), hidden=True))

    # THEN it is saved; a changed list of options is checked again
    assert hidden.hidden
    again = replace(twice, options=("Small", "small", "Large"))
    with pytest.raises(ValidationError, match="listed twice"):
        service.update_event_type("host-alice", "alice-intro",
                                  draft(slug="intro", questions=(again,)))


def test_an_event_type_update_with_the_version_read_answers_the_next_one() -> None:
    service, _ = given_alice_and_bob()
    read = service.event_type("host-alice", "alice-intro")

    updated = service.update_event_type("host-alice", "alice-intro",
                                        draft(slug="intro", title="Hello"), read.version)

    assert (updated.title, updated.version) == ("Hello", read.version + 1)
    assert service.event_type("host-alice", "alice-intro") == updated


def test_an_event_type_update_with_an_older_version_is_refused_with_the_current_one() -> None:
    service, _ = given_alice_and_bob()
    read = service.event_type("host-alice", "alice-intro")
    other_tab = service.update_event_type("host-alice", "alice-intro",
                                          draft(slug="intro", title="Elsewhere"))

    with pytest.raises(EventTypeChangedError) as refused:
        service.update_event_type("host-alice", "alice-intro", draft(slug="intro"),
                                  read.version)

    assert refused.value.current == other_tab
    assert service.event_type("host-alice", "alice-intro") == other_tab


def test_a_profile_update_with_an_older_version_is_refused_with_the_current_one() -> None:
    service, _ = given_alice_and_bob()
    read = service.config("host-alice").profile
    other_tab = service.update_profile("host-alice", replace(read, display_name="Elsewhere"),
                                       read.version)

    with pytest.raises(ProfileChangedError) as refused:
        service.update_profile("host-alice", replace(read, display_name="Mine"), read.version)

    assert refused.value.current == other_tab
    assert service.config("host-alice").profile == other_tab


def test_an_event_type_update_with_a_bad_slug_is_refused() -> None:
    service, _ = given_alice_and_bob()

    with pytest.raises(ValidationError):
        service.update_event_type("host-alice", "alice-intro", draft(slug="intro_call"))

    assert service.event_type("host-alice", "alice-intro").slug == "intro"


def test_another_hosts_event_type_is_not_found_for_reading_changing_or_deleting() -> None:
    service, _ = given_alice_and_bob()

    with pytest.raises(NotFoundError):
        service.event_type("host-alice", "bob-intro")
    with pytest.raises(NotFoundError):
        service.update_event_type("host-alice", "bob-intro", draft())
    with pytest.raises(NotFoundError):
        service.delete_event_type("host-alice", "bob-intro")

    assert service.event_type("host-bob", "bob-intro").slug == "intro"


def test_a_deleted_event_type_is_gone_and_the_others_stay() -> None:
    service, _ = given_alice_and_bob()
    demo = service.create_event_type("host-alice", draft())

    service.delete_event_type("host-alice", "alice-intro")

    assert service.config("host-alice").event_types == (demo,)
    with pytest.raises(NotFoundError):
        service.event_type("host-alice", "alice-intro")


# --- prices ----------------------------------------------------------------------------------


def with_payments(*ready: str, hosts: FakeHosts | None = None) -> ProfileService:
    if hosts is None:
        _, hosts = given_alice_and_bob()
    return ProfileService(hosts, payments_ready=lambda host_id: list(ready))


@pytest.mark.parametrize(("ready", "amount", "currency", "vendor"), [
    (("stripe",), 49, "USD", "Stripe"),
    (("stripe",), 29, "GBP", "Stripe"),
    (("stripe",), 49, "JPY", "Stripe"),
    (("stripe", "razorpay"), 99, "INR", "Razorpay"),
    (("razorpay",), 99, "INR", "Razorpay"),
    (("razorpay",), 99, "USD", "Razorpay"),   # its order minimum is 100 subunits in any
])
def test_a_price_under_the_vendors_minimum_charge_is_refused_by_the_price_field(
        ready: tuple[str, ...], amount: int, currency: str, vendor: str) -> None:
    service = with_payments(*ready)
    before = service.config("host-alice").event_types

    with pytest.raises(PriceNotPayableError) as refused:
        service.create_event_type("host-alice", draft(price=Price(amount, currency)))

    assert refused.value.field == "price.amount_minor"
    assert refused.value.message.startswith(f"{vendor} takes payments of at least ")
    assert service.config("host-alice").event_types == before


@pytest.mark.parametrize(("ready", "amount", "currency"), [
    (("stripe",), 50, "USD"),
    (("stripe",), 30, "GBP"),
    (("stripe",), 50, "INR"),      # Stripe's rupee minimum is 0.50
    (("stripe", "razorpay"), 100, "INR"),
    (("stripe",), 1, "XCD"),       # outside Stripe's table: its checkout decides
    (("stripe",), 10010, "KWD"),
    (("stripe",), 5_000_000, "MGA"),  # Ar 50,000: whole ariary, as Stripe takes them
    (("stripe",), 5000, "ISK"),       # Stripe sends it as 500000, 00 at the end
    (("stripe",), 5001, "UGX"),
])
def test_a_price_the_vendor_takes_is_saved(
        ready: tuple[str, ...], amount: int, currency: str) -> None:
    service = with_payments(*ready)

    created = service.create_event_type("host-alice", draft(price=Price(amount, currency)))

    assert created.price == Price(amount, currency)


def test_a_three_decimal_amount_stripe_cannot_carry_is_refused_with_the_nearest_two() -> None:
    service = with_payments("stripe")

    with pytest.raises(PriceNotPayableError) as refused:
        service.create_event_type("host-alice", draft(price=Price(10005, "KWD")))

    assert "10.000 or 10.010" in refused.value.message


def test_a_fraction_of_an_ariary_is_refused_for_stripe_which_has_mga_without_decimals(
        ) -> None:
    service = with_payments("stripe")

    with pytest.raises(PriceNotPayableError) as refused:
        service.create_event_type("host-alice", draft(price=Price(5_000_050, "MGA")))

    assert refused.value.field == "price.amount_minor"
    assert refused.value.message == ("Stripe takes MGA amounts in whole units only: "
                                     "50000.00 or 50001.00, say")


def test_a_three_decimal_amount_is_refused_for_razorpay_too() -> None:
    service = with_payments("razorpay")

    with pytest.raises(PriceNotPayableError) as refused:
        service.create_event_type("host-alice", draft(price=Price(10005, "KWD")))

    assert refused.value.message.startswith("Razorpay takes KWD amounts to two decimals")


def test_a_fraction_of_an_ariary_is_saved_for_razorpay() -> None:
    service = with_payments("razorpay")

    created = service.create_event_type("host-alice", draft(price=Price(5_000_050, "MGA")))

    assert created.price == Price(5_000_050, "MGA")


def test_a_price_kept_as_it_was_is_not_checked_again() -> None:
    # Saved when the host's only vendor was Razorpay (INR 0.50 is under its ₹1.00); a
    # retitle keeps that price, and the vendor's refusal at the checkout still says so.
    _, hosts = given_alice_and_bob()
    created = with_payments("stripe", hosts=hosts).create_event_type(
        "host-alice", draft(price=Price(50, "INR")))
    razorpay_only = with_payments("razorpay", hosts=hosts)

    renamed = razorpay_only.update_event_type(
        "host-alice", created.id, replace(created, title="Renamed"))

    assert renamed.title == "Renamed"
    with pytest.raises(PriceNotPayableError):
        razorpay_only.update_event_type(
            "host-alice", created.id, replace(created, price=Price(60, "INR")))


def test_a_price_without_any_vendor_ready_asks_for_one_first() -> None:
    with pytest.raises(PaymentNotConnectedError):
        with_payments().create_event_type("host-alice", draft(price=Price(5000, "USD")))
