"""GraphCalendar (chalicelib/integrations/graph_calendar.py) against the sandbox's Graph:
what blocks a slot, paging, a calendar that cannot be read, subscriptions, the booking's
event, and each error as the port names it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from pytest_httpserver import HTTPServer

from chalicelib.domain.errors import (
    CalendarGoneError,
    ConnectionBrokenError,
    EventGoneError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.calendars import CalendarEvent, TaggedEvent, Watch
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.graph_calendar import GraphCalendar
from chalicelib.integrations.graph_calendar_wire import external_event
from chalicelib.provider_settings import MicrosoftApp
from chalicelib.services.calendar_cache import READ_TIMEOUT
from chalicelib.services.calendar_records import WATCH_TIMEOUT
from sandbox import ProviderSandbox, graph_subscriptions
from sandbox.testing import token_answer
from tests.sandbox.receiver import Receiver

CALENDAR_SCOPES = ("Calendars.ReadWrite", "offline_access")
MAY = TimeRange(datetime(2026, 5, 4, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _range(start: str, end: str) -> TimeRange:
    return TimeRange(_at(start), _at(end))


class HostTokens:
    """The host's tokens as the connection store hands them to the adapter: `(False)` the
    current access token, `(True)` a refresh at the sandbox (which rotates the refresh
    token: a second refresh with the old one would fail)."""

    def __init__(self, sandbox: ProviderSandbox, scopes: Sequence[str] = CALENDAR_SCOPES) -> None:
        self.sandbox = sandbox
        answer = token_answer(sandbox, "microsoft", scopes)
        self.access, self.refresh = str(answer["access_token"]), answer.get("refresh_token")
        self.refreshes = 0
        self._lock = threading.Lock()

    def __call__(self, force: bool) -> str:
        with self._lock:
            if force:
                client = self.sandbox.client("microsoft")
                answer = requests.post(
                    f"{self.sandbox.base_url('microsoft')}/common/oauth2/v2.0/token", data={
                        "grant_type": "refresh_token", "refresh_token": self.refresh,
                        "client_id": client.client_id, "client_secret": client.client_secret,
                        "scope": "https://graph.microsoft.com/.default offline_access"},
                    timeout=10)
                answer.raise_for_status()
                self.access, self.refresh = answer.json()["access_token"], \
                    answer.json()["refresh_token"]
                self.refreshes += 1
            return self.access


def _outlook(sandbox: ProviderSandbox, tokens: HostTokens | None = None,
             timeout: float = 5.0) -> GraphCalendar:
    client = sandbox.client("microsoft")
    entry = MicrosoftApp(client.client_id, client.client_secret,
                         base_url=sandbox.base_url("microsoft"))
    return GraphCalendar(entry, tokens or HostTokens(sandbox), timeout=timeout,
                         sleep=lambda seconds: None)


def _primary(sandbox: ProviderSandbox) -> str:
    return sandbox.calendars("microsoft")[0].id


def _booking(key: str = "booking-uid-1", online: bool = False) -> CalendarEvent:
    return CalendarEvent(key=key, title="Intro call with Grace Hopper",
                         when=_range("2026-05-04T09:00:00+00:00", "2026-05-04T09:30:00+00:00"),
                         attendee_name="Grace Hopper", attendee_email="grace@example.test",
                         description="Booked with Penny", online_meeting=online)


# ---- calendars and busy time ---------------------------------------------------------


def test_calendars_lists_the_default_calendar_first(provider_sandbox: ProviderSandbox) -> None:
    found = _outlook(provider_sandbox).calendars()

    assert [(c.id, c.primary, c.writable) for c in found] == [
        (c.id, c.primary, True) for c in provider_sandbox.calendars("microsoft")]
    assert found[0].primary and found[0].name == "Calendar"


def test_each_occurrence_of_a_recurring_outlook_event_blocks_its_slot(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Weekly sync", _at("2026-04-27T15:00:00+00:00"),
                               _at("2026-04-27T16:00:00+00:00"), weekly=0)

    [busy] = _outlook(provider_sandbox).busy([_primary(provider_sandbox)], MAY)

    assert not busy.unknown
    assert busy.busy() == [_range(f"2026-05-{day:02d}T15:00:00+00:00",
                                  f"2026-05-{day:02d}T16:00:00+00:00") for day in (4, 11, 18, 25)]


@pytest.mark.parametrize(("show_as", "blocks"), [
    ("free", False), ("workingElsewhere", False), ("busy", True), ("tentative", True),
    ("oof", True), ("unknown", True)])
def test_only_events_shown_as_free_or_working_elsewhere_leave_the_slot_open(
        provider_sandbox: ProviderSandbox, show_as: str, blocks: bool) -> None:
    provider_sandbox.add_event("microsoft", "Event", _at("2026-05-04T09:00:00+00:00"),
                               _at("2026-05-04T10:00:00+00:00"), show_as=show_as)

    [busy] = _outlook(provider_sandbox).busy([_primary(provider_sandbox)], MAY)

    assert busy.busy() == ([_range("2026-05-04T09:00:00+00:00", "2026-05-04T10:00:00+00:00")]
                           if blocks else [])


def test_events_the_host_declined_or_that_were_cancelled_do_not_block(
        provider_sandbox: ProviderSandbox) -> None:
    add = provider_sandbox.add_event
    add("microsoft", "Declined", _at("2026-05-04T09:00:00+00:00"),
        _at("2026-05-04T10:00:00+00:00"), declined=True)
    add("microsoft", "Cancelled", _at("2026-05-04T11:00:00+00:00"),
        _at("2026-05-04T12:00:00+00:00"), cancelled=True)
    add("microsoft", "Away", _at("2026-05-05T00:00:00+00:00"), _at("2026-05-06T00:00:00+00:00"),
        all_day=True, show_as="oof")

    [busy] = _outlook(provider_sandbox).busy([_primary(provider_sandbox)], MAY)

    assert busy.busy() == [_range("2026-05-05T00:00:00+00:00", "2026-05-06T00:00:00+00:00")]


@pytest.mark.parametrize(("start", "end", "blocked"), [
    # Midnight to midnight UTC: dates, placed in the host's zone (Sydney, UTC+10 in May)
    ("2026-05-05T00:00:00.0000000", "2026-05-06T00:00:00.0000000",
     ("2026-05-04T14:00:00+00:00", "2026-05-05T14:00:00+00:00")),
    # Converted from its own zone (Los Angeles): its instants are kept
    ("2026-05-05T07:00:00.0000000", "2026-05-06T07:00:00.0000000",
     ("2026-05-05T07:00:00+00:00", "2026-05-06T07:00:00+00:00")),
])
def test_an_all_day_event_given_as_utc_dates_is_placed_in_the_hosts_zone(
        start: str, end: str, blocked: tuple[str, str]) -> None:
    item = {"isAllDay": True, "showAs": "oof", "start": {"dateTime": start, "timeZone": "UTC"},
            "end": {"dateTime": end, "timeZone": "UTC"}}

    event = external_event(item, lambda: ZoneInfo("Australia/Sydney"))

    assert event is not None and event.when == _range(*blocked)


def test_busy_finds_a_day_off_graph_reads_nearly_a_day_apart_from_the_hosts_zone(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a Sydney host (UTC+10 in May) whose mailbox is in Honolulu's zone (UTC-10):
    # 5 May off is, to Graph, 5 May 10:00 to 6 May 10:00 UTC; to Penny, Sydney's 5 May
    client = provider_sandbox.client("microsoft")
    outlook = GraphCalendar(MicrosoftApp(client.client_id, client.client_secret,
                                         base_url=provider_sandbox.base_url("microsoft")),
                            HostTokens(provider_sandbox),
                            home=lambda: ZoneInfo("Australia/Sydney"))
    provider_sandbox.calendar_zone("microsoft", "Pacific/Honolulu")
    provider_sandbox.add_event("microsoft", "Day off", _at("2026-05-05T00:00:00+00:00"),
                               _at("2026-05-06T00:00:00+00:00"), all_day=True, show_as="oof")
    provider_sandbox.add_event("microsoft", "Call", _at("2026-05-04T12:00:00+00:00"),
                               _at("2026-05-04T13:00:00+00:00"))
    sydney_first = _range("2026-05-04T14:00:00+00:00", "2026-05-04T14:30:00+00:00")
    sydney_next = _range("2026-05-05T23:00:00+00:00", "2026-05-05T23:30:00+00:00")

    [first] = outlook.busy([_primary(provider_sandbox)], sydney_first)
    [next_day] = outlook.busy([_primary(provider_sandbox)], sydney_next)

    # THEN the first half hour of Sydney's 5 May is busy, 20 hours before Graph's day
    # starts; Sydney's 6 May is not, though Graph's day runs into it; nor is the call
    # just before the window, which Graph lists too
    assert first.busy() == [sydney_first]
    assert next_day.busy() == []


def test_a_listing_tells_the_hosts_zone_its_all_day_events_were_placed_by_and_only_then(
        provider_sandbox: ProviderSandbox) -> None:
    client = provider_sandbox.client("microsoft")
    outlook = GraphCalendar(MicrosoftApp(client.client_id, client.client_secret,
                                         base_url=provider_sandbox.base_url("microsoft")),
                            HostTokens(provider_sandbox),
                            home=lambda: ZoneInfo("Australia/Sydney"))
    provider_sandbox.add_event("microsoft", "Meeting", _at("2026-05-04T09:00:00+00:00"),
                               _at("2026-05-04T10:00:00+00:00"))

    timed = outlook.changes(_primary(provider_sandbox), MAY, None)
    provider_sandbox.add_event("microsoft", "Away", _at("2026-05-05T00:00:00+00:00"),
                               _at("2026-05-06T00:00:00+00:00"), all_day=True, show_as="oof")
    all_day = outlook.changes(_primary(provider_sandbox), MAY, None)

    assert timed.placed_in is None   # nothing in it depends on the host's zone
    assert all_day.placed_in == "Australia/Sydney"


def test_busy_follows_every_page_of_the_calendar_view(provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Weekly sync", _at("2026-01-05T15:00:00+00:00"),
                               _at("2026-01-05T16:00:00+00:00"), weekly=0)
    three_years = _range("2026-01-01T00:00:00+00:00", "2028-12-31T00:00:00+00:00")

    [busy] = _outlook(provider_sandbox).busy([_primary(provider_sandbox)], three_years)

    assert len(busy.ranges) == 156  # one a week for three years: two pages of at most 100
    assert busy.ranges[-1] == _range("2028-12-25T15:00:00+00:00", "2028-12-25T16:00:00+00:00")
    assert provider_sandbox.api_calls("microsoft", "calendarView") == 2


def test_a_calendar_that_cannot_be_read_is_unknown_while_the_others_are_read(
        provider_sandbox: ProviderSandbox) -> None:
    primary, second = (c.id for c in provider_sandbox.calendars("microsoft"))
    provider_sandbox.add_event("microsoft", "Call", _at("2026-05-04T09:00:00+00:00"),
                               _at("2026-05-04T10:00:00+00:00"))
    provider_sandbox.fail_calendar("microsoft", second)

    read, failing = _outlook(provider_sandbox).busy([primary, second], MAY)

    assert read.calendar_id == primary and not read.unknown
    assert read.busy() == [_range("2026-05-04T09:00:00+00:00", "2026-05-04T10:00:00+00:00")]
    assert failing.calendar_id == second and failing.unknown and failing.busy() == [MAY]


def test_a_calendar_no_longer_shared_is_gone_not_the_whole_connection_broken(
        provider_sandbox: ProviderSandbox) -> None:
    primary, second = (c.id for c in provider_sandbox.calendars("microsoft"))
    provider_sandbox.fail_calendar("microsoft", second, status=403)

    read, failing = _outlook(provider_sandbox).busy([primary, second], MAY)

    assert not read.unknown and read.gone is None
    # Its 403 is the calendar's: the host's own calendar still answers (one call more).
    assert failing.gone is not None and "no longer lets you read" in failing.gone
    assert not failing.unknown and failing.busy() == []
    assert provider_sandbox.api_calls("microsoft", "calendar") == 1


def test_a_calendar_no_longer_shared_or_deleted_is_gone_for_a_sync(
        provider_sandbox: ProviderSandbox) -> None:
    outlook = _outlook(provider_sandbox)
    primary, second = (c.id for c in provider_sandbox.calendars("microsoft"))
    provider_sandbox.fail_calendar("microsoft", second, status=403)
    with pytest.raises(CalendarGoneError, match="no longer lets you read"):
        outlook.changes(second, MAY, None)
    provider_sandbox.fail_calendar("microsoft", second, failing=False)
    provider_sandbox.delete_calendar("microsoft", second)
    with pytest.raises(CalendarGoneError, match="deleted"):
        outlook.changes(second, MAY, None)
    assert outlook.changes(primary, MAY, None).full


def test_a_403_from_the_hosts_own_calendar_too_is_the_connection_broken(
        provider_sandbox: ProviderSandbox) -> None:
    primary, second = (c.id for c in provider_sandbox.calendars("microsoft"))
    # Consent withdrawn: every call answers 403, the host's own calendar too.
    provider_sandbox.fail_next_api_calls("microsoft", status=403, times=20)

    with pytest.raises(ConnectionBrokenError, match="reconnect Outlook"):
        _outlook(provider_sandbox).busy([primary, second], MAY)


def test_when_no_calendar_can_be_read_busy_is_unavailable(
        provider_sandbox: ProviderSandbox) -> None:
    ids = [c.id for c in provider_sandbox.calendars("microsoft")]
    for calendar_id in ids:
        provider_sandbox.fail_calendar("microsoft", calendar_id)

    with pytest.raises(ProviderUnavailableError, match="No Outlook calendar could be read"):
        _outlook(provider_sandbox).busy(ids, MAY)


def test_changes_lists_each_occurrence_in_the_window_and_cancelled_ones_as_gone(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.add_event("microsoft", "Weekly", _at("2026-05-04T15:00:00+00:00"),
                               _at("2026-05-04T16:00:00+00:00"), weekly=2)
    provider_sandbox.add_event("microsoft", "Cancelled", _at("2026-05-06T09:00:00+00:00"),
                               _at("2026-05-06T10:00:00+00:00"), cancelled=True)

    changes = _outlook(provider_sandbox).changes(_primary(provider_sandbox), MAY, cursor=None)

    assert changes.full and changes.cursor is None
    assert len({c.id for c in changes.changes}) == 3
    assert [c.event.when.start if c.event else None for c in changes.changes] == [
        _at("2026-05-04T15:00:00+00:00"), None, _at("2026-05-11T15:00:00+00:00")]


# ---- push ----------------------------------------------------------------------------


def test_a_watch_passes_the_handshake_and_a_change_posts_the_client_state(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hooks/outlook").respond_with_handler(receiver.handler)
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    asked = datetime.now(UTC) + timedelta(days=7)  # longer than Graph allows: clamped

    watch = outlook.watch(primary, httpserver.url_for("/hooks/outlook"), "watch-1",
                          "penny-state", asked)
    provider_sandbox.add_event("microsoft", "New", _at("2026-05-04T09:00:00+00:00"),
                               _at("2026-05-04T10:00:00+00:00"))
    [received] = receiver.wait_for(1)

    assert watch.calendar_id == primary
    assert watch.expires_at <= datetime.now(UTC) + timedelta(minutes=4230)
    assert [w.id for w in provider_sandbox.watches("microsoft")] == [watch.id]
    item = json.loads(received.body)["value"][0]
    assert item["clientState"] == "penny-state" and item["subscriptionId"] == watch.id
    assert item["changeType"] == "created"
    # Lifecycle notifications (subscriptionRemoved, missed) come to the same address:
    # without it Graph sends none, and a subscription it removed would pass for live.
    (made,) = provider_sandbox.watches("microsoft")
    assert made.extras["lifecycleNotificationUrl"] == httpserver.url_for("/hooks/outlook")


def test_stopping_a_watch_twice_is_fine(provider_sandbox: ProviderSandbox,
                                        httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/outlook").respond_with_handler(Receiver().handler)
    outlook = _outlook(provider_sandbox)
    watch = outlook.watch(_primary(provider_sandbox), httpserver.url_for("/hooks/outlook"),
                          "watch-1", "s", datetime.now(UTC) + timedelta(days=1))

    outlook.stop(watch)
    outlook.stop(watch)

    assert provider_sandbox.watches("microsoft") == []


def test_a_receiver_that_fails_the_handshake_is_rejected(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/outlook").respond_with_handler(
        Receiver(echo_validation=False).handler)

    with pytest.raises(ProviderRejectedError, match="validation request failed"):
        _outlook(provider_sandbox).watch(_primary(provider_sandbox),
                                         httpserver.url_for("/hooks/outlook"), "watch-1", "s",
                                         datetime.now(UTC) + timedelta(days=1))


# ---- the booking's event -------------------------------------------------------------


def test_creating_with_teams_returns_the_join_url(provider_sandbox: ProviderSandbox) -> None:
    written = _outlook(provider_sandbox).create_event(_primary(provider_sandbox),
                                                      _booking(online=True))

    [event] = provider_sandbox.events("microsoft")
    assert written.id == event.id and event.created_by_app
    assert written.join_url and written.join_url == event.link
    assert written.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert (event.title, event.start) == ("Intro call with Grace Hopper",
                                          _at("2026-05-04T09:00:00+00:00"))
    assert event.body["attendees"] == [{"emailAddress": {
        "address": "grace@example.test", "name": "Grace Hopper"}, "type": "required"}]


def test_a_teams_link_graph_sets_up_after_its_create_answers_is_read_again(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.teams_pending(reads=1)

    written = _outlook(provider_sandbox).create_event(_primary(provider_sandbox),
                                                      _booking(online=True))

    [event] = provider_sandbox.events("microsoft")
    assert written.id == event.id and written.join_url and written.join_url == event.link
    assert provider_sandbox.api_call_counts("microsoft") == {"events.create": 1,
                                                             "events.get": 2}


def test_a_teams_link_still_missing_after_its_reads_is_left_for_the_host_to_send(
        provider_sandbox: ProviderSandbox) -> None:
    # An account without Teams never gets one: three reads, then the event as it is.
    provider_sandbox.teams_pending(reads=10)

    written = _outlook(provider_sandbox).create_event(_primary(provider_sandbox),
                                                      _booking(online=True))

    [event] = provider_sandbox.events("microsoft")
    assert (written.id, written.join_url) == (event.id, None)
    assert provider_sandbox.api_call_counts("microsoft") == {"events.create": 1,
                                                             "events.get": 3}


@pytest.mark.parametrize("status", [503, 403])
def test_a_teams_read_again_that_fails_leaves_the_event_made_not_a_failed_create(
        provider_sandbox: ProviderSandbox, status: int) -> None:
    # The create worked; Graph then fails the read for the link (down, or the token
    # refused): the event stands, its link to follow, rather than a job failed after
    # it made the event (whose retry would lean on Graph still knowing the transaction).
    provider_sandbox.teams_pending(reads=10)
    provider_sandbox.fail_next_api_calls("microsoft", status=status, times=20,
                                         endpoint="events.get")

    written = _outlook(provider_sandbox).create_event(_primary(provider_sandbox),
                                                      _booking(online=True))

    [event] = provider_sandbox.events("microsoft")
    assert (written.id, written.join_url) == (event.id, None)


def test_creating_without_teams_has_no_join_url(provider_sandbox: ProviderSandbox) -> None:
    written = _outlook(provider_sandbox).create_event(_primary(provider_sandbox), _booking())

    assert written.join_url is None
    assert provider_sandbox.api_call_counts("microsoft") == {"events.create": 1}


def test_an_event_is_written_in_the_hosts_zone_by_its_windows_name(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    event = replace(_booking(), time_zone="America/New_York")
    later = _range("2026-12-07T14:00:00+00:00", "2026-12-07T14:30:00+00:00")

    made = outlook.create_event(primary, event)
    [stored] = provider_sandbox.events("microsoft")
    first = (stored.start, dict(stored.body["start"]))
    outlook.update_event(primary, made.id, replace(event, when=later))

    [moved] = provider_sandbox.events("microsoft")
    assert first == (_at("2026-05-04T09:00:00+00:00"),
                     {"dateTime": "2026-05-04T05:00:00", "timeZone": "Eastern Standard Time"})
    assert (moved.start, moved.body["start"]) == (
        later.start, {"dateTime": "2026-12-07T09:00:00", "timeZone": "Eastern Standard Time"})
    # Graph answered in UTC, as Penny asks: the create was not taken for a moved event.
    assert provider_sandbox.api_call_counts("microsoft") == {"events.create": 1,
                                                             "events.patch": 1}


def test_a_windows_zone_graph_refuses_is_written_in_utc_instead(
        provider_sandbox: ProviderSandbox) -> None:
    # A Windows name newer than the mailbox's server knows (CLDR adds some each year).
    provider_sandbox.refuse_time_zone("Eastern Standard Time")
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    event = replace(_booking(), time_zone="America/New_York")

    made = outlook.create_event(primary, event)
    outlook.update_event(primary, made.id, event)

    [stored] = provider_sandbox.events("microsoft")
    assert stored.id == made.id and stored.start == _at("2026-05-04T09:00:00+00:00")
    assert stored.body["start"] == {"dateTime": "2026-05-04T09:00:00", "timeZone": "UTC"}


def test_creating_twice_with_the_same_key_makes_one_event(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)

    first = outlook.create_event(primary, _booking("booking-uid-1"))
    again = outlook.create_event(primary, _booking("booking-uid-1"))
    other = outlook.create_event(primary, _booking("booking-uid-2"))

    assert first == again and other.id != first.id
    assert len(provider_sandbox.events("microsoft")) == 2


def test_a_create_retried_after_its_answer_was_lost_answers_the_event_it_made(
        provider_sandbox: ProviderSandbox) -> None:
    # Graph made the event and its answer never came back (a gateway timeout): the
    # retry's transactionId, the same, finds that event and its Teams meeting.
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    provider_sandbox.lose_next_answers("microsoft", "events.create")

    with pytest.raises(ProviderUnavailableError):
        outlook.create_event(primary, _booking("booking-uid-1", online=True))
    again = outlook.create_event(primary, _booking("booking-uid-1", online=True))

    [event] = provider_sandbox.events("microsoft")
    assert (again.id, again.join_url) == (event.id, event.link) and event.link


def test_creating_again_for_a_moved_booking_moves_the_first_event(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    first = outlook.create_event(primary, _booking("booking-uid-1"))  # its answer lost
    later = _range("2026-05-05T14:00:00+00:00", "2026-05-05T14:30:00+00:00")

    again = outlook.create_event(primary, replace(_booking("booking-uid-1"), when=later))

    [event] = provider_sandbox.events("microsoft")
    assert again.id == first.id and (event.start, event.end) == (later.start, later.end)


def test_graph_assigns_event_ids_so_none_is_known_by_key(
        provider_sandbox: ProviderSandbox) -> None:
    # Only a retried create finds the event of a create whose answer was lost.
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)

    assert outlook.event_id_for(primary, "booking-uid-1") is None


def test_every_event_made_is_tagged_so_one_listing_finds_all_of_its_bookings_events(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    first = outlook.create_event(primary, _booking("booking-uid-1"))
    # Made again under a key of its own (the host had deleted the first): the same booking.
    again = outlook.create_event(primary, replace(_booking("booking-uid-1-5f3a"),
                                                  booking_uid="booking-uid-1"))
    outlook.create_event(primary, _booking("booking-uid-2"))   # the same subject
    provider_sandbox.add_event("microsoft", "Intro call with Grace Hopper",
                               _at("2026-05-04T09:00:00+00:00"),
                               _at("2026-05-04T09:30:00+00:00"))   # the host's own

    assert _ids(outlook.booking_events(primary, "booking-uid-1")) == [first.id, again.id]
    assert _ids(outlook.booking_events(primary, "booking-uid-3")) == []


def _ids(found: list[TaggedEvent] | None) -> list[str]:
    assert found is not None
    return [e.id for e in found]


def test_a_bookings_events_are_listed_with_when_graph_made_each(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    made = outlook.create_event(primary, _booking("booking-uid-1"))
    provider_sandbox.age_event("microsoft", made.id, timedelta(hours=1))

    (found,) = outlook.booking_events(primary, "booking-uid-1")

    assert found.id == made.id and found.made_at is not None
    assert timedelta(minutes=59) < datetime.now(UTC) - found.made_at < timedelta(minutes=61)


def test_listing_a_bookings_events_follows_every_page(provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    made = [outlook.create_event(primary, replace(_booking(f"key-{n}"),
                                                  booking_uid="booking-uid-1")).id
            for n in range(3)]
    provider_sandbox.set_page_size(1)

    found = _ids(outlook.booking_events(primary, "booking-uid-1"))

    assert found == made
    assert provider_sandbox.api_calls("microsoft", "events.list") == 3


def test_a_calendar_the_host_deleted_lists_none_of_a_bookings_events(
        provider_sandbox: ProviderSandbox) -> None:
    outlook = _outlook(provider_sandbox)
    second = provider_sandbox.calendars("microsoft")[1].id
    made = outlook.create_event(second, _booking("booking-uid-1"))
    provider_sandbox.delete_calendar("microsoft", second)   # Graph answers 404 now

    assert _ids(outlook.booking_events(second, "booking-uid-1")) == []
    outlook.delete_event(second, made.id)   # gone with its calendar: fine


def test_a_booking_uid_with_a_quote_is_quoted_in_the_filter(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    made = outlook.create_event(primary, _booking("o'brien-1"))

    assert _ids(outlook.booking_events(primary, "o'brien-1")) == [made.id]


def test_an_event_made_before_events_were_tagged_is_tagged_when_moved(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    made = provider_sandbox.add_event("microsoft", "Intro call with Grace Hopper",
                                      _at("2026-05-04T09:00:00+00:00"),
                                      _at("2026-05-04T09:30:00+00:00"))   # with no tag
    assert _ids(outlook.booking_events(primary, "booking-uid-1")) == []

    outlook.update_event(primary, made.id, _booking())

    assert _ids(outlook.booking_events(primary, "booking-uid-1")) == [made.id]


def test_moving_an_event_keeps_the_guests_the_host_added_to_it(
        provider_sandbox: ProviderSandbox) -> None:
    tokens = HostTokens(provider_sandbox)
    outlook, primary = _outlook(provider_sandbox, tokens), _primary(provider_sandbox)
    made = outlook.create_event(primary, _booking(online=True))
    guests = [{"emailAddress": {"address": "grace@example.test", "name": "Grace Hopper"},
               "type": "required"},
              {"emailAddress": {"address": "colleague@example.test"}, "type": "required"}]
    # The host invites a colleague to the booking's event in Outlook.
    requests.patch(f"{provider_sandbox.base_url('microsoft')}/v1.0/me/events/{made.id}",
                   json={"attendees": guests}, timeout=10,
                   headers={"Authorization": f"Bearer {tokens(False)}"}).raise_for_status()
    later = _range("2026-05-05T14:00:00+00:00", "2026-05-05T14:30:00+00:00")

    outlook.update_event(primary, made.id, replace(_booking(online=True), when=later))

    event, = [e for e in provider_sandbox.events("microsoft") if e.created_by_app]
    assert event.start == later.start and event.body["attendees"] == guests


def test_update_moves_the_event_and_deleting_it_twice_is_fine(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    made = outlook.create_event(primary, _booking(online=True))
    later = _range("2026-05-05T14:00:00+00:00", "2026-05-05T14:30:00+00:00")

    moved = outlook.update_event(primary, made.id, replace(_booking(online=True), when=later))
    [event] = provider_sandbox.events("microsoft")
    outlook.delete_event(primary, made.id)
    outlook.delete_event(primary, made.id)

    assert moved == made  # the same event, with the same Teams link
    assert (event.start, event.end) == (later.start, later.end)
    assert provider_sandbox.events("microsoft") == []


def test_an_event_in_a_calendar_shared_to_the_host_is_moved_and_deleted_under_that_calendar(
        httpserver: HTTPServer) -> None:
    # A calendar shared to the host with edit rights is listed (canEdit) and may be the
    # destination; Microsoft documents its events, in the host's local copy, only under
    # that calendar (learn.microsoft.com/graph/outlook-get-shared-events-calendars). What
    # Graph answers at /me/events/{id} for one is not documented: here, 404.
    shared, event_id = "AAMkADAABf0JlyAAA=", "AAMkSharedEvent1"
    at = f"/v1.0/me/calendars/{shared}/events/{event_id}"
    httpserver.expect_request(at, method="PATCH").respond_with_json({"id": event_id})
    httpserver.expect_request(at, method="DELETE").respond_with_data(status=204)
    httpserver.expect_request(f"/v1.0/me/events/{event_id}").respond_with_json(
        {"error": {"code": "ErrorItemNotFound",
                   "message": "The specified object was not found in the store."}}, status=404)
    outlook = GraphCalendar(MicrosoftApp("id", "secret", base_url=httpserver.url_for("")
                                         .rstrip("/")), lambda refresh: "token")

    moved = outlook.update_event(shared, event_id, _booking())
    outlook.delete_event(shared, event_id)

    assert moved.id == event_id
    assert [(r.method, r.path) for r, _ in httpserver.log] == [("PATCH", at), ("DELETE", at)]


# ---- errors --------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_call_retried(
        provider_sandbox: ProviderSandbox) -> None:
    tokens = HostTokens(provider_sandbox)
    outlook = _outlook(provider_sandbox, tokens)
    provider_sandbox.expire_access_tokens("microsoft")

    found = outlook.calendars()

    assert len(found) == 2 and tokens.refreshes == 1


def test_parallel_reads_with_an_expired_token_refresh_it_only_once(
        provider_sandbox: ProviderSandbox) -> None:
    tokens = HostTokens(provider_sandbox)
    ids = [c.id for c in provider_sandbox.calendars("microsoft")]
    provider_sandbox.expire_access_tokens("microsoft")

    read = _outlook(provider_sandbox, tokens).busy(ids, MAY)

    assert [b.unknown for b in read] == [False, False]
    assert tokens.refreshes == 1  # a second refresh would present a rotated refresh token


def test_a_token_refused_again_after_a_refresh_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    asked: list[bool] = []

    def refused(force: bool) -> str:
        asked.append(force)
        return "not-a-token"

    client = provider_sandbox.client("microsoft")
    outlook = GraphCalendar(MicrosoftApp(client.client_id, client.client_secret,
                                         base_url=provider_sandbox.base_url("microsoft")),
                            refused)

    with pytest.raises(ConnectionBrokenError) as broken:
        outlook.calendars()
    assert broken.value.provider == "microsoft" and asked.count(True) == 1


def test_a_token_without_calendar_consent_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    outlook = _outlook(provider_sandbox, HostTokens(provider_sandbox, ("email",)))

    with pytest.raises(ConnectionBrokenError, match="ErrorAccessDenied"):
        outlook.calendars()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_or_a_server_error_is_unavailable_with_retry_after_said(
        provider_sandbox: ProviderSandbox, status: int) -> None:
    outlook = _outlook(provider_sandbox)
    provider_sandbox.fail_next_api_calls("microsoft", status=status, retry_after=7)

    with pytest.raises(ProviderUnavailableError, match=r"Retry-After: 7 s") as unavailable:
        outlook.create_event(_primary(provider_sandbox), _booking())
    assert unavailable.value.provider == "microsoft"
    assert provider_sandbox.events("microsoft") == []


def test_a_slow_graph_is_unavailable(provider_sandbox: ProviderSandbox) -> None:
    outlook = _outlook(provider_sandbox, timeout=0.2)
    provider_sandbox.set_api_delay("microsoft", 1.0)

    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        outlook.calendars()


def test_a_long_listing_ends_within_the_timeout_all_together_not_per_page(
        provider_sandbox: ProviderSandbox) -> None:
    # A push notification's sync must answer Graph within 3 s: three pages of 0.4 s do
    # not fit a budget of 1 s, though each page alone would.
    start = datetime(2026, 5, 4, 9, tzinfo=UTC)
    for n in range(250):
        when = start + timedelta(hours=n)
        provider_sandbox.add_event("microsoft", f"Event {n}", when, when + timedelta(minutes=30))
    window = TimeRange(start, start + timedelta(days=12))
    listed = _outlook(provider_sandbox).changes(_primary(provider_sandbox), window, None)
    assert len(listed.changes) == 250  # three pages of Penny's $top=100
    provider_sandbox.set_api_delay("microsoft", 0.4)

    with pytest.raises(ProviderUnavailableError, match=r"did not (answer|finish)"):
        _outlook(provider_sandbox, timeout=1.0).changes(_primary(provider_sandbox), window,
                                                        None)


def test_updating_an_event_the_host_deleted_says_it_is_gone_and_a_new_key_makes_another(
        provider_sandbox: ProviderSandbox) -> None:
    outlook, primary = _outlook(provider_sandbox), _primary(provider_sandbox)
    made = outlook.create_event(primary, _booking("booking-uid-1", online=True))
    outlook.delete_event(primary, made.id)   # as the host does in Outlook

    with pytest.raises(EventGoneError, match="ErrorItemNotFound"):
        outlook.update_event(primary, made.id, _booking("booking-uid-1", online=True))
    again = outlook.create_event(primary, _booking("booking-uid-1-again", online=True))

    [event] = provider_sandbox.events("microsoft")
    assert again.id == event.id != made.id
    assert again.join_url and again.join_url != made.join_url


def test_an_event_graph_cannot_find_to_update_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ProviderRejectedError, match="ErrorItemNotFound"):
        _outlook(provider_sandbox).update_event(_primary(provider_sandbox), "AAMkAGnope",
                                                _booking())


SLOW_VALIDATION = 2.5   # seconds the receiver takes: past a 2 s page, within Graph's 10 s


def _slow_echo(url: str, token: str) -> tuple[int, str, str]:
    """Penny's endpoint answering Graph's validation request late (a cold Lambda)."""
    time.sleep(SLOW_VALIDATION)
    return 200, "text/plain; charset=utf-8", token


def _watches_soon(sandbox: ProviderSandbox, count: int) -> list[Any]:
    """The sandbox's subscriptions, once `count` are made (its POST still running)."""
    for _ in range(200):
        if len(sandbox.watches("microsoft")) >= count:
            break
        time.sleep(0.05)
    return sandbox.watches("microsoft")


def test_a_subscription_whose_validation_outlasts_a_2s_caller_is_made_all_the_same(
        provider_sandbox: ProviderSandbox) -> None:
    # As Graph: the POST waits on the validation, and a client that hung up meanwhile
    # leaves an orphan it never learnt the id of. Penny's pages never POST (2 s).
    provider_sandbox.answer_validations(_slow_echo)
    try:
        with pytest.raises(ProviderUnavailableError):
            _outlook(provider_sandbox, timeout=READ_TIMEOUT).watch(
                _primary(provider_sandbox), "http://penny.test/hooks/outlook", "w-1", "s",
                datetime.now(UTC) + timedelta(days=1))
        (orphan,) = _watches_soon(provider_sandbox, 1)
    finally:
        provider_sandbox.answer_validations(None)

    assert orphan.secret == "s"


def test_a_subscription_whose_answer_a_gateway_lost_is_made_and_can_be_deleted(
        provider_sandbox: ProviderSandbox) -> None:
    # An orphan made at once, for Penny's tests of what it does with one.
    outlook = _outlook(provider_sandbox, timeout=WATCH_TIMEOUT)
    provider_sandbox.lose_next_answers("microsoft", "subscriptions.create")
    provider_sandbox.answer_validations(lambda url, token: (200, "text/plain", token))
    try:
        with pytest.raises(ProviderUnavailableError):
            outlook.watch(_primary(provider_sandbox), "http://penny.test/hooks/outlook", "w-1",
                          "s", datetime.now(UTC) + timedelta(days=1))
    finally:
        provider_sandbox.answer_validations(None)
    (orphan,) = provider_sandbox.watches("microsoft")
    assert orphan.secret == "s"

    outlook.stop(Watch(orphan.id, _primary(provider_sandbox), orphan.expires_at))

    assert provider_sandbox.watches("microsoft") == []


def test_the_workers_timeout_waits_out_a_slow_validation_and_gets_the_subscription(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.answer_validations(_slow_echo)
    try:
        watch = _outlook(provider_sandbox, timeout=WATCH_TIMEOUT).watch(
            _primary(provider_sandbox), "http://penny.test/hooks/outlook", "w-1", "s",
            datetime.now(UTC) + timedelta(days=1))
    finally:
        provider_sandbox.answer_validations(None)

    assert [w.id for w in provider_sandbox.watches("microsoft")] == [watch.id]


def test_a_validation_answered_after_graphs_10s_fails_the_subscription(
        provider_sandbox: ProviderSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_subscriptions, "HANDSHAKE_TIMEOUT", SLOW_VALIDATION / 2)
    provider_sandbox.answer_validations(_slow_echo)
    try:
        with pytest.raises(ProviderRejectedError, match="validation request failed"):
            _outlook(provider_sandbox, timeout=WATCH_TIMEOUT).watch(
                _primary(provider_sandbox), "http://penny.test/hooks/outlook", "w-1", "s",
                datetime.now(UTC) + timedelta(days=1))
    finally:
        provider_sandbox.answer_validations(None)

    assert provider_sandbox.watches("microsoft") == []
