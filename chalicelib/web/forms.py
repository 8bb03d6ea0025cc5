"""The booking form's fields, rendered on the server so the form is there at first paint.

Each field's `name` is the API's error `field` ("attendee.email", "answers.plan"), so the
page puts a server-side error next to the field it names without a lookup table.
"""

from __future__ import annotations

from html import escape

from chalicelib.domain.event_types import MAX_ANSWER_LENGTH, Question, QuestionType

_INPUT_TYPES = {QuestionType.EMAIL: "email", QuestionType.PHONE: "tel",
                QuestionType.TEXT: "text"}
_AUTOCOMPLETE = {QuestionType.EMAIL: "email", QuestionType.PHONE: "tel"}


def _field(name: str, label: str, control: str, required: bool, hint: str = "") -> str:
    key = _key(name)
    mark = ' <span class="required" aria-hidden="true">*</span>' if required else ""
    hint_html = f'<p class="hint" id="h-{key}">{escape(hint)}</p>' if hint else ""
    return (f'<div class="field"><label for="f-{key}">{escape(label)}{mark}</label>'
            f'{hint_html}{control}<p class="field-error" id="e-{key}" hidden></p></div>')


def _key(name: str) -> str:
    return name.replace(".", "-")


def _attrs(name: str, kind: str, required: bool, hint: bool = False) -> str:
    key = _key(name)
    described = f"e-{key} h-{key}" if hint else f"e-{key}"
    return (f'id="f-{key}" name="{escape(name)}" data-kind="{kind}" '
            f'aria-describedby="{described}"{" required" if required else ""}')


def attendee_fields() -> str:
    name = (f'<input {_attrs("attendee.name", "text", True)} type="text" '
            'autocomplete="name" maxlength="200">')
    email = (f'<input {_attrs("attendee.email", "email", True)} type="email" '
             'autocomplete="email" maxlength="254" inputmode="email">')
    return (_field("attendee.name", "Your name", name, True)
            + _field("attendee.email", "Email address", email, True))


def question_field(q: Question) -> str:
    name = f"answers.{q.id}"
    attrs = _attrs(name, q.type.value, q.required)
    if q.type is QuestionType.SELECT:
        options = "".join(f'<option value="{escape(o)}">{escape(o)}</option>' for o in q.options)
        control = f'<select {attrs}><option value="">Choose…</option>{options}</select>'
    elif q.type is QuestionType.LONG_TEXT:
        limit = MAX_ANSWER_LENGTH[QuestionType.LONG_TEXT]
        control = f'<textarea {attrs} rows="4" maxlength="{limit}"></textarea>'
    else:
        limit = MAX_ANSWER_LENGTH.get(q.type, 320)
        complete = _AUTOCOMPLETE.get(q.type, "off")
        control = (f'<input {attrs} type="{_INPUT_TYPES[q.type]}" maxlength="{limit}" '
                   f'autocomplete="{complete}">')
    return _field(name, q.label, control, q.required)


def booking_fields(questions: tuple[Question, ...]) -> str:
    return attendee_fields() + "".join(question_field(q) for q in questions)
