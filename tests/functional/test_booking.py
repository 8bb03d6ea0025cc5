"""Booking through the API: the write-time re-check, overlaps, idempotency, round trips."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib import bootstrap
from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.external_busy import ExternalEvent
from chalicelib.domain.timerange import TimeRange
from local.metering import dynamodb_calls
from tests.fakes.providers import FakeAdapters, FakeCalendar
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock, rebuild
from tests.functional.hosts import make_host

SLOTS = "/hosts/alice/{event}/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC"


def starts(api: Api, event: str = "intro") -> list[str]:
    r = api.get(SLOTS.format(event=event))
    assert r.status == 200, r.json
    return [s["start"] for s in r.json["slots"].get("2026-11-24", [])]


def test_booking_returns_links_and_the_slot_is_no_longer_offered(api: Api) -> None:
    make_host(api)
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert r.status == 201, r.json
    body = r.json
    assert body["status"] == "confirmed"
    assert body["start"] == "2026-11-24T14:00:00+00:00"
    assert body["end"] == "2026-11-24T14:30:00+00:00"
    assert set(body["links"]) >= {"view", "cancel", "reschedule", "ics", "cancel_token"}
    assert r.headers["Location"] == f"/bookings/{body['uid']}"
    assert "2026-11-24T14:00:00+00:00" not in starts(api)
    assert "2026-11-24T14:30:00+00:00" in starts(api)


def test_second_booking_of_the_same_slot_gets_409_slot_taken(api: Api) -> None:
    make_host(api)
    assert api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).status == 201
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert (r.status, r.code) == (409, "slot_taken")


def test_overlapping_booking_with_a_different_start_is_refused(api: Api) -> None:
    # GIVEN a 60-minute event with 10-minute buffers and a 30-minute event on a 30-min grid
    token = make_host(api, slug="alice", duration_minutes=60, buffer_after_minutes=10)
    api.post("/me/event-types", f.event_type("short", duration_minutes=30), token=token)
    assert api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:00:00Z")).status == 201
    # WHEN a 30-minute booking starts inside the first one
    r = api.post("/hosts/alice/short/bookings", f.booking("2026-11-24T15:30:00Z"))
    # THEN it loses, and so does one inside the 10-minute buffer after it
    assert (r.status, r.code) == (409, "slot_taken")
    assert "2026-11-24T16:00:00+00:00" not in starts(api, "short")
    assert "2026-11-24T16:30:00+00:00" in starts(api, "short")


def test_start_off_the_grid_or_outside_hours_is_unavailable_not_taken(api: Api) -> None:
    make_host(api)
    for start in ("2026-11-24T14:10:00Z", "2026-11-24T03:00:00Z", "2026-11-22T15:00:00Z"):
        r = api.post("/hosts/alice/intro/bookings", f.booking(start))
        assert (r.status, r.code) == (422, "slot_unavailable"), start


def test_minimum_notice_is_enforced_at_write_time(api: Api, clock: FixedClock) -> None:
    make_host(api, minimum_notice_minutes=48 * 60)
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert (r.status, r.code) == (422, "slot_unavailable")


def test_daily_limit_closes_the_day(api: Api) -> None:
    make_host(api, daily_limit=2)
    for start in ("2026-11-24T14:00:00Z", "2026-11-24T15:00:00Z"):
        assert api.post("/hosts/alice/intro/bookings", f.booking(start)).status == 201
    assert starts(api) == []
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T16:00:00Z"))
    assert (r.status, r.code, r.json["error"]["reason"]) == (
        422, "slot_unavailable", "daily_limit_reached")


def alice_counts_her_google_calendar(api: Api, token: str) -> FakeCalendar:
    """Alice's Google calendar (a fake) counts for conflicts and gets new bookings; it
    holds a dentist's appointment 15:00-16:00Z (10:00-11:00 in New York)."""
    host_id = api.get("/me/profile", token=token).json["id"]
    adapters = FakeAdapters()
    google = adapters.connect_calendar(host_id, "google")
    google.add("primary", "dentist", ExternalEvent(
        TimeRange(datetime(2026, 11, 24, 15, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC))))
    ref = CalendarRef("google", "primary")
    rebuild(adapters=adapters)
    setup = bootstrap.services().calendars.choose(host_id, [ref], ref)
    assert setup.refs == (ref,) and setup.conflicts[0].synced_at is not None
    return google


def test_time_busy_on_the_hosts_other_calendar_is_neither_offered_nor_bookable(
        api: Api) -> None:
    # GIVEN a host whose other calendar is busy 15:00-16:00Z, its copy synced
    google = alice_counts_her_google_calendar(api, make_host(api))
    # THEN the slots listing leaves that hour out, read from the copy: Google is not asked
    assert {"2026-11-24T15:00:00+00:00", "2026-11-24T15:30:00+00:00"}.isdisjoint(starts(api))
    assert {"2026-11-24T14:30:00+00:00", "2026-11-24T16:00:00+00:00"} <= set(starts(api))
    assert google.faults.calls.count("changes") == 1   # the sync when it was chosen
    # AND a booking of it is refused, saying why, with nothing written (Google asked now)
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:30:00Z"))
    assert (r.status, r.code, r.json["error"]["reason"]) == (
        422, "slot_unavailable", "calendar_busy")
    assert r.json["error"]["message"] == "the host has another appointment at this time"
    assert google.busy_asked == [("primary",)]
    assert api.post("/hosts/alice/intro/bookings",
                    f.booking("2026-11-24T16:00:00Z")).status == 201


def test_a_booking_is_refused_while_the_calendar_cannot_be_checked_and_its_copy_is_old(
        api: Api, clock: FixedClock) -> None:
    google = alice_counts_her_google_calendar(api, make_host(api))
    clock.advance(minutes=10)
    google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))

    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))

    assert (r.status, r.code) == (503, "calendar_unavailable")
    assert "2026-11-24T14:00:00+00:00" in starts(api)


def test_retry_with_the_same_idempotency_key_returns_the_first_booking(api: Api) -> None:
    make_host(api)
    headers = {"Idempotency-Key": "retry-1"}
    first = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"),
                     headers=headers)
    again = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"),
                     headers=headers)
    assert first.status == again.status == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    token = api.post("/auth/login", {"email": "alice@example.com",
                                     "password": "correct horse battery"}).json["access_token"]
    listed = api.get("/me/bookings", token=token).json["bookings"]
    assert [b["uid"] for b in listed] == [first.json["uid"]]


def test_idempotency_key_reused_for_a_different_request_is_422(api: Api) -> None:
    make_host(api)
    headers = {"Idempotency-Key": "retry-2"}
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"), headers=headers)
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T15:00:00Z"),
                 headers=headers)
    assert (r.status, r.code) == (422, "idempotency_key_reused")


def test_required_answers_are_checked_before_anything_is_written(api: Api) -> None:
    make_host(api, questions=[{"id": "plan", "label": "Plan", "type": "select",
                               "required": True, "options": ["Starter", "Growth"]}])
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    assert (r.status, r.code, r.json["error"]["field"]) == (400, "invalid_answer", "answers.plan")
    r = api.post("/hosts/alice/intro/bookings",
                 f.booking("2026-11-24T14:00:00Z", answers={"plan": "Enterprise"}))
    assert r.code == "invalid_answer"
    assert "2026-11-24T14:00:00+00:00" in starts(api)
    r = api.post("/hosts/alice/intro/bookings",
                 f.booking("2026-11-24T14:00:00Z", answers={"plan": "Growth"}))
    assert r.status == 201 and r.json["answers"] == {"plan": "Growth"}


def test_slots_request_takes_two_dynamodb_round_trips(api: Api) -> None:
    make_host(api)
    api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    with dynamodb_calls() as calls:
        api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-12-23&timeZone=Asia/Kolkata")
    assert calls.calls == ["Query", "Query"]


def test_slots_of_a_host_with_a_synced_calendar_still_take_two_round_trips(api: Api) -> None:
    google = alice_counts_her_google_calendar(api, make_host(api))
    calls_before = list(google.faults.calls)
    with dynamodb_calls() as calls:
        assert "2026-11-24T15:00:00+00:00" not in starts(api)
    assert calls.calls == ["Query", "Query"]
    assert google.faults.calls == calls_before


def test_booking_takes_two_reads_plus_the_atomic_write(api: Api) -> None:
    make_host(api)
    with dynamodb_calls() as calls:
        r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"),
                     headers={"Idempotency-Key": "k"})
    assert r.status == 201
    assert calls.calls == ["Query", "BatchGetItem", "TransactWriteItems"]


def test_idempotent_retry_racing_the_first_write_returns_the_first_booking(api: Api) -> None:
    # The replayed request loses the transaction on the idempotency record, not the slot.
    make_host(api, duration_minutes=30)
    from chalicelib.store.bookings import BookingRepository

    repo = BookingRepository()
    real = repo.ledger_for_write
    reads: list[object] = []

    def stale_read(*args: object, **kwargs: object) -> object:
        # The second request sees what the first one saw: the write has not landed yet.
        reads.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return reads[0] if len(reads) == 2 else reads[-1]

    services = bootstrap.services()
    object.__setattr__(services.booking.reservations, "bookings", repo)
    object.__setattr__(repo, "ledger_for_write", stale_read)
    headers = {"Idempotency-Key": "race"}
    first = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"),
                     headers=headers)
    # The second request reads the ledger and no record, as if it raced the first ...
    second = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"),
                      headers=headers)
    assert first.status == 201, first.json
    # ... yet it is answered with the first booking, not a 409.
    assert second.status == 201, second.json
    assert second.json["uid"] == first.json["uid"]
