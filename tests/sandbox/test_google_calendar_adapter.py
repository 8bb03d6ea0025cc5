"""Penny's Google Calendar adapter (chalicelib/integrations/google_calendar.py) against the
sandbox's fake Calendar v3, through the real google-api-python-client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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
from chalicelib.domain.external_busy import ExternalEvent, ShownAs
from chalicelib.domain.providers.calendars import (
    CalendarEvent,
    CalendarInfo,
    CalendarProvider,
    EventChange,
)
from chalicelib.domain.providers.oauth import Feature
from chalicelib.domain.timerange import TimeRange
from chalicelib.integrations.google_calendar import GoogleCalendar
from chalicelib.integrations.google_calendar_wire import google_event_id
from chalicelib.integrations.google_services import resource
from chalicelib.integrations.oauth.scopes import GOOGLE, GOOGLE_CALENDAR_LIST, GOOGLE_FREEBUSY
from chalicelib.provider_settings import OAuthApp
from sandbox import ProviderSandbox
from tests.sandbox.google_tokens import GoogleToken
from tests.sandbox.receiver import Receiver

PENNY = GOOGLE[Feature.CALENDAR]
ROOT = "http://127.0.0.1:9/calendar/v3/"  # never reached: nothing is sent from it
WEEK = TimeRange(datetime(2026, 5, 4, tzinfo=UTC), datetime(2026, 5, 11, tzinfo=UTC))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class HostToken(GoogleToken):
    """The host's token source, with the scopes these tests grant unless told others."""

    def __init__(self, sandbox: ProviderSandbox, scopes: tuple[str, ...] = PENNY,
                 refreshes: bool = True) -> None:
        super().__init__(sandbox, scopes, refreshes)


def _adapter(sandbox: ProviderSandbox, token: HostToken | None = None,
             timeout: float = 10, page_size: int = 250) -> CalendarProvider:
    client = sandbox.client("google")
    entry = OAuthApp(client.client_id, client.client_secret, sandbox.base_url("google"))
    return GoogleCalendar(entry, token or HostToken(sandbox), timeout, page_size=page_size,
                          sleep=lambda seconds: None)


def _booking(key: str = "booking-uid-1", start: str = "2026-05-04T09:00:00+00:00",
             online_meeting: bool = True) -> CalendarEvent:
    begins = _at(start)
    return CalendarEvent(key=key, title="Intro call with Grace",
                         when=TimeRange(begins, begins + timedelta(minutes=30)),
                         attendee_name="Grace Hopper", attendee_email="grace@example.com",
                         description="Booked with Penny", online_meeting=online_meeting)


# -- calendars and busy ----------------------------------------------------------------


def test_calendars_lists_the_primary_first_and_each_the_host_owns_as_writable(
        provider_sandbox: ProviderSandbox) -> None:
    primary, second = provider_sandbox.calendars("google")

    assert _adapter(provider_sandbox).calendars() == [
        CalendarInfo(primary.id, "ada@sandbox.test", primary=True, writable=True),
        CalendarInfo(second.id, "Side projects", primary=False, writable=True)]


def test_busy_merges_and_clips_each_calendar_and_reads_a_failing_one_as_unknown(
        provider_sandbox: ProviderSandbox) -> None:
    primary, second = provider_sandbox.calendars("google")
    add = provider_sandbox.add_event
    add("google", "Late night", _at("2026-05-03T23:00:00+00:00"), _at("2026-05-04T01:00:00+00:00"))
    add("google", "Standup", _at("2026-05-05T09:00:00+00:00"), _at("2026-05-05T10:00:00+00:00"))
    add("google", "Overlap", _at("2026-05-05T09:30:00+00:00"), _at("2026-05-05T11:00:00+00:00"))
    provider_sandbox.fail_calendar("google", second.id)

    mine, failing = _adapter(provider_sandbox).busy([primary.id, second.id], WEEK)

    assert mine.calendar_id == primary.id and not mine.unknown
    assert mine.ranges == (
        TimeRange(_at("2026-05-04T00:00:00+00:00"), _at("2026-05-04T01:00:00+00:00")),
        TimeRange(_at("2026-05-05T09:00:00+00:00"), _at("2026-05-05T11:00:00+00:00")))
    assert failing.calendar_id == second.id and failing.unknown
    assert failing.busy() == [WEEK]


def test_busy_asks_for_at_most_50_calendars_a_call(provider_sandbox: ProviderSandbox) -> None:
    primary, second = provider_sandbox.calendars("google")
    strangers = [f"c{i}@sandbox.test" for i in range(50)]

    answers = _adapter(provider_sandbox).busy([primary.id, second.id, *strangers], WEEK)

    assert [a.calendar_id for a in answers] == [primary.id, second.id, *strangers]
    # Calendars the account does not have: freeBusy's notFound, gone (holding nothing).
    assert [a.gone is not None for a in answers] == [False, False] + [True] * 50
    assert provider_sandbox.api_call_counts("google") == {"freebusy.query": 2}


# -- changes ---------------------------------------------------------------------------


def test_a_deleted_calendar_is_gone_for_busy_and_for_a_sync(
        provider_sandbox: ProviderSandbox) -> None:
    # Google answers a calendar deleted, or no longer shared, alike: 404 notFound.
    adapter = _adapter(provider_sandbox)
    primary, second = (c.id for c in provider_sandbox.calendars("google"))
    cursor = adapter.changes(second, WEEK, None).cursor
    provider_sandbox.delete_calendar("google", second)

    read, gone = adapter.busy([primary, second], WEEK)

    assert read.gone is None and not read.unknown
    assert gone.gone is not None and not gone.unknown
    for since in (None, cursor):
        with pytest.raises(CalendarGoneError, match="deleted, or is no longer shared"):
            adapter.changes(second, WEEK, since)


def test_changes_describe_declined_transparent_and_all_day_events(
        provider_sandbox: ProviderSandbox) -> None:
    add = provider_sandbox.add_event
    busy = add("google", "Busy", _at("2026-05-04T09:00:00+00:00"),
               _at("2026-05-04T10:00:00+00:00"))
    free = add("google", "Focus", _at("2026-05-04T12:00:00+00:00"),
               _at("2026-05-04T13:00:00+00:00"), show_as="free")
    declined = add("google", "Declined", _at("2026-05-04T14:00:00+00:00"),
                   _at("2026-05-04T15:00:00+00:00"), declined=True,
                   body={"attendees": [{"email": "ada@sandbox.test", "self": True,
                                        "responseStatus": "declined"}]})
    holiday = add("google", "Holiday", _at("2026-05-05T00:00:00+00:00"),
                  _at("2026-05-06T00:00:00+00:00"), all_day=True, show_as="free")

    listed = _adapter(provider_sandbox).changes("primary", WEEK, None)

    assert listed.full and listed.cursor and listed.calendar_id == "primary"
    events = {change.id: change.event for change in listed.changes}
    assert events == {
        busy.id: ExternalEvent(TimeRange(busy.start, busy.end)),
        free.id: ExternalEvent(TimeRange(free.start, free.end), shown_as=ShownAs.FREE),
        declined.id: ExternalEvent(TimeRange(declined.start, declined.end), declined=True),
        holiday.id: ExternalEvent(TimeRange(holiday.start, holiday.end), shown_as=ShownAs.FREE,
                                  all_day=True)}


def test_changes_list_each_occurrence_of_a_recurring_event(
        provider_sandbox: ProviderSandbox) -> None:
    series = provider_sandbox.add_event("google", "Weekly 1:1", _at("2026-04-27T15:00:00+00:00"),
                                        _at("2026-04-27T15:30:00+00:00"), weekly=4)
    window = TimeRange(WEEK.start, _at("2026-05-25T00:00:00+00:00"))

    listed = _adapter(provider_sandbox).changes("primary", window, None)

    assert [c.event.when.start if c.event else None for c in listed.changes] == [
        _at("2026-05-04T15:00:00+00:00"), _at("2026-05-11T15:00:00+00:00"),
        _at("2026-05-18T15:00:00+00:00")]
    assert len({c.id for c in listed.changes}) == 3
    assert all(c.id.startswith(f"{series.id}_") for c in listed.changes)


def test_changes_read_every_page(provider_sandbox: ProviderSandbox) -> None:
    for day in range(4, 9):
        provider_sandbox.add_event("google", f"Day {day}", _at(f"2026-05-0{day}T09:00:00+00:00"),
                                   _at(f"2026-05-0{day}T10:00:00+00:00"))

    listed = _adapter(provider_sandbox, page_size=2).changes("primary", WEEK, None)

    assert len(listed.changes) == 5 and listed.cursor
    assert provider_sandbox.api_call_counts("google") == {"events.list": 3}


def test_an_incremental_sync_lists_only_what_changed_and_a_deleted_event_as_gone(
        provider_sandbox: ProviderSandbox) -> None:
    kept = provider_sandbox.add_event("google", "Kept", _at("2026-05-04T09:00:00+00:00"),
                                      _at("2026-05-04T10:00:00+00:00"))
    dropped = provider_sandbox.add_event("google", "Dropped", _at("2026-05-05T09:00:00+00:00"),
                                         _at("2026-05-05T10:00:00+00:00"))
    calendar = _adapter(provider_sandbox)
    first = calendar.changes("primary", WEEK, None)
    new = provider_sandbox.add_event("google", "New", _at("2026-05-06T09:00:00+00:00"),
                                     _at("2026-05-06T10:00:00+00:00"))
    calendar.delete_event("primary", dropped.id)

    since = calendar.changes("primary", WEEK, first.cursor)

    assert {c.id for c in first.changes} == {kept.id, dropped.id}
    assert not since.full and since.cursor and since.cursor != first.cursor
    assert set(since.changes) == {
        EventChange(new.id, ExternalEvent(TimeRange(new.start, new.end))),
        EventChange(dropped.id, None, removed=True)}


def test_a_deleted_series_comes_back_as_each_of_its_instances_gone(
        provider_sandbox: ProviderSandbox) -> None:
    # Google: with singleEvents, "only single instances of deleted events (but not the
    # underlying recurring events) are returned" (calendar.v3 events.list showDeleted).
    series = provider_sandbox.add_event("google", "Weekly 1:1", _at("2026-05-04T15:00:00+00:00"),
                                        _at("2026-05-04T15:30:00+00:00"), weekly=3)
    window = TimeRange(WEEK.start, _at("2026-05-25T00:00:00+00:00"))
    calendar = _adapter(provider_sandbox)
    first = calendar.changes("primary", window, None)
    calendar.delete_event("primary", series.id)

    since = calendar.changes("primary", window, first.cursor)

    instances = {c.id for c in first.changes}
    assert len(instances) == 3 and series.id not in instances
    assert set(since.changes) == {EventChange(i, None, removed=True) for i in instances}


def test_an_expired_sync_token_falls_back_to_a_full_listing(
        provider_sandbox: ProviderSandbox) -> None:
    event = provider_sandbox.add_event("google", "Old", _at("2026-05-04T09:00:00+00:00"),
                                       _at("2026-05-04T10:00:00+00:00"))
    calendar = _adapter(provider_sandbox)
    cursor = calendar.changes("primary", WEEK, None).cursor
    provider_sandbox.expire_sync_tokens("google")

    again = calendar.changes("primary", WEEK, cursor)

    assert again.full and again.cursor and [c.id for c in again.changes] == [event.id]
    assert provider_sandbox.api_call_counts("google") == {"events.list": 3}


# -- push ------------------------------------------------------------------------------


def test_a_watch_posts_each_change_with_the_channel_token(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hooks/google", method="POST").respond_with_handler(
        receiver.handler)
    asked = datetime.now(UTC) + timedelta(days=3)

    watch = _adapter(provider_sandbox).watch("primary", httpserver.url_for("/hooks/google"),
                                             "watch-1", "penny-secret", asked)
    provider_sandbox.add_event("google", "Busy", _at("2026-05-04T09:00:00+00:00"),
                               _at("2026-05-04T10:00:00+00:00"))
    _, change = receiver.wait_for(2)

    channel, = provider_sandbox.watches("google")
    assert (watch.id, watch.calendar_id, watch.resource_id) == ("watch-1", "primary",
                                                                channel.resource_id)
    # The channel lives as long as Google's answer says, which may differ from the ask.
    assert abs(watch.expires_at - channel.expires_at) < timedelta(seconds=1)
    assert change.headers["X-Goog-Channel-Id"] == "watch-1"
    assert change.headers["X-Goog-Channel-Token"] == "penny-secret"
    assert change.headers["X-Goog-Resource-State"] == "exists"


def test_stopping_a_watch_ends_it_and_stopping_it_again_is_fine(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hooks/google").respond_with_data("", status=200)
    calendar = _adapter(provider_sandbox)
    watch = calendar.watch("primary", httpserver.url_for("/hooks/google"), "watch-2", "secret",
                           datetime.now(UTC) + timedelta(days=1))

    calendar.stop(watch)
    calendar.stop(watch)

    assert provider_sandbox.watches("google") == []


# -- writing ---------------------------------------------------------------------------


def test_an_event_id_is_base32hex_and_stable_per_key() -> None:
    made = google_event_id("booking-uid-1")

    assert re.fullmatch(r"[a-v0-9]{5,1024}", made)
    assert made == google_event_id("booking-uid-1") != google_event_id("booking-uid-2")


def test_creating_an_event_with_meet_returns_its_join_url(
        provider_sandbox: ProviderSandbox) -> None:
    written = _adapter(provider_sandbox).create_event("primary", _booking())

    stored, = provider_sandbox.events("google")
    assert written.id == stored.id == google_event_id("booking-uid-1")
    assert written.join_url and written.join_url == stored.link
    assert written.join_url.startswith("https://meet.google.com/")
    assert stored.created_by_app and stored.start == _at("2026-05-04T09:00:00+00:00")
    assert stored.body["attendees"] == [{"email": "grace@example.com",
                                         "displayName": "Grace Hopper"}]


def test_a_meet_link_google_is_still_making_is_read_again_once_it_is_made(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.meet_pending(reads=1)

    written = _adapter(provider_sandbox).create_event("primary", _booking())

    stored, = provider_sandbox.events("google")
    assert written.join_url and written.join_url == stored.link
    assert provider_sandbox.api_call_counts("google") == {"events.insert": 1, "events.get": 2}


def test_a_meet_link_still_pending_after_its_reads_is_unavailable_and_a_retry_gets_it(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.meet_pending(reads=4)  # the write and 4 reads: more than one run waits
    calendar = _adapter(provider_sandbox)

    with pytest.raises(ProviderUnavailableError, match="Meet"):
        calendar.create_event("primary", _booking())
    again = calendar.create_event("primary", _booking())

    stored, = provider_sandbox.events("google")
    assert again.id == stored.id and again.join_url == stored.link is not None


def test_an_update_whose_meet_link_is_still_pending_after_its_reads_is_not_patched_again(
        provider_sandbox: ProviderSandbox) -> None:
    # A patch that fails for a retry patches again, and with sendUpdates the client and
    # the host's guests get a second update: the answer is taken as it is, with no link
    # (the calendar job keeps the link the booking has).
    calendar = _adapter(provider_sandbox)
    made = calendar.create_event("primary", _booking(online_meeting=False))
    provider_sandbox.meet_pending(reads=4)

    updated = calendar.update_event("primary", made.id, _booking())

    assert (updated.id, updated.join_url) == (made.id, None)
    assert provider_sandbox.api_call_counts("google") == {
        "events.insert": 1, "events.patch": 1, "events.get": 3}


def test_the_id_of_a_keys_event_is_known_without_asking_google(
        provider_sandbox: ProviderSandbox) -> None:
    calendar = _adapter(provider_sandbox)

    known = calendar.event_id_for("primary", "booking-uid-1")
    made = calendar.create_event("primary", _booking())

    assert known == made.id
    assert provider_sandbox.api_call_counts("google") == {"events.insert": 1}


def test_an_event_without_a_meeting_has_no_join_url(provider_sandbox: ProviderSandbox) -> None:
    written = _adapter(provider_sandbox).create_event("primary",
                                                      _booking(online_meeting=False))

    assert written.join_url is None and provider_sandbox.events("google")[0].link is None


def test_creating_twice_with_the_same_key_makes_one_event(
        provider_sandbox: ProviderSandbox) -> None:
    calendar = _adapter(provider_sandbox)

    first = calendar.create_event("primary", _booking())
    again = calendar.create_event("primary", _booking())

    assert again == first and len(provider_sandbox.events("google")) == 1
    assert provider_sandbox.api_call_counts("google") == {"events.insert": 2, "events.get": 1}


def test_creating_again_an_event_cancelled_at_google_brings_it_back(
        provider_sandbox: ProviderSandbox) -> None:
    token = HostToken(provider_sandbox)
    calendar = _adapter(provider_sandbox, token)
    made = calendar.create_event("primary", _booking())
    requests.patch(f"{provider_sandbox.base_url('google')}/calendar/v3/calendars/primary/"
                   f"events/{made.id}", json={"status": "cancelled"}, timeout=10,
                   headers={"Authorization": f"Bearer {token.access}"}).raise_for_status()

    again = calendar.create_event("primary", _booking())

    stored, = provider_sandbox.events("google")
    assert again == made and not stored.cancelled


def test_moving_an_event_keeps_the_guests_the_host_added_to_it(
        provider_sandbox: ProviderSandbox) -> None:
    token = HostToken(provider_sandbox)
    calendar = _adapter(provider_sandbox, token)
    made = calendar.create_event("primary", _booking())
    guests = [{"email": "grace@example.com", "displayName": "Grace Hopper"},
              {"email": "colleague@example.com"}]
    # The host invites a colleague to the booking's event in Google Calendar.
    requests.patch(f"{provider_sandbox.base_url('google')}/calendar/v3/calendars/primary/"
                   f"events/{made.id}", json={"attendees": guests}, timeout=10,
                   headers={"Authorization": f"Bearer {token.access}"}).raise_for_status()

    calendar.update_event("primary", made.id, _booking(start="2026-05-05T14:00:00+00:00"))

    stored, = provider_sandbox.events("google")
    assert stored.start == _at("2026-05-05T14:00:00+00:00")
    assert stored.body["attendees"] == guests


def test_updating_an_event_moves_it_and_keeps_its_meet_link(
        provider_sandbox: ProviderSandbox) -> None:
    calendar = _adapter(provider_sandbox)
    made = calendar.create_event("primary", _booking())

    moved = calendar.update_event("primary", made.id,
                                  _booking(start="2026-05-05T14:00:00+00:00"))

    stored, = provider_sandbox.events("google")
    assert moved == made and stored.start == _at("2026-05-05T14:00:00+00:00")


def test_updating_an_event_that_is_not_there_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ProviderRejectedError, match="HTTP 404"):
        _adapter(provider_sandbox).update_event("primary", "nosuchevent0", _booking())


@pytest.mark.parametrize("how", ["deleted", "cancelled"])
def test_updating_an_event_the_host_deleted_says_it_is_gone_and_a_new_key_makes_another(
        provider_sandbox: ProviderSandbox, how: str) -> None:
    token = HostToken(provider_sandbox)
    calendar = _adapter(provider_sandbox, token)
    made = calendar.create_event("primary", _booking())
    url = f"{provider_sandbox.base_url('google')}/calendar/v3/calendars/primary/events/{made.id}"
    auth = {"Authorization": f"Bearer {token.access}"}
    if how == "deleted":
        requests.delete(url, headers=auth, timeout=10).raise_for_status()
    else:
        requests.patch(url, json={"status": "cancelled"}, headers=auth,
                       timeout=10).raise_for_status()

    with pytest.raises(EventGoneError):
        calendar.update_event("primary", made.id, _booking(start="2026-05-05T14:00:00+00:00"))
    again = calendar.create_event("primary", _booking("booking-uid-1-again",
                                                      start="2026-05-05T14:00:00+00:00"))

    assert again.id != made.id and again.join_url and again.join_url != made.join_url


def test_deleting_an_event_twice_or_one_never_made_is_fine(
        provider_sandbox: ProviderSandbox) -> None:
    calendar = _adapter(provider_sandbox)
    made = calendar.create_event("primary", _booking())

    calendar.delete_event("primary", made.id)
    calendar.delete_event("primary", made.id)
    calendar.delete_event("primary", "nosuchevent0")

    assert provider_sandbox.events("google") == []


def test_an_event_the_host_moved_is_found_in_the_calendar_it_went_to(
        provider_sandbox: ProviderSandbox) -> None:
    primary, side = provider_sandbox.calendars("google")
    calendar = _adapter(provider_sandbox)
    made = calendar.create_event("primary", _booking())
    provider_sandbox.move_event("google", made.id, side.id)

    assert calendar.moved_to("primary", made.id) == side.id
    assert calendar.moved_to(primary.id, made.id) == side.id


def test_an_event_the_host_deleted_is_found_moved_nowhere(
        provider_sandbox: ProviderSandbox) -> None:
    calendar = _adapter(provider_sandbox)
    made = calendar.create_event("primary", _booking())
    stays = calendar.create_event("primary", _booking(key="booking-uid-2"))
    provider_sandbox.delete_event("google", made.id)

    assert calendar.moved_to("primary", made.id) is None
    assert calendar.moved_to("primary", stays.id) is None  # still there, not moved
    # Each look: the calendar list, then one read per other calendar the host owns.
    counts = provider_sandbox.api_call_counts("google")
    assert (counts["calendarList.list"], counts["events.get"]) == (2, 2)


# -- tokens and failures ---------------------------------------------------------------


def test_a_401_refreshes_the_token_once_and_retries_the_call(
        provider_sandbox: ProviderSandbox) -> None:
    token = HostToken(provider_sandbox)
    calendar = _adapter(provider_sandbox, token)
    provider_sandbox.expire_access_tokens("google")

    answer, = calendar.busy(["primary"], WEEK)

    assert not answer.unknown and token.asked == [False, True]
    assert provider_sandbox.api_call_counts("google") == {
        "freebusy.query (refused)": 1, "freebusy.query": 1}


def test_hosts_share_one_calendar_resource_and_each_request_sends_its_own_token(
        provider_sandbox: ProviderSandbox) -> None:
    stale = HostToken(provider_sandbox, refreshes=False)
    provider_sandbox.expire_access_tokens("google")
    fresh = HostToken(provider_sandbox)
    first, second = _adapter(provider_sandbox, fresh), _adapter(provider_sandbox, stale)

    first.busy(["primary"], WEEK)
    with pytest.raises(ConnectionBrokenError):
        second.busy(["primary"], WEEK)
    first.busy(["primary"], WEEK)

    assert fresh.asked == [False] and stale.asked == [False, True]
    assert resource("calendar", "v3", ROOT, "freebusy") is resource(
        "calendar", "v3", ROOT, "freebusy")


def test_a_shared_resource_sends_nothing_without_a_hosts_transport() -> None:
    request = resource("calendar", "v3", ROOT, "events").list(calendarId="primary")

    with pytest.raises(RuntimeError, match="host's transport"):
        request.execute(num_retries=0)


def test_a_token_refused_after_its_refresh_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    token = HostToken(provider_sandbox, refreshes=False)
    provider_sandbox.expire_access_tokens("google")

    with pytest.raises(ConnectionBrokenError) as broken:
        _adapter(provider_sandbox, token).busy(["primary"], WEEK)

    assert broken.value.provider == "google" and token.asked == [False, True]
    assert provider_sandbox.api_call_counts("google") == {"freebusy.query (refused)": 2}


def test_a_grant_without_the_event_scope_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    token = HostToken(provider_sandbox, (GOOGLE_FREEBUSY, GOOGLE_CALENDAR_LIST))

    with pytest.raises(ConnectionBrokenError, match="reconnect Google"):
        _adapter(provider_sandbox, token).create_event("primary", _booking())


@pytest.mark.parametrize(("status", "retry_after", "said"), [
    (429, 7, "Retry-After: 7"), (503, None, "HTTP 503")])
def test_a_rate_limit_or_outage_is_unavailable_and_not_retried_here(
        provider_sandbox: ProviderSandbox, status: int, retry_after: int | None,
        said: str) -> None:
    calendar = _adapter(provider_sandbox)
    provider_sandbox.fail_next_api_calls("google", status=status, retry_after=retry_after)

    with pytest.raises(ProviderUnavailableError, match=said):
        calendar.busy(["primary"], WEEK)

    assert provider_sandbox.api_call_counts("google") == {"freebusy.query": 1}
    assert not calendar.busy(["primary"], WEEK)[0].unknown


def test_an_answer_slower_than_the_timeout_is_unavailable(
        provider_sandbox: ProviderSandbox) -> None:
    # The outcome a slow vendor causes, not a measured duration: a delay well past the
    # adapter's timeout makes the call give up (a busy machine only makes it slower).
    calendar = _adapter(provider_sandbox, timeout=0.2)
    provider_sandbox.set_api_delay("google", 1.5)

    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        calendar.busy(["primary"], WEEK)
