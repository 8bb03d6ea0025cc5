"""Event types: the questions a booker answers, and the slot rules an event type sets.

Each refused answer names its question in the error's ``field`` (``answers.<id>``), which
the booking page uses to put the message beside the right input.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import InvalidAnswerError
from chalicelib.domain.event_types import (
    EventType,
    LocationKind,
    Question,
    QuestionType,
)
from chalicelib.domain.slots import SlotRules

EMAIL = Question("email", "Work email", QuestionType.EMAIL)
PHONE = Question("phone", "Phone", QuestionType.PHONE)
SIZE = Question("size", "Company size", QuestionType.SELECT, options=("1-10", "11-50"))


def refusal(question: Question, value: str | None) -> InvalidAnswerError:
    with pytest.raises(InvalidAnswerError) as raised:
        question.check(value)
    return raised.value


def an_event(**fields: object) -> EventType:
    values: dict[str, object] = {"id": "alice-intro", "host_id": "host-alice", "slug": "intro",
                                 "title": "Intro call", "duration_minutes": 30,
                                 "location_kind": LocationKind.ZOOM, **fields}
    return EventType(**values)  # type: ignore[arg-type]


# --- answers that are accepted ---------------------------------------------------------------


@pytest.mark.parametrize(("question", "given", "kept"), [
    (EMAIL, "  ada@example.com ", "ada@example.com"),
    (PHONE, " +44 (20) 7946-0958 ", "+44 (20) 7946-0958"),
    (SIZE, "11-50 ", "11-50"),
    (Question("topic", "Topic", QuestionType.TEXT), " pricing ", "pricing"),
])
def test_a_well_formed_answer_is_kept_without_surrounding_blanks(
        question: Question, given: str, kept: str) -> None:
    assert question.check(given) == kept


@pytest.mark.parametrize("given", [None, "", "   "])
def test_an_optional_question_left_blank_has_no_answer(given: str | None) -> None:
    assert EMAIL.check(given) is None


@pytest.mark.parametrize("given", [None, "", " \n "])
def test_a_required_question_left_blank_is_refused_by_name(given: str | None) -> None:
    required = Question("topic", "Topic", QuestionType.TEXT, required=True)

    error = refusal(required, given)

    assert (error.field, error.message) == ("answers.topic", "'Topic' is required")


# --- answers at their length limits ----------------------------------------------------------


@pytest.mark.parametrize(("kind", "limit"), [(QuestionType.TEXT, 500),
                                             (QuestionType.LONG_TEXT, 5000)])
def test_a_text_answer_may_be_as_long_as_its_limit_and_no_longer(
        kind: QuestionType, limit: int) -> None:
    question = Question("notes", "Notes", kind)

    assert question.check("x" * limit) == "x" * limit
    error = refusal(question, "x" * (limit + 1))
    assert (error.field, error.message) == (
        "answers.notes", f"'Notes' must be at most {limit} characters")


def test_the_limit_is_counted_after_surrounding_blanks_are_dropped() -> None:
    question = Question("notes", "Notes", QuestionType.TEXT)

    assert question.check("  " + "x" * 500 + "  ") == "x" * 500


def test_an_email_answer_may_be_320_characters_long_and_no_longer() -> None:
    longest = "a" * 64 + "@" + "b" * 251 + ".com"   # 320 characters

    assert EMAIL.check(longest) == longest
    error = refusal(EMAIL, "a" * 64 + "@" + "b" * 252 + ".com")
    assert (error.field, error.message) == (
        "answers.email", "'Work email' must be at most 320 characters")


def test_a_select_option_longer_than_320_characters_is_refused_by_length() -> None:
    fits, too_long = "o" * 320, "o" * 321
    question = Question("pick", "Pick", QuestionType.SELECT, options=(fits, too_long))

    assert question.check(fits) == fits
    assert refusal(question, too_long).message == "'Pick' must be at most 320 characters"


# --- answers in the wrong shape --------------------------------------------------------------


@pytest.mark.parametrize("given", ["ada", "ada@example", "ada example@x.org", "@example.com",
                                   "a@b@example.com"])
def test_an_email_answer_must_be_an_address(given: str) -> None:
    error = refusal(EMAIL, given)

    assert (error.field, error.message) == ("answers.email",
                                            "'Work email' must be an email address")


@pytest.mark.parametrize("given", ["12345", "call me maybe", "+" + "1" * 25])
def test_a_phone_answer_must_be_a_number(given: str) -> None:
    error = refusal(PHONE, given)

    assert (error.field, error.message) == ("answers.phone", "'Phone' must be a phone number")


def test_a_select_answer_must_be_one_of_its_options() -> None:
    error = refusal(SIZE, "51-200")

    assert (error.field, error.message) == (
        "answers.size", "'Company size' must be one of: 1-10, 11-50")


def test_a_text_answer_is_not_held_to_the_email_phone_or_option_rules() -> None:
    question = Question("topic", "Topic", QuestionType.TEXT)

    assert question.check("not an email, 12") == "not an email, 12"


# --- all the answers of a booking ------------------------------------------------------------


def test_answers_are_checked_against_every_question_and_blank_ones_dropped() -> None:
    event = an_event(questions=(EMAIL, PHONE, SIZE))

    cleaned = event.check_answers({"email": " ada@example.com", "phone": "  ", "size": "1-10"})

    assert cleaned == {"email": "ada@example.com", "size": "1-10"}


def test_an_answer_to_an_unknown_question_names_the_first_unknown_one() -> None:
    event = an_event(questions=(EMAIL,))

    with pytest.raises(InvalidAnswerError) as raised:
        event.check_answers({"zebra": "x", "email": "ada@example.com", "shoe": "44"})

    assert (raised.value.field, raised.value.message) == ("answers.shoe",
                                                          "unknown question 'shoe'")


def test_a_required_question_missing_from_the_answers_is_refused() -> None:
    event = an_event(questions=(EMAIL, Question("topic", "Topic", QuestionType.TEXT, True)))

    with pytest.raises(InvalidAnswerError) as raised:
        event.check_answers({"email": "ada@example.com"})

    assert raised.value.field == "answers.topic"


# --- the slot rules an event type sets -------------------------------------------------------


def test_every_scheduling_setting_of_an_event_type_reaches_its_slot_rules() -> None:
    event = an_event(duration_minutes=45, slot_interval_minutes=15, buffer_before_minutes=10,
                     buffer_after_minutes=5, minimum_notice_minutes=120, booking_window_days=14,
                     daily_limit=3)

    assert event.slot_rules() == SlotRules(
        duration=timedelta(minutes=45), interval=timedelta(minutes=15),
        buffer_before=timedelta(minutes=10), buffer_after=timedelta(minutes=5),
        minimum_notice=timedelta(minutes=120), booking_window_days=14, daily_limit=3)


def test_slots_step_by_the_duration_when_no_interval_is_set() -> None:
    rules = an_event(duration_minutes=45).slot_rules()

    assert rules == SlotRules(duration=timedelta(minutes=45), interval=timedelta(minutes=45))
    assert (rules.booking_window_days, rules.daily_limit) == (None, None)


# --- where it happens ------------------------------------------------------------------------


def test_each_location_kind_has_the_name_people_read() -> None:
    assert {kind.value: kind.label for kind in LocationKind} == {
        "google_meet": "Google Meet", "teams": "Microsoft Teams", "zoom": "Zoom",
        "phone": "Phone call", "in_person": "In person"}


def test_only_the_conferencing_kinds_are_video() -> None:
    assert {kind for kind in LocationKind if kind.is_video} == {
        LocationKind.GOOGLE_MEET, LocationKind.TEAMS, LocationKind.ZOOM}
