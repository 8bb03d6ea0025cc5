"""Argon2id password hashing.

Hashes here use tiny Argon2 costs so the tests stay fast; only one test pays for the
production defaults, to show they are what a hasher without settings uses.
"""

from __future__ import annotations

from chalicelib.integrations.argon2_passwords import Argon2Passwords


def cheap() -> Argon2Passwords:
    return Argon2Passwords(time_cost=1, memory_cost=64)


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
