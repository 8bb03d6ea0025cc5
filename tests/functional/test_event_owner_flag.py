"""The flag on a booking whose event the host deleted, on moto (store/event_owners.py):
one transaction of a check that the event's owner record still names the booking and
the booking's conditional update. A sync that read the record just before "Put it back"
made the event again (the record forgotten, the flag cleared) flags nothing. One
cancelled by another transaction on the booking is tried again; one that keeps being
cancelled is a BookingContentionError, and the sync that met it leaves the copy not fresh.

The store's tests build their own table (test_calendar_cache_store.py's booking, a
standup on 2026-11-24, the clock a value passed in: 2026-11-23T12:00Z); the race runs
through Penny's API, the sandbox's fake Google and the calendar worker, as
test_calendar_event_removed.py does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from pynamodb.connection.base import Connection
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import BookingContentionError
from chalicelib.domain.event_owners import EventOwner
from chalicelib.domain.events import EventKind
from chalicelib.services.calendar_event_owners import notice_deleted
from chalicelib.services.ports import BookingWrite
from chalicelib.store import tables
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.calendar_cache import CalendarCacheRepository
from chalicelib.store.event_owners import FLAG_ATTEMPTS, EventOwnerRepository
from sandbox.server import ProviderSandbox
from tests.functional.conftest import TABLE, Api, FixedClock
from tests.functional.dynamodb_requests import recorded
from tests.functional.hosts import make_sandbox_host
from tests.functional.test_calendar_cache_store import HOST, NOW, STANDUP, a_booking, booked
from tests.functional.test_calendar_event_removed import (
    booked_into_google,
    deleted_in_google,
    penny_events,
)
from tests.functional.test_calendars import deliver, host_id, next_weekday, run_calendar_job

OWNER = EventOwner("google", "evt-1", HOST, "b-1", "google:ada@example.com", STANDUP.end,
                   STANDUP.end + timedelta(days=30))


@pytest.fixture
def table(aws: None, atomic_moto: None) -> Iterator[None]:
    tables.configure(TABLE, "us-east-1", None)
    yield


@pytest.fixture
def owners(table: None) -> EventOwnerRepository:
    repository = EventOwnerRepository()
    repository.put(OWNER)
    return repository


@pytest.fixture
def bookings(table: None) -> BookingRepository:
    return BookingRepository()


class Conflicts:
    """The flag's transactions (a check on an owner record, then the booking's update),
    the first `times` of them cancelled as DynamoDB cancels one while another
    transaction on the booking is in progress; the others sent. `sent`: those tried."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, times: int) -> None:
        self.left, self.sent = times, 0
        send = Connection.transact_write_items

        def transact_write_items(connection: Connection, *args: Any, **kwargs: Any) -> Any:
            checks = kwargs.get("condition_check_items") or []
            if not any("EVENTOWNER#" in str(c) for c in checks):
                return send(connection, *args, **kwargs)
            self.sent += 1
            if self.left:
                self.left -= 1
                raise conflict()
            return send(connection, *args, **kwargs)

        monkeypatch.setattr(Connection, "transact_write_items", transact_write_items)


def conflict() -> TransactWriteError:
    """What PynamoDB raises for the flag cancelled by another transaction on the booking
    (connection/base.py `_make_api_call`): one reason an item, the check's none."""
    error = {"Error": {"Code": "TransactionCanceledException", "Message": (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, TransactionConflict]")}}
    return TransactWriteError("Failed to write transaction items", VerboseClientError(
        error, "TransactWriteItems", cancellation_reasons=[
            None, CancellationReason("TransactionConflict",
                                     "Transaction is ongoing for the item")]))


def stored(bookings: BookingRepository) -> Booking:
    found = bookings.get(OWNER.booking_uid)
    assert found is not None
    return found


def test_a_booking_whose_owner_record_stands_is_flagged_in_one_transaction(
        owners: EventOwnerRepository, bookings: BookingRepository) -> None:
    before = booked(bookings, a_booking())

    with recorded() as requests:
        assert owners.flag_removed(OWNER, NOW)
        assert requests.take() == {"TransactWriteItems": 1}

    after = stored(bookings)
    assert after.calendar_event_removed_at == NOW
    assert after.version == (before.version or 0) + 1


def test_a_booking_already_flagged_is_not_flagged_again(
        owners: EventOwnerRepository, bookings: BookingRepository) -> None:
    booked(bookings, a_booking())
    assert owners.flag_removed(OWNER, NOW)
    flagged = stored(bookings)

    assert not owners.flag_removed(OWNER, NOW + timedelta(minutes=1))

    assert stored(bookings) == flagged


def test_an_owner_record_forgotten_after_it_was_read_flags_nothing(
        owners: EventOwnerRepository, bookings: BookingRepository) -> None:
    before = booked(bookings, a_booking())
    read = owners.owner("google", "evt-1")
    assert read == OWNER
    owners.forget("google", "evt-1")

    assert not owners.flag_removed(read, NOW)

    assert stored(bookings) == before


def test_an_owner_record_naming_another_booking_flags_nothing(
        owners: EventOwnerRepository, bookings: BookingRepository) -> None:
    before = booked(bookings, a_booking())
    owners.put(replace(OWNER, booking_uid="b-2"))

    assert not owners.flag_removed(OWNER, NOW)

    assert stored(bookings) == before


def test_a_cancelled_booking_is_not_flagged(
        owners: EventOwnerRepository, bookings: BookingRepository) -> None:
    confirmed = booked(bookings, a_booking())
    bookings.commit(BookingWrite(replace(confirmed, status=BookingStatus.CANCELLED), False,
                                 []), NOW)

    assert not owners.flag_removed(OWNER, NOW)

    assert stored(bookings).calendar_event_removed_at is None


class ReadJustBeforePutBack(EventOwnerRepository):
    """The owner records, with the calendar worker's run of "Put it back" landing right
    after a sync reads one."""

    def __init__(self, put_back: Callable[[], None]) -> None:
        self.put_back = put_back

    def owner(self, provider: str, event_id: str) -> EventOwner | None:
        found = super().owner(provider, event_id)
        self.put_back()
        return found


def test_a_sync_that_read_the_owner_record_before_put_back_made_the_event_flags_nothing(
        api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    host = make_sandbox_host(api, sandbox, clock)
    uid, gone = booked_into_google(api, sandbox, host, clock)
    deleted_in_google(api, sandbox, gone)
    owner = EventOwnerRepository().owner("google", gone)
    assert owner is not None
    assert api.post(f"/me/bookings/{uid}/calendar-event", token=host).status == 202
    hosted_by = host_id(api, host)
    owners = ReadJustBeforePutBack(
        lambda: run_calendar_job(EventKind.CALENDAR_REQUESTED, hosted_by, uid))

    flagged = notice_deleted(owners, hosted_by, CalendarRef.parse(owner.calendar), [gone],
                             clock.now())

    assert flagged == []
    (made,) = penny_events(sandbox)
    assert made.id != gone
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None


def test_a_flag_cancelled_by_another_transaction_on_the_booking_lands_on_the_retry(
        owners: EventOwnerRepository, bookings: BookingRepository,
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = booked(bookings, a_booking())
    conflicts = Conflicts(monkeypatch, times=1)

    assert owners.flag_removed(OWNER, NOW)

    assert conflicts.sent == 2
    after = stored(bookings)
    assert after.calendar_event_removed_at == NOW
    assert after.version == (before.version or 0) + 1


def test_a_flag_other_transactions_keep_cancelling_is_a_contention_error(
        owners: EventOwnerRepository, bookings: BookingRepository,
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = booked(bookings, a_booking())
    conflicts = Conflicts(monkeypatch, times=FLAG_ATTEMPTS)

    with pytest.raises(BookingContentionError):
        owners.flag_removed(OWNER, NOW)

    assert conflicts.sent == FLAG_ATTEMPTS
    assert stored(bookings) == before


def test_a_google_sync_whose_flag_other_transactions_keep_cancelling_flags_on_the_next(
        api: Api, sandbox: ProviderSandbox, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    host = make_sandbox_host(api, sandbox, clock)
    uid, gone = booked_into_google(api, sandbox, host, clock)
    clock.advance(minutes=1)
    conflicts = Conflicts(monkeypatch, times=FLAG_ATTEMPTS)
    seen = len(sandbox.notifications("google"))
    sandbox.delete_event("google", gone)

    deliver(api, sandbox, "google", seen)  # answered 200: Google need not send it again

    assert conflicts.sent == FLAG_ATTEMPTS
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None
    setup = CalendarCacheRepository().setup(host_id(api, host))
    (google,) = [s for s in setup.conflicts if s.ref.provider == "google"]
    assert google.changed_at == clock.now()
    assert google.synced_at is not None and google.synced_at < clock.now()

    # The next sync lists the deleted event again from the cursor the failed one left.
    deliver(api, sandbox, "google", seen)

    seen_after = api.get(f"/me/bookings/{uid}", token=host).json
    assert seen_after["calendar_event_removed_at"] == clock.now().isoformat()


def test_a_slots_page_whose_sync_meets_a_busy_flag_shows_the_copy_and_flags_it_later(
        api: Api, sandbox: ProviderSandbox, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    host = make_sandbox_host(api, sandbox, clock)
    uid, gone = booked_into_google(api, sandbox, host, clock)
    day = next_weekday(clock).isoformat()
    slots = f"/hosts/alice/intro/slots?start={day}&end={day}&timeZone=UTC"
    clock.advance(minutes=1)
    conflicts = Conflicts(monkeypatch, times=2 * FLAG_ATTEMPTS)
    seen = len(sandbox.notifications("google"))
    sandbox.delete_event("google", gone)
    deliver(api, sandbox, "google", seen)  # its flag kept cancelled: the copy not fresh

    page = api.get(slots)  # its sync lists the deleted event; the flag is cancelled again

    assert page.status == 200, page.body
    assert page.json["stale"] is True
    assert conflicts.sent == 2 * FLAG_ATTEMPTS
    assert api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"] is None

    again = api.get(slots)  # nothing in the way now: this sync flags the booking

    assert again.status == 200 and again.json["stale"] is False
    removed = api.get(f"/me/bookings/{uid}", token=host).json["calendar_event_removed_at"]
    assert removed == clock.now().isoformat()
