"""Microsoft Graph calendars and subscriptions in the sandbox, over requests (Penny's one
HTTP client for Graph), with links to graph.microsoft.com routed as Penny routes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from chalicelib.integrations.http_routing import RoutingHttpClient
from sandbox import ProviderSandbox
from sandbox.testing import access_token
from tests.sandbox.receiver import Receiver

UTC_PREFER = {"Prefer": 'outlook.timezone="UTC"'}
WINDOW = {"startDateTime": "2026-05-04T00:00:00Z", "endDateTime": "2026-06-01T00:00:00Z"}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Graph:
    """requests against the fake Graph with a bearer token."""

    def __init__(self, sandbox: ProviderSandbox,
                 scopes: tuple[str, ...] = ("Calendars.ReadWrite",)) -> None:
        self.base = f"{sandbox.base_url('microsoft')}/v1.0"
        self.routing = RoutingHttpClient({"https://graph.microsoft.com":
                                          sandbox.base_url("microsoft")}, timeout=15)
        self.headers = {"Authorization": f"Bearer {access_token(sandbox, 'microsoft', scopes)}"}

    def call(self, method: str, path: str, json: Any = None,
             headers: dict[str, str] | None = None, **params: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}/{path}"
        return requests.request(method, self.routing.route(url), json=json, params=params or None,
                                headers={**self.headers, **(headers or {})}, timeout=30)


def _event(**more: Any) -> dict[str, Any]:
    return {"subject": "Intro call", "start": {"dateTime": "2026-05-04T09:00:00",
                                               "timeZone": "UTC"},
            "end": {"dateTime": "2026-05-04T09:30:00", "timeZone": "UTC"}, **more}


def test_calendars_lists_the_default_and_a_second_calendar(
        provider_sandbox: ProviderSandbox) -> None:
    value = Graph(provider_sandbox).call("GET", "me/calendars").json()["value"]

    assert [c["isDefaultCalendar"] for c in value] == [True, False]
    assert value[0]["allowedOnlineMeetingProviders"] == ["teamsForBusiness"]


def test_calendar_view_expands_a_weekly_series_into_occurrences_across_pages(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Weekly sync", _at("2026-04-27T15:00:00"),
                               _at("2026-04-27T16:00:00"), weekly=0, show_as="busy")
    provider_sandbox.set_page_size(2)
    graph = Graph(provider_sandbox)

    pages = [graph.call("GET", "me/calendarView", headers=UTC_PREFER, **WINDOW).json()]
    while "@odata.nextLink" in pages[-1]:
        pages.append(graph.call("GET", pages[-1]["@odata.nextLink"], headers=UTC_PREFER).json())

    occurrences = [e for page in pages for e in page["value"]]
    assert [len(page["value"]) for page in pages] == [2, 2]
    assert [e["start"]["dateTime"] for e in occurrences] == [
        f"2026-05-{day:02d}T15:00:00.0000000" for day in (4, 11, 18, 25)]
    assert {e["type"] for e in occurrences} == {"occurrence"}
    assert len({e["id"] for e in occurrences}) == 4 and occurrences[0]["seriesMasterId"]
    assert pages[0]["@odata.nextLink"].startswith("https://graph.microsoft.com/v1.0/")


def test_top_sets_the_page_size(provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Weekly", _at("2026-05-04T15:00:00"),
                               _at("2026-05-04T16:00:00"), weekly=4)

    page = Graph(provider_sandbox).call("GET", "me/calendarView", **WINDOW, **{"$top": 3}).json()

    assert len(page["value"]) == 3 and "$skip=3" in page["@odata.nextLink"]


def test_calendar_view_answers_in_the_preferred_time_zone(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Call", _at("2026-05-04T09:00:00"),
                               _at("2026-05-04T10:00:00"))

    answer = Graph(provider_sandbox).call("GET", "me/calendarView", **WINDOW, headers={
        "Prefer": 'outlook.timezone="Europe/Berlin"'})

    assert answer.headers["Preference-Applied"] == 'outlook.timezone="Europe/Berlin"'
    start = answer.json()["value"][0]["start"]
    assert start == {"dateTime": "2026-05-04T11:00:00.0000000", "timeZone": "Europe/Berlin"}


def test_calendar_view_reports_show_as_and_is_cancelled(
        provider_sandbox: ProviderSandbox) -> None:
    add = provider_sandbox.add_event
    add("microsoft", "Free", _at("2026-05-04T09:00:00"), _at("2026-05-04T10:00:00"),
        show_as="free")
    add("microsoft", "Elsewhere", _at("2026-05-04T11:00:00"), _at("2026-05-04T12:00:00"),
        show_as="workingElsewhere")
    add("microsoft", "Cancelled", _at("2026-05-04T13:00:00"), _at("2026-05-04T14:00:00"),
        cancelled=True)
    add("microsoft", "Away", _at("2026-05-05T00:00:00"), _at("2026-05-06T00:00:00"),
        all_day=True, show_as="oof")

    value = Graph(provider_sandbox).call("GET", "me/calendarView", **WINDOW).json()["value"]

    assert [(e["subject"], e["showAs"], e["isCancelled"], e["isAllDay"]) for e in value] == [
        ("Free", "free", False, False), ("Elsewhere", "workingElsewhere", False, False),
        ("Cancelled", "busy", True, False), ("Away", "oof", False, True)]


def test_calendar_view_needs_a_time_window(provider_sandbox: ProviderSandbox) -> None:
    answer = Graph(provider_sandbox).call("GET", "me/calendarView")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "ErrorInvalidParameter"


def test_an_event_with_teams_gets_a_join_url(provider_sandbox: ProviderSandbox) -> None:
    made = Graph(provider_sandbox).call("POST", "me/events", json=_event(
        isOnlineMeeting=True, onlineMeetingProvider="teamsForBusiness",
        attendees=[{"emailAddress": {"address": "visitor@example.test"}, "type": "required"}]))

    assert made.status_code == 201
    join = made.json()["onlineMeeting"]["joinUrl"]
    assert join.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert made.json()["onlineMeetingProvider"] == "teamsForBusiness"
    assert [e.link for e in provider_sandbox.events("microsoft")] == [join]


def test_a_teams_meeting_set_up_after_the_create_answers_comes_on_a_later_read(
        provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    provider_sandbox.teams_pending(reads=1)

    made = graph.call("POST", "me/events", json=_event(
        isOnlineMeeting=True, onlineMeetingProvider="teamsForBusiness"))
    event_id = made.json()["id"]
    first = graph.call("GET", f"me/events/{event_id}")
    second = graph.call("GET", f"me/events/{event_id}")

    for pending in (made.json(), first.json()):
        assert pending["isOnlineMeeting"] is True and pending["onlineMeeting"] is None
    (event,) = provider_sandbox.events("microsoft")
    assert second.json()["onlineMeeting"] == {"joinUrl": event.link}
    assert event.link and event.link.startswith("https://teams.microsoft.com/l/meetup-join/")


def test_an_events_windows_zone_is_read_as_wall_time_there_and_answered_as_prefer_asks(
        provider_sandbox: ProviderSandbox) -> None:
    made = Graph(provider_sandbox).call("POST", "me/events", headers=UTC_PREFER, json={
        "subject": "Intro call",
        "start": {"dateTime": "2026-12-07T09:00:00", "timeZone": "Eastern Standard Time"},
        "end": {"dateTime": "2026-12-07T09:30:00", "timeZone": "Eastern Standard Time"}})

    assert made.status_code == 201
    assert made.json()["start"] == {"dateTime": "2026-12-07T14:00:00.0000000", "timeZone": "UTC"}
    assert made.json()["originalStartTimeZone"] == "Eastern Standard Time"
    (event,) = provider_sandbox.events("microsoft")
    assert event.start == _at("2026-12-07T14:00:00")


@pytest.mark.parametrize("zone", ["America/Detroit", "Mars/Olympus", "Yukon Standard Time"])
def test_a_zone_graph_does_not_take_is_refused(provider_sandbox: ProviderSandbox,
                                               zone: str) -> None:
    # Windows names, and IANA names only for the one city Graph lists per Windows zone;
    # a test may make a Windows name unknown, as to a mailbox server older than it.
    provider_sandbox.refuse_time_zone("Yukon Standard Time")
    made = Graph(provider_sandbox).call("POST", "me/events", json={
        "subject": "Intro call", "start": {"dateTime": "2026-12-07T09:00:00", "timeZone": zone},
        "end": {"dateTime": "2026-12-07T09:30:00", "timeZone": zone}})

    assert made.status_code == 400
    assert made.json()["error"]["code"] == "TimeZoneNotSupportedException"
    assert provider_sandbox.events("microsoft") == []


def test_a_retried_post_with_the_same_transaction_id_makes_one_event(
        provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)

    first = graph.call("POST", "me/events", json=_event(transactionId="booking-uid-1"))
    again = graph.call("POST", "me/events", json=_event(transactionId="booking-uid-1"))

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(provider_sandbox.events("microsoft")) == 1


def test_patch_moves_an_event_and_delete_removes_it(provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    event_id = graph.call("POST", "me/events", json=_event()).json()["id"]

    moved = graph.call("PATCH", f"me/events/{event_id}", json={
        "start": {"dateTime": "2026-05-04T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-05-04T10:30:00", "timeZone": "UTC"}})
    deleted = graph.call("DELETE", f"me/events/{event_id}")
    missing = graph.call("GET", f"me/events/{event_id}")

    assert moved.status_code == 200
    assert moved.json()["start"]["dateTime"] == "2026-05-04T10:00:00.0000000"
    assert deleted.status_code == 204
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ErrorItemNotFound"


def test_an_event_is_found_under_the_calendar_that_holds_it_and_not_under_another(
        provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    primary, second = (c.id for c in provider_sandbox.calendars("microsoft")[:2])
    event_id = graph.call("POST", f"me/calendars/{second}/events", json=_event()).json()["id"]

    elsewhere = [graph.call(method, f"me/calendars/{primary}/events/{event_id}",
                            json={"subject": "Moved"} if method == "PATCH" else None)
                 for method in ("GET", "PATCH", "DELETE")]
    found = graph.call("GET", f"me/calendars/{second}/events/{event_id}")
    moved = graph.call("PATCH", f"me/calendars/{second}/events/{event_id}",
                       json={"subject": "Moved"})
    deleted = graph.call("DELETE", f"me/calendars/{second}/events/{event_id}")

    assert [(a.status_code, a.json()["error"]["code"]) for a in elsewhere] == \
        [(404, "ErrorItemNotFound")] * 3
    assert found.status_code == 200 and found.json()["id"] == event_id
    assert moved.status_code == 200 and moved.json()["subject"] == "Moved"
    assert deleted.status_code == 204
    assert graph.call("GET", f"me/events/{event_id}").status_code == 404


TAG = "String {29c2ad8e-bf75-41f6-9b63-3caabac47df9} Name PennyBooking"


def _tagged(value: str, **more: Any) -> dict[str, Any]:
    return _event(singleValueExtendedProperties=[{"id": TAG, "value": value}], **more)


def _tag_filter(value: str, property_id: str = TAG) -> str:
    return (f"singleValueExtendedProperties/Any(ep: ep/id eq '{property_id}' "
            f"and ep/value eq '{value}')")


def test_a_filter_on_an_extended_property_lists_the_events_with_that_value_only(
        provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    mine = [graph.call("POST", "me/events", json=_tagged("booking-1", transactionId=t)).json()
            for t in ("t-1", "t-2")]
    graph.call("POST", "me/events", json=_tagged("booking-2"))   # another, same subject
    graph.call("POST", "me/events", json=_event())               # untagged, same subject
    primary = provider_sandbox.calendars("microsoft")[0].id

    listed = graph.call("GET", f"me/calendars/{primary}/events",
                        **{"$filter": _tag_filter("booking-1")})
    unfiltered = graph.call("GET", "me/events")

    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()["value"]] == [e["id"] for e in mine]
    assert len(unfiltered.json()["value"]) == 4


def test_a_filtered_listing_is_paged_with_next_links(provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    made = [graph.call("POST", "me/events", json=_tagged("booking-1")).json()["id"]
            for _ in range(3)]
    provider_sandbox.set_page_size(2)

    pages = [graph.call("GET", "me/events", **{"$filter": _tag_filter("booking-1")}).json()]
    while "@odata.nextLink" in pages[-1]:
        pages.append(graph.call("GET", pages[-1]["@odata.nextLink"]).json())

    assert [len(page["value"]) for page in pages] == [2, 1]
    assert [e["id"] for page in pages for e in page["value"]] == made


def test_a_patch_adds_to_an_events_extended_properties_or_changes_one_of_the_same_id(
        provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    other = "String {00020329-0000-0000-c000-000000000046} Name Color"
    untagged = graph.call("POST", "me/events", json=_event()).json()["id"]
    tagged = graph.call("POST", "me/events", json=_tagged("booking-1")).json()["id"]

    graph.call("PATCH", f"me/events/{untagged}", json={
        "singleValueExtendedProperties": [{"id": TAG, "value": "booking-2"}]})
    graph.call("PATCH", f"me/events/{tagged}", json={
        "singleValueExtendedProperties": [{"id": other, "value": "green"}]})

    def found(value: str, property_id: str = TAG) -> list[str]:
        answer = graph.call("GET", "me/events", **{"$filter": _tag_filter(value, property_id)})
        return [e["id"] for e in answer.json()["value"]]
    assert (found("booking-2"), found("booking-1"), found("green", other)) == (
        [untagged], [tagged], [tagged])


@pytest.mark.parametrize("clause", [
    _tag_filter("booking-1").removesuffix(")"),                     # unclosed
    "singleValueExtendedProperties/Any(ep: ep/value eq 'booking-1')",  # no id
    _tag_filter("booking-1", property_id="PennyBooking"),             # not a property id
    "subject eq",
])
def test_a_filter_the_fake_cannot_read_is_graphs_400_bad_request(
        provider_sandbox: ProviderSandbox, clause: str) -> None:
    answer = Graph(provider_sandbox).call("GET", "me/events", **{"$filter": clause})

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "BadRequest" and error["message"].startswith("Invalid filter clause")
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}


def test_an_extended_property_that_is_none_of_graphs_forms_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    answer = Graph(provider_sandbox).call("POST", "me/events", json=_event(
        singleValueExtendedProperties=[{"id": "PennyBooking", "value": "booking-1"}]))

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "ErrorInvalidRequest"
    assert provider_sandbox.events("microsoft") == []


def test_a_deleted_calendar_and_its_events_answer_404_item_not_found(
        provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    second = provider_sandbox.calendars("microsoft")[1].id
    made = graph.call("POST", f"me/calendars/{second}/events", json=_tagged("booking-1"))
    assert made.status_code == 201

    provider_sandbox.delete_calendar("microsoft", second)
    listed = graph.call("GET", f"me/calendars/{second}/events",
                        **{"$filter": _tag_filter("booking-1")})
    deleted = graph.call("DELETE", f"me/events/{made.json()['id']}")

    assert [c.primary for c in provider_sandbox.calendars("microsoft")] == [True]
    for answer in (listed, deleted):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "ErrorItemNotFound"
    with pytest.raises(ValueError):
        provider_sandbox.delete_calendar("microsoft", provider_sandbox.calendars("microsoft")[0].id)


def test_get_schedule_reports_a_failing_calendar_as_an_error_item(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Busy", _at("2026-05-04T09:00:00"),
                               _at("2026-05-04T10:00:00"))
    graph = Graph(provider_sandbox)
    body = {"schedules": ["ada@penny-sandbox.onmicrosoft.com"],
            "startTime": {"dateTime": "2026-05-04T08:00:00", "timeZone": "UTC"},
            "endTime": {"dateTime": "2026-05-04T11:00:00", "timeZone": "UTC"},
            "availabilityViewInterval": 60}

    working = graph.call("POST", "me/calendar/getSchedule", json=body).json()["value"][0]
    provider_sandbox.fail_calendar("microsoft", provider_sandbox.calendars("microsoft")[0].id)
    failing = graph.call("POST", "me/calendar/getSchedule", json=body)

    assert working["availabilityView"] == "020"
    assert failing.status_code == 200 and "error" in failing.json()["value"][0]


def test_a_subscription_whose_receiver_echoes_the_token_is_created_and_notified(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hooks/graph").respond_with_handler(receiver.handler)
    graph = Graph(provider_sandbox)
    expires = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")

    made = graph.call("POST", "subscriptions", json={
        "changeType": "created,updated,deleted", "resource": "me/events",
        "notificationUrl": httpserver.url_for("/hooks/graph"), "clientState": "penny-state",
        "expirationDateTime": expires})
    event = graph.call("POST", "me/events", json=_event()).json()
    graph.call("DELETE", f"me/events/{event['id']}")
    created, deleted = receiver.wait_for(2)

    assert made.status_code == 201 and made.json()["clientState"] == "penny-state"
    items = [json.loads(r.body)["value"][0] for r in (created, deleted)]
    assert [i["changeType"] for i in items] == ["created", "deleted"]
    assert {i["clientState"] for i in items} == {"penny-state"}
    assert {i["subscriptionId"] for i in items} == {made.json()["id"]}
    assert items[0]["resourceData"]["id"] == event["id"]


def test_a_receiver_that_does_not_echo_the_token_fails_the_subscription(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/graph").respond_with_handler(
        Receiver(echo_validation=False).handler)

    refused = Graph(provider_sandbox).call("POST", "subscriptions", json={
        "changeType": "created", "resource": "me/events",
        "notificationUrl": httpserver.url_for("/hooks/graph"),
        "expirationDateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat()})

    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith("Subscription validation request failed")
    assert provider_sandbox.watches("microsoft") == []


def test_renewal_is_capped_at_graphs_maximum_and_delete_ends_it(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/graph").respond_with_handler(Receiver().handler)
    graph = Graph(provider_sandbox)
    soon = datetime.now(UTC) + timedelta(hours=1)
    made = graph.call("POST", "subscriptions", json={
        "changeType": "updated", "resource": "me/events",
        "notificationUrl": httpserver.url_for("/hooks/graph"),
        "expirationDateTime": soon.isoformat()}).json()

    renewed = graph.call("PATCH", f"subscriptions/{made['id']}", json={
        "expirationDateTime": (soon + timedelta(days=2)).isoformat()})
    too_long = graph.call("PATCH", f"subscriptions/{made['id']}", json={
        "expirationDateTime": (soon + timedelta(days=7)).isoformat()})
    deleted = graph.call("DELETE", f"subscriptions/{made['id']}")

    assert renewed.status_code == 200
    assert renewed.json()["expirationDateTime"] > made["expirationDateTime"]
    assert too_long.status_code == 400
    assert deleted.status_code == 204 and provider_sandbox.watches("microsoft") == []


def test_a_queued_429_carries_retry_after(provider_sandbox: ProviderSandbox) -> None:
    graph = Graph(provider_sandbox)
    provider_sandbox.fail_next_api_calls("microsoft", status=429, retry_after=5)

    limited = graph.call("GET", "me/calendarView", **WINDOW)
    then = graph.call("GET", "me/calendarView", **WINDOW)

    assert limited.status_code == 429 and limited.headers["Retry-After"] == "5"
    assert limited.json()["error"]["code"] == "ApplicationThrottled"
    assert then.status_code == 200


def test_a_token_without_a_calendar_permission_is_denied(
        provider_sandbox: ProviderSandbox) -> None:
    answer = Graph(provider_sandbox, scopes=("email",)).call("GET", "me/calendarView", **WINDOW)

    assert answer.status_code == 403 and answer.json()["error"]["code"] == "ErrorAccessDenied"


def test_an_unknown_token_answers_401(provider_sandbox: ProviderSandbox) -> None:
    answer = requests.get(f"{provider_sandbox.base_url('microsoft')}/v1.0/me/calendars",
                          headers={"Authorization": "Bearer nope"}, timeout=10)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"


@pytest.mark.parametrize("resource", ["me/events", "/me/calendars/{second}/events"])
def test_notify_forces_a_notification_on_each_subscription(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer, resource: str) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hooks/graph").respond_with_handler(receiver.handler)
    second = provider_sandbox.calendars("microsoft")[1].id
    Graph(provider_sandbox).call("POST", "subscriptions", json={
        "changeType": "updated", "resource": resource.format(second=second),
        "notificationUrl": httpserver.url_for("/hooks/graph"), "clientState": "s",
        "expirationDateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat()})

    assert provider_sandbox.notify("microsoft") == 1
    assert receiver.wait_for(1)[0].headers["Content-Type"].startswith("application/json")


def test_the_host_deleting_an_event_as_outlook_does_posts_deleted_with_its_client_state(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    # The control surface's delete_event and the sandbox page's Delete button, each as
    # the host's own Outlook deletes an event (Penny's too).
    receiver = Receiver()
    httpserver.expect_request("/hooks/graph").respond_with_handler(receiver.handler)
    graph = Graph(provider_sandbox)
    graph.call("POST", "subscriptions", json={
        "changeType": "created,updated,deleted", "resource": "me/events",
        "notificationUrl": httpserver.url_for("/hooks/graph"), "clientState": "penny-state",
        "expirationDateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    first, second = (graph.call("POST", "me/events", json=_event()).json() for _ in range(2))
    receiver.wait_for(2)

    provider_sandbox.delete_event("microsoft", first["id"])
    page = requests.post(f"{provider_sandbox.base_url('microsoft')}/_sandbox", timeout=10,
                         data={"action": "delete-event", "event": second["id"],
                               "calendar": provider_sandbox.calendars("microsoft")[0].id})

    assert page.status_code == 200 and provider_sandbox.events("microsoft") == []
    items = [json.loads(r.body)["value"][0] for r in receiver.wait_for(4)[2:]]
    assert [(i["changeType"], i["resourceData"]["id"], i["clientState"]) for i in items] == [
        ("deleted", first["id"], "penny-state"), ("deleted", second["id"], "penny-state")]
    assert items[0]["resource"].endswith(f"/Events/{first['id']}")
    gone = graph.call("PATCH", f"me/events/{first['id']}", json={"subject": "Back"})
    assert gone.status_code == 404


def test_validation_requests_go_to_the_answer_a_test_gives_instead_of_over_http(
        provider_sandbox: ProviderSandbox) -> None:
    asked: list[str] = []

    def echo(url: str, token: str) -> tuple[int, str, str]:
        asked.append(url)
        return 200, "text/plain; charset=utf-8", token

    provider_sandbox.answer_validations(echo)
    try:
        made = Graph(provider_sandbox).call("POST", "subscriptions", json={
            "changeType": "updated", "resource": "me/events",
            "notificationUrl": "http://penny.test/hooks/graph", "clientState": "s",
            "expirationDateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    finally:
        provider_sandbox.answer_validations(None)

    assert made.status_code == 201 and asked == ["http://penny.test/hooks/graph"]


def test_an_all_day_event_is_in_a_view_by_midnight_where_it_was_made_given_as_utc_dates(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN 5 May off, all day, made in Sydney's zone (UTC+10): 4 May 14:00 to 5 May
    # 14:00 UTC, as Exchange keeps it
    graph = Graph(provider_sandbox)
    made = graph.call("POST", "me/events", json=_event(
        subject="Day off", isAllDay=True, showAs="oof",
        start={"dateTime": "2026-05-05T00:00:00", "timeZone": "AUS Eastern Standard Time"},
        end={"dateTime": "2026-05-06T00:00:00", "timeZone": "AUS Eastern Standard Time"}))
    assert made.status_code == 201, made.text

    def listed(start: str, end: str) -> list[dict[str, Any]]:
        return graph.call("GET", "me/calendarView", headers=UTC_PREFER, startDateTime=start,
                          endDateTime=end).json()["value"]  # type: ignore[no-any-return]

    # THEN a view of Sydney's morning of 5 May (4 May, UTC) lists it, as its dates,
    # midnight to midnight UTC; a view of 5 May's last UTC hours, Sydney's next day, not
    (seen,) = listed("2026-05-04T23:00:00Z", "2026-05-04T23:30:00Z")
    assert (seen["start"], seen["end"]) == (
        {"dateTime": "2026-05-05T00:00:00.0000000", "timeZone": "UTC"},
        {"dateTime": "2026-05-06T00:00:00.0000000", "timeZone": "UTC"})
    assert listed("2026-05-05T20:00:00Z", "2026-05-05T20:30:00Z") == []


def test_an_all_day_event_in_a_utc_mailbox_is_not_in_a_view_of_the_utc_day_before(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Day off", _at("2026-05-05T00:00:00"),
                               _at("2026-05-06T00:00:00"), all_day=True, show_as="oof")
    provider_sandbox.calendar_zone("microsoft", "Pacific/Honolulu")
    provider_sandbox.add_event("microsoft", "Trip", _at("2026-05-07T00:00:00"),
                               _at("2026-05-08T00:00:00"), all_day=True, show_as="oof")
    graph = Graph(provider_sandbox)

    sydney_morning = graph.call("GET", "me/calendarView", headers=UTC_PREFER,
                                startDateTime="2026-05-04T23:00:00Z",
                                endDateTime="2026-05-04T23:30:00Z").json()["value"]
    # Made once the mailbox was in Honolulu (UTC-10): 7 May 10:00 to 8 May 10:00 UTC
    honolulu_day = graph.call("GET", "me/calendarView", headers=UTC_PREFER,
                              startDateTime="2026-05-08T09:00:00Z",
                              endDateTime="2026-05-08T09:30:00Z").json()["value"]

    assert sydney_morning == []
    assert [(e["subject"], e["start"]["dateTime"]) for e in honolulu_day] == [
        ("Trip", "2026-05-07T00:00:00.0000000")]
