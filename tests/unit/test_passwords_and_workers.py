"""Argon2id password hashing and the idempotent booking-event workers.

Hashes here use tiny Argon2 costs so the tests stay fast; only one test pays for the
production defaults, to show they are what a hasher without settings uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.services.passwords import Argon2Passwords
from chalicelib.services.workers import Worker
from tests.unit.fakes import FixedClock

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")


def cheap() -> Argon2Passwords:
    return Argon2Passwords(time_cost=1, memory_cost=64)


# --- passwords -------------------------------------------------------------------------------


def test_a_hash_verifies_its_password_and_no_other() -> None:
    passwords = cheap()

    hashed = passwords.hash("correct horse battery")

    assert hashed.startswith("$argon2id$v=19$m=64,t=1,")
    assert passwords.verify(hashed, "correct horse battery") is True
    assert passwords.verify(hashed, "correct horse batter") is False


def test_a_malformed_hash_verifies_nothing_rather_than_failing() -> None:
    assert cheap().verify("plain$abc", "anything") is False


def test_a_hash_made_with_other_costs_needs_rehashing() -> None:
    old = Argon2Passwords(time_cost=2, memory_cost=64).hash("pw")

    assert cheap().needs_rehash(old) is True
    assert cheap().needs_rehash(cheap().hash("pw")) is False


def test_without_settings_the_library_defaults_are_used() -> None:
    hashed = Argon2Passwords().hash("pw")

    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_one_setting_given_keeps_the_default_of_the_other() -> None:
    assert Argon2Passwords(time_cost=1).hash("pw").startswith("$argon2id$v=19$m=65536,t=1,")


# --- workers ---------------------------------------------------------------------------------


@dataclass
class FakeWorkRecords:
    claims: list[tuple[Any, ...]] = field(default_factory=list)

    def claim(self, worker: str, booking_uid: str, host_id: str, event_id: str,
              booking: dict[str, Any], now: datetime) -> bool:
        first = all(c[:2] != (worker, booking_uid) for c in self.claims)
        self.claims.append((worker, booking_uid, host_id, event_id, booking, now))
        return first


def event_body(**overrides: Any) -> str:
    event: dict[str, Any] = {"type": "booking.created", "id": "e-1", "host_id": "host-alice",
                             "booking": {"uid": "b-1", "status": "confirmed"}, **overrides}
    return json.dumps(event)


def test_a_worker_claims_its_job_for_the_booking_once() -> None:
    records = FakeWorkRecords()
    worker = Worker("notes", records, FixedClock(NOW))

    assert worker.process(event_body()) is True
    assert worker.process(event_body(id="e-1-redelivered")) is False

    assert records.claims[0] == ("notes", "b-1", "host-alice", "e-1",
                                 {"uid": "b-1", "status": "confirmed"}, NOW)


@pytest.mark.parametrize("body", [
    "not json",
    json.dumps({"id": "e-1", "host_id": "h"}),                      # no booking
    json.dumps({"id": "e-1", "booking": {"uid": "b-1"}}),           # no host
    json.dumps({"host_id": "h", "booking": {"uid": "b-1"}}),        # no id
    json.dumps({"id": "e-1", "host_id": "h", "booking": {}}),       # no uid
    json.dumps({"id": "e-1", "host_id": "h", "booking": "b-1"}),    # booking not an object
    json.dumps(["not", "an", "object"]),
])
def test_a_message_that_is_no_booking_event_is_refused_for_the_dead_letter_queue(
        body: str) -> None:
    records = FakeWorkRecords()

    with pytest.raises(ValidationError) as raised:
        Worker("summary", records, FixedClock(NOW)).process(body)

    assert raised.value.message.startswith("not a booking event: ")
    assert records.claims == []
