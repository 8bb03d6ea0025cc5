"""The host's order of their event types (domain/event_type_order.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import (
    EventTypeMissingError,
    UnknownEventTypeError,
    ValidationError,
)
from chalicelib.domain.event_type_order import checked_order, in_order
from chalicelib.domain.event_types import EventType, LocationKind


def event(event_type_id: str, slug: str) -> EventType:
    return EventType(event_type_id, "h1", slug, slug.title(), 30, LocationKind.ZOOM)


INTRO, ADVICE, CHAT = event("e1", "intro"), event("e2", "advice"), event("e3", "chat")


def test_event_types_follow_the_ids_of_the_order() -> None:
    assert in_order([INTRO, ADVICE, CHAT], ["e3", "e1", "e2"]) == (CHAT, INTRO, ADVICE)


def test_event_types_in_no_order_come_first_by_slug_then_the_ordered_ones() -> None:
    assert in_order([INTRO, ADVICE, CHAT], ["e1"]) == (ADVICE, CHAT, INTRO)
    assert in_order([INTRO, ADVICE, CHAT], []) == (ADVICE, CHAT, INTRO)


def test_an_id_no_event_type_has_is_passed_over() -> None:
    assert in_order([INTRO, ADVICE], ["gone", "e2", "e1"]) == (ADVICE, INTRO)


def test_in_order_leaves_its_input_as_it_was() -> None:
    given = [INTRO, ADVICE]
    in_order(given, ["e2", "e1"])
    assert given == [INTRO, ADVICE]


def test_an_order_naming_each_event_type_once_is_taken() -> None:
    assert checked_order([INTRO, ADVICE], ["e2", "e1"]) == ("e2", "e1")


def test_an_order_naming_an_unknown_id_is_refused_at_its_place() -> None:
    with pytest.raises(UnknownEventTypeError) as refused:
        checked_order([INTRO, ADVICE], ["e2", "e1", "e9"])
    assert refused.value.field == "ids.2"


def test_an_order_naming_one_twice_is_refused_at_the_second() -> None:
    with pytest.raises(ValidationError) as refused:
        checked_order([INTRO, ADVICE], ["e2", "e2", "e1"])
    assert (refused.value.code, refused.value.field) == ("validation_error", "ids.1")


def test_an_order_leaving_one_out_is_refused_naming_it() -> None:
    with pytest.raises(EventTypeMissingError) as refused:
        checked_order([INTRO, ADVICE, CHAT], ["e2"])
    assert "Intro, Chat" in refused.value.message
