"""The hosts' calendars as busy time (chalicelib/services/calendar_cache.py): the sync that
keeps each cached copy, the push channels and their notifications, the host's choice of
calendars, and the booking's fresh check. Fakes throughout: the providers behind
FakeAdapters (tests/fakes/providers.py), the store in memory (tests/fakes/calendar_cache.py).

Alice has Google (her primary calendar) and Outlook (a work calendar) connected; the
clock stands at Monday 2026-03-02T12:00Z.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pytest

from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, ChannelCursor, SyncState
from chalicelib.domain.errors import (
    CalendarUnavailableError,
    ProviderUnavailableError,
    ValidationError,
)
from chalicelib.domain.external_busy import ExternalEvent, ShownAs
from chalicelib.domain.providers.calendars import CalendarInfo
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.services.calendar_records import WATCH_TIMEOUT
from chalicelib.services.fresh_busy import BOOKING_TIMEOUT, FreshBusy
from tests.fakes.calendar_cache import FakeCalendarStore, FakeWatchAsks
from tests.fakes.providers import PRIMARY, FakeAdapters, FakeCalendar
from tests.unit.fakes import FixedClock

HOST = "host-alice"
NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
GOOGLE = CalendarRef("google", "primary")
OUTLOOK = CalendarRef("microsoft", "work")
WORK = CalendarInfo("work", "Work", primary=True, writable=True)
SHARED = CalendarInfo("team", "Team (read only)", primary=False, writable=False)
TUESDAY = date(2026, 3, 3)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def span(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


DENTIST = span("2026-03-03T15:00:00+00:00", "2026-03-03T16:00:00+00:00")
GYM = span("2026-03-04T07:00:00+00:00", "2026-03-04T08:00:00+00:00")
STANDUP = span("2026-03-03T14:00:00+00:00", "2026-03-03T14:15:00+00:00")
TUESDAY_HOURS = span("2026-03-03T00:00:00+00:00", "2026-03-04T00:00:00+00:00")


@dataclass
class World:
    adapters: FakeAdapters
    store: FakeCalendarStore
    clock: FixedClock
    google: FakeCalendar
    outlook: FakeCalendar

    ids: Iterator[str] = field(default_factory=lambda: (f"w-{n}" for n in itertools.count(1)))
    asks: FakeWatchAsks = field(default_factory=FakeWatchAsks)

    @property
    def cache(self) -> CalendarCache:
        return CalendarCache(self.adapters, self.store, self.clock,
                             lambda provider: f"https://penny.test/webhooks/calendar/{provider}",
                             new_id=lambda: next(self.ids), asks=self.asks)

    def run_asked(self) -> None:
        """The calendar worker runs the watches asked of it so far."""
        for event in self.asks.published:
            self.cache.make_watch(event.host_id,
                                  CalendarRef.parse(str((event.connection or {})["calendar"])))

    @property
    def fresh(self) -> FreshBusy:
        return FreshBusy(self.adapters, self.store, self.clock)

    def counting(self, *refs: CalendarRef) -> None:
        """Alice's conflicts, never synced yet, and the first one her destination."""
        self.store.setups[HOST] = CalendarSetup(tuple(SyncState(r) for r in refs), refs[0])

    def state(self, ref: CalendarRef = GOOGLE) -> SyncState:
        """The calendar's state as a sync reads it: the setup's, with the cursor its
        channel holds (the setup keeps one only for a calendar with no channel)."""
        found = self.store.setup(HOST).state(ref)
        assert found is not None
        held = None if found.watch_id is None else \
            self.store.channel_cursor(ref.provider, found.watch_id)
        return found if held is None else replace(found, cursor=held.token)

    def cached(self, ref: CalendarRef = GOOGLE) -> dict[date, dict[str, TimeRange]]:
        return self.store.days.get((HOST, ref), {})

    def sync(self, ref: CalendarRef = GOOGLE) -> SyncState:
        """A sync given the time a watch call may take (the calendar worker's): it makes
        or renews the channel itself, an Outlook one too."""
        return self.cache.sync(HOST, self.state(ref), WATCH_TIMEOUT).state


@pytest.fixture
def world() -> World:
    adapters = FakeAdapters()
    google = adapters.connect_calendar(HOST, "google")
    outlook = adapters.connect_calendar(HOST, "microsoft", WORK, SHARED)
    store = FakeCalendarStore()
    store.add_host(HOST)
    return World(adapters, store, FixedClock(NOW), google, outlook)


# ---- a sync ---------------------------------------------------------------------------


def test_a_first_sync_lists_every_event_and_keeps_the_blocking_ones_by_utc_day(
        world: World) -> None:
    world.counting(GOOGLE)
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.google.add("primary", "gym", ExternalEvent(GYM))

    state = world.sync()

    assert world.google.changes_asked == [("primary", None)]
    assert world.cached() == {TUESDAY: {"dentist": DENTIST},
                              date(2026, 3, 4): {"gym": GYM}}
    assert (state.synced_at, state.covered_until) == (NOW, at("2026-06-10T12:00:00+00:00"))
    assert state.cursor is not None and state.failure is None
    assert world.state() == state


def test_a_later_sync_asks_only_for_what_changed_and_applies_it(world: World) -> None:
    world.counting(GOOGLE)
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.google.add("primary", "gym", ExternalEvent(GYM))
    first = world.sync()

    world.google.remove("primary", "gym")
    world.google.add("primary", "dentist", ExternalEvent(STANDUP))   # moved
    world.clock.advance(timedelta(minutes=10))
    second = world.sync()

    assert world.google.changes_asked == [("primary", None), ("primary", first.cursor)]
    assert world.cached() == {TUESDAY: {"dentist": STANDUP}}   # Wednesday: none left
    assert second.synced_at == NOW + timedelta(minutes=10)
    assert second.covered_until == first.covered_until         # no further than listed


@pytest.mark.parametrize("event", [
    ExternalEvent(DENTIST, declined=True),
    ExternalEvent(DENTIST, shown_as=ShownAs.FREE),
    ExternalEvent(DENTIST, shown_as=ShownAs.WORKING_ELSEWHERE, all_day=True),
    ExternalEvent(DENTIST, cancelled=True),
], ids=["declined", "transparent", "working elsewhere", "cancelled"])
def test_an_event_that_does_not_block_never_enters_the_copy(
        world: World, event: ExternalEvent) -> None:
    world.counting(GOOGLE)
    world.google.add("primary", "a", event)

    world.sync()

    assert world.cached() == {}


def test_an_event_the_host_declines_later_leaves_the_copy(world: World) -> None:
    world.counting(GOOGLE)
    world.google.add("primary", "invite", ExternalEvent(DENTIST))
    world.sync()

    world.google.add("primary", "invite", ExternalEvent(DENTIST, declined=True))
    world.sync()

    assert world.cached() == {}


def test_a_cursor_the_provider_no_longer_honours_gets_a_listing_that_replaces_the_copy(
        world: World) -> None:
    world.counting(GOOGLE)
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.sync()
    world.store.write(HOST, GOOGLE, {date(2026, 3, 5): {"stray": GYM}})  # not at Google

    world.google.expire_cursors()
    world.sync()

    assert world.cached() == {TUESDAY: {"dentist": DENTIST}}


def test_a_cursor_refused_after_a_far_listing_keeps_the_busy_time_that_listing_reached(
        world: World) -> None:
    # GIVEN a page asked for slots eight months ahead: the copy reaches that far
    world.counting(GOOGLE)
    far = span("2026-11-03T15:00:00+00:00", "2026-11-03T16:00:00+00:00")
    world.google.add("primary", "conference", ExternalEvent(far))
    world.cache.sync(HOST, world.state(), WATCH_TIMEOUT,
                     until=at("2026-12-01T00:00:00+00:00"))
    # WHEN Google refuses the sync token (410) on a later page of those months
    world.google.expire_cursors()
    page = span("2026-11-03T00:00:00+00:00", "2026-11-04T00:00:00+00:00")
    fresh = world.cache.refresh(HOST, world.store.setup(HOST).conflicts, page)

    # THEN the listing Penny makes instead still reaches it: the event keeps its slot
    assert fresh == {GOOGLE: [far]}
    assert world.cached()[date(2026, 11, 3)] == {"conference": far}
    assert world.state().covers(page)


def test_a_sync_that_fails_says_why_keeps_the_copy_and_is_raised(world: World) -> None:
    world.counting(GOOGLE)
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    synced = world.sync()
    world.google.faults.fail_next("changes", ProviderUnavailableError("google", "503"))

    with pytest.raises(ProviderUnavailableError):
        world.sync()

    assert world.state() == replace(synced, failure="provider_unavailable: 503")
    assert world.cached() == {TUESDAY: {"dentist": DENTIST}}


def test_a_notification_landing_during_a_sync_is_read_by_whichever_moves_the_cursor_last(
        world: World) -> None:
    # GIVEN a watched, synced calendar
    world.counting(GOOGLE)
    world.sync()
    watch = world.google.watches[world.state().watch_id or ""]

    # WHEN a change at Google is notified while the next sync reads (another Lambda)
    def notified_meanwhile() -> None:
        world.clock.advance(timedelta(seconds=1))
        world.google.add("primary", "dentist", ExternalEvent(DENTIST))
        assert world.cache.notified("google", watch.watch.id, watch.token)

    world.google.faults.meanwhile("changes", notified_meanwhile)
    world.clock.advance(timedelta(minutes=1))
    slow = world.cache.sync(HOST, world.state())

    # THEN the slower sync, finding the cursor moved by the notification's, read again
    # what changed since its own: the copy has the change, and is fresh
    assert slow.state.synced_at == NOW + timedelta(minutes=1)
    # (the notification's sync, the slower one's, and its second reading: all from the
    # cursor of the first sync)
    cursor = world.google.changes_asked[1][1]
    assert cursor is not None
    assert world.google.changes_asked[1:] == [("primary", cursor)] * 3
    assert world.cached() == {TUESDAY: {"dentist": DENTIST}}
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")


# ---- push channels --------------------------------------------------------------------


def test_a_sync_makes_a_watch_once_and_renews_it_within_a_day_of_its_end(
        world: World) -> None:
    world.counting(GOOGLE)

    first = world.sync()
    world.clock.advance(timedelta(days=6))      # exactly a day left: kept
    world.sync()

    assert (first.watch_id, first.watch_expires_at) == ("w-1", at("2026-03-09T12:00:00+00:00"))
    made = world.google.watches["w-1"]
    assert made.address == "https://penny.test/webhooks/calendar/google"
    assert world.store.find_watch("google", "w-1", made.token) == (HOST, GOOGLE)
    assert world.state().watch_id == "w-1" and world.google.faults.calls.count("watch") == 1

    world.clock.advance(timedelta(minutes=1))   # now less than a day is left
    renewed = world.sync()

    assert renewed.watch_id == "w-2" and list(world.google.watches) == ["w-2"]
    assert [w.id for w in world.google.stopped] == ["w-1"]
    assert world.google.stopped[0].resource_id == "res-w-1"
    assert world.store.find_watch("google", "w-1", made.token) is None
    assert world.state().watch_expires_at == at("2026-03-15T12:01:00+00:00")


def test_a_watch_the_provider_refuses_leaves_the_copy_on_its_short_expiry(
        world: World) -> None:
    world.counting(GOOGLE)
    world.google.faults.fail_next("watch", ProviderUnavailableError("google", "503"))

    state = world.sync()

    assert state.watch_id is None and world.store.watches == {}
    assert state.fresh_for(TUESDAY_HOURS, NOW + timedelta(minutes=4), "UTC")
    assert not state.fresh_for(TUESDAY_HOURS, NOW + timedelta(minutes=5), "UTC")
    assert world.sync().watch_id is not None   # the next sync tries again
    assert len(world.google.watches) == 1


def test_a_notification_syncs_the_calendar(world: World) -> None:
    world.counting(GOOGLE)
    world.sync()
    made = world.google.watches["w-1"]
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.clock.advance(timedelta(hours=2))

    assert world.cache.notified("google", "w-1", made.token) is True

    assert world.cached() == {TUESDAY: {"dentist": DENTIST}}
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")


def test_a_subscription_graph_removed_leaves_the_copy_not_fresh_and_is_made_again(
        world: World) -> None:
    world.counting(OUTLOOK)
    world.sync(OUTLOOK)
    made = world.outlook.watches["w-1"]
    world.clock.advance(timedelta(hours=2))
    assert world.state(OUTLOOK).fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")

    # Graph's `subscriptionRemoved`: no change will be pushed any more
    assert world.cache.channel_ended("microsoft", "w-1", made.token) is True

    state = world.state(OUTLOOK)
    assert not state.fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")
    assert not state.watching(world.clock.now())
    assert world.sync(OUTLOOK).watch_id == "w-2"   # the next sync subscribes again
    assert world.state(OUTLOOK).fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")
    assert world.cache.channel_ended("microsoft", "w-1", "forged") is False


def test_a_notification_that_changes_the_copy_moves_the_cursor_on_its_channel_only(
        world: World) -> None:
    # Each write of the setup rewrites the host's profile item and its slug index entry:
    # a push notification (the commonest write of a host with a calendar) moves the
    # cursor on its channel's item instead, and the copy stays fresh as it was.
    world.counting(GOOGLE)
    world.sync()
    made = world.google.watches["w-1"]
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.clock.advance(timedelta(hours=2))
    before, cursor = world.store.setup(HOST), world.store.channel_cursor("google", "w-1")
    writes = world.store.changes

    assert world.cache.notified("google", "w-1", made.token) is True

    assert world.store.changes == writes and world.store.setup(HOST) == before
    moved = world.store.channel_cursor("google", "w-1")
    assert cursor is not None and moved is not None
    assert moved.version == cursor.version + 1 and moved.token != cursor.token
    assert world.cached() == {TUESDAY: {"dentist": DENTIST}}
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")
    # and the next change is read from the moved cursor
    world.google.add("primary", "gym", ExternalEvent(GYM))
    assert world.cache.notified("google", "w-1", made.token) is True
    assert world.google.changes_asked[-1] == ("primary", moved.token)
    assert "gym" in world.cached().get(GYM.start.date(), {})


@pytest.mark.parametrize("change", ["nothing", "a free event", "an event already copied"])
def test_a_notification_of_nothing_that_blocks_time_moves_only_its_channels_cursor(
        world: World, change: str) -> None:
    # Most often Penny's own new event, which the calendar worker already put in the
    # copy: the stored state is as true as before, so the profile item is not rewritten.
    world.counting(GOOGLE)
    world.sync()
    made = world.google.watches["w-1"]
    if change == "a free event":
        world.google.add("primary", "lunch", ExternalEvent(DENTIST, shown_as=ShownAs.FREE))
    if change == "an event already copied":
        world.google.add("primary", "dentist", ExternalEvent(DENTIST))
        world.cache.record_own(HOST, GOOGLE, "dentist", DENTIST)
    before = world.state()
    world.clock.advance(timedelta(hours=2))
    writes, asked = world.store.changes, len(world.google.changes_asked)
    moves = world.store.cursor_moves

    assert world.cache.notified("google", "w-1", made.token) is True

    assert len(world.google.changes_asked) == asked + 1   # it did ask what changed
    assert world.store.changes == writes   # the setup is not written
    assert world.store.cursor_moves == moves + 1   # only its channel's cursor moved
    assert replace(world.state(), cursor=before.cursor) == before
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")
    assert world.cached() == ({} if change != "an event already copied"
                              else {TUESDAY: {"dentist": DENTIST}})
    # and the moved cursor reads the next change
    world.google.add("primary", "gym", ExternalEvent(GYM))
    assert world.cache.notified("google", "w-1", made.token) is True
    assert "gym" in world.cached().get(GYM.start.date(), {})


def test_a_slower_sync_does_not_record_an_event_deleted_while_it_wrote(world: World) -> None:
    # GIVEN a watched, synced calendar, and the dentist just made at Google
    world.counting(GOOGLE)
    world.sync()
    made = world.google.watches["w-1"]
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))

    # WHEN a sync lists the dentist, and before it writes Tuesday the dentist is deleted
    # and that change is notified: its sync finds nothing that blocks time
    def deleted_and_notified_meanwhile() -> None:
        world.google.remove("primary", "dentist")
        assert world.cache.notified("google", "w-1", made.token) is True

    world.store.meanwhile("write", deleted_and_notified_meanwhile)
    world.clock.advance(timedelta(minutes=1))
    world.cache.sync(HOST, world.state())

    # THEN the slower sync found the cursor moved and read again: no dentist on Tuesday
    assert world.cached() == {}
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")
    world.google.add("primary", "gym", ExternalEvent(GYM))
    assert world.cache.notified("google", "w-1", made.token) is True
    assert world.cached() == {GYM.start.date(): {"gym": GYM}}


def test_of_two_overlapping_syncs_the_second_to_move_the_cursor_reads_again_from_its_own(
        world: World) -> None:
    # GIVEN a watched, synced calendar with the dentist on Tuesday, moved since to 14:00
    world.counting(GOOGLE)
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.sync()
    read = world.store.channel_cursor("google", "w-1")
    world.google.add("primary", "dentist", ExternalEvent(STANDUP))

    # WHEN, after this sync listed that move but before it wrote Tuesday, the dentist
    # moves to Wednesday and another sync (a notification's) writes that and moves the
    # cursor
    def other_sync_meanwhile() -> None:
        world.google.add("primary", "dentist", ExternalEvent(GYM))
        world.cache.sync(HOST, world.state())

    world.store.meanwhile("write", other_sync_meanwhile)
    world.clock.advance(timedelta(minutes=1))
    world.cache.sync(HOST, world.state())

    # THEN this sync, finding the cursor moved, read again from its own cursor (its
    # Tuesday, written over the other's, was out of date) and moved it from the other's
    assert read is not None
    assert world.google.changes_asked[-3:] == [("primary", read.token)] * 3
    assert world.cached() == {date(2026, 3, 4): {"dentist": GYM}}
    moved = world.store.channel_cursor("google", "w-1")
    assert moved is not None and moved.version == read.version + 2
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")


def test_a_sync_whose_cursor_keeps_being_reset_leaves_the_copy_to_a_full_listing(
        world: World) -> None:
    # GIVEN a watched, synced calendar
    world.counting(GOOGLE)
    world.sync()

    # WHEN other syncs give up on its cursor before each of this sync's moves
    for _ in range(3):
        world.store.meanwhile("move_cursor",
                              lambda: world.store.reset_cursor("google", "w-1"))
    world.clock.advance(timedelta(minutes=1))
    world.cache.sync(HOST, world.state())

    # THEN it gives up too: the copy is not fresh, and the next read lists in full
    assert world.store.channel_cursor("google", "w-1") == ChannelCursor(None, 5)
    assert not world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")
    world.clock.advance(timedelta(seconds=1))
    world.sync()
    assert world.google.changes_asked[-1] == ("primary", None)
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")


def test_a_renewed_channel_carries_the_cursor_and_its_notifications_sync_incrementally(
        world: World) -> None:
    world.counting(GOOGLE)
    world.sync()
    world.clock.advance(timedelta(days=6, minutes=1))   # less than a day left: renewed
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))

    renewed = world.sync()

    assert renewed.watch_id == "w-2" and world.store.channel_cursor("google", "w-1") is None
    carried = world.store.channel_cursor("google", "w-2")
    assert carried is not None and carried.token == renewed.cursor is not None
    world.google.add("primary", "gym", ExternalEvent(GYM))
    assert world.cache.notified("google", "w-2", world.google.watches["w-2"].token) is True
    assert world.google.changes_asked[-1] == ("primary", renewed.cursor)
    assert world.cached() == {TUESDAY: {"dentist": DENTIST}, date(2026, 3, 4): {"gym": GYM}}


def test_of_two_syncs_renewing_a_channel_at_once_the_later_stops_its_own(
        world: World) -> None:
    # GIVEN a watched calendar whose channel is due for renewal
    world.counting(GOOGLE)
    world.sync()
    world.clock.advance(timedelta(days=6, minutes=1))

    # WHEN another sync renews it and records its channel while this one makes its own
    world.store.meanwhile("save_watch", lambda: world.cache.sync(HOST, world.state()))
    synced = world.sync()

    # THEN one channel is left, the one the setup names; the other two are stopped and
    # forgotten (this sync's sent notifications nothing names for a week)
    assert world.state().watch_id == synced.watch_id == "w-3"
    assert list(world.google.watches) == ["w-3"]
    assert sorted(w.id for w in world.google.stopped) == ["w-1", "w-2"]
    assert world.store.find_watch("google", "w-2", "any") is None
    assert world.store.channel_cursor("google", "w-2") is None
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")


def test_a_channel_renewed_while_its_old_cursor_was_reset_lists_in_full(
        world: World) -> None:
    # GIVEN a watched calendar whose channel is due for renewal
    world.counting(GOOGLE)
    world.sync()
    world.clock.advance(timedelta(days=6, minutes=1))

    # WHEN another sync, giving up on the old channel's cursor, resets it while this
    # sync renews the channel (after moving the old one's cursor)
    def reset_meanwhile() -> None:
        world.clock.advance(timedelta(seconds=1))
        assert world.store.reset_cursor("google", "w-1")

    world.store.meanwhile("save_watch", reset_meanwhile)
    world.sync()

    # THEN the new channel does not carry the cursor: the copy is not fresh, and the
    # next read lists in full
    assert world.state().watch_id == "w-2"
    assert world.store.channel_cursor("google", "w-2") == ChannelCursor(None, 2)
    assert not world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")
    world.clock.advance(timedelta(seconds=1))
    world.sync()
    assert world.google.changes_asked[-1] == ("primary", None)
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")


def test_a_calendar_whose_channel_ended_unrenewed_records_each_sync_for_its_short_expiry(
        world: World) -> None:
    # GIVEN a watched, synced calendar whose channel has ended, and Google refusing a new one
    world.counting(GOOGLE)
    world.sync()
    read = world.store.channel_cursor("google", "w-1")
    world.clock.advance(timedelta(days=8))
    world.google.faults.fail_next("watch", ProviderUnavailableError("google", "503"))

    # WHEN a slots page syncs it
    world.sync()

    # THEN the cursor moved on the channel's item, and the sync is on the profile too:
    # without push, the copy is fresh for five minutes after it
    moved = world.store.channel_cursor("google", "w-1")
    assert read is not None and moved is not None and moved.version == read.version + 1
    assert world.state().synced_at == world.clock.now()
    assert world.state().fresh_for(TUESDAY_HOURS, world.clock.now() + timedelta(minutes=4), "UTC")


def test_a_notification_whose_sync_fails_leaves_the_calendar_marked_changed(
        world: World) -> None:
    world.counting(GOOGLE)
    world.sync()
    made = world.google.watches["w-1"]
    world.google.faults.fail_next("changes", ProviderUnavailableError("google", "timeout"))
    world.clock.advance(timedelta(hours=2))

    assert world.cache.notified("google", "w-1", made.token) is True

    assert world.state().changed_at == NOW + timedelta(hours=2)
    assert not world.state().fresh_for(TUESDAY_HOURS, world.clock.now(), "UTC")


@pytest.mark.parametrize("provider, channel, token", [
    ("google", "w-1", "not-the-token"),
    ("google", "w-9", None),
    ("microsoft", "w-1", None),
], ids=["wrong token", "unknown channel", "another provider's channel"])
def test_a_notification_that_is_not_the_channels_own_changes_nothing(
        world: World, provider: str, channel: str, token: str | None) -> None:
    world.counting(GOOGLE)
    world.sync()
    before, changes = world.store.setup(HOST), world.store.changes
    asked = list(world.google.faults.calls)

    assert world.cache.notified(provider, channel,
                                token or world.google.watches["w-1"].token) is False

    assert world.store.setup(HOST) == before and world.store.changes == changes
    assert world.google.faults.calls == asked


# ---- what a slots page refreshes --------------------------------------------------------


def test_a_refresh_leaves_out_a_calendar_whose_provider_fails_and_returns_the_others(
        world: World) -> None:
    world.counting(GOOGLE, OUTLOOK)
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.outlook.add("work", "standup", ExternalEvent(STANDUP))
    world.google.faults.fail_next("changes", ProviderUnavailableError("google", "timeout"))

    fresh = world.cache.refresh(HOST, world.store.setup(HOST).conflicts, TUESDAY_HOURS)

    assert fresh == {OUTLOOK: [STANDUP]}
    assert world.state(GOOGLE).failure == "provider_unavailable: timeout"


def test_a_refresh_leaves_out_a_calendar_whose_provider_is_no_longer_connected(
        world: World) -> None:
    world.counting(GOOGLE, OUTLOOK)
    world.adapters.disconnect(HOST, "google")

    fresh = world.cache.refresh(HOST, world.store.setup(HOST).conflicts, TUESDAY_HOURS)

    assert list(fresh) == [OUTLOOK]


def test_a_refresh_gives_the_busy_time_within_the_window_only(world: World) -> None:
    world.counting(GOOGLE)
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.google.add("primary", "gym", ExternalEvent(GYM))

    fresh = world.cache.refresh(HOST, world.store.setup(HOST).conflicts,
                                span("2026-03-03T15:30:00+00:00", "2026-03-04T00:00:00+00:00"))

    assert fresh == {GOOGLE: [span("2026-03-03T15:30:00+00:00", "2026-03-03T16:00:00+00:00")]}


# ---- the host's choice ------------------------------------------------------------------


def test_choosing_calendars_syncs_each_new_one_and_keeps_those_already_synced(
        world: World) -> None:
    world.counting(GOOGLE)
    synced = world.sync()
    world.outlook.add("work", "standup", ExternalEvent(STANDUP))

    setup = world.cache.choose(HOST, [GOOGLE, OUTLOOK], OUTLOOK)

    assert setup.destination == OUTLOOK and setup.refs == (GOOGLE, OUTLOOK)
    assert world.state(GOOGLE) == synced
    assert world.google.changes_asked == [("primary", None)]     # not synced again
    assert world.cached(OUTLOOK) == {TUESDAY: {"standup": STANDUP}}


def test_a_calendar_no_longer_chosen_has_its_watch_stopped_and_forgotten(
        world: World) -> None:
    world.cache.choose(HOST, [GOOGLE, OUTLOOK], GOOGLE)
    world.run_asked()
    outlook_watch = world.state(OUTLOOK).watch_id
    assert outlook_watch is not None

    setup = world.cache.choose(HOST, [GOOGLE], GOOGLE)

    assert setup.refs == (GOOGLE,)
    assert [w.id for w in world.outlook.stopped] == [outlook_watch]
    assert [key for key in world.store.watches] == [("google", setup.conflicts[0].watch_id)]


def test_a_chosen_calendar_that_cannot_be_synced_yet_is_still_counted(world: World) -> None:
    world.outlook.faults.fail_next("changes", ProviderUnavailableError("microsoft", "503"))

    setup = world.cache.choose(HOST, [OUTLOOK], OUTLOOK)

    state = setup.state(OUTLOOK)
    assert state is not None and state.synced_at is None
    assert not state.fresh_for(TUESDAY_HOURS, NOW, "UTC")   # the first slots page syncs it


def test_only_calendars_listed_at_the_hosts_providers_may_be_chosen(world: World) -> None:
    before = world.store.setup(HOST)

    with pytest.raises(ValidationError) as unknown:
        world.cache.choose_listed(HOST, [CalendarRef("google", "someone-else")], None)
    with pytest.raises(ValidationError) as read_only:
        world.cache.choose_listed(HOST, [OUTLOOK], CalendarRef("microsoft", "team"))

    assert unknown.value.field == "conflicts" and read_only.value.field == "destination"
    assert read_only.value.message == ("microsoft:team is not a calendar you can add "
                                       "bookings to")
    assert world.store.setup(HOST) == before


def test_a_listed_read_only_calendar_may_count_for_conflicts(world: World) -> None:
    team = CalendarRef("microsoft", "team")

    setup = world.cache.choose_listed(HOST, [team, GOOGLE], GOOGLE)

    assert setup.refs == (team, GOOGLE) and setup.destination == GOOGLE


def test_connecting_a_calendar_counts_its_primary_and_makes_it_the_destination(
        world: World) -> None:
    world.google.listed = [CalendarInfo("ada@example.com", "Ada", True, True), PRIMARY]

    first = world.cache.connected(HOST, "google")
    second = world.cache.connected(HOST, "microsoft")
    again = world.cache.connected(HOST, "google")

    ada = CalendarRef("google", "ada@example.com")
    assert (first.refs, first.destination) == ((ada,), ada)
    assert (second.refs, second.destination) == ((ada, OUTLOOK), ada)   # kept
    assert again == world.store.setup(HOST) and again.refs == (ada, OUTLOOK)


def test_the_hosts_calendars_are_listed_leaving_out_a_provider_that_cannot_be_asked(
        world: World) -> None:
    world.outlook.faults.fail_next("calendars", ProviderUnavailableError("microsoft", "503"))

    _, listed = world.cache.calendars(HOST, ["google", "microsoft", "zoom"])

    assert listed == {"google": [PRIMARY]}


def test_forgetting_a_provider_drops_its_calendars_destination_and_watches(
        world: World) -> None:
    world.cache.choose(HOST, [GOOGLE, OUTLOOK], OUTLOOK)

    world.cache.forget_provider(HOST, "microsoft")

    setup = world.store.setup(HOST)
    assert (setup.refs, setup.destination) == ((GOOGLE,), None)
    assert [provider for provider, _ in world.store.watches] == ["google"]


# ---- a booking's fresh check --------------------------------------------------------------


def synced(ref: CalendarRef, ago: timedelta) -> SyncState:
    return SyncState(ref, synced_at=NOW - ago, covered_until=NOW + timedelta(days=100),
                     cursor="c-1")


def test_a_booking_asks_each_provider_once_for_all_its_calendars(world: World) -> None:
    world.google.listed = [PRIMARY, CalendarInfo("family", "Family", False, True)]
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    world.google.add("family", "school run", ExternalEvent(STANDUP))
    world.outlook.add("work", "gym", ExternalEvent(GYM))
    family = CalendarRef("google", "family")
    setup = CalendarSetup((SyncState(GOOGLE), SyncState(family), SyncState(OUTLOOK)))

    busy = world.fresh.busy(HOST, setup, span("2026-03-03T00:00:00+00:00",
                                              "2026-03-05T00:00:00+00:00"))

    assert sorted(busy) == [STANDUP, DENTIST, GYM]
    assert world.google.busy_asked == [("primary", "family")]
    assert world.outlook.busy_asked == [("work",)]
    assert sorted(p for _, p, _ in world.adapters.asked) == ["google", "microsoft"]
    assert {s for _, _, s in world.adapters.asked} == {BOOKING_TIMEOUT}


def test_a_booking_with_no_calendars_asks_no_one(world: World) -> None:
    assert world.fresh.busy(HOST, CalendarSetup(), TUESDAY_HOURS) == []
    assert world.adapters.asked == []


def test_a_provider_that_is_down_is_replaced_by_a_copy_younger_than_ten_minutes(
        world: World) -> None:
    world.store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}})
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))
    setup = CalendarSetup((synced(GOOGLE, timedelta(minutes=9, seconds=59)),))

    assert world.fresh.busy(HOST, setup, TUESDAY_HOURS) == [DENTIST]


def test_a_provider_that_is_down_with_an_older_copy_refuses_the_booking(
        world: World) -> None:
    world.store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}})
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))
    setup = CalendarSetup((synced(GOOGLE, timedelta(minutes=10)),))

    with pytest.raises(CalendarUnavailableError):
        world.fresh.busy(HOST, setup, TUESDAY_HOURS)


def test_a_provider_down_at_booking_trusts_a_copy_a_push_notification_synced_lately(
        world: World) -> None:
    # The notification's sync moved the channel's cursor and left the host's setup (its
    # `synced_at` two hours old) as it was: the booking reads when that sync ran.
    world.counting(GOOGLE)
    world.sync()
    made = world.google.watches["w-1"]
    world.clock.advance(timedelta(hours=2))
    world.google.add("primary", "dentist", ExternalEvent(DENTIST))
    assert world.cache.notified("google", "w-1", made.token) is True
    world.clock.advance(timedelta(minutes=9))
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))

    assert world.fresh.busy(HOST, world.store.setup(HOST), TUESDAY_HOURS) == [DENTIST]

    world.clock.advance(timedelta(minutes=1))  # ten minutes after that sync: too old
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))
    with pytest.raises(CalendarUnavailableError):
        world.fresh.busy(HOST, world.store.setup(HOST), TUESDAY_HOURS)


def test_a_copy_with_a_change_not_synced_yet_is_never_booked_on(world: World) -> None:
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))
    notified = replace(synced(GOOGLE, timedelta(minutes=1)), changed_at=NOW)

    with pytest.raises(CalendarUnavailableError):
        world.fresh.busy(HOST, CalendarSetup((notified,)), TUESDAY_HOURS)


@pytest.mark.parametrize("lost", ["broken", "disconnected"])
def test_a_connection_the_host_must_renew_books_on_its_last_copy_however_old(
        world: World, lost: str) -> None:
    world.store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}})
    if lost == "broken":
        world.adapters.break_connection(HOST, "google")
    else:
        world.adapters.disconnect(HOST, "google")
    setup = CalendarSetup((synced(GOOGLE, timedelta(days=3)),))

    assert world.fresh.busy(HOST, setup, TUESDAY_HOURS) == [DENTIST]


def test_one_provider_down_does_not_stop_the_other_from_being_asked(world: World) -> None:
    world.store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}})
    world.google.faults.fail_next("busy", ProviderUnavailableError("google", "503"))
    world.outlook.add("work", "standup", ExternalEvent(STANDUP))
    setup = CalendarSetup((synced(GOOGLE, timedelta(minutes=2)), SyncState(OUTLOOK)))

    assert sorted(world.fresh.busy(HOST, setup, TUESDAY_HOURS)) == [STANDUP, DENTIST]


def test_an_unknown_calendar_in_a_good_answer_is_never_free(world: World) -> None:
    # Google answered, but could not read the family calendar (errors inside a 200).
    world.google.listed = [PRIMARY, CalendarInfo("family", "Family", False, True)]
    world.google.unknown = {"family"}
    family = CalendarRef("google", "family")
    setup = CalendarSetup((SyncState(GOOGLE), synced(family, timedelta(hours=1))))

    with pytest.raises(CalendarUnavailableError):
        world.fresh.busy(HOST, setup, TUESDAY_HOURS)


def test_an_unknown_calendar_with_a_recent_copy_counts_that_copy(world: World) -> None:
    world.google.listed = [PRIMARY, CalendarInfo("family", "Family", False, True)]
    world.google.unknown = {"family"}
    world.google.add("primary", "standup", ExternalEvent(STANDUP))
    family = CalendarRef("google", "family")
    world.store.write(HOST, family, {TUESDAY: {"school": DENTIST}})
    setup = CalendarSetup((SyncState(GOOGLE), synced(family, timedelta(minutes=3))))

    assert sorted(world.fresh.busy(HOST, setup, TUESDAY_HOURS)) == [STANDUP, DENTIST]


def test_a_provider_that_does_not_answer_in_time_is_taken_as_down(world: World) -> None:
    world.store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}})
    answer = threading.Event()
    world.google.faults.meanwhile("busy", lambda: answer.wait(30))   # hangs until released
    fresh = FreshBusy(world.adapters, world.store, world.clock, timeout=0.0)
    setup = CalendarSetup((synced(GOOGLE, timedelta(minutes=1)),))

    try:
        assert fresh.busy(HOST, setup, TUESDAY_HOURS) == [DENTIST]
    finally:
        answer.set()


def test_a_subscription_removed_while_a_sync_reads_stays_ended(world: World) -> None:
    # GIVEN a watched, synced Outlook calendar
    world.counting(OUTLOOK)
    world.sync(OUTLOOK)
    made = world.outlook.watches["w-1"]

    # WHEN Graph's `subscriptionRemoved` lands while the next sync reads (another Lambda)
    def removed_meanwhile() -> None:
        world.clock.advance(timedelta(seconds=1))
        world.outlook.watches.pop("w-1")
        assert world.cache.channel_ended("microsoft", "w-1", made.token)

    world.outlook.faults.meanwhile("changes", removed_meanwhile)
    world.clock.advance(timedelta(minutes=1))
    world.cache.sync(HOST, world.state(OUTLOOK))

    # THEN the slower sync, finishing last, does not bring the ended channel back: the
    # next sync subscribes again, and the copy is not taken as pushed to meanwhile
    assert not world.state(OUTLOOK).watching(world.clock.now())
    world.clock.advance(timedelta(seconds=1))
    assert world.sync(OUTLOOK).watch_id == "w-2"
