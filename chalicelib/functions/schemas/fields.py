"""The field types the models share: patterns with their messages in words, names and
free text, dates and instants written in ISO 8601.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from chalicelib.domain.text import free_text_problem, name_problem

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
ZONE_PATTERN = r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$"
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]{2,}$"
HHMM_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
URL_PATTERN = r"^https?://\S+$"
QUESTION_ID_PATTERN = r"^[a-z0-9_]{1,40}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
# What a value that misses each pattern should have been, in plain words: the regex
# stays in the OpenAPI document for machines, never in an error message for people.
PATTERN_MESSAGES = {
    SLUG_PATTERN: "must be lowercase letters, digits and hyphens, starting and ending "
                  "with a letter or digit (like my-name)",
    ZONE_PATTERN: "must be an IANA time zone name like Europe/Paris",
    EMAIL_PATTERN: "must be an e-mail address like name@example.com",
    HHMM_PATTERN: "must be a time of day like 09:30 (24:00 ends the day)",
    URL_PATTERN: "must be a web address starting with http:// or https://, without spaces",
    QUESTION_ID_PATTERN: "must be lowercase letters, digits and underscores (like company_size)",
    CURRENCY_PATTERN: "must be a three-letter currency code like EUR",
}

Slug = Annotated[str, Field(min_length=1, max_length=40, pattern=SLUG_PATTERN)]
# A view of the dashboard a logged-in host can be on (web/dashboard.py SECTIONS, less
# login and signup): where a round trip to a provider comes back to. A name from this
# list, never an address, so no way back leads off Penny's own views.
AppView = Literal["welcome", "bookings", "event-types", "availability", "profile",
                  "connections"]
Zone = Annotated[str, Field(min_length=1, max_length=64, pattern=ZONE_PATTERN,
                            description="IANA timezone name, e.g. Europe/Paris")]
# An address as it was typed, roughly: a login's name (signing up, logging in), which
# Penny writes no mail to.
TypedEmail = Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]


def _deliverable_form(value: str) -> str:
    """An address that mail can be written to (email-validator's syntax check, no DNS
    lookup), kept as typed: the pattern alone took "bo@example..com", which Stripe's
    checkout, Google's and Outlook's invitations then refuse, after the booking was made.
    Imported here, on first use: the API's cold start never pays for it."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        why = str(exc).rstrip(".")
        raise PydanticCustomError("email", f"{PATTERN_MESSAGES[EMAIL_PATTERN]} "
                                  f"({why[:1].lower()}{why[1:]})") from None
    return value


Email = Annotated[TypedEmail, AfterValidator(_deliverable_form)]
HHMM = Annotated[str, Field(pattern=HHMM_PATTERN,
                            description="wall-clock time HH:MM; 24:00 ends the day")]
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _written_as(pattern: re.Pattern[str], kind: str, example: str) -> Callable[[Any], Any]:
    """Text must be written in ISO 8601 itself (pydantic also reads a Unix time,
    "1795528800", as a date and time, and a date and time as a date); it is read here, and
    the value checked as a date or a date and time after."""
    read = date.fromisoformat if kind == "date" else datetime.fromisoformat

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            if not (pattern.fullmatch(value) if kind == "date" else pattern.match(value)):
                raise ValueError(value)
            return read(value)
        except ValueError:
            raise PydanticCustomError(f"{kind}_format", f"must be a {kind.replace('_', ' ')} "
                                      f"in ISO 8601, like {example}") from None

    return check


# Dates far outside this range cannot be expanded into datetimes safely.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _in_range(value: date) -> date:
    # A check of our own, not Field(ge=, le=): pydantic says those limits as Python
    # spells them ("datetime.date(2100, 12, 31)"), not as a request writes them.
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", f"must be a date from {EARLIEST} to {LATEST}")
    return value


ApiDate = Annotated[date, BeforeValidator(_written_as(ISO_DATE, "date", "2026-11-25")),
                    AfterValidator(_in_range)]
Minutes = Annotated[int, Field(ge=0, le=720)]
# An event type's or the profile's version, as read: sent back with a change, the change
# is made only if nothing else changed it meanwhile (409 otherwise).
VERSION_TEXT = ("counted up by every save of this object; send the one you read with a "
                "PUT to have it refused (409) if it was saved elsewhere since, rather than "
                "overwrite that save (without it, the last writer wins)")
Version = Annotated[int, Field(ge=0, le=2**53 - 1, description=VERSION_TEXT)]
Instant = Annotated[AwareDatetime,
                    BeforeValidator(_written_as(ISO_INSTANT, "date_and_time",
                                                "2026-11-25T14:00:00Z")),
                    Field(description="ISO 8601 with offset, e.g. 2026-11-25T14:00:00Z")]


def _checked(problem: Callable[[str], str | None]) -> Callable[[str], str]:
    def check(value: str) -> str:
        reason = problem(value)
        if reason is not None:
            raise PydanticCustomError("text_not_allowed", reason)
        return value

    return check


# Names and titles: surrounding blanks are dropped before the length is checked; no
# control or bidi-override characters, and something visible (chalicelib/domain/text.py).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1),
                 AfterValidator(_checked(name_problem))]
# Descriptions, answers, reasons: line breaks and tabs, but no other control characters.
FreeText = Annotated[str, AfterValidator(_checked(free_text_problem))]
