"""Outlook subscriptions are made by the calendar worker, never on a 2-second path
(chalicelib/services/calendar_records.py): Graph validates a subscription's
notificationUrl while its POST waits, and allows Penny's endpoint 10 s for it. A slots
page's sync (READ_TIMEOUT), a notification's, or the choice of calendars (SYNC_TIMEOUT)
that finds the Outlook channel due leaves the copy right and asks the worker for it once;
the worker's sync (WATCH_TIMEOUT) makes it. Google's events.watch calls no one back: its
channels are still made by whichever sync finds them due. Each POST is recorded first,
by its clientState, so a subscription Graph made while the POST went unanswered is
adopted or deleted when it notifies (chalicelib/services/calendar_orphans.py).

Alice has Google and Outlook (a work calendar) connected; the clock stands at Monday
2026-03-02T12:00Z. Fakes throughout: tests/fakes/providers.py, tests/fakes/calendar_cache.py.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.calendar_cache import (
    ASK_WATCH_AGAIN_AFTER,
    CACHE_TTL,
    CalendarRef,
    CalendarSetup,
    ChannelCursor,
    SyncState,
    WatchAttempt,
)
from chalicelib.domain.connection_events import calendar_watch_asked_event
from chalicelib.domain.errors import ProviderUnavailableError
from chalicelib.domain.events import Event, EventKind
from chalicelib.domain.providers.calendars import CalendarInfo
from chalicelib.domain.timerange import TimeRange
from chalicelib.functions import calendar_push
from chalicelib.functions.edge import EdgeRequest, Headers
from chalicelib.services.calendar_cache import READ_TIMEOUT, CalendarCache
from chalicelib.services.calendar_copy_sync import SYNC_TIMEOUT
from chalicelib.services.calendar_records import WATCH_TIMEOUT
from tests.fakes.calendar_cache import FakeCalendarStore, FakeWatchAsks
from tests.fakes.providers import FakeAdapters, FakeCalendar, WatchMade
from tests.unit.fakes import FixedClock

HOST = "host-alice"
NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
GOOGLE = CalendarRef("google", "primary")
OUTLOOK = CalendarRef("microsoft", "work")
WORK = CalendarInfo("work", "Work", primary=True, writable=True)
TUESDAY = TimeRange(datetime.fromisoformat("2026-03-03T00:00:00+00:00"),
                    datetime.fromisoformat("2026-03-04T00:00:00+00:00"))
GRAPH_VALIDATION = 10.0   # seconds Graph gives the notificationUrl to answer
GRAPH_LONGEST_MINUTES = 4230   # an Outlook event subscription's longest life


@dataclass
class World:
    adapters: FakeAdapters
    store: FakeCalendarStore
    google: FakeCalendar
    outlook: FakeCalendar
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    asks: FakeWatchAsks = field(default_factory=FakeWatchAsks)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def cache(self) -> CalendarCache:
        return CalendarCache(self.adapters, self.store, self.clock,
                             lambda provider: f"https://penny.test/webhooks/calendar/{provider}",
                             new_id=lambda: f"w-{next(self.ids)}", asks=self.asks)

    def page(self, *refs: CalendarRef) -> set[CalendarRef]:
        """A slots page's refresh of these stale calendars; those synced in time."""
        states = [s for s in self.store.setup(HOST).conflicts if s.ref in refs]
        return set(self.cache.refresh(HOST, states, TUESDAY))

    def state(self, ref: CalendarRef = OUTLOOK) -> SyncState:
        found = self.store.setup(HOST).state(ref)
        assert found is not None
        return found

    def run_asked(self) -> list[bool]:
        """The calendar worker runs each watch asked of it (as its job reads the ask)."""
        done = []
        for event in self.asks.published:
            sent = Event.from_json(json.loads(json.dumps(event.to_json())))
            assert sent.type is EventKind.CALENDAR_WATCH_REQUESTED and sent.host_id == HOST
            ref = CalendarRef.parse(str((sent.connection or {})["calendar"]))
            done.append(self.cache.make_watch(HOST, ref))
        return done


@pytest.fixture
def world() -> World:
    adapters = FakeAdapters()
    google = adapters.connect_calendar(HOST, "google")
    outlook = adapters.connect_calendar(HOST, "microsoft", WORK)
    store = FakeCalendarStore()
    store.add_host(HOST, CalendarSetup((SyncState(GOOGLE), SyncState(OUTLOOK)), OUTLOOK))
    return World(adapters, store, google, outlook)


def test_a_stale_page_with_the_outlook_watch_due_asks_the_worker_and_posts_no_subscription(
        world: World) -> None:
    synced = world.page(OUTLOOK)

    assert synced == {OUTLOOK}                          # the copy is right, in time
    assert world.adapters.asked == [(HOST, "microsoft", READ_TIMEOUT)]
    assert "watch" not in world.outlook.faults.calls    # no POST /subscriptions at 2 s
    assert world.outlook.watches == {}
    assert world.asks.calendars() == ["microsoft:work"]
    assert world.state().watch_asked_at == NOW and world.state().watch_id is None


def test_stale_pages_in_a_row_ask_for_one_watch_until_the_ask_is_old(world: World) -> None:
    world.page(OUTLOOK)
    world.clock.advance(CACHE_TTL + timedelta(seconds=1))   # no channel: stale again
    world.page(OUTLOOK)
    world.clock.advance(CACHE_TTL + timedelta(seconds=1))
    world.page(OUTLOOK)

    assert len(world.outlook.changes_asked) == 3             # each page synced the copy
    assert world.asks.calendars() == ["microsoft:work"]      # and one watch was asked

    # An ask the worker never answered (lost, or Graph refused) is made again, later.
    world.clock.advance(ASK_WATCH_AGAIN_AFTER)
    world.page(OUTLOOK)
    assert world.asks.calendars() == ["microsoft:work", "microsoft:work"]
    assert world.outlook.watches == {}


def test_two_pages_syncing_at_once_ask_for_one_watch(world: World) -> None:
    # GIVEN another page's sync, which records its ask just before this one writes
    world.store.meanwhile("change", lambda: world.cache.sync(
        HOST, SyncState(OUTLOOK), READ_TIMEOUT))

    world.cache.sync(HOST, SyncState(OUTLOOK), READ_TIMEOUT)

    assert len(world.outlook.changes_asked) == 2
    assert world.asks.calendars() == ["microsoft:work"]
    assert world.outlook.watches == {}


def test_the_worker_makes_the_asked_subscription_with_a_timeout_past_graphs_validation(
        world: World) -> None:
    world.page(OUTLOOK)
    world.adapters.asked.clear()

    assert world.run_asked() == [True]

    assert world.adapters.asked == [(HOST, "microsoft", WATCH_TIMEOUT)]
    assert WATCH_TIMEOUT > GRAPH_VALIDATION
    (made,) = world.outlook.watches.values()
    assert made.address == "https://penny.test/webhooks/calendar/microsoft"
    state = world.state()
    assert state.watch_id == made.watch.id and state.watching(world.clock.now())
    assert state.watch_asked_at is None
    # Pushed to now: the next page reads the copy and asks nothing more.
    world.clock.advance(timedelta(hours=1))
    assert state.fresh_for(TUESDAY, world.clock.now(), "UTC")
    assert world.asks.calendars() == ["microsoft:work"]


def test_a_watch_made_before_the_asked_job_runs_is_not_made_again(world: World) -> None:
    world.page(OUTLOOK)
    world.asks.published.append(world.asks.published[0])  # SNS delivered it twice

    assert world.run_asked() == [True, False]
    assert len(world.outlook.watches) == 1


def test_a_page_that_syncs_while_the_worker_subscribes_keeps_the_workers_subscription(
        world: World) -> None:
    # GIVEN a page asked for the watch, and its copy went stale again
    world.page(OUTLOOK)
    world.clock.advance(CACHE_TTL + timedelta(seconds=1))

    # WHEN the worker records the subscription while the next page's sync runs
    world.store.meanwhile("change", lambda: world.run_asked())
    world.page(OUTLOOK)

    # THEN the page's write, which read the setup before it, does not drop the channel
    (made,) = world.outlook.watches.values()
    assert world.state().watch_id == made.watch.id
    assert world.state().watching(world.clock.now())
    assert world.asks.calendars() == ["microsoft:work"]


def test_renewing_an_outlook_subscription_due_within_a_day_is_asked_of_the_worker_too(
        world: World) -> None:
    world.page(OUTLOOK)
    world.run_asked()
    (first,) = world.outlook.watches
    world.clock.advance(timedelta(days=6, hours=1))   # its end within a day: due
    assert world.state().needs_watch(world.clock.now())

    # A change notification's sync (2 s) finds it due: it asks
    made = world.outlook.watches[first]
    assert world.cache.notified("microsoft", first, made.token)
    assert world.outlook.faults.calls.count("watch") == 1   # the first one only
    assert list(world.outlook.watches) == [first]
    assert len(world.asks.published) == 2

    world.run_asked()
    (renewed,) = world.outlook.watches
    assert renewed != first and world.state().watch_id == renewed
    assert [w.id for w in world.outlook.stopped] == [first]


def test_choosing_an_outlook_calendar_asks_the_worker_for_its_subscription(
        world: World) -> None:
    world.store.setups[HOST] = CalendarSetup()

    world.cache.choose(HOST, [OUTLOOK], OUTLOOK)

    assert world.adapters.asked == [(HOST, "microsoft", SYNC_TIMEOUT)]
    assert SYNC_TIMEOUT < GRAPH_VALIDATION
    assert world.outlook.watches == {}
    assert world.asks.calendars() == ["microsoft:work"]
    assert world.state().synced_at == NOW


def test_a_stale_page_still_makes_a_google_channel_itself(world: World) -> None:
    world.page(GOOGLE)

    assert len(world.google.watches) == 1
    assert world.state(GOOGLE).watch_id is not None
    assert world.asks.published == []


# ---- Graph's notifications of subscriptions Penny does not keep ---------------------------


def notification(subscription: str, state: str, ends: datetime | None = None) -> EdgeRequest:
    item = {"subscriptionId": subscription, "clientState": state, "changeType": "updated"}
    if ends is not None:
        item["subscriptionExpirationDateTime"] = ends.isoformat()
    return EdgeRequest("POST", {}, {}, Headers({"content-type": "application/json"}),
                       json.dumps({"value": [item]}).encode())


def test_a_notification_of_a_subscription_penny_never_recorded_is_accepted(
        world: World) -> None:
    # An orphan: Graph made it after Penny's POST timed out; Penny never learnt its id.
    answer = calendar_push.microsoft(world.cache, notification("sub-orphan", "its-state"))

    assert answer.status_code == 202               # Graph stops retrying it
    assert world.outlook.changes_asked == []       # and nothing is synced


def test_a_notification_of_a_kept_subscription_with_another_client_state_is_refused(
        world: World) -> None:
    world.page(OUTLOOK)
    world.run_asked()
    (made,) = world.outlook.watches.values()

    forged = calendar_push.microsoft(world.cache, notification(made.watch.id, "guess"))
    genuine = calendar_push.microsoft(world.cache, notification(made.watch.id, made.token))

    assert (forged.status_code, genuine.status_code) == (403, 202)


# ---- orphans: subscriptions Graph made while Penny's POST went unanswered -----------------


def lost_post(world: World) -> WatchMade:
    """A page asks for the watch, and the worker's POST makes the subscription at Graph
    but never hears so (it timed out): an orphan, its id unknown to Penny."""
    world.page(OUTLOOK)
    world.outlook.faults.fail_next("watch", ProviderUnavailableError("microsoft", "timed out"),
                                   after_work=True)
    world.run_asked()
    (orphan,) = world.outlook.watches.values()
    assert world.state().watch_id is None
    return orphan


def notify(world: World, made: WatchMade, state: str | None = None) -> int:
    """Graph's change notification of `made` (with another clientState: forged)."""
    return calendar_push.microsoft(world.cache, notification(
        made.watch.id, made.token if state is None else state, made.watch.expires_at)
    ).status_code


def test_each_post_for_an_outlook_subscription_is_recorded_first_by_its_token(
        world: World) -> None:
    recorded: list[dict[tuple[str, str], tuple[WatchAttempt, datetime]]] = []
    world.outlook.faults.meanwhile("watch", lambda: recorded.append(dict(world.store.attempts)))
    world.page(OUTLOOK, GOOGLE)
    world.run_asked()

    (made,) = world.outlook.watches.values()
    ((key, (attempt, kept_until)),) = recorded[0].items()   # before the POST
    assert key == ("microsoft", made.token)
    assert attempt == WatchAttempt(HOST, OUTLOOK, NOW)
    assert kept_until > NOW + timedelta(minutes=GRAPH_LONGEST_MINUTES)
    assert list(world.store.attempts) == [key]              # none for Google's channel


def test_a_subscription_made_while_the_workers_post_went_unanswered_is_adopted_when_it_notifies(
        world: World) -> None:
    orphan = lost_post(world)
    synced = len(world.outlook.changes_asked)

    assert notify(world, orphan) == 202

    # THEN it is the calendar's subscription, as if the POST had answered
    # (the fake grants a week, which Graph never does: its longest counts)
    state = world.state()
    assert state.watch_id == orphan.watch.id and state.watch_asked_at is None
    assert state.watch_expires_at == NOW + timedelta(minutes=GRAPH_LONGEST_MINUTES)
    assert world.store.find_channel("microsoft", orphan.watch.id, orphan.token) is not None
    assert list(world.outlook.watches) == [orphan.watch.id] and world.outlook.stopped == []
    # AND its change is synced, and the worker's job asked again makes none
    assert len(world.outlook.changes_asked) == synced + 1
    assert world.run_asked() == [False]
    assert world.store.attempts == {}


def test_an_adopted_orphans_notification_delivered_again_is_synced_as_a_kept_ones(
        world: World) -> None:
    orphan = lost_post(world)
    synced = len(world.outlook.changes_asked)

    assert [notify(world, orphan), notify(world, orphan)] == [202, 202]

    assert world.state().watch_id == orphan.watch.id
    assert list(world.outlook.watches) == [orphan.watch.id] and world.outlook.stopped == []
    assert len(world.outlook.changes_asked) == synced + 2


def test_an_orphan_of_a_calendar_subscribed_to_since_is_deleted_at_graph_once(
        world: World) -> None:
    orphan = lost_post(world)
    assert world.cache.make_watch(HOST, OUTLOOK)          # the job retried: this one answers
    (kept,) = (w for w in world.outlook.watches.values() if w != orphan)
    synced = len(world.outlook.changes_asked)

    # WHEN the orphan notifies, and Graph delivers it again
    assert [notify(world, orphan), notify(world, orphan)] == [202, 202]

    # THEN it is deleted at Graph once, and the calendar keeps the one it recorded
    assert [w.id for w in world.outlook.stopped] == [orphan.watch.id]
    assert list(world.outlook.watches) == [kept.watch.id]
    assert world.state().watch_id == kept.watch.id
    assert len(world.outlook.changes_asked) == synced     # nothing synced for it
    assert ("microsoft", orphan.token) not in world.store.attempts


def test_an_orphan_graph_could_not_delete_is_deleted_at_its_next_notification(
        world: World) -> None:
    orphan = lost_post(world)
    world.cache.make_watch(HOST, OUTLOOK)
    world.outlook.faults.fail_next("stop", ProviderUnavailableError("microsoft", "503"))

    assert [notify(world, orphan), notify(world, orphan)] == [202, 202]

    assert orphan.watch.id not in world.outlook.watches
    assert world.outlook.faults.calls.count("stop") == 2


def test_an_orphan_of_a_calendar_no_longer_counted_is_deleted_not_adopted(
        world: World) -> None:
    orphan = lost_post(world)
    world.store.setups[HOST] = CalendarSetup((SyncState(GOOGLE),), GOOGLE)

    assert notify(world, orphan) == 202

    assert world.outlook.watches == {} and world.store.watches == {}
    assert world.store.setup(HOST).state(OUTLOOK) is None


def test_an_orphan_older_than_the_standing_ask_is_deleted_for_the_asked_subscription(
        world: World) -> None:
    # The worker's answer to a later ask will make the calendar's subscription (an
    # attempt older than the ask may be one a disconnected connection made).
    orphan = lost_post(world)
    world.clock.advance(ASK_WATCH_AGAIN_AFTER)
    world.page(OUTLOOK)
    assert world.state().watch_asked_at == world.clock.now()

    assert notify(world, orphan) == 202

    assert world.outlook.watches == {} and world.state().watch_id is None


@pytest.mark.parametrize(("stated", "recorded"), [
    ("2026-03-04T09:30:00+00:00", "2026-03-04T09:30:00+00:00"),   # as Graph states it
    ("2026-03-05T10:31:00+00:00", "2026-03-05T10:30:00+00:00"),   # past Graph's longest
    ("9999-12-31T23:59:59+00:00", "2026-03-05T10:30:00+00:00"),   # implausible
])
def test_an_adopted_orphan_is_trusted_as_push_no_longer_than_graph_lets_a_subscription_live(
        world: World, stated: str, recorded: str) -> None:
    orphan = lost_post(world)

    answer = calendar_push.microsoft(world.cache, notification(
        orphan.watch.id, orphan.token, datetime.fromisoformat(stated)))

    assert answer.status_code == 202
    assert NOW + timedelta(minutes=GRAPH_LONGEST_MINUTES) == datetime.fromisoformat(
        "2026-03-05T10:30:00+00:00")
    state = world.state()
    assert state.watch_id == orphan.watch.id
    assert state.watch_expires_at == datetime.fromisoformat(recorded)
    assert world.store.watches[("microsoft", orphan.watch.id)].expires_at == \
        datetime.fromisoformat(recorded)


def test_an_orphan_stating_an_end_already_past_is_deleted_not_adopted(world: World) -> None:
    orphan = lost_post(world)

    answer = calendar_push.microsoft(world.cache, notification(
        orphan.watch.id, orphan.token, datetime.fromisoformat("2026-03-02T11:59:00+00:00")))

    assert answer.status_code == 202
    assert world.state().watch_id is None and world.store.watches == {}
    assert [w.id for w in world.outlook.stopped] == [orphan.watch.id]


def test_a_second_delivery_racing_the_adopting_one_syncs_the_orphan_and_never_deletes_it(
        world: World) -> None:
    # GIVEN two deliveries of the orphan's notifications at once (Graph posts rapid
    # changes concurrently): the second reads no channel for it, then the first adopts
    # it (its channel, then the setup naming it) before the second reads the setup
    orphan = lost_post(world)
    read_channel = world.store.channel_cursor
    first: list[int] = []
    rival = [lambda: notify(world, orphan)]   # the first delivery, run once

    def channel_read_before_the_first_adopts(provider: str, watch_id: str
                                             ) -> ChannelCursor | None:
        found = read_channel(provider, watch_id)
        if watch_id == orphan.watch.id and rival:
            first.append(rival.pop()())
        return found

    world.store.channel_cursor = channel_read_before_the_first_adopts  # type: ignore[method-assign]
    synced = len(world.outlook.changes_asked)

    second = notify(world, orphan)

    # THEN the first adopted it, and the second, finding it kept, synced it (202, so Graph
    # does not retry) and did not delete at Graph the subscription the setup names
    assert [*first, second] == [202, 202]
    assert world.state().watch_id == orphan.watch.id
    assert list(world.outlook.watches) == [orphan.watch.id] and world.outlook.stopped == []
    assert len(world.outlook.changes_asked) == synced + 2


def test_a_delivery_finding_its_orphan_adopted_and_settled_meanwhile_is_synced_not_refused(
        world: World) -> None:
    # GIVEN the first delivery adopts the orphan, and forgets its attempt, between the
    # second's read of the channel and its read of the attempt
    orphan = lost_post(world)
    read_attempt = world.store.find_attempt
    first: list[int] = []
    rival = [lambda: notify(world, orphan)]   # the first delivery, run once

    def attempt_read_after_the_first_settles(provider: str, token: str, now: datetime
                                             ) -> WatchAttempt | None:
        if rival:
            first.append(rival.pop()())
        return read_attempt(provider, token, now)

    world.store.find_attempt = attempt_read_after_the_first_settles  # type: ignore[method-assign]
    synced = len(world.outlook.changes_asked)

    second = notify(world, orphan)

    # THEN the second is the kept subscription's notification: synced, 202 (not 403)
    assert [*first, second] == [202, 202]
    assert world.state().watch_id == orphan.watch.id and world.outlook.stopped == []
    assert len(world.outlook.changes_asked) == synced + 2


def disconnect_outlook(world: World) -> None:
    """The route's disconnect: channels stopped while the tokens work, tokens revoked,
    calendars forgotten (chalicelib/routes/connections.py)."""
    world.cache.stop_watches(HOST, "microsoft")
    world.adapters.disconnect(HOST, "microsoft")
    world.cache.forget_provider(HOST, "microsoft")


def test_an_orphan_adopted_just_before_its_host_disconnects_outlook_is_stopped_at_graph(
        world: World) -> None:
    # GIVEN the orphan's notification adopts it just before the disconnect's write
    orphan = lost_post(world)
    world.store.meanwhile("change", lambda: notify(world, orphan))

    disconnect_outlook(world)

    assert world.store.setup(HOST).state(OUTLOOK) is None
    assert [w.id for w in world.outlook.stopped] == [orphan.watch.id]
    assert world.outlook.watches == {} and world.store.watches == {}


def test_an_orphan_notifying_while_its_host_disconnects_outlook_is_deleted_not_adopted(
        world: World) -> None:
    # GIVEN the orphan notifies once the disconnect has stopped the channels, before
    # the tokens are revoked
    orphan = lost_post(world)
    world.cache.stop_watches(HOST, "microsoft")

    assert notify(world, orphan) == 202
    world.adapters.disconnect(HOST, "microsoft")
    world.cache.forget_provider(HOST, "microsoft")

    # THEN no calendar adopted it: deleted at Graph, nothing of it kept
    assert world.store.setup(HOST).state(OUTLOOK) is None
    assert [w.id for w in world.outlook.stopped] == [orphan.watch.id]
    assert world.outlook.watches == {} and world.store.watches == {}


def test_a_forged_notification_of_an_unknown_subscription_changes_nothing(
        world: World) -> None:
    orphan = lost_post(world)
    setup, synced = world.store.setup(HOST), len(world.outlook.changes_asked)
    forged = replace(orphan, watch=replace(orphan.watch, id="sub-forged"))

    # An unknown id with a clientState Penny never sent, and the orphan's own id with one
    answers = [notify(world, forged, "guess"), notify(world, orphan, "guess")]

    assert answers == [202, 202]
    assert world.store.setup(HOST) == setup and world.store.watches == {}
    assert list(world.outlook.watches) == [orphan.watch.id] and world.outlook.stopped == []
    assert len(world.outlook.changes_asked) == synced
    assert ("microsoft", orphan.token) in world.store.attempts   # still the orphan's


# ---- the ask on the wire --------------------------------------------------------------------


def test_an_ask_names_its_calendar_and_keeps_its_id_when_published_again() -> None:
    asked = calendar_watch_asked_event(HOST, "microsoft:work", NOW)
    again = calendar_watch_asked_event(HOST, "microsoft:work", NOW)
    later = calendar_watch_asked_event(HOST, "microsoft:work", NOW + ASK_WATCH_AGAIN_AFTER)

    read = Event.from_json(json.loads(json.dumps(asked.to_json())))

    assert read == asked and read.booking == {}
    assert read.connection == {"provider": "microsoft", "calendar": "microsoft:work"}
    assert again.id == asked.id != later.id   # one job per ask, a new one per new ask


def test_an_ask_that_names_no_calendar_is_not_an_event() -> None:
    wire = calendar_watch_asked_event(HOST, "microsoft:work", NOW).to_json()
    del wire["connection"]

    with pytest.raises(ValueError, match="names no calendar"):
        Event.from_json(wire)
