"""A host's slug and timezone rules (chalicelib/domain/hosts.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidTimezoneError, SlugTakenError, ValidationError
from chalicelib.domain.hosts import (
    RESERVED_SLUGS,
    validate_event_slug,
    validate_slug,
    validate_timezone,
)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Argentina/Buenos_Aires", "UTC",
                                  "Asia/Kathmandu"])
def test_an_iana_zone_name_is_accepted_as_given(zone: str) -> None:
    assert validate_timezone(zone) == zone


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/Europe/Paris",
                                  "right/Europe/Paris", "EST5EDT,M3.2.0,M11.1.0",
                                  "../etc/passwd", "europe/paris", ""])
def test_a_name_that_is_no_zone_a_person_lives_in_is_refused(zone: str) -> None:
    with pytest.raises(InvalidTimezoneError) as raised:
        validate_timezone(zone)

    assert raised.value.field == "timezone"
    assert raised.value.message == f"'{zone}' is not an IANA timezone such as Europe/Paris"


def test_a_refused_zone_names_the_field_it_came_from() -> None:
    with pytest.raises(InvalidTimezoneError) as raised:
        validate_timezone("Mars/Olympus", "attendee.timezone")

    assert raised.value.field == "attendee.timezone"


@pytest.mark.parametrize("slug", ["a", "7", "alice", "dr-who-2", "a" * 40])
def test_a_slug_of_lowercase_letters_digits_and_inner_hyphens_is_accepted(slug: str) -> None:
    assert validate_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "-alice", "alice-", "Alice", "al ice", "al_ice",
                                  "a" * 41, "alice\n"])
def test_a_malformed_slug_is_refused_with_its_field(slug: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_slug(slug, "host_slug")

    assert not isinstance(raised.value, SlugTakenError)
    assert (raised.value.field, raised.value.message) == (
        "host_slug", "slug must be 1-40 lowercase letters, digits or inner hyphens")


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS - {"openapi.json"}))
def test_a_reserved_slug_is_taken(slug: str) -> None:
    with pytest.raises(SlugTakenError) as raised:
        validate_slug(slug)

    assert (raised.value.field, raised.value.message) == ("slug", f"'{slug}' is reserved")


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS - {"openapi.json"}))
def test_a_word_reserved_for_host_slugs_is_a_valid_event_slug(slug: str) -> None:
    assert validate_event_slug(slug) == slug


@pytest.mark.parametrize("slug", ["Intro", "intro call", "-intro", "openapi.json"])
def test_an_event_slug_keeps_the_host_slugs_pattern(slug: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_event_slug(slug)

    assert raised.value.field == "slug"
