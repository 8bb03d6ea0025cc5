"""An event the host moved to another of their calendars, followed on moto
(store/event_owners.py `follow`): its owner record and the booking's record of the event
name the calendar it is in now, in one transaction, only while both still say what the
sync read (test_event_owner_flag.py's table, owner record and booking)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.services.calendar_event_records import moved
from chalicelib.store import tables
from chalicelib.store.event_owners import EventOwnerRepository
from chalicelib.store.provider_refs import ProviderRefRepository
from tests.functional.conftest import TABLE
from tests.functional.dynamodb_requests import recorded
from tests.functional.test_event_owner_flag import OWNER

SIDE = "google:side@group.calendar.google.com"
REF = ProviderRef("calendar", OWNER.booking_uid, f"{OWNER.calendar}\n{OWNER.event_id}", 0,
                  OWNER.keep_until)


@pytest.fixture
def table(aws: None, atomic_moto: None) -> Iterator[None]:
    tables.configure(TABLE, "us-east-1", None)
    yield


@pytest.fixture
def owners(table: None) -> EventOwnerRepository:
    repository = EventOwnerRepository()
    repository.put(OWNER)
    ProviderRefRepository().put(REF)
    return repository


def test_a_moved_event_is_followed_by_its_owner_record_and_its_bookings_record_at_once(
        owners: EventOwnerRepository) -> None:
    with recorded() as requests:
        assert owners.follow(OWNER, SIDE, REF, moved(REF, SIDE))
        assert requests.take() == {"TransactWriteItems": 1}

    assert owners.owner("google", OWNER.event_id) == replace(OWNER, calendar=SIDE)
    held = ProviderRefRepository().get("calendar", OWNER.booking_uid)
    assert held == replace(REF, external_id=f"{SIDE}\n{OWNER.event_id}\n\n{OWNER.calendar}")


def test_a_bookings_record_changed_since_it_was_read_is_not_followed(
        owners: EventOwnerRepository) -> None:
    again = replace(REF, external_id=f"{OWNER.calendar}\nevt-2")
    ProviderRefRepository().put(again)   # a run made the event again meanwhile

    assert not owners.follow(OWNER, SIDE, REF, moved(REF, SIDE))

    assert owners.owner("google", OWNER.event_id) == OWNER
    assert ProviderRefRepository().get("calendar", OWNER.booking_uid) == again


def test_an_owner_record_forgotten_since_it_was_read_is_not_followed(
        owners: EventOwnerRepository) -> None:
    owners.forget("google", OWNER.event_id)   # Penny deleting its own event meanwhile

    assert not owners.follow(OWNER, SIDE, REF, moved(REF, SIDE))

    assert ProviderRefRepository().get("calendar", OWNER.booking_uid) == REF
