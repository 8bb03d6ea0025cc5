"""The hosts' calendars end to end: Penny's API, the real adapters (google-api-python-client,
requests for Graph and Zoom), the provider sandbox answering as the vendors do, and the
store on moto.

The sandbox posts push notifications to Penny's public URL, which no server answers in
these tests; each delivery it recorded is handed to Penny's notification route as it was
sent (headers and body), as API Gateway would.
"""

from __future__ import annotations

import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib import bootstrap
from chalicelib.domain.connection_events import calendar_watch_asked_event
from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.providers.calendars import CalendarEvent, CalendarProvider
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_event_deletes import replacement_key
from chalicelib.store.bookings import BookingRepository, _booking_item
from chalicelib.store.queues import QUEUES
from chalicelib.store.stream import events_of
from chalicelib.store.tables import PennyItem
from chalicelib.web.embedded_slots import sent_starts
from local.metering import ApiCall, dynamodb_calls, observe_calls
from sandbox.calendar_model import CalendarEvent as SandboxEvent
from sandbox.model import Account
from sandbox.server import ProviderSandbox
from sandbox.testing import consent
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock
from tests.functional.dynamodb_requests import recorded
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_booking_pages import page_data
from tests.functional.test_connections import (
    PUBLIC,
    come_back,
    connect,
    expire_in_penny,
    redirected_to,
    start,
    status_of,
)

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    return make_sandbox_host(api, sandbox, clock)


def next_weekday(clock: FixedClock, days: int = 7) -> date:
    day = (clock.current + timedelta(days=days)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NEW_YORK).astimezone(UTC)


def starts(api: Api, day: date) -> set[datetime]:
    r = api.get(f"/hosts/alice/intro/slots?start={day}&end={day}&timeZone=UTC")
    assert r.status == 200, r.body
    return {datetime.fromisoformat(s["start"]) for s in r.json["slots"].get(str(day), [])}


def local_starts(api: Api, day: date, zone: str) -> list[str]:
    r = api.get(f"/hosts/alice/intro/slots?start={day}&end={day}&timeZone={zone}")
    assert r.status == 200, r.body
    return [s["start"] for s in r.json["slots"].get(str(day), [])]


def outlook_day_off(sandbox: ProviderSandbox, day: date) -> None:
    """The host's day off in Outlook, all day: Graph gives it as midnight to midnight UTC."""
    sandbox.add_event("microsoft", "Day off", datetime.combine(day, time(), UTC),
                      datetime.combine(day + timedelta(days=1), time(), UTC),
                      all_day=True, show_as="oof")


def deliver(api: Api, sandbox: ProviderSandbox, provider: str, seen: int = 0) -> int:
    """Hand Penny every notification the sandbox sent after the first `seen`, waiting for
    at least one of a change: the sandbox sends from a background thread, so a new
    channel's first message (Google's `sync`, which says nothing changed) may land after
    `seen` was counted, on a busy machine before the change's own."""
    def changes() -> list[Any]:
        return [d for d in sandbox.notifications(provider)[seen:]
                if dict(d.headers).get("X-Goog-Resource-State") != "sync"]

    waited = 0
    while not changes() and waited < 500:
        time_module.sleep(0.02)
        waited += 1
    sent = sandbox.notifications(provider)
    assert changes(), "the sandbox sent no notification of a change"
    for delivery in sent[seen:]:
        path = delivery.url.removeprefix(PUBLIC)
        r = api.post(path, raw=delivery.body, headers=dict(delivery.headers))
        assert r.status in (200, 202), (r.status, r.body)
    return len(sent)


def run_calendar_job(kind: EventKind, host_id: str, uid: str, n: int = 1) -> None:
    spec = next(s for s in QUEUES if s.name == "calendar")
    runner = bootstrap.build_worker(bootstrap.core(), spec)
    runner.handle(Event(kind, f"{uid}-{kind.value}-{n}", bootstrap.core().clock.now(),
                        host_id, {"uid": uid}))


def run_watch_jobs(api: Api, token: str) -> int:
    """The calendar worker makes the push channels the API's short syncs asked of it
    (`calendar.watch_requested`, which the API publishes on the booking-events topic:
    not wired here), for each counted calendar not pushed to yet; how many it made."""
    spec = next(s for s in QUEUES if s.name == "calendar")
    runner = bootstrap.build_worker(bootstrap.core(), spec)
    listed = api.get("/me/calendars", token=token).json["calendars"]
    unwatched = [c["key"] for c in listed if c["conflicts"] and not c["push"]]
    for key in unwatched:
        runner.handle(calendar_watch_asked_event(host_id(api, token), key,
                                                 bootstrap.core().clock.now()))
    after = api.get("/me/calendars", token=token).json["calendars"]
    return sum(1 for c in after if c["key"] in unwatched and c["push"])


def meet_on(api: Api, token: str, kind: str) -> None:
    (intro,) = api.get("/me/event-types", token=token).json["event_types"]
    r = api.put(f"/me/event-types/{intro['id']}", f.event_type(location={"kind": kind}),
                token=token)
    assert r.status == 200, r.body


def host_id(api: Api, token: str) -> str:
    return str(api.get("/me/profile", token=token).json["id"])


def broken(api: Api, host: str, sandbox: ProviderSandbox, clock: FixedClock,
           provider: str) -> None:
    """The host removed Penny's access at `provider`, and Penny's next use found it so."""
    sandbox.revoke(provider)
    sandbox.expire_access_tokens(provider)
    expire_in_penny(api, host, clock)
    assert api.post(f"/me/connections/{provider}/test", token=host).status == 409


def test_connecting_google_counts_its_primary_calendar_and_watches_it(
        api: Api, sandbox: ProviderSandbox, host: str) -> None:
    connect(api, host, "google")

    listed = api.get("/me/calendars", token=host).json["calendars"]

    primary = next(c for c in listed if c["primary"])
    assert primary["key"] == "google:ada@sandbox.test"
    assert (primary["conflicts"], primary["destination"], primary["push"]) == (True, True, True)
    assert primary["synced_at"] is not None
    (watch,) = sandbox.watches("google")
    assert watch.calendar_ids == {"ada@sandbox.test"}
    assert watch.address == f"{PUBLIC}/webhooks/calendar/google"


def test_a_busy_event_keeps_its_slots_off_the_page_without_asking_google(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    free = starts(api, day)
    assert at(day, 10) in free
    sandbox.reset_api_calls("google")

    before = len(sandbox.notifications("google"))
    sandbox.add_event("google", "Dentist", at(day, 10), at(day, 11))
    deliver(api, sandbox, "google", before)
    sandbox.reset_api_calls("google")
    with dynamodb_calls() as calls:
        after = starts(api, day)

    assert {at(day, 10), at(day, 10, 30)}.isdisjoint(after)
    assert at(day, 11) in after and at(day, 9, 30) in after
    assert sandbox.api_call_counts("google") == {}
    assert calls.calls == ["Query", "Query"]  # the config by slug, the ledger with the cache


def written_items(calls: list[ApiCall]) -> list[str]:
    """The kinds of item (their sort key's first part) the DynamoDB calls wrote."""
    keys: list[dict[str, Any]] = []
    for call in calls:
        if call.operation in ("PutItem", "UpdateItem", "DeleteItem"):
            keys.append(call.params.get("Item") or call.params["Key"])
        if call.operation == "BatchWriteItem":
            for requests in call.params["RequestItems"].values():
                keys += [r.get("PutRequest", {}).get("Item") or r["DeleteRequest"]["Key"]
                         for r in requests]
    return [str(k["sk"]["S"]).split("#")[0] for k in keys]


def test_a_notification_of_a_change_writes_its_days_and_channel_not_the_hosts_profile(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    calls: list[ApiCall] = []

    before = len(sandbox.notifications("google"))
    sandbox.add_event("google", "Dentist", at(day, 10), at(day, 11))
    with observe_calls([PennyItem._get_connection().connection.client], calls.append):
        deliver(api, sandbox, "google", before)

    # The busy day and the cursor on the channel's item (one unit, no index): the
    # profile item (on the slug index) keeps saying fresh, as it still is.
    assert sorted(written_items(calls)) == ["DAY", "WATCH"]
    assert {at(day, 10), at(day, 10, 30)}.isdisjoint(starts(api, day))


def test_a_notification_with_the_wrong_token_changes_nothing(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    (watch,) = sandbox.watches("google")

    r = api.post("/webhooks/calendar/google", b"", raw=True, headers={
        "X-Goog-Channel-ID": watch.id, "X-Goog-Channel-Token": "forged",
        "X-Goog-Resource-State": "exists"})

    assert (r.status, r.code) == (403, "unknown_channel")
    (calendar,) = [c for c in api.get("/me/calendars", token=host).json["calendars"]
                   if c["conflicts"]]
    assert calendar["push"] is True


def test_a_booking_rechecks_google_and_refuses_a_time_just_made_busy(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    assert at(day, 14) in starts(api, day)
    # The event is added with no notification delivered: the cache still says free.
    sandbox.add_event("google", "Board meeting", at(day, 14), at(day, 15))

    r = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 14).isoformat()))

    assert (r.status, r.code, r.json["error"]["reason"]) == (
        422, "slot_unavailable", "calendar_busy")


def test_a_booking_when_google_is_down_relies_on_a_young_cache_only(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    sandbox.fail_next_api_calls("google", status=503, times=5)

    young = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 9).isoformat()))
    clock.current += timedelta(minutes=11)
    sandbox.fail_next_api_calls("google", status=503, times=5)
    old = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 10).isoformat(),
                                                             attendee={
        "name": "Cy", "email": "cy@example.com", "timezone": "UTC"}))

    assert young.status == 201, young.body
    assert (old.status, old.code) == (503, "calendar_unavailable")
    assert old.headers["Retry-After"] == "30"


def test_a_confirmed_booking_is_in_the_calendar_with_a_meet_link_once(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat()))
    uid, token = booked.json["uid"], booked.json["links"]["cancel_token"]
    owner = host_id(api, host)

    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, uid)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, uid, n=2)  # a redelivery

    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert event.link is not None and event.link.startswith("https://meet.google.com/")
    seen = api.get(f"/bookings/{uid}?token={token}").json
    assert seen["video_url"] == event.link
    invite = api.get(f"/bookings/{uid}/invite.ics?token={token}").body
    assert event.link.encode() in invite


def test_a_meet_link_google_makes_after_its_insert_answers_reaches_the_booking(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN Google makes the Meet conference after it answers the insert (`pending`)
    connect(api, host, "google")
    sandbox.meet_pending(reads=1)
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json

    # WHEN the calendar worker writes the booking's event
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])

    # THEN the client gets the event's Meet link, not "the host will send you the link"
    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert event.link is not None
    assert (shown["video_url"], shown["video_note"]) == (event.link, None)


def google_booking(api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock
                   ) -> tuple[dict[str, Any], str, SandboxEvent]:
    """A booking at 13:00 on the next weekday, written to the host's Google Calendar by
    the calendar job; (the booking, the host's id, Penny's event in the sandbox)."""
    connect(api, host, "google")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    return booked, owner, event


def test_a_bookings_google_event_is_in_the_hosts_zone_not_utc(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # Google shows an event in its timeZone (the editor, the invitations it sends): in
    # UTC, a New York host's 13:00 read "18:00 (Coordinated Universal Time)" there.
    _, _, event = google_booking(api, sandbox, host, clock)

    assert event.start == at(next_weekday(clock), 13)  # the same instant
    assert event.body["start"]["timeZone"] == event.body["end"]["timeZone"] == NEW_YORK.key


def test_a_bookings_outlook_event_is_in_the_hosts_zone_not_utc(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # Graph's timeZone takes Windows names: the New York host's 13:00 goes as 13:00
    # Eastern Standard Time, so Outlook's invitations no longer name it in UTC.
    connect(api, host, "microsoft")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json

    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])

    (event,) = [e for e in sandbox.events("microsoft") if e.created_by_app]
    assert event.start == at(day, 13)  # the same instant
    assert event.body["start"] == {"dateTime": f"{day}T13:00:00",
                                   "timeZone": "Eastern Standard Time"}
    assert event.body["end"]["timeZone"] == "Eastern Standard Time"


def test_a_meet_booking_keeps_its_link_while_google_is_broken(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN a booking in the host's Google Calendar with its Meet link
    booked, owner, event = google_booking(api, sandbox, host, clock)
    # and Google broken since (the host removed Penny's access there)
    broken(api, host, sandbox, clock, "google")

    # WHEN connecting Zoom asks the calendar worker about every booking still to come
    connect(api, host, "zoom")
    run_calendar_job(EventKind.CALENDAR_REQUESTED, owner, booked["uid"])

    # THEN the booking keeps the Meet link its event still has: the client is not told
    # that the host will send one
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert (shown["video_url"], shown["video_note"]) == (event.link, None)


def test_a_broken_calendar_connection_is_listed_unreachable_not_left_out(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN Google (where new bookings go) and Outlook connected, and Google broken since
    connect(api, host, "google")
    connect(api, host, "microsoft")
    broken(api, host, sandbox, clock, "google")

    # WHEN the host's calendars are listed
    listed = api.get("/me/calendars", token=host).json

    # THEN Google's are said to be out of reach (the dashboard then holds Save back, which
    # sends the whole choice and would drop them), not missing as if no calendar of the
    # host's were Google's and none received bookings
    assert listed["unreachable"] == ["google"]
    assert {c["provider"] for c in listed["calendars"]} == {"microsoft"}


def test_a_broken_calendar_connection_with_none_of_its_calendars_chosen_holds_nothing_back(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN Google and Outlook connected, Google's calendars alone chosen, and Outlook
    # broken since
    connect(api, host, "google")
    connect(api, host, "microsoft")
    google = [c for c in api.get("/me/calendars", token=host).json["calendars"]
              if c["provider"] == "google"]
    chosen = api.put("/me/calendars", {"conflicts": [google[0]["key"]],
                                       "destination": google[0]["key"]}, token=host)
    assert chosen.status == 200, chosen.body
    broken(api, host, sandbox, clock, "microsoft")

    # WHEN the host's calendars are listed
    listed = api.get("/me/calendars", token=host).json

    # THEN Outlook is not out of reach (nothing of it could be dropped by a Save, which the
    # dashboard would hold back until Outlook was reconnected or disconnected)
    assert listed["unreachable"] == []
    assert {c["provider"] for c in listed["calendars"]} == {"google"}


def test_a_cancel_removes_the_event_from_the_calendar(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat()))
    uid, token = booked.json["uid"], booked.json["links"]["cancel_token"]
    owner = host_id(api, host)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, uid)

    r = api.post(f"/bookings/{uid}/cancel", {"token": token})
    assert r.status == 200, r.body
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, uid)

    assert [e for e in sandbox.events("google") if e.created_by_app] == []


def test_a_busy_event_150_days_ahead_keeps_its_slot_off_the_page(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    day = next_weekday(clock, days=150)       # the event type has no booking window
    # In the host's calendar before they connect Google (a trip booked long ago).
    sandbox.add_event("google", "Flight", at(day, 10), at(day, 11))
    connect(api, host, "google")

    offered = starts(api, day)

    assert at(day, 9, 30) in offered and at(day, 10) not in offered
    sandbox.reset_api_calls("google")
    for _ in range(3):   # that far ahead is now covered: no view asks Google again
        starts(api, day)
    assert sandbox.api_call_counts("google") == {}


def test_a_booking_past_what_the_copy_covers_is_refused_while_google_is_down(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    day = next_weekday(clock, days=150)
    sandbox.add_event("google", "Flight", at(day, 10), at(day, 11))
    connect(api, host, "google")        # synced just now: a young copy, to 100 days
    sandbox.fail_next_api_calls("google", status=503, times=10)

    r = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 10).isoformat()))

    assert (r.status, r.code) == (503, "calendar_unavailable"), r.body


def test_a_page_past_what_the_copy_covers_offers_nothing_while_google_is_down(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    day = next_weekday(clock, days=150)
    sandbox.add_event("google", "Flight", at(day, 10), at(day, 11))
    connect(api, host, "google")        # the copy reaches 100 days ahead
    sandbox.fail_next_api_calls("google", status=503, times=10)

    r = api.get(f"/hosts/alice/intro/slots?start={day}&end={day}&timeZone=UTC")

    # Never read that far: unknown, which is never free (the Flight is there)
    assert r.status == 200 and r.json["stale"] is True
    assert r.json["slots"].get(str(day), []) == []


def test_a_calendar_never_read_offers_nothing_while_its_provider_is_down(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    day = next_weekday(clock)
    sandbox.add_event("google", "Flight", at(day, 10), at(day, 11))
    sandbox.fail_calendar("google", "ada@sandbox.test")
    connect(api, host, "google")        # its first sync fails: no copy at all

    r = api.get(f"/hosts/alice/intro/slots?start={day}&end={day}&timeZone=UTC")

    assert r.status == 200 and r.json["stale"] is True
    assert r.json["slots"].get(str(day), []) == []


def test_a_403_from_graph_at_booking_shows_outlook_broken_to_the_host(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "microsoft")
    day = next_weekday(clock)
    # Access withdrawn at Microsoft (an admin revoked consent): 403, the token still good.
    sandbox.fail_next_api_calls("microsoft", status=403, times=20)

    r = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 14).isoformat()))

    # A broken connection books from its last copy (docs/calendars.md), once the host is
    # told: the connection shows broken, live, until they reconnect.
    assert r.status == 201, r.body
    assert status_of(api, host, "microsoft")["status"] == "broken"


def test_a_403_when_writing_the_event_shows_the_calendar_broken(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    meet_on(api, host, "teams")
    connect(api, host, "microsoft")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat()))
    assert booked.status == 201, booked.body
    sandbox.fail_next_api_calls("microsoft", status=403, times=20)

    run_calendar_job(EventKind.BOOKING_CONFIRMED, host_id(api, host), booked.json["uid"])

    assert status_of(api, host, "microsoft")["status"] == "broken"


def test_an_outlook_event_whose_create_answer_was_lost_is_made_once(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    meet_on(api, host, "teams")
    connect(api, host, "microsoft")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json
    sandbox.lose_next_answers("microsoft", "events.create")

    with pytest.raises(ProviderUnavailableError):
        run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"], n=2)   # the retry

    (event,) = [e for e in sandbox.events("microsoft") if e.created_by_app]
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert event.start == at(day, 11) and event.link and shown["video_url"] == event.link


def test_an_outlook_event_made_again_whose_create_answer_was_lost_is_made_once(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # The host deleted the booking's event in Outlook; the reschedule makes it again, and
    # Graph's answer to that is lost: the retry finds the event it made.
    meet_on(api, host, "teams")
    connect(api, host, "microsoft")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    (first,) = [e for e in sandbox.events("microsoft") if e.created_by_app]
    host_calendar(owner, "microsoft").delete_event(first.calendar_id, first.id)  # the host
    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": at(day, 14).isoformat()})
    assert moved.status == 200, moved.body
    sandbox.lose_next_answers("microsoft", "events.create")

    with pytest.raises(ProviderUnavailableError):
        run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"], n=2)

    (event,) = [e for e in sandbox.events("microsoft") if e.created_by_app]
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert event.id != first.id and event.start == at(day, 14)
    assert event.link and event.link != first.link and shown["video_url"] == event.link


def zoom_booking(api: Api, host: str, clock: FixedClock, hour: int
                 ) -> tuple[dict[str, Any], str, date]:
    """A Zoom event type's booking, written to Google Calendar with its meeting by the
    calendar job; (the booking, the host's id, its day)."""
    meet_on(api, host, "zoom")
    connect(api, host, "google")
    connect(api, host, "zoom")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, hour).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    return booked, owner, day


def test_a_bookings_zoom_meeting_is_in_the_hosts_zone_not_utc(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # Zoom's meeting page and the invitations it sends named the New York host's 13:00
    # in UTC: the meeting now carries the host's zone, at the same instant.
    _, _, day = zoom_booking(api, host, clock, 13)

    (meeting,) = sandbox.meetings()
    assert meeting["timezone"] == NEW_YORK.key
    assert datetime.fromisoformat(meeting["start_time"]) == at(day, 13)


def test_a_cancel_removes_the_calendar_event_even_when_zoom_is_broken(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    booked, owner, _ = zoom_booking(api, host, clock, 13)
    assert len([e for e in sandbox.events("google") if e.created_by_app]) == 1
    sandbox.revoke("zoom")   # the host removed Penny's app in Zoom
    sandbox.expire_access_tokens("zoom")
    expire_in_penny(api, host, clock)

    r = api.post(f"/bookings/{booked['uid']}/cancel",
                 {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"])

    assert [e for e in sandbox.events("google") if e.created_by_app] == []
    assert status_of(api, host, "zoom")["status"] == "broken"


def test_a_zoom_booking_keeps_its_meeting_link_after_zoom_is_disconnected(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN a Zoom booking whose meeting was made, in the host's Zoom
    booked, owner, _ = zoom_booking(api, host, clock, 11)
    (meeting,) = sandbox.meetings()
    # and the host disconnected Zoom ("Bookings already made stay where they are")
    assert api.delete("/me/connections/zoom", token=host).status == 204

    # WHEN reconnecting Google asks the calendar worker about every booking still to come
    connect(api, host, "google")
    run_calendar_job(EventKind.CALENDAR_REQUESTED, owner, booked["uid"])

    # THEN the booking keeps the link of its meeting, which Zoom still holds: the client
    # is not told that the host will send one
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert sandbox.meetings() == [meeting]
    assert (shown["video_url"], shown["video_note"]) == (meeting["join_url"], None)


def test_a_reschedule_makes_a_new_zoom_meeting_when_the_host_deleted_the_old_one(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    booked, owner, day = zoom_booking(api, host, clock, 11)
    (first,) = sandbox.meetings()
    sandbox.delete_meeting(str(first["id"]))   # in Zoom's own app

    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": at(day, 14).isoformat()})
    assert moved.status == 200, moved.body
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    (second,) = sandbox.meetings()
    assert event.start == at(day, 14) and second["id"] != first["id"]
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}")
    assert shown.json["video_url"] == second["join_url"]


def test_a_reschedule_moves_the_calendar_event_while_zoom_is_down_and_the_retry_moves_the_meeting(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    booked, owner, day = zoom_booking(api, host, clock, 11)
    (meeting,) = sandbox.meetings()
    sandbox.fail_next_api_calls("zoom", status=503, endpoint="meetings.patch")

    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": at(day, 14).isoformat()})
    assert moved.status == 200, moved.body
    with pytest.raises(ProviderUnavailableError):   # Lambda retries the job
        run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert event.start == at(day, 14) and event.body["location"] == meeting["join_url"]
    assert sandbox.meetings()[0]["start_time"] == meeting["start_time"]   # not moved yet
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])   # the retry

    (again,) = sandbox.meetings()
    assert (again["id"], again["start_time"]) == (
        meeting["id"], at(day, 14).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert sandbox.api_calls("google", "events.patch") == 1   # Bo's invite moved once
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}")
    assert shown.json["video_url"] == meeting["join_url"]


def host_calendar(owner: str, provider: str = "google") -> CalendarProvider:
    """The host's calendar as Penny's adapter reaches it."""
    core = bootstrap.core()
    adapters = bootstrap.HostAdapters(core, bootstrap.Once(
        lambda: bootstrap.build_connections(core, bootstrap.NoLogins())))
    return adapters.calendar(owner, provider, 8)


def insert_lost(owner: str, uid: str, start: datetime, online_meeting: bool = False,
                key: str | None = None) -> None:
    """The calendar job's insert reached Google and its answer was lost (a timeout): the
    event is there, keyed by the booking (or `key`), and Penny holds no record of it."""
    host_calendar(owner).create_event("ada@sandbox.test", CalendarEvent(
        key=key or uid, title="Intro with Bo Booker", when=TimeRange(start, start + timedelta(
            minutes=30)), attendee_name="Bo Booker", attendee_email="bo@example.com",
        online_meeting=online_meeting))


def test_an_event_made_before_its_booking_moved_is_moved_by_the_retry(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    insert_lost(owner, booked["uid"], at(day, 13), online_meeting=True)
    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": at(day, 15).isoformat()})
    assert moved.status == 200, moved.body

    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])   # the retry
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert (event.start, event.end) == (at(day, 15), at(day, 15, 30))


def test_a_cancel_removes_an_event_whose_insert_answer_was_lost(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    # The booking is cancelled before any retry of the confirmation records its event (or
    # they ran out).
    insert_lost(owner, booked["uid"], at(day, 13))
    r = api.post(f"/bookings/{booked['uid']}/cancel",
                 {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body

    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"])
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"], n=2)  # a redelivery

    assert [e for e in sandbox.events("google") if e.created_by_app] == []


def test_a_cancel_removes_an_event_a_reschedule_made_again_without_recording_it(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])
    (first,) = [e for e in sandbox.events("google") if e.created_by_app]
    host_calendar(owner).delete_event("ada@sandbox.test", first.id)   # as the host does
    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": at(day, 15).isoformat()})
    assert moved.status == 200, moved.body
    # The reschedule's run made the event again and died before recording it, and the
    # booking is cancelled before any retry: the record still names the deleted event.
    insert_lost(owner, booked["uid"], at(day, 15), key=replacement_key(booked["uid"], first.id))
    r = api.post(f"/bookings/{booked['uid']}/cancel",
                 {"token": booked["links"]["cancel_token"]})
    assert r.status == 200, r.body

    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"])
    run_calendar_job(EventKind.BOOKING_CANCELLED, owner, booked["uid"], n=2)  # a redelivery

    assert [e for e in sandbox.events("google") if e.created_by_app] == []


def test_a_booking_made_while_google_was_broken_reaches_it_once_reconnected(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    meet_on(api, host, "google_meet")
    connect(api, host, "google")
    owner, day = host_id(api, host), next_weekday(clock)
    sandbox.revoke("google")
    sandbox.expire_access_tokens("google")
    expire_in_penny(api, host, clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat()))
    assert booked.status == 201, booked.body    # from the last copy, as documented
    uid = booked.json["uid"]
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, uid)
    assert status_of(api, host, "google")["status"] == "broken"
    before = BookingRepository().get(uid)

    connect(api, host, "google")                # the host reconnects

    after = BookingRepository().get(uid)
    assert before is not None and after is not None and after.calendar_requested_at
    # The mark, as the table's stream reads it, is a work order for the calendar worker.
    (requested,) = events_of({"eventID": "change-1", "dynamodb": {
        "ApproximateCreationDateTime": clock.now().timestamp(),
        "OldImage": _booking_item(before).serialize(),
        "NewImage": _booking_item(after).serialize()}})
    assert requested.type is EventKind.CALENDAR_REQUESTED
    run_calendar_job(requested.type, owner, uid)
    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert event.start == at(day, 13)
    shown = api.get(f"/bookings/{uid}?token={booked.json['links']['cancel_token']}").json
    assert shown["video_url"] and shown["video_url"] == event.link


def test_reconnecting_as_another_google_account_counts_that_accounts_calendar(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    bob = "20000000000000000002"
    sandbox.add_account("google", Account(bob, "bob@sandbox.test", "Bob"))
    url, cookie = start(api, host, "google")   # Reconnect, choosing Bob on Google's page
    back = come_back(api, consent(url, "allow", bob), cookie)
    assert redirected_to(back)[1] == {"connected": ["google"]}

    listed = api.get("/me/calendars", token=host).json["calendars"]

    counted = [(c["key"], c["destination"]) for c in listed if c["conflicts"]]
    assert counted == [("google:bob@sandbox.test", True)]
    seen = len(sandbox.notifications("google"))
    day = next_weekday(clock)
    sandbox.add_event("google", "Busy", at(day, 10), at(day, 11), account=bob)
    deliver(api, sandbox, "google", seen)
    assert at(day, 10) not in starts(api, day)


def test_choosing_calendars_checks_them_against_the_hosts_own(
        api: Api, sandbox: ProviderSandbox, host: str) -> None:
    connect(api, host, "google")
    second = next(c for c in api.get("/me/calendars", token=host).json["calendars"]
                  if not c["primary"])

    chosen = api.put("/me/calendars", {"conflicts": [second["key"]],
                                       "destination": second["key"]}, token=host)
    unknown = api.put("/me/calendars", {"conflicts": ["google:someone-else@example.com"],
                                        "destination": None}, token=host)

    assert chosen.status == 200, chosen.body
    flags = {c["key"]: (c["conflicts"], c["destination"]) for c in chosen.json["calendars"]}
    assert flags[second["key"]] == (True, True)
    assert flags["google:ada@sandbox.test"] == (False, False)
    assert (unknown.status, unknown.code, unknown.json["error"]["field"]) == (
        400, "validation_error", "conflicts")


def test_disconnecting_google_stops_its_calendars_counting(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    connect(api, host, "google")
    day = next_weekday(clock)
    before = len(sandbox.notifications("google"))
    sandbox.add_event("google", "Dentist", at(day, 10), at(day, 11))
    deliver(api, sandbox, "google", before)
    assert at(day, 10) not in starts(api, day)
    assert len(sandbox.watches("google")) == 1

    assert api.delete("/me/connections/google", token=host).status == 204

    assert at(day, 10) in starts(api, day)
    assert api.get("/me/calendars", token=host).json["calendars"] == []
    assert sandbox.watches("google") == []   # its channel stopped at Google, too



def test_an_all_day_outlook_event_keeps_the_whole_day_off_in_the_hosts_own_zone(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN a host in Honolulu (UTC-10), 9:00-17:00 there, with Outlook connected
    honolulu = ZoneInfo("Pacific/Honolulu")
    assert api.put("/me/profile", f.profile(timezone=honolulu.key), token=host).status == 200
    connect(api, host, "microsoft")
    day = next_weekday(clock)
    while day.weekday() == 0:  # a day whose day before is a working day too
        day = next_weekday(clock, (day - clock.current.date()).days + 1)
    # WHEN the host marks the day off, all day: Graph gives it as midnight to midnight UTC
    outlook_day_off(sandbox, day)
    clock.current += timedelta(minutes=6)  # no push here: the copy's short expiry

    # THEN nothing of that day in Honolulu is offered, its afternoon included (14:00-17:00
    # there is the next UTC day), and the day before keeps its afternoon
    offered: dict[date, set[int]] = {}
    for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
        for s in starts(api, d):
            local = s.astimezone(honolulu)
            offered.setdefault(local.date(), set()).add(local.hour)
    assert day not in offered, offered
    assert {9, 16} <= offered[day - timedelta(days=1)]


def test_an_all_day_outlook_event_moves_to_the_hosts_new_zone_when_they_change_it(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN a host in Honolulu, 9:00-17:00 there, with Outlook connected and a day off
    # (Graph: midnight to midnight UTC), read by a slots page: placed in Honolulu
    assert api.put("/me/profile", f.profile(timezone="Pacific/Honolulu"),
                   token=host).status == 200
    connect(api, host, "microsoft")
    day = next_weekday(clock)
    while day.weekday() == 4:  # a day whose next day is a working day too
        day = next_weekday(clock, (day - clock.current.date()).days + 1)
    outlook_day_off(sandbox, day)
    clock.current += timedelta(minutes=6)  # no push here: the copy's short expiry
    assert local_starts(api, day, "Pacific/Honolulu") == []

    # WHEN the host moves to London (9:00-17:00 there now), within the copy's expiry
    assert api.put("/me/profile", f.profile(timezone="Europe/London"),
                   token=host).status == 200

    # THEN the date is a day off in London, and the next morning there is not (placed in
    # Honolulu, the day off ran to 10:00 UTC the next day): the copy was read again
    assert local_starts(api, day, "Europe/London") == []
    next_morning = local_starts(api, day + timedelta(days=1), "Europe/London")
    assert any(datetime.fromisoformat(s).astimezone(ZoneInfo("Europe/London")).hour == 9
               for s in next_morning), next_morning


def test_a_recurring_outlook_event_blocks_each_occurrence_and_teams_links_the_booking(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    meet_on(api, host, "teams")
    connect(api, host, "microsoft")
    day = next_weekday(clock)
    # Made after the first sync, with no push reaching Penny here: the copy expires
    # (no live subscription: five minutes) and the next page reads Graph again.
    sandbox.add_event("microsoft", "Stand-up", at(day, 9), at(day, 9, 30), weekly=3)
    clock.current += timedelta(minutes=6)

    assert at(day, 9) not in starts(api, day)
    assert at(day + timedelta(days=7), 9) not in starts(api, day + timedelta(days=7))
    assert at(day + timedelta(days=21), 9) in starts(api, day + timedelta(days=21))

    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat()))
    assert booked.status == 201, booked.body
    run_calendar_job(EventKind.BOOKING_CONFIRMED, host_id(api, host), booked.json["uid"])
    (event,) = [e for e in sandbox.events("microsoft") if e.created_by_app]
    seen = api.get(f"/bookings/{booked.json['uid']}?token="
                   f"{booked.json['links']['cancel_token']}").json
    assert event.link is not None and seen["video_url"] == event.link


def test_a_teams_link_graph_sets_up_after_its_create_answers_reaches_the_booking(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN Graph sets the Teams meeting up after it answers the create (onlineMeeting null)
    meet_on(api, host, "teams")
    connect(api, host, "microsoft")
    sandbox.teams_pending(reads=1)
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json

    # WHEN the calendar worker writes the booking's event
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])

    # THEN the client gets the event's Teams link, not "the host will send you the link"
    (event,) = [e for e in sandbox.events("microsoft") if e.created_by_app]
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert event.link is not None
    assert (shown["video_url"], shown["video_note"]) == (event.link, None)


def test_a_teams_link_graph_never_sets_up_leaves_the_note_that_the_host_sends_it(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # An account without Teams: the event is made, its link never comes.
    meet_on(api, host, "teams")
    connect(api, host, "microsoft")
    sandbox.teams_pending(reads=10)
    day, owner = next_weekday(clock), host_id(api, host)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json

    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])

    (event,) = [e for e in sandbox.events("microsoft") if e.created_by_app]
    shown = api.get(f"/bookings/{booked['uid']}?token={booked['links']['cancel_token']}").json
    assert event.start == at(day, 11)
    assert (shown["video_url"], shown["video_note"]) == (
        None, "The host will send you the Microsoft Teams link before the meeting.")
    assert sandbox.api_call_counts("microsoft")["events.get"] == 3


def test_a_zoom_event_type_gets_its_meeting_and_without_zoom_a_plain_note(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    meet_on(api, host, "zoom")
    connect(api, host, "google")
    day = next_weekday(clock)
    owner = host_id(api, host)

    first = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 11).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, first["uid"])
    connect(api, host, "zoom")
    second = api.post("/hosts/alice/intro/bookings", f.booking(
        at(day, 13).isoformat(), attendee={"name": "Cy", "email": "cy@example.com",
                                           "timezone": "UTC"})).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, second["uid"])

    def seen(b: dict[str, str]) -> dict[str, str]:
        return dict(api.get(f"/bookings/{b['uid']}?token={b['links']['cancel_token']}").json)

    assert seen(first)["video_url"] is None
    assert seen(first)["video_note"] == (
        "The host will send you the Zoom link before the meeting.")
    (meeting,) = sandbox.meetings()
    assert seen(second)["video_url"] == meeting["join_url"]
    in_calendar = {e.title: e for e in sandbox.events("google") if e.created_by_app}
    assert len(in_calendar) == 2


def google_down_after_a_change(api: Api, sandbox: ProviderSandbox, host: str,
                                clock: FixedClock) -> date:
    """A Dentist at 10:00 synced into Penny's copy, then Google failing while a Gym at
    14:00 is notified; the day of both."""
    connect(api, host, "google")
    day = next_weekday(clock)
    before = len(sandbox.notifications("google"))
    sandbox.add_event("google", "Dentist", at(day, 10), at(day, 11))
    deliver(api, sandbox, "google", before)
    # Google fails: a change notified now cannot be synced, nor re-read by the page.
    sandbox.fail_next_api_calls("google", status=503, times=10)
    clock.current += timedelta(seconds=1)
    before = len(sandbox.notifications("google"))
    sandbox.add_event("google", "Gym", at(day, 14), at(day, 15))
    deliver(api, sandbox, "google", before)
    return day


def test_a_slots_page_serves_the_copy_marked_stale_when_google_cannot_be_reread(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    day = google_down_after_a_change(api, sandbox, host, clock)

    r = api.get(f"/hosts/alice/intro/slots?start={day}&end={day}&timeZone=UTC")

    assert r.status == 200 and r.json["stale"] is True
    offered = {datetime.fromisoformat(s["start"]) for s in r.json["slots"][str(day)]}
    assert at(day, 10) not in offered  # the copy as it was
    assert at(day, 14) in offered      # not known yet: the booking re-checks it
    assert api.post("/hosts/alice/intro/bookings",
                    f.booking(at(day, 14).isoformat())).code == "calendar_unavailable"


def test_the_booking_page_comes_with_the_copy_marked_stale_when_google_cannot_be_reread(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    day = google_down_after_a_change(api, sandbox, host, clock)   # in the page's month

    r = api.get("/alice/intro")

    # The page is served, with its slots from the copy as it was, said stale
    assert r.status == 200
    slots = page_data(r)["slots"]
    assert slots["stale"] is True
    offered = {datetime.fromisoformat(s) for s in sent_starts(slots)}
    assert at(day, 10) not in offered and at(day, 14) in offered


def test_graphs_validation_handshake_is_echoed_as_plain_text(api: Api, host: str) -> None:
    r = api.post("/webhooks/calendar/microsoft?validationToken=Validation%3A%20Testing",
                 raw=b"", headers={"Content-Type": "text/plain"})

    assert (r.status, r.body) == (200, b"Validation: Testing")
    assert r.headers["Content-Type"].startswith("text/plain")


def test_a_graph_notification_for_an_unknown_subscription_is_accepted_and_changes_nothing(
        api: Api, sandbox: ProviderSandbox, host: str) -> None:
    # An orphan Graph made after Penny stopped waiting for its POST: answered 202, so
    # Graph does not retry it for 4 hours (a kept one with a wrong clientState is 403:
    # test_outlook_watch_asks.py).
    orphan = {"value": [{"subscriptionId": "nope", "clientState": "guess",
                         "changeType": "created", "resource": "me/events/1"}]}
    sandbox.reset_api_calls("microsoft")

    r = api.post("/webhooks/calendar/microsoft", orphan)
    garbled = api.post("/webhooks/calendar/microsoft", raw=b"{not json")

    assert r.status == 202
    assert sandbox.api_calls("microsoft") == 0   # nothing was synced
    assert (garbled.status, garbled.code) == (400, "bad_request")


def test_a_graph_notification_nested_past_the_parsers_depth_is_a_400_not_a_500(
        api: Api) -> None:
    # GIVEN a body that is JSON in form but nested deeper than the parser goes (anyone can
    # post to this address: it is Graph's, unauthenticated until its clientState is read)
    deep = b'{"value": ' + b"[" * 5000 + b"]" * 5000 + b"}"

    # WHEN it is posted as a notification
    r = api.post("/webhooks/calendar/microsoft", raw=deep)

    # THEN it is refused as not a notification, in the API's error shape, not a crash
    assert (r.status, r.code) == (400, "bad_request")


# DynamoDB refuses a key over 2 KB (a ValidationException: a 500), where moto looks it up;
# so a channel id no provider makes is answered before anything is read.
OVERLONG_ID = "c" * 2100


def test_a_google_message_naming_an_overlong_channel_id_is_refused_without_a_read(
        api: Api) -> None:
    # GIVEN a Google channel message whose channel id is longer than any key (Penny's
    # channel ids are 32 characters)
    headers = {"X-Goog-Channel-ID": OVERLONG_ID, "X-Goog-Channel-Token": "guess",
               "X-Goog-Resource-State": "exists"}

    # WHEN it is posted
    with recorded() as requests:
        r = api.post("/webhooks/calendar/google", raw=b"", headers=headers)

    # THEN it names no channel Penny keeps, and the table was not asked
    assert (r.status, r.code) == (403, "unknown_channel")
    assert requests.take() == {}


def test_a_graph_notification_naming_an_overlong_subscription_id_is_a_400_without_a_read(
        api: Api) -> None:
    # GIVEN a notification naming a subscription id longer than any key (Graph's are GUIDs)
    forged = {"value": [{"subscriptionId": OVERLONG_ID, "clientState": "guess",
                         "changeType": "created", "resource": "me/events/1"}]}

    # WHEN it is posted
    with recorded() as requests:
        r = api.post("/webhooks/calendar/microsoft", forged)

    # THEN it is not a Graph notification, and the table was not asked
    assert (r.status, r.code) == (400, "bad_request")
    assert requests.take() == {}


def test_a_booking_moves_over_its_own_event_in_the_calendar_and_the_event_follows(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]
    api.put(f"/me/event-types/{intro['id']}", f.event_type(slot_interval_minutes=15),
            token=host)
    connect(api, host, "google")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    owner = host_id(api, host)
    run_calendar_job(EventKind.BOOKING_CONFIRMED, owner, booked["uid"])

    moved = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": booked["links"]["reschedule_token"], "start": at(day, 13, 15).isoformat()})
    assert moved.status == 200, moved.body
    run_calendar_job(EventKind.BOOKING_RESCHEDULED, owner, booked["uid"])

    (event,) = [e for e in sandbox.events("google") if e.created_by_app]
    assert (event.start, event.end) == (at(day, 13, 15), at(day, 13, 45))


def test_a_move_onto_the_hosts_appointment_inside_its_own_event_is_refused(
        api: Api, sandbox: ProviderSandbox, host: str, clock: FixedClock) -> None:
    # GIVEN a 13:00-13:30 booking whose event is in the counted Google calendar, and the
    # host's 13:00-13:15 appointment put inside it (Google tells Penny of it)
    (intro,) = api.get("/me/event-types", token=host).json["event_types"]
    api.put(f"/me/event-types/{intro['id']}", f.event_type(slot_interval_minutes=15),
            token=host)
    connect(api, host, "google")
    day = next_weekday(clock)
    booked = api.post("/hosts/alice/intro/bookings", f.booking(at(day, 13).isoformat())).json
    run_calendar_job(EventKind.BOOKING_CONFIRMED, host_id(api, host), booked["uid"])
    seen = len(sandbox.notifications("google"))
    sandbox.add_event("google", "Doctor", at(day, 13), at(day, 13, 15))
    deliver(api, sandbox, "google", seen)
    token = booked["links"]["reschedule_token"]

    # WHEN the client moves onto it, THEN it is refused, and the page does not offer it
    r = api.post(f"/bookings/{booked['uid']}/reschedule", {
        "token": token, "start": at(day, 12, 45).isoformat()})
    assert (r.status, r.json["error"].get("reason")) == (422, "calendar_busy"), r.body
    offered = api.get(f"/bookings/{booked['uid']}/slots?token={token}"
                      f"&start={day}&end={day}&timeZone=UTC")
    assert offered.status == 200, offered.body
    times = {datetime.fromisoformat(s["start"]) for s in offered.json["slots"].get(str(day), [])}
    assert at(day, 12, 45) not in times and at(day, 13, 15) in times
