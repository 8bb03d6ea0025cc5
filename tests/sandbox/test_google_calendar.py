"""Google Calendar v3 in the sandbox, driven by google-api-python-client (static discovery,
the pinned calendar.v3.json) over google-auth-httplib2's AuthorizedHttp."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httplib2
import pytest
import requests
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from pytest_httpserver import HTTPServer

from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import GOOGLE, GOOGLE_CALENDAR_EVENTS, GOOGLE_FREEBUSY
from sandbox import ProviderSandbox
from sandbox.testing import access_token, token_answer
from tests.sandbox.receiver import Receiver

PENNY = GOOGLE[Feature.CALENDAR]
READONLY = "https://www.googleapis.com/auth/calendar.readonly"
MAY_4 = "2026-05-04T00:00:00Z"
MAY_5 = "2026-05-05T00:00:00Z"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _calendar(sandbox: ProviderSandbox, scopes: tuple[str, ...] = PENNY,
              credentials: Credentials | None = None, timeout: float = 10) -> Any:
    """The real client pointed at the sandbox: the endpoint replaces the whole base path."""
    credentials = credentials or Credentials(token=access_token(sandbox, "google", scopes))
    http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    return build("calendar", "v3", http=http, static_discovery=True,
                 client_options={"api_endpoint": f"{sandbox.base_url('google')}/calendar/v3/"})


def _busy(service: Any, *ids: str) -> dict[str, Any]:
    return service.freebusy().query(body={  # type: ignore[no-any-return]
        "timeMin": MAY_4, "timeMax": MAY_5, "items": [{"id": i} for i in ids]}).execute()


def test_calendar_list_holds_the_primary_and_a_second_calendar(
        provider_sandbox: ProviderSandbox) -> None:
    items = _calendar(provider_sandbox, (READONLY,)).calendarList().list().execute()["items"]

    assert [item["id"] for item in items] == [c.id for c in provider_sandbox.calendars("google")]
    assert items[0]["primary"] is True and items[0]["id"] == "ada@sandbox.test"
    assert "primary" not in items[1]


def test_pennys_calendar_scopes_cover_calendar_list(provider_sandbox: ProviderSandbox) -> None:
    items = _calendar(provider_sandbox).calendarList().list().execute()["items"]

    assert [item["id"] for item in items] == [c.id for c in provider_sandbox.calendars("google")]


def test_freebusy_and_event_scopes_alone_do_not_cover_calendar_list(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(HttpError) as refused:
        _calendar(provider_sandbox, (GOOGLE_FREEBUSY, GOOGLE_CALENDAR_EVENTS)) \
            .calendarList().list().execute()

    assert refused.value.resp.status == 403
    # The client reads `details` (google.rpc.ErrorInfo) before the classic `errors`.
    assert refused.value.error_details[0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_freebusy_merges_busy_ranges_and_skips_free_declined_and_all_day_free(
        provider_sandbox: ProviderSandbox) -> None:
    add = provider_sandbox.add_event
    add("google", "Standup", _at("2026-05-04T09:00:00Z"), _at("2026-05-04T10:00:00Z"))
    add("google", "Overlap", _at("2026-05-04T09:30:00Z"), _at("2026-05-04T11:00:00Z"))
    add("google", "Focus", _at("2026-05-04T12:00:00Z"), _at("2026-05-04T13:00:00Z"),
        show_as="free")
    add("google", "Declined", _at("2026-05-04T14:00:00Z"), _at("2026-05-04T15:00:00Z"),
        declined=True)
    add("google", "Holiday", _at(MAY_4), _at(MAY_5), all_day=True, show_as="free")

    answer = _busy(_calendar(provider_sandbox), "primary")

    assert answer["calendars"]["primary"] == {"busy": [
        {"start": "2026-05-04T09:00:00Z", "end": "2026-05-04T11:00:00Z"}]}


def test_an_invitation_the_owner_declined_lists_them_as_self_declined_as_freebusy_reads_it(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN an invitation the calendar's owner declined (as seeded, and as sent with them)
    seeded = provider_sandbox.add_event("google", "Declined", _at("2026-05-04T14:00:00Z"),
                                        _at("2026-05-04T15:00:00Z"), declined=True)
    sent = provider_sandbox.add_event(
        "google", "Declined too", _at("2026-05-04T16:00:00Z"), _at("2026-05-04T17:00:00Z"),
        declined=True, body={"attendees": [
            {"email": "ada@sandbox.test", "responseStatus": "declined"},
            {"email": "bob@example.com", "responseStatus": "accepted"}]})
    service = _calendar(provider_sandbox)

    items = {i["id"]: i for i in service.events().list(
        calendarId="primary", singleEvents=True, timeMin=MAY_4, timeMax=MAY_5).execute()["items"]}

    # THEN Google marks the owner's own entry `self` (it is how a client knows whose answer
    # it is), as free/busy leaves the time free
    assert _busy(service, "primary")["calendars"]["primary"] == {"busy": []}
    for event in (seeded, sent):
        mine = [a for a in items[event.id]["attendees"] if a.get("self") is True]
        assert [(a["email"], a["responseStatus"]) for a in mine] == [
            ("ada@sandbox.test", "declined")]
    assert not any(a.get("self") for a in items[sent.id]["attendees"]
                   if a["email"] == "bob@example.com")


def test_a_failing_calendar_comes_back_as_errors_inside_a_200(
        provider_sandbox: ProviderSandbox) -> None:
    primary, second = provider_sandbox.calendars("google")
    provider_sandbox.fail_calendar("google", second.id)

    answer = _busy(_calendar(provider_sandbox), primary.id, second.id, "nobody@sandbox.test")

    assert answer["calendars"][primary.id] == {"busy": []}
    assert answer["calendars"][second.id]["errors"][0]["reason"] == "backendError"
    assert answer["calendars"]["nobody@sandbox.test"]["errors"][0]["reason"] == "notFound"


def test_freebusy_takes_at_most_50_calendars(provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(HttpError) as refused:
        _busy(_calendar(provider_sandbox), *(f"c{i}@sandbox.test" for i in range(51)))

    assert refused.value.resp.status == 400


def test_single_events_expand_a_weekly_series_and_freebusy_blocks_each_occurrence(
        provider_sandbox: ProviderSandbox) -> None:
    series = provider_sandbox.add_event("google", "Weekly 1:1", _at("2026-04-27T15:00:00Z"),
                                        _at("2026-04-27T15:30:00Z"), weekly=4)
    service = _calendar(provider_sandbox)

    masters = service.events().list(calendarId="primary").execute()["items"]
    instances = service.events().list(calendarId="primary", singleEvents=True,
                                      orderBy="startTime", timeMin=MAY_4,
                                      timeMax="2026-06-01T00:00:00Z").execute()["items"]

    assert [m["id"] for m in masters] == [series.id] and masters[0]["recurrence"]
    assert [i["start"]["dateTime"] for i in instances] == [
        "2026-05-04T15:00:00Z", "2026-05-11T15:00:00Z", "2026-05-18T15:00:00Z"]
    assert {i["recurringEventId"] for i in instances} == {series.id}
    assert _busy(service, "primary")["calendars"]["primary"]["busy"] == [
        {"start": "2026-05-04T15:00:00Z", "end": "2026-05-04T15:30:00Z"}]


def test_inserting_an_event_id_twice_answers_409(provider_sandbox: ProviderSandbox) -> None:
    events = _calendar(provider_sandbox).events()
    body = {"id": "b00k1ngu1d0001", "summary": "Intro call",
            "start": {"dateTime": "2026-05-04T09:00:00Z"},
            "end": {"dateTime": "2026-05-04T09:30:00Z"}}
    events.insert(calendarId="primary", body=body).execute()

    with pytest.raises(HttpError) as duplicate:
        events.insert(calendarId="primary", body=body).execute()

    assert duplicate.value.resp.status == 409
    assert duplicate.value.error_details[0]["reason"] == "duplicate"
    assert len(provider_sandbox.events("google")) == 1


def test_an_id_outside_base32hex_is_refused(provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(HttpError) as refused:
        _calendar(provider_sandbox).events().insert(calendarId="primary", body={
            "id": "Not_Base32!", "start": {"dateTime": "2026-05-04T09:00:00Z"},
            "end": {"dateTime": "2026-05-04T09:30:00Z"}}).execute()

    assert refused.value.resp.status == 400


def test_a_meet_link_comes_only_with_conference_data_version_1(
        provider_sandbox: ProviderSandbox) -> None:
    events = _calendar(provider_sandbox).events()
    body = {"summary": "Intro call", "start": {"dateTime": "2026-05-04T09:00:00Z"},
            "end": {"dateTime": "2026-05-04T09:30:00Z"},
            "conferenceData": {"createRequest": {
                "requestId": "booking-uid-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}}}

    dropped = events.insert(calendarId="primary", body=body).execute()
    meet = events.insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()

    assert "hangoutLink" not in dropped and "conferenceData" not in dropped
    assert meet["hangoutLink"].startswith("https://meet.google.com/")
    assert meet["conferenceData"]["entryPoints"][0]["uri"] == meet["hangoutLink"]
    assert meet["conferenceData"]["createRequest"]["status"]["statusCode"] == "success"
    stored = [e for e in provider_sandbox.events("google") if e.link]
    assert [e.link for e in stored] == [meet["hangoutLink"]] and stored[0].created_by_app


def test_a_meet_conference_made_asynchronously_answers_pending_until_a_later_read(
        provider_sandbox: ProviderSandbox) -> None:
    events = _calendar(provider_sandbox).events()
    provider_sandbox.meet_pending(reads=1)
    body = {"id": "abcde12345", "summary": "Intro call",
            "start": {"dateTime": "2026-05-04T09:00:00Z"},
            "end": {"dateTime": "2026-05-04T09:30:00Z"},
            "conferenceData": {"createRequest": {
                "requestId": "booking-uid-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}}}

    made = events.insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()
    first = events.get(calendarId="primary", eventId="abcde12345").execute()
    second = events.get(calendarId="primary", eventId="abcde12345").execute()

    for pending in (made, first):
        assert "hangoutLink" not in pending
        assert pending["conferenceData"] == {"createRequest": {
            "requestId": "booking-uid-1", "conferenceSolutionKey": {"type": "hangoutsMeet"},
            "status": {"statusCode": "pending"}}}
    assert second["conferenceData"]["createRequest"]["status"]["statusCode"] == "success"
    assert second["hangoutLink"] == provider_sandbox.events("google")[0].link


def test_patch_moves_an_event_and_delete_removes_it(provider_sandbox: ProviderSandbox) -> None:
    events = _calendar(provider_sandbox).events()
    made = events.insert(calendarId="primary", body={
        "summary": "Intro", "start": {"dateTime": "2026-05-04T09:00:00Z"},
        "end": {"dateTime": "2026-05-04T09:30:00Z"}}).execute()

    moved = events.patch(calendarId="primary", eventId=made["id"], body={
        "start": {"dateTime": "2026-05-04T10:00:00Z"},
        "end": {"dateTime": "2026-05-04T10:30:00Z"}}).execute()
    events.delete(calendarId="primary", eventId=made["id"]).execute()

    assert moved["start"]["dateTime"] == "2026-05-04T10:00:00Z" and moved["summary"] == "Intro"
    assert provider_sandbox.events("google") == []
    with pytest.raises(HttpError) as gone:
        events.get(calendarId="primary", eventId=made["id"]).execute()
    assert gone.value.resp.status == 404


def test_sync_token_lists_only_changes_and_an_expired_one_answers_410(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("google", "Old", _at("2026-05-04T09:00:00Z"),
                               _at("2026-05-04T10:00:00Z"))
    events = _calendar(provider_sandbox).events()
    first = events.list(calendarId="primary").execute()
    new = provider_sandbox.add_event("google", "New", _at("2026-05-05T09:00:00Z"),
                                     _at("2026-05-05T10:00:00Z"))

    changes = events.list(calendarId="primary", syncToken=first["nextSyncToken"]).execute()
    provider_sandbox.expire_sync_tokens("google")

    assert [e["summary"] for e in first["items"]] == ["Old"]
    assert [e["id"] for e in changes["items"]] == [new.id] and changes["nextSyncToken"]
    with pytest.raises(HttpError) as expired:
        events.list(calendarId="primary", syncToken=changes["nextSyncToken"]).execute()
    assert expired.value.resp.status == 410
    assert expired.value.error_details[0]["reason"] == "fullSyncRequired"


def test_list_pages_with_next_page_token(provider_sandbox: ProviderSandbox) -> None:
    for day in range(4, 9):
        provider_sandbox.add_event("google", f"Day {day}", _at(f"2026-05-0{day}T09:00:00Z"),
                                   _at(f"2026-05-0{day}T10:00:00Z"))
    events = _calendar(provider_sandbox).events()

    first = events.list(calendarId="primary", maxResults=3).execute()
    rest = events.list(calendarId="primary", maxResults=3,
                       pageToken=first["nextPageToken"]).execute()

    assert len(first["items"]) == 3 and "nextSyncToken" not in first
    assert len(rest["items"]) == 2 and "nextPageToken" not in rest and rest["nextSyncToken"]


def test_watch_posts_sync_then_exists_with_the_channel_headers(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hooks/google", method="POST").respond_with_handler(
        receiver.handler)
    channel = _calendar(provider_sandbox).events().watch(calendarId="primary", body={
        "id": "channel-1", "type": "web_hook", "address": httpserver.url_for("/hooks/google"),
        "token": "penny-secret", "params": {"ttl": "3600"}}).execute()

    provider_sandbox.add_event("google", "Busy", _at("2026-05-04T09:00:00Z"),
                               _at("2026-05-04T10:00:00Z"))
    sync, change = receiver.wait_for(2)

    assert channel["id"] == "channel-1" and channel["resourceId"]
    assert int(channel["expiration"]) > time.time() * 1000
    assert sync.headers["X-Goog-Resource-State"] == "sync"
    assert change.headers["X-Goog-Resource-State"] == "exists"
    assert change.headers["X-Goog-Channel-Id"] == "channel-1"
    assert change.headers["X-Goog-Channel-Token"] == "penny-secret"
    assert change.headers["X-Goog-Resource-Id"] == channel["resourceId"]
    assert [sync.headers["X-Goog-Message-Number"], change.headers["X-Goog-Message-Number"]] \
        == ["1", "2"]
    assert change.body == b""


def test_a_stopped_channel_is_gone(provider_sandbox: ProviderSandbox,
                                   httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/google").respond_with_data("", status=200)
    service = _calendar(provider_sandbox)
    channel = service.events().watch(calendarId="primary", body={
        "id": "channel-2", "type": "web_hook",
        "address": httpserver.url_for("/hooks/google")}).execute()

    service.channels().stop(body={"id": channel["id"],
                                  "resourceId": channel["resourceId"]}).execute()

    assert provider_sandbox.watches("google") == []
    with pytest.raises(HttpError) as unknown:
        service.channels().stop(body={"id": channel["id"],
                                      "resourceId": channel["resourceId"]}).execute()
    assert unknown.value.resp.status == 404


def test_a_queued_429_carries_retry_after_then_the_call_succeeds(
        provider_sandbox: ProviderSandbox) -> None:
    service = _calendar(provider_sandbox)
    provider_sandbox.fail_next_api_calls("google", status=429, retry_after=7)

    with pytest.raises(HttpError) as limited:
        _busy(service, "primary")
    answer = _busy(service, "primary")

    assert limited.value.resp.status == 429 and limited.value.resp["retry-after"] == "7"
    assert limited.value.error_details[0]["reason"] == "rateLimitExceeded"
    assert answer["calendars"]["primary"] == {"busy": []}


def test_a_queued_503_answers_backend_error(provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.fail_next_api_calls("google", status=503, retry_after=None)

    with pytest.raises(HttpError) as failed:
        _calendar(provider_sandbox).events().list(calendarId="primary").execute()

    assert failed.value.resp.status == 503


def test_an_expired_token_answers_401_in_googles_shape(
        provider_sandbox: ProviderSandbox) -> None:
    token = access_token(provider_sandbox, "google", PENNY)
    provider_sandbox.expire_access_tokens("google")

    refused = requests.post(f"{provider_sandbox.base_url('google')}/calendar/v3/freeBusy",
                            timeout=10, headers={"Authorization": f"Bearer {token}"},
                            json={"timeMin": MAY_4, "timeMax": MAY_5, "items": []})

    assert refused.status_code == 401
    assert refused.json()["error"]["errors"][0]["reason"] == "authError"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_authorized_http_refreshes_an_expired_token_and_retries(
        provider_sandbox: ProviderSandbox) -> None:
    tokens = token_answer(provider_sandbox, "google", PENNY)
    client = provider_sandbox.client("google")
    credentials = Credentials(token=tokens["access_token"], refresh_token=tokens["refresh_token"],
                              token_uri=f"{provider_sandbox.base_url('google')}/token",
                              client_id=client.client_id, client_secret=client.client_secret)
    provider_sandbox.expire_access_tokens("google")

    answer = _busy(_calendar(provider_sandbox, credentials=credentials), "primary")

    assert answer["calendars"]["primary"] == {"busy": []}
    assert provider_sandbox.api_call_counts("google") == {
        "freebusy.query (refused)": 1, "freebusy.query": 1}


def test_a_set_delay_makes_a_client_with_a_shorter_timeout_give_up(
        provider_sandbox: ProviderSandbox) -> None:
    # The outcome a slow vendor causes, not a measured duration: a delay well past the
    # client's timeout makes the call time out (a busy machine only makes it slower).
    service = _calendar(provider_sandbox, timeout=0.5)
    provider_sandbox.set_api_delay("google", 3)

    with pytest.raises(TimeoutError):
        _busy(service, "primary")

    assert provider_sandbox.api_call_counts("google") == {"freebusy.query": 1}


def test_calls_are_counted_per_endpoint(provider_sandbox: ProviderSandbox) -> None:
    service = _calendar(provider_sandbox)
    _busy(service, "primary")
    _busy(service, "primary")
    service.events().list(calendarId="primary").execute()

    assert provider_sandbox.api_call_counts("google") == {"freebusy.query": 2, "events.list": 1}
    assert provider_sandbox.api_calls("google") == 3


def test_the_sandbox_page_adds_a_busy_event_and_notifies(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hooks/google").respond_with_handler(receiver.handler)
    _calendar(provider_sandbox).events().watch(calendarId="primary", body={
        "id": "channel-3", "type": "web_hook",
        "address": httpserver.url_for("/hooks/google")}).execute()
    page = f"{provider_sandbox.base_url('google')}/_sandbox"

    after = requests.post(page, timeout=10, data={
        "action": "add-event", "account": "108234567890123456789", "date": "2026-05-04",
        "start": "09:00", "end": "10:00", "title": "Dentist"})

    assert after.status_code == 200 and "Dentist" in after.text
    assert [e.title for e in provider_sandbox.events("google")] == ["Dentist"]
    assert receiver.wait_for(2)[1].headers["X-Goog-Resource-State"] == "exists"


def test_the_sandbox_page_deletes_an_event_as_the_hosts_app_does_and_notifies(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hooks/google").respond_with_handler(receiver.handler)
    service = _calendar(provider_sandbox)
    service.events().watch(calendarId="primary", body={
        "id": "channel-4", "type": "web_hook",
        "address": httpserver.url_for("/hooks/google")}).execute()
    synced = service.events().list(calendarId="primary").execute()["nextSyncToken"]
    event = provider_sandbox.add_event(
        "google", "Intro call", datetime.fromisoformat("2026-05-04T09:00:00+00:00"),
        datetime.fromisoformat("2026-05-04T10:00:00+00:00"))
    receiver.wait_for(2)
    page = f"{provider_sandbox.base_url('google')}/_sandbox"

    after = requests.post(page, timeout=10, data={
        "action": "delete-event", "calendar": event.calendar_id, "event": event.id})

    assert after.status_code == 200 and "Intro call" not in after.text
    assert provider_sandbox.events("google") == []
    assert receiver.wait_for(3)[2].headers["X-Goog-Resource-State"] == "exists"
    listed = service.events().list(calendarId="primary", syncToken=synced).execute()["items"]
    assert [(e["id"], e["status"]) for e in listed] == [(event.id, "cancelled")]


def test_events_move_keeps_the_id_and_the_calendar_left_lists_it_cancelled(
        provider_sandbox: ProviderSandbox) -> None:
    events = _calendar(provider_sandbox).events()
    primary, side = (c.id for c in provider_sandbox.calendars("google"))
    made = events.insert(calendarId="primary", body={
        "summary": "Intro", "start": {"dateTime": "2026-05-04T09:00:00Z"},
        "end": {"dateTime": "2026-05-04T09:30:00Z"}}).execute()
    synced = events.list(calendarId="primary").execute()["nextSyncToken"]

    moved = events.move(calendarId="primary", eventId=made["id"], destination=side).execute()

    assert (moved["id"], moved["status"], moved["summary"]) == (made["id"], "confirmed", "Intro")
    there = events.get(calendarId=side, eventId=made["id"]).execute()
    assert there["start"]["dateTime"] == "2026-05-04T09:00:00Z"
    listed = events.list(calendarId="primary", syncToken=synced).execute()["items"]
    assert [(e["id"], e["status"]) for e in listed] == [(made["id"], "cancelled")]
    with pytest.raises(HttpError) as left:
        events.get(calendarId=primary, eventId=made["id"]).execute()
    assert left.value.resp.status == 404
    assert [e.id for e in provider_sandbox.events("google", calendar=side)] == [made["id"]]


def test_events_move_to_a_calendar_not_the_accounts_answers_404(
        provider_sandbox: ProviderSandbox) -> None:
    events = _calendar(provider_sandbox).events()
    made = events.insert(calendarId="primary", body={
        "summary": "Intro", "start": {"dateTime": "2026-05-04T09:00:00Z"},
        "end": {"dateTime": "2026-05-04T09:30:00Z"}}).execute()

    with pytest.raises(HttpError) as refused:
        events.move(calendarId="primary", eventId=made["id"],
                    destination="someone-else@example.com").execute()

    assert refused.value.resp.status == 404
    assert [e.id for e in provider_sandbox.events("google")] == [made["id"]]


def test_an_all_day_event_runs_midnight_to_midnight_in_its_calendars_zone(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a calendar in Sydney's zone (UTC+10 in May) and 5 May off in it, all day
    provider_sandbox.calendar_zone("google", "Australia/Sydney")
    service = _calendar(provider_sandbox)
    service.events().insert(calendarId="primary", body={
        "summary": "Day off", "start": {"date": "2026-05-05"},
        "end": {"date": "2026-05-06"}}).execute()

    busy = service.freebusy().query(body={
        "timeMin": MAY_4, "timeMax": "2026-05-06T00:00:00Z",
        "items": [{"id": "primary"}]}).execute()["calendars"]["primary"]["busy"]
    listing = service.events().list(calendarId="primary", singleEvents=True,
                                    timeMin=MAY_4, timeMax=MAY_5).execute()

    # THEN freeBusy places it midnight to midnight in Sydney (4 May 14:00 to 5 May 14:00
    # UTC), and a listing gives its date with the calendar's zone, which places it so too
    assert busy == [{"start": "2026-05-04T14:00:00Z", "end": "2026-05-05T14:00:00Z"}]
    assert listing["timeZone"] == "Australia/Sydney"
    assert [(i["start"], i["end"]) for i in listing["items"]] == [
        ({"date": "2026-05-05"}, {"date": "2026-05-06"})]
