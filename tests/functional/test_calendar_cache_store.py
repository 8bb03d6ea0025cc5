"""The hosts' calendars in the table, on moto (store/calendar_cache.py): the setup on the
profile item, the cached busy days beside the ledger, the push channels; and the two
booking-side reads and writes the calendars added (store/bookings.py): the slots page's
ledger Query that reads the cached days too, and the calendar job's save of the link.

The `table` fixture holds one lock round each of moto's DynamoDB requests, as
test_connection_store.py explains. The clock is a value passed in: 2026-11-23T12:00Z.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus, LedgerDay, LedgerEntry
from chalicelib.domain.calendar_cache import (
    CalendarRef,
    CalendarSetup,
    ChannelCursor,
    SyncState,
    WatchAttempt,
)
from chalicelib.domain.errors import ConcurrentWriteError
from chalicelib.domain.hosts import Profile
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.ports import BookingWrite
from chalicelib.store import tables
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.calendar_cache import UPDATE_ATTEMPTS, CalendarCacheRepository
from chalicelib.store.hosts import HostRepository
from chalicelib.store.items import CalendarDayItem, HostItem, WatchItem
from tests.functional.conftest import TABLE
from tests.functional.dynamodb_requests import Requests, recorded

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOST = "host-alice"
GOOGLE = CalendarRef("google", "ada@example.com")
OUTLOOK = CalendarRef("microsoft", "AAMkAD=work")
TUESDAY, WEDNESDAY = date(2026, 11, 24), date(2026, 11, 25)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def span(start: str, end: str) -> TimeRange:
    return TimeRange(at(start), at(end))


DENTIST = span("2026-11-24T15:00:00+00:00", "2026-11-24T16:00:00+00:00")
STANDUP = span("2026-11-24T14:00:00+00:00", "2026-11-24T14:15:00+00:00")
OFFSITE = span("2026-11-24T20:00:00+00:00", "2026-11-25T09:00:00+00:00")


@pytest.fixture
def table(aws: None, atomic_moto: None) -> Iterator[None]:
    tables.configure(TABLE, "us-east-1", None)
    yield


@pytest.fixture
def requests(table: None) -> Iterator[Requests]:
    with recorded() as recorder:
        yield recorder


@pytest.fixture
def hosts(table: None) -> HostRepository:
    repository = HostRepository()
    repository.create(Profile(HOST, "alice", "Alice", "America/New_York"),
                      "alice@example.com", "plain$hash", NOW)
    return repository


@pytest.fixture
def store(table: None) -> CalendarCacheRepository:
    return CalendarCacheRepository()


SETUP = CalendarSetup(
    conflicts=(
        SyncState(GOOGLE, synced_at=NOW, covered_until=at("2027-03-03T12:00:00+00:00"),
                  cursor="sync-token-1", changed_at=at("2026-11-23T11:59:00+00:00"),
                  watch_id="chan-1", watch_expires_at=at("2026-11-30T12:00:00+00:00"),
                  watch_resource="res-1"),
        SyncState(OUTLOOK, failure="provider_unavailable: 503"),
    ),
    destination=OUTLOOK)


# ---- the setup ----------------------------------------------------------------------------


def test_a_setup_reads_back_whole_from_the_store_and_with_the_hosts_config(
        hosts: HostRepository, store: CalendarCacheRepository) -> None:
    assert store.setup(HOST) == CalendarSetup()

    written = store.change(HOST, lambda _: SETUP)

    assert written == SETUP
    assert store.setup(HOST) == SETUP
    assert hosts.config(HOST).calendars == SETUP
    assert hosts.public_config("alice").calendars == SETUP   # the slots page's first read


def test_the_setup_of_a_host_that_does_not_exist_is_empty_and_never_written(
        store: CalendarCacheRepository) -> None:
    assert store.change("host-nobody", lambda _: SETUP) == CalendarSetup()

    assert store.setup("host-nobody") == CalendarSetup()
    assert list(HostItem.scan()) == []


def test_an_edit_that_changes_nothing_writes_nothing(
        hosts: HostRepository, store: CalendarCacheRepository, requests: Requests) -> None:
    store.change(HOST, lambda _: SETUP)
    requests.take()

    assert store.change(HOST, lambda setup: setup) == SETUP

    assert requests.take() == {"GetItem": 1}


def test_a_change_that_meets_another_writer_is_made_again_on_what_that_one_wrote(
        hosts: HostRepository, store: CalendarCacheRepository) -> None:
    store.change(HOST, lambda _: CalendarSetup((SyncState(GOOGLE),), GOOGLE))
    seen: list[CalendarSetup] = []

    def add_outlook(setup: CalendarSetup) -> CalendarSetup:
        seen.append(setup)
        if len(seen) == 1:   # another sync writes Google's state in between
            store.change(HOST, lambda s: s.with_state(SETUP.conflicts[0]))
        return CalendarSetup((*setup.conflicts, SyncState(OUTLOOK)), setup.destination)

    result = store.change(HOST, add_outlook)

    assert len(seen) == 2 and seen[1].state(GOOGLE) == SETUP.conflicts[0]
    assert result == CalendarSetup((SETUP.conflicts[0], SyncState(OUTLOOK)), GOOGLE)
    assert store.setup(HOST) == result


def test_a_change_from_the_setup_just_read_writes_without_reading_it_again(
        hosts: HostRepository, store: CalendarCacheRepository, requests: Requests) -> None:
    store.change(HOST, lambda _: SETUP)
    seen = store.setup(HOST)
    requests.take()

    fresh = SETUP.with_state(replace(SETUP.conflicts[0], cursor="sync-token-2"))
    assert store.change(HOST, lambda _: fresh, seen) == fresh

    assert requests.take() == {"UpdateItem": 1}
    assert store.setup(HOST) == fresh


def test_a_change_from_a_setup_written_over_since_is_made_again_on_a_fresh_read(
        hosts: HostRepository, store: CalendarCacheRepository, requests: Requests) -> None:
    store.change(HOST, lambda _: CalendarSetup((SyncState(GOOGLE),), GOOGLE))
    seen = store.setup(HOST)
    store.change(HOST, lambda s: s.with_state(SETUP.conflicts[0]))  # another sync, meanwhile
    requests.take()

    result = store.change(HOST, lambda s: CalendarSetup(
        (*s.conflicts, SyncState(OUTLOOK)), s.destination), seen)

    assert result == CalendarSetup((SETUP.conflicts[0], SyncState(OUTLOOK)), GOOGLE)
    assert store.setup(HOST) == result
    # The refused write (its condition: the setup as seen), then a read and the write.
    assert requests.take() == {"UpdateItem": 2, "GetItem": 2}


def test_a_change_that_keeps_meeting_other_writers_gives_up(
        hosts: HostRepository, store: CalendarCacheRepository) -> None:
    rivals = iter(range(100))

    def always_overtaken(setup: CalendarSetup) -> CalendarSetup:
        n = next(rivals)
        store.change(HOST, lambda _: CalendarSetup((SyncState(CalendarRef("google", f"r{n}")),)))
        return SETUP

    with pytest.raises(RuntimeError):
        store.change(HOST, always_overtaken)

    assert next(rivals) == UPDATE_ATTEMPTS   # each attempt was a fresh read and edit


def test_a_profile_save_keeps_the_calendars_even_when_the_slug_moves(
        hosts: HostRepository, store: CalendarCacheRepository) -> None:
    store.change(HOST, lambda _: SETUP)
    old = hosts.config(HOST)

    hosts.save_profile(old, replace(old.profile, slug="ada", display_name="Ada"))

    assert store.setup(HOST) == SETUP
    assert hosts.public_config("ada").calendars == SETUP


def test_a_slug_change_that_meets_a_calendar_sync_is_made_again_not_called_taken(
        hosts: HostRepository, store: CalendarCacheRepository,
        monkeypatch: pytest.MonkeyPatch) -> None:
    old = hosts.config(HOST)
    read = HostItem.get
    rivals: list[str] = []

    def read_then_a_sync_writes(*args: object, **kwargs: object) -> HostItem:
        item = read(*args, **kwargs)  # type: ignore[arg-type]
        if not rivals:
            rivals.append("sync")
            store.change(HOST, lambda _: SETUP)   # between the profile's read and write
        return item

    monkeypatch.setattr(HostItem, "get", read_then_a_sync_writes)
    hosts.save_profile(old, replace(old.profile, slug="ada"))

    assert rivals == ["sync"]
    assert hosts.public_config("ada").calendars == SETUP


# ---- the cached days ------------------------------------------------------------------------


def test_cached_days_are_written_and_read_back_per_calendar(
        store: CalendarCacheRepository) -> None:
    store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST, "offsite": OFFSITE},
                               WEDNESDAY: {"offsite": OFFSITE}})
    store.write(HOST, OUTLOOK, {TUESDAY: {"standup": STANDUP}})

    copy = store.copy(HOST, GOOGLE, span("2026-11-24T00:00:00+00:00",
                                         "2026-11-25T06:00:00+00:00"))

    assert copy.days == {TUESDAY: {"dentist": DENTIST, "offsite": OFFSITE},
                         WEDNESDAY: {"offsite": OFFSITE}}
    assert store.copy(HOST, OUTLOOK, DENTIST).days == {TUESDAY: {"standup": STANDUP}}
    assert store.copy("host-bob", GOOGLE, DENTIST).days == {}


def test_a_copy_holds_only_the_utc_days_its_window_touches(
        store: CalendarCacheRepository) -> None:
    store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}, WEDNESDAY: {"offsite": OFFSITE}})

    assert list(store.copy(HOST, GOOGLE, DENTIST).days) == [TUESDAY]
    assert list(store.copy(HOST, GOOGLE, span("2026-11-25T01:00:00+00:00",
                                              "2026-11-26T00:00:00+00:00")).days) == [WEDNESDAY]


def test_a_day_written_with_no_events_left_is_deleted(store: CalendarCacheRepository) -> None:
    store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}, WEDNESDAY: {"offsite": OFFSITE}})

    store.write(HOST, GOOGLE, {TUESDAY: {}})

    assert [item.sk[:14] for item in CalendarDayItem.scan()] == ["DAY#2026-11-25"]


def test_a_cached_day_expires_two_days_after_it_starts_and_times_keep_to_the_second(
        store: CalendarCacheRepository) -> None:
    store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}})

    (item,) = CalendarDayItem.scan()

    assert item.pk == f"LEDGER#{HOST}" and item.sk.startswith("DAY#2026-11-24#CAL#")
    assert item.calendar == "google:ada@example.com"
    assert item.events == {"dentist": [int(DENTIST.start.timestamp()),
                                       int(DENTIST.end.timestamp())]}
    assert item.expires_at == datetime(2026, 11, 26, tzinfo=UTC)


# ---- the slots page's second read ---------------------------------------------------------------


def a_booking(when: TimeRange = STANDUP) -> Booking:
    return Booking(
        uid="b-1", host_id=HOST, event_type_id="alice-intro", event_title="Intro call",
        start=when.start, end=when.end, buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"), answers={},
        status=BookingStatus.CONFIRMED, created_at=NOW, location_kind="google_meet")


def booked(bookings: BookingRepository, booking: Booking) -> Booking:
    day = LedgerDay(TUESDAY).with_entry(LedgerEntry.of(booking), NOW)
    bookings.commit(BookingWrite(booking, True, [day]), NOW)
    found = bookings.get(booking.uid)
    assert found is not None
    return found


def test_a_write_of_the_booking_alone_that_lost_a_race_is_a_concurrent_write(
        table: None) -> None:
    # A settle whose booking holds no days (an expired hold ended again): its transaction
    # is the booking's put alone, and a rival's write meanwhile makes it retry, never 500.
    bookings = BookingRepository()
    stale = booked(bookings, a_booking(STANDUP))
    bookings.commit(BookingWrite(replace(stale, status=BookingStatus.EXPIRED), False, []), NOW)

    with pytest.raises(ConcurrentWriteError):
        bookings.commit(BookingWrite(replace(stale, status=BookingStatus.CANCELLED), False,
                                     []), NOW)


def test_the_ledger_read_brings_the_cached_calendar_days_beside_it_in_one_query(
        store: CalendarCacheRepository, requests: Requests) -> None:
    bookings = BookingRepository()
    booked(bookings, a_booking(STANDUP))
    store.write(HOST, GOOGLE, {TUESDAY: {"dentist": DENTIST}, WEDNESDAY: {"offsite": OFFSITE}})
    store.write(HOST, OUTLOOK, {TUESDAY: {"standup": STANDUP}})
    store.write(HOST, GOOGLE, {date(2026, 11, 27): {"later": DENTIST}})   # past `last`
    store.write("host-bob", GOOGLE, {TUESDAY: {"bobs": DENTIST}})
    requests.take()

    read = bookings.ledger(HOST, date(2026, 11, 23), WEDNESDAY)

    assert requests.take() == {"Query": 1}
    assert [(d.day, [e.booking_uid for e in d.entries]) for d in read.days] == [
        (date(2026, 11, 23), []), (TUESDAY, ["b-1"]), (WEDNESDAY, [])]
    assert dict(read.calendars) == {
        GOOGLE.key: [{"dentist": DENTIST}, {"offsite": OFFSITE}],
        OUTLOOK.key: [{"standup": STANDUP}]}


def test_a_ledger_read_of_a_host_without_calendars_has_none(table: None) -> None:
    read = BookingRepository().ledger(HOST, TUESDAY, WEDNESDAY)

    assert [d.day for d in read.days] == [TUESDAY, WEDNESDAY] and read.calendars == {}


# ---- the calendar job's save of the link -----------------------------------------------------


def test_saving_the_video_link_bumps_the_version_and_a_stale_save_is_refused(
        table: None) -> None:
    bookings = BookingRepository()
    read = booked(bookings, a_booking())

    assert bookings.save_video(replace(read, video_url="https://meet.test/abc")) is True
    assert bookings.save_video(replace(read, video_note="the host will send it")) is False

    stored = bookings.get(read.uid)
    assert stored is not None
    assert (stored.version, stored.video_url, stored.video_note) == (
        (read.version or 0) + 1, "https://meet.test/abc", None)
    assert stored == replace(read, video_url="https://meet.test/abc", version=stored.version)


def test_a_booking_is_stored_compactly_and_reads_back_whole(table: None) -> None:
    bookings = BookingRepository()
    with_link = replace(a_booking(), attendee=Attendee("Zoë Ørsted", "zoe@example.com",
                                                        "Europe/Copenhagen"),
                        video_url="https://meet.google.com/abc-defg-hij", premium=False)
    read = booked(bookings, with_link)

    raw = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": "BOOKING#b-1"}, "sk": {"S": "BOOKING"}})["Item"]
    data = raw["data"]["S"]
    assert ", " not in data and '": ' not in data      # no spaces between fields
    assert "Zoë Ørsted" in data and "\\u" not in data   # UTF-8, not escapes
    # What a booking does not hold is left out: no payment, cancellation, brief, history.
    for absent in ("payment", "cancelled_at", "cancel_reason", "brief", "history",
                   "answers", "premium", "hold_until", "video_note"):
        assert f'"{absent}"' not in data
    assert read == replace(with_link, version=read.version)


def raw_booking(uid: str = "b-1") -> dict[str, Any]:
    return boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": f"BOOKING#{uid}"}, "sk": {"S": "BOOKING"}})["Item"]


def test_a_booking_kept_for_good_holds_nothing_twice_and_no_zero_buffers(
        table: None) -> None:
    # A booking is stored for good, in the table and on the host's index: its uid and
    # host are in its keys, and a buffer or sequence of 0 is its default.
    bookings = BookingRepository()
    read = booked(bookings, a_booking())

    raw = raw_booking()
    assert "uid" not in raw and "host_id" not in raw
    for absent in ("buffer_before", "buffer_after", "sequence"):
        assert f'"{absent}"' not in raw["data"]["S"]
    assert read == replace(a_booking(), version=read.version)
    assert bookings.for_host(HOST) == [read]


def test_a_bookings_buffers_and_sequence_read_back_when_not_zero(table: None) -> None:
    bookings = BookingRepository()
    moved = replace(a_booking(), buffer_before=timedelta(minutes=5),
                    buffer_after=timedelta(minutes=10), sequence=2)

    read = booked(bookings, moved)

    assert '"buffer_before":300,"buffer_after":600' in raw_booking()["data"]["S"]
    assert read == replace(moved, version=read.version)


def test_a_booking_written_before_with_its_uid_host_and_zeros_reads_back_the_same(
        table: None) -> None:
    bookings = BookingRepository()
    read = booked(bookings, a_booking())
    earlier = raw_booking()
    data = json.loads(earlier["data"]["S"])
    earlier["data"] = {"S": json.dumps({**data, "buffer_before": 0, "buffer_after": 0,
                                        "sequence": 0}, separators=(",", ":"))}
    earlier |= {"uid": {"S": "b-1"}, "host_id": {"S": HOST}}
    boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=TABLE, Item=earlier)

    assert bookings.get("b-1") == read
    assert bookings.for_host(HOST) == [read]


# ---- push channels ----------------------------------------------------------------------------


def test_a_watch_is_found_only_with_its_own_token_which_is_stored_hashed(
        store: CalendarCacheRepository) -> None:
    store.save_watch("google", "chan-1", HOST, GOOGLE, "the-channel-token",
                     at("2026-11-30T12:00:00+00:00"))

    assert store.find_watch("google", "chan-1", "the-channel-token") == (HOST, GOOGLE)
    assert store.find_watch("google", "chan-1", "another-token") is None
    assert store.find_watch("microsoft", "chan-1", "the-channel-token") is None
    assert store.find_watch("google", "chan-2", "the-channel-token") is None
    raw = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": "WATCH#google#chan-1"}, "sk": {"S": "WATCH"}})["Item"]
    assert "the-channel-token" not in str(raw)


def test_a_watch_outlives_its_channel_by_a_day_and_is_forgotten_on_request(
        store: CalendarCacheRepository) -> None:
    store.save_watch("google", "chan-1", HOST, GOOGLE, "token", at("2026-11-30T12:00:00+00:00"))

    (item,) = WatchItem.scan()
    assert item.expires_at == at("2026-12-01T12:00:00+00:00")

    store.forget_watch("google", "chan-1")
    store.forget_watch("google", "chan-1")   # already gone: fine
    assert store.find_watch("google", "chan-1", "token") is None


def test_a_watch_attempt_is_found_by_its_token_alone_which_is_stored_hashed_until_kept(
        store: CalendarCacheRepository) -> None:
    attempt = WatchAttempt(HOST, OUTLOOK, NOW)
    store.save_attempt("microsoft", "the-client-state", attempt,
                       at("2026-12-01T12:00:00+00:00"))

    assert store.find_attempt("microsoft", "the-client-state", NOW) == attempt
    assert store.find_attempt("microsoft", "another-state", NOW) is None
    assert store.find_attempt("google", "the-client-state", NOW) is None
    # DynamoDB's TTL deletes late: one past keeping is not found all the same
    assert store.find_attempt("microsoft", "the-client-state",
                              at("2026-12-01T12:00:00+00:00")) is None
    (raw,) = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    assert raw["pk"]["S"].startswith("WATCHTRY#microsoft#")
    assert "the-client-state" not in str(raw)

    store.forget_attempt("microsoft", "the-client-state")
    store.forget_attempt("microsoft", "the-client-state")   # already gone: fine
    assert store.find_attempt("microsoft", "the-client-state", NOW) is None


def test_a_channels_cursor_moves_only_from_the_version_a_sync_read(
        store: CalendarCacheRepository) -> None:
    store.save_watch("google", "chan-1", HOST, GOOGLE, "token", at("2026-11-30T12:00:00+00:00"),
                     cursor="sync-1")
    read = store.channel_cursor("google", "chan-1")
    assert read == ChannelCursor("sync-1", 1)

    assert store.move_cursor("google", "chan-1", read, "sync-2") is True
    assert store.move_cursor("google", "chan-1", read, "sync-3") is False   # moved meanwhile
    assert store.channel_cursor("google", "chan-1") == ChannelCursor("sync-2", 2)
    found = store.find_channel("google", "chan-1", "token")
    assert found is not None and found.cursor == ChannelCursor("sync-2", 2)


def test_a_channels_cursor_keeps_when_the_sync_that_moved_it_ran_until_it_is_reset(
        store: CalendarCacheRepository) -> None:
    store.save_watch("google", "chan-1", HOST, GOOGLE, "token", at("2026-11-30T12:00:00+00:00"),
                     cursor="sync-1")
    read = store.channel_cursor("google", "chan-1")
    assert read is not None and read.synced_at is None
    ran = at("2026-11-24T12:00:00+00:00")

    assert store.move_cursor("google", "chan-1", read, "sync-2", ran) is True
    assert store.channel_cursor("google", "chan-1") == ChannelCursor("sync-2", 2, ran)
    assert store.reset_cursor("google", "chan-1") is True
    assert store.channel_cursor("google", "chan-1") == ChannelCursor(None, 3)


def test_a_reset_cursor_cannot_be_moved_by_a_sync_that_read_it_before(
        store: CalendarCacheRepository) -> None:
    store.save_watch("google", "chan-1", HOST, GOOGLE, "token", at("2026-11-30T12:00:00+00:00"),
                     cursor="sync-1")
    read = store.channel_cursor("google", "chan-1")
    assert read is not None

    assert store.reset_cursor("google", "chan-1") is True
    assert store.move_cursor("google", "chan-1", read, "sync-2") is False
    assert store.forget_watch("google", "chan-1", moved=read) is False
    assert store.channel_cursor("google", "chan-1") == ChannelCursor(None, 2)


def test_a_channel_that_is_gone_is_neither_moved_nor_reset_nor_made_again(
        store: CalendarCacheRepository) -> None:
    store.save_watch("google", "chan-1", HOST, GOOGLE, "token", at("2026-11-30T12:00:00+00:00"),
                     cursor="sync-1")
    read = store.channel_cursor("google", "chan-1")
    assert read is not None and store.forget_watch("google", "chan-1", moved=read) is True

    assert store.move_cursor("google", "chan-1", read, "sync-2") is False
    assert store.move_cursor("google", "chan-1", ChannelCursor(), "sync-2") is False
    assert store.reset_cursor("google", "chan-1") is False
    assert list(WatchItem.scan()) == []


def test_a_channel_made_before_cursors_were_kept_on_it_takes_its_first_cursor(
        store: CalendarCacheRepository) -> None:
    WatchItem("WATCH#google#chan-1", "WATCH", host_id=HOST, calendar=GOOGLE.key,
              token_hash="0" * 64).save()
    read = store.channel_cursor("google", "chan-1")
    assert read == ChannelCursor(None, 0)     # its cursor is the one in the host's setup

    assert store.move_cursor("google", "chan-1", read, "sync-2") is True
    assert store.move_cursor("google", "chan-1", read, "sync-3") is False
    assert store.channel_cursor("google", "chan-1") == ChannelCursor("sync-2", 1)
