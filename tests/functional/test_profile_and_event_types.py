"""A host's own settings: profile and slug, weekly hours and overrides, event types."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api, Response, rebuild
from tests.functional.hosts import make_host

TUESDAY = "2026-11-24"
WEDNESDAY = "2026-11-25"
SATURDAY = "2026-11-28"


def slots(api: Api, path: str, first: str, last: str | None = None,
          zone: str = "America/New_York") -> Response:
    return api.get(f"{path}/slots?start={first}&end={last or first}&timeZone={zone}")


def starts_on(r: Response, day: str) -> list[str]:
    assert r.status == 200, r.json
    return [s["start"] for s in r.json["slots"].get(day, [])]


def event_id(api: Api, token: str, slug: str) -> str:
    ets = api.get("/me/event-types", token=token).json["event_types"]
    return str(next(et["id"] for et in ets if et["slug"] == slug))


# ---- profile ----------------------------------------------------------------------------

def test_host_updates_profile_fields(api: Api) -> None:
    token = make_host(api, "alice")
    new = f.profile("alice", display_name="Alice Liddell", description="Tea and riddles.",
                    links=[{"label": "Blog", "url": "https://alice.example.com"}],
                    timezone="Europe/London")

    r = api.put("/me/profile", new, token=token)

    assert r.status == 200, r.json
    assert r.json == {**new, "id": r.json["id"], "contact_email": None, "version": 1}
    assert api.get("/me/profile", token=token).json == r.json
    public = api.get("/hosts/alice").json
    assert public["display_name"] == "Alice Liddell"
    assert public["description"] == "Tea and riddles."
    assert public["links"] == [{"label": "Blog", "url": "https://alice.example.com"}]
    assert public["timezone"] == "Europe/London"


def test_new_profile_timezone_moves_the_hours_with_it(api: Api) -> None:
    token = make_host(api, "alice")

    api.put("/me/profile", f.profile("alice", timezone="Europe/London"), token=token)

    assert api.get("/me/schedule", token=token).json["timezone"] == "Europe/London"
    assert starts_on(slots(api, "/hosts/alice/intro", TUESDAY, zone="UTC"),
                     TUESDAY)[0] == "2026-11-24T09:00:00+00:00"


def test_profile_with_unknown_timezone_is_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/profile", f.profile("alice", timezone="Mars/Olympus"), token=token)

    assert r.status == 400, r.json
    assert r.code == "invalid_timezone"
    assert r.json["error"]["field"] == "timezone"


def test_too_many_links_are_refused_in_the_requests_own_words(api: Api) -> None:
    token = make_host(api, "alice")
    links = [{"label": f"Link {i}", "url": f"https://example.com/{i}"} for i in range(11)]

    r = api.put("/me/profile", f.profile("alice", links=links), token=token)

    assert (r.status, r.json["error"]["field"]) == (400, "links"), r.json
    assert r.json["error"]["message"] == "links should have at most 10 items, not 11"


def test_a_display_name_over_its_length_is_told_in_characters_not_items(
        api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/profile", f.profile("alice", display_name="x" * 101), token=token)

    assert (r.status, r.json["error"]["field"]) == (400, "display_name"), r.json
    assert r.json["error"]["message"] == \
        "display_name should have at most 100 characters, not 101"


def test_blank_display_name_is_refused_and_the_profile_stays_readable(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/profile", f.profile("alice", display_name="   "), token=token)

    assert r.status == 400, r.json
    assert r.code == "validation_error"
    assert r.json["error"]["field"] == "display_name"
    assert api.get("/me/profile", token=token).json["display_name"] == "Alice"


def test_changing_slug_moves_the_public_pages_to_the_new_url(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/profile", f.profile("alice-l"), token=token)

    assert r.status == 200, r.json
    assert r.json["slug"] == "alice-l"
    assert api.get("/hosts/alice").status == 404
    assert slots(api, "/hosts/alice", TUESDAY).status == 404
    public = api.get("/hosts/alice-l")
    assert public.status == 200, public.json
    assert [et["slug"] for et in public.json["event_types"]] == ["intro"]
    assert api.get("/hosts/alice-l/intro").status == 200
    assert starts_on(slots(api, "/hosts/alice-l/intro", TUESDAY),
                     TUESDAY)[0] == "2026-11-24T09:00:00-05:00"


def test_bookings_are_taken_at_the_new_slug(api: Api) -> None:
    token = make_host(api, "alice")
    api.put("/me/profile", f.profile("alice-l"), token=token)

    r = api.post("/hosts/alice-l/intro/bookings", f.booking("2026-11-24T14:00:00Z"))

    assert r.status == 201, r.json
    assert api.post("/hosts/alice/intro/bookings",
                    f.booking("2026-11-24T15:00:00Z")).status == 404


def test_schedule_edited_after_a_slug_change_is_served_at_the_new_url(api: Api) -> None:
    token = make_host(api, "alice")
    api.put("/me/profile", f.profile("alice-l"), token=token)

    api.put("/me/schedule", f.weekdays(("13:00", "14:00")), token=token)

    assert starts_on(slots(api, "/hosts/alice-l/intro", TUESDAY), TUESDAY) == [
        "2026-11-24T13:00:00-05:00", "2026-11-24T13:30:00-05:00"]


def test_event_type_created_after_a_slug_change_is_served_at_the_new_url(api: Api) -> None:
    token = make_host(api, "alice")
    api.put("/me/profile", f.profile("alice-l"), token=token)

    created = api.post("/me/event-types", f.event_type("consult"), token=token)

    assert created.status == 201, created.json
    assert [et["slug"] for et in api.get("/hosts/alice-l").json["event_types"]] == [
        "intro", "consult"]  # the new one last
    assert starts_on(slots(api, "/hosts/alice-l/consult", TUESDAY),
                     TUESDAY)[0] == "2026-11-24T09:00:00-05:00"


def test_a_released_slug_can_be_claimed_by_another_host(api: Api) -> None:
    token = make_host(api, "alice")
    api.put("/me/profile", f.profile("alice-l"), token=token)

    r = api.post("/auth/signup", f.signup("alice", email="another.alice@example.com"))

    assert r.status == 201, r.json


def test_slug_taken_by_another_host_cannot_be_moved_to(api: Api) -> None:
    make_host(api, "bob")
    token = make_host(api, "alice")

    r = api.put("/me/profile", f.profile("bob", display_name="Not Bob"), token=token)

    assert r.status == 409, r.json
    assert r.code == "slug_taken"
    assert r.json["error"]["field"] == "slug"
    assert api.get("/me/profile", token=token).json["slug"] == "alice"
    assert api.get("/hosts/bob").json["display_name"] == "Bob"
    assert api.get("/hosts/alice").status == 200


def test_reserved_slug_cannot_be_moved_to(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/profile", f.profile("openapi"), token=token)
    reserved = api.put("/me/profile", f.profile("hosts"), token=token)

    assert r.status == 200, r.json  # only "openapi.json" is reserved, not "openapi"
    assert reserved.status == 409, reserved.json
    assert reserved.code == "slug_taken"


# ---- schedule ---------------------------------------------------------------------------

def test_schedule_round_trips_weekly_hours_and_overrides(api: Api) -> None:
    token = make_host(api, "alice")
    schedule = {
        "weekly": {"monday": [{"start": "09:00", "end": "12:00"},
                              {"start": "13:00", "end": "17:00"}],
                   "friday": [{"start": "20:00", "end": "24:00"}]},
        "overrides": [{"date": SATURDAY, "ranges": [{"start": "10:00", "end": "14:00"}]},
                      {"date": WEDNESDAY, "ranges": []}],
    }

    put = api.put("/me/schedule", schedule, token=token)

    assert put.status == 200, put.json
    assert put.json == {
        "timezone": "America/New_York",
        "weekly": {"monday": [{"start": "09:00", "end": "12:00"},
                              {"start": "13:00", "end": "17:00"}],
                   "tuesday": [], "wednesday": [], "thursday": [],
                   "friday": [{"start": "20:00", "end": "24:00"}],
                   "saturday": [], "sunday": []},
        "overrides": [{"date": WEDNESDAY, "ranges": []},
                      {"date": SATURDAY, "ranges": [{"start": "10:00", "end": "14:00"}]}],
        "saved": True,
        "version": 2,  # make_host saved its hours first
    }
    assert api.get("/me/schedule", token=token).json == put.json


def test_a_new_accounts_schedule_is_unsaved_and_one_emptied_on_purpose_stays_saved(
        api: Api) -> None:
    # GIVEN a host who has just signed up: no hours, never saved
    token = str(api.post("/auth/signup", f.signup("alice")).json["access_token"])
    fresh = api.get("/me/schedule", token=token).json
    assert (fresh["saved"], fresh["overrides"]) == (False, [])
    assert not any(fresh["weekly"].values())

    # WHEN they save a week with no hours at all (away for a while), then change their slug
    put = api.put("/me/schedule", {"weekly": {}}, token=token)
    api.put("/me/profile", f.profile("alice-away"), token=token)

    # THEN the empty schedule says it was saved, before and after the slug moved it
    assert (put.status, put.json["saved"]) == (200, True)
    got = api.get("/me/schedule", token=token).json
    assert (got["saved"], got["overrides"]) == (True, [])
    assert not any(got["weekly"].values())


def test_override_with_no_ranges_is_a_day_off(api: Api) -> None:
    token = make_host(api, "alice")

    api.put("/me/schedule", f.weekdays(("09:00", "17:00"),
                                       overrides=[{"date": WEDNESDAY, "ranges": []}]),
            token=token)

    assert starts_on(slots(api, "/hosts/alice/intro", WEDNESDAY), WEDNESDAY) == []
    assert len(starts_on(slots(api, "/hosts/alice/intro", TUESDAY), TUESDAY)) == 16


def test_override_adds_hours_on_a_day_normally_off(api: Api) -> None:
    token = make_host(api, "alice")
    assert starts_on(slots(api, "/hosts/alice/intro", SATURDAY), SATURDAY) == []

    api.put("/me/schedule", f.weekdays(("09:00", "17:00"), overrides=[
        {"date": SATURDAY, "ranges": [{"start": "10:00", "end": "11:30"}]}]), token=token)

    assert starts_on(slots(api, "/hosts/alice/intro", SATURDAY), SATURDAY) == [
        "2026-11-28T10:00:00-05:00", "2026-11-28T10:30:00-05:00", "2026-11-28T11:00:00-05:00"]


def test_range_ending_before_it_starts_is_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/schedule", f.weekdays(("17:00", "09:00")), token=token)

    assert r.status == 400, r.json
    assert r.code == "validation_error"
    assert r.json["error"]["field"].startswith("weekly.")
    assert api.get("/me/schedule", token=token).json["weekly"]["monday"] == [
        {"start": "09:00", "end": "17:00"}]


def test_override_range_ending_before_it_starts_is_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/schedule", f.weekdays(("09:00", "17:00"), overrides=[
        {"date": SATURDAY, "ranges": [{"start": "12:00", "end": "12:00"}]}]), token=token)

    assert r.status == 400, r.json
    assert r.json["error"]["field"].startswith("overrides.0")


def test_two_overrides_for_one_date_are_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.put("/me/schedule", f.weekdays(("09:00", "17:00"), overrides=[
        {"date": SATURDAY, "ranges": []},
        {"date": SATURDAY, "ranges": [{"start": "10:00", "end": "11:00"}]}]), token=token)

    assert r.status == 400, r.json
    assert r.json["error"]["field"] == "overrides"


# ---- event types ------------------------------------------------------------------------

def test_event_type_is_created_with_defaults_and_read_back(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("consult", title="Consultation",
                                                 duration_minutes=45), token=token)

    assert r.status == 201, r.json
    created = r.json
    assert created == {
        "id": created["id"], "slug": "consult", "title": "Consultation", "description": "",
        "duration_minutes": 45, "location": {"kind": "google_meet", "details": None},
        "price": None, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "minimum_notice_minutes": 0, "slot_interval_minutes": None,
        "booking_window_days": None, "booking_window_dates": None, "daily_limit": None,
        "questions": [], "hidden": False,
        "active": True, "refund_hours_before": 24, "version": 1,
    }
    assert api.get(f"/me/event-types/{created['id']}", token=token).json == created
    listed = api.get("/me/event-types", token=token).json["event_types"]
    assert [et["slug"] for et in listed] == ["intro", "consult"]  # the new one last


def test_event_type_is_replaced_in_full(api: Api) -> None:
    from tests.unit.test_payments_service import FakePaymentAdapters

    rebuild(payment_adapters=FakePaymentAdapters())  # a price needs a payment provider
    token = make_host(api, "alice")
    et_id = event_id(api, token, "intro")
    new = f.event_type("intro", title="Introductions", duration_minutes=60,
                       price={"amount_minor": 2500, "currency": "EUR"},
                       location={"kind": "phone", "details": "+44 20 7946 0000"},
                       questions=[f.question("topic", required=True)])

    r = api.put(f"/me/event-types/{et_id}", new, token=token)

    assert r.status == 200, r.json
    assert r.json["id"] == et_id
    assert r.json["duration_minutes"] == 60
    assert r.json["price"] == {"amount_minor": 2500, "currency": "EUR"}
    assert api.get(f"/me/event-types/{et_id}", token=token).json == r.json
    public = api.get("/hosts/alice/intro").json
    assert public["title"] == "Introductions"
    assert public["location_kind"] == "phone"
    # A phone call asks last for the number to call (not one of the host's questions).
    assert public["questions"] == [
        {"id": "topic", "label": "Topic", "type": "text", "required": True, "options": []},
        {"id": "phone", "label": "Your phone number", "type": "phone", "required": True,
         "options": []}]


@pytest.mark.parametrize("currency", ["XYZ", "HRK"])  # none, and one withdrawn in 2023
def test_a_price_in_a_code_that_is_no_current_currency_is_refused_and_nothing_changes(
        api: Api, currency: str) -> None:
    from tests.unit.test_payments_service import FakePaymentAdapters

    rebuild(payment_adapters=FakePaymentAdapters())
    token = make_host(api, "alice")
    et_id = event_id(api, token, "intro")
    before = api.get(f"/me/event-types/{et_id}", token=token).json

    r = api.put(f"/me/event-types/{et_id}", f.event_type(
        "intro", price={"amount_minor": 2500, "currency": currency}), token=token)

    assert r.status == 400
    assert r.json["error"]["code"] == "validation_error"
    assert r.json["error"]["field"] == "price.currency"
    assert r.json["error"]["message"] == (
        f"price.currency must be the ISO 4217 code of a current currency, like EUR "
        f"('{currency}' is none)")
    assert api.get(f"/me/event-types/{et_id}", token=token).json == before


def test_deleted_event_type_is_gone_everywhere(api: Api) -> None:
    token = make_host(api, "alice")
    et_id = event_id(api, token, "intro")

    r = api.delete(f"/me/event-types/{et_id}", token=token)

    assert r.status == 204
    assert api.get(f"/me/event-types/{et_id}", token=token).status == 404
    assert api.delete(f"/me/event-types/{et_id}", token=token).status == 404
    assert api.get("/me/event-types", token=token).json["event_types"] == []
    assert api.get("/hosts/alice/intro").status == 404
    assert api.get("/hosts/alice").json["event_types"] == []


def test_deleting_an_event_type_frees_its_slug(api: Api) -> None:
    token = make_host(api, "alice")
    api.delete(f"/me/event-types/{event_id(api, token, 'intro')}", token=token)

    r = api.post("/me/event-types", f.event_type("intro"), token=token)

    assert r.status == 201, r.json


def test_unknown_event_type_id_is_not_found(api: Api) -> None:
    token = make_host(api, "alice")

    assert api.get("/me/event-types/nope", token=token).status == 404
    assert api.put("/me/event-types/nope", f.event_type("x"), token=token).status == 404


def test_event_slug_is_unique_per_host(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("intro", title="Again"), token=token)

    assert r.status == 409, r.json
    assert r.code == "event_slug_taken"
    assert r.json["error"]["field"] == "slug"
    assert len(api.get("/me/event-types", token=token).json["event_types"]) == 1


def test_another_host_may_use_the_same_event_slug(api: Api) -> None:
    make_host(api, "alice")
    bob = make_host(api, "bob")

    assert api.get("/me/event-types", token=bob).json["event_types"][0]["slug"] == "intro"
    assert api.get("/hosts/alice/intro").status == 200
    assert api.get("/hosts/bob/intro").status == 200


def test_renaming_an_event_type_frees_the_old_slug(api: Api) -> None:
    token = make_host(api, "alice")
    et_id = event_id(api, token, "intro")

    renamed = api.put(f"/me/event-types/{et_id}", f.event_type("intro-call"), token=token)

    assert renamed.status == 200, renamed.json
    assert api.get("/hosts/alice/intro").status == 404
    assert api.get("/hosts/alice/intro-call").status == 200
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201


def test_renaming_onto_another_own_event_slug_is_refused(api: Api) -> None:
    token = make_host(api, "alice")
    api.post("/me/event-types", f.event_type("consult"), token=token)

    r = api.put(f"/me/event-types/{event_id(api, token, 'consult')}", f.event_type("intro"),
                token=token)

    assert r.status == 409, r.json
    assert r.code == "event_slug_taken"
    assert api.get("/hosts/alice/consult").status == 200


def test_hidden_event_type_is_unlisted_but_still_bookable_by_link(api: Api) -> None:
    token = make_host(api, "alice")
    api.post("/me/event-types", f.event_type("secret", hidden=True), token=token)

    listed = api.get("/hosts/alice").json["event_types"]

    assert [et["slug"] for et in listed] == ["intro"]
    assert api.get("/hosts/alice/secret").status == 200
    assert starts_on(slots(api, "/hosts/alice/secret", TUESDAY),
                     TUESDAY)[0] == "2026-11-24T09:00:00-05:00"


def test_inactive_event_type_is_unlisted_and_has_no_slots(api: Api) -> None:
    token = make_host(api, "alice")
    api.post("/me/event-types", f.event_type("paused", active=False), token=token)

    assert [et["slug"] for et in api.get("/hosts/alice").json["event_types"]] == ["intro"]
    assert api.get("/hosts/alice/paused").status == 404
    r = slots(api, "/hosts/alice/paused", TUESDAY)
    assert r.status == 404, r.json
    assert r.code == "not_found"
    booking = api.post("/hosts/alice/paused/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert booking.status == 404, booking.json


def test_blank_event_type_title_is_refused_and_the_list_stays_readable(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("consult", title="   "), token=token)

    assert r.status == 400, r.json
    assert r.code == "validation_error"
    assert r.json["error"]["field"] == "title"
    listed = api.get("/me/event-types", token=token)
    assert listed.status == 200, listed.json
    assert [et["slug"] for et in listed.json["event_types"]] == ["intro"]


def test_select_question_without_options_is_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type(
        "consult", questions=[f.question("size", "select")]), token=token)

    assert r.status == 400, r.json
    assert r.code == "validation_error"
    assert r.json["error"]["field"] == "questions.0"
    assert "a choice question (select) needs at least one option" in r.json["error"]["message"]


def test_text_question_with_options_is_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type(
        "consult", questions=[f.question("topic", "text", options=["a", "b"])]), token=token)

    assert r.status == 400, r.json
    assert r.json["error"]["field"] == "questions.0"
    assert "only a choice question (select) takes options" in r.json["error"]["message"]


def test_a_choice_question_listing_an_option_twice_is_refused(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("consult", questions=[
        f.question("size", "select", options=["Small team", "Large team", "small team"])]),
        token=token)

    assert r.status == 400, r.json
    assert r.json["error"]["field"] == "questions.0"
    assert "the option 'small team' is listed twice" in r.json["error"]["message"]
    listed = api.get("/me/event-types", token=token).json["event_types"]
    assert "consult" not in [et["slug"] for et in listed]


def test_question_ids_must_be_unique(api: Api) -> None:
    token = make_host(api, "alice")
    questions: list[dict[str, Any]] = [f.question("topic"), f.question("topic", "long_text")]

    r = api.post("/me/event-types", f.event_type("consult", questions=questions), token=token)

    assert r.status == 400, r.json
    assert r.json["error"]["field"] == "questions"


def test_event_type_slug_must_be_lowercase_words(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("Intro Call"), token=token)

    assert r.status == 400, r.json
    assert r.json["error"]["field"] == "slug"


@pytest.mark.parametrize("slug", ["docs", "admin", "login", "health", "app", "webhooks"])
def test_an_event_type_may_take_a_word_only_a_host_slug_may_not(api: Api, slug: str) -> None:
    # The reserved words are top-level paths; an event's slug lives under /{host}/.
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type(slug), token=token)

    assert r.status == 201, r.json
    assert api.get(f"/hosts/alice/{slug}").status == 200
    assert api.get(f"/alice/{slug}").status == 200
    assert api.put("/me/profile", f.profile(slug), token=token).code == "slug_taken"


def test_a_host_slug_with_capitals_is_refused_so_no_two_hosts_differ_by_case(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/auth/signup", f.signup("Alice"))
    moved = api.put("/me/profile", f.profile("Alice"), token=token)

    assert (r.status, r.json["error"]["field"]) == (400, "slug")
    assert (moved.status, moved.json["error"]["field"]) == (400, "slug")


def test_the_public_api_finds_a_host_and_event_typed_with_capitals(api: Api) -> None:
    make_host(api, "alice")

    profile = api.get("/hosts/Alice")
    event = api.get("/hosts/ALICE/Intro")

    assert (profile.status, profile.json["slug"]) == (200, "alice")
    assert (event.status, event.json["slug"]) == (200, "intro")
    slots = api.get("/hosts/Alice/Intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC")
    assert slots.status == 200, slots.json
    booked = api.post("/hosts/Alice/INTRO/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert booked.status == 201, booked.json
