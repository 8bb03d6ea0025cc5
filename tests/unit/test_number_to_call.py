"""A phone call's number to call: an event type whose location is a phone call asks the
client for it (EventType.booking_questions) unless a phone question of the host's own
does, and never stores the question it adds among the host's."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus
from chalicelib.domain.errors import InvalidAnswerError
from chalicelib.domain.event_types import (
    EventType,
    LocationKind,
    Question,
    QuestionType,
    call_note,
)
from chalicelib.domain.notes import booking_facts

GOAL = Question("goal", "What to cover", QuestionType.TEXT)
MOBILE = Question("mobile", "Mobile", QuestionType.PHONE)


def a_phone_call(*questions: Question, **fields: object) -> EventType:
    values: dict[str, object] = {"id": "kim-call", "host_id": "host-kim", "slug": "call",
                                 "title": "Phone call", "duration_minutes": 15,
                                 "location_kind": LocationKind.PHONE,
                                 "questions": questions, **fields}
    return EventType(**values)  # type: ignore[arg-type]


def test_a_phone_call_asks_last_for_the_number_to_call_required() -> None:
    asked = a_phone_call(GOAL).booking_questions

    assert asked == (GOAL,
                     Question("phone", "Your phone number", QuestionType.PHONE, required=True))
    assert a_phone_call(GOAL).questions == (GOAL,)  # the host's, as they wrote them


def test_a_phone_call_booked_without_the_number_is_refused_naming_it() -> None:
    with pytest.raises(InvalidAnswerError) as raised:
        a_phone_call().check_answers({"phone": "  "})

    assert (raised.value.message, raised.value.field) == \
        ("'Your phone number' is required", "answers.phone")


def test_the_number_to_call_must_be_a_phone_number() -> None:
    with pytest.raises(InvalidAnswerError) as raised:
        a_phone_call().check_answers({"phone": "call me maybe"})

    assert raised.value.message == "'Your phone number' must be a phone number"


def test_the_number_given_is_kept_as_the_number_to_call() -> None:
    call = a_phone_call(GOAL)
    answers = call.check_answers({"phone": " +1 555 0100 ", "goal": "Pricing"})

    assert answers == {"phone": "+1 555 0100", "goal": "Pricing"}
    assert call.number_to_call(answers) == "+1 555 0100"


def test_a_phone_question_of_the_hosts_own_asks_for_the_number_instead() -> None:
    call = a_phone_call(GOAL, MOBILE)

    assert call.booking_questions == (GOAL, MOBILE)
    assert call.check_answers({}) == {}  # the host made theirs optional
    assert call.number_to_call(call.check_answers({"mobile": "+44 7700 900123"})) == \
        "+44 7700 900123"


def test_a_host_question_with_the_id_phone_of_another_type_leaves_it_to_the_hosts() -> None:
    model = Question("phone", "Which phone do you use?", QuestionType.TEXT)
    taken = Question("phone_2", "Carrier", QuestionType.TEXT)

    asked = a_phone_call(model, taken).booking_questions

    assert [q.id for q in asked] == ["phone", "phone_2", "phone_3"]
    assert asked[-1].label == "Your phone number" and asked[-1].required
    answers = a_phone_call(model, taken).check_answers(
        {"phone": "Pixel", "phone_3": "+1 555 0100"})
    assert a_phone_call(model, taken).number_to_call(answers) == "+1 555 0100"


@pytest.mark.parametrize("kind", [k for k in LocationKind if k is not LocationKind.PHONE])
def test_other_locations_ask_only_the_hosts_questions(kind: LocationKind) -> None:
    other = a_phone_call(GOAL, location_kind=kind)

    assert other.booking_questions == (GOAL,)
    assert other.number_to_call({"phone": "+1 555 0100"}) is None


def test_the_client_is_told_the_number_they_will_be_called_at() -> None:
    assert call_note("+1 555 0100") == "Phone call: the host will call you at +1 555 0100."
    # A booking made before Penny asked for it
    assert call_note(None) == "Phone call: the host will call you at the time of the meeting."


def test_the_number_to_call_is_not_among_the_facts_a_brief_is_written_from() -> None:
    booking = Booking(
        uid="b-1", host_id="host-kim", event_type_id="kim-call", event_title="Phone call",
        start=datetime.fromisoformat("2026-03-04T15:00:00+00:00"),
        end=datetime.fromisoformat("2026-03-04T15:15:00+00:00"),
        buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Phil Phone", "phil@example.com", "Europe/London"),
        answers={"goal": "Pricing", "phone": "+1 555 0100"}, status=BookingStatus.CONFIRMED,
        created_at=datetime.fromisoformat("2026-03-02T12:00:00+00:00"),
        location_kind="phone", phone="+1 555 0100")
    labels = {q.id: q.label for q in a_phone_call(GOAL).booking_questions}

    assert booking_facts(booking, labels, []).answers == (("What to cover", "Pricing"),)
