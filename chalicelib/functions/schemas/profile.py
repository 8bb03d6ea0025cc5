"""A host's public profile: name, description, links, zone and invite address."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.fields import (
    URL_PATTERN,
    Email,
    FreeText,
    Slug,
    Text,
    Version,
    Zone,
)


class LinkModel(Strict):
    label: Annotated[Text, Field(max_length=60)]
    url: Annotated[str, Field(min_length=8, max_length=500, pattern=URL_PATTERN)]


class ProfileIn(Strict):
    slug: Slug
    display_name: Annotated[Text, Field(max_length=100)]
    description: Annotated[FreeText, Field(max_length=2000)] = ""
    links: Annotated[list[LinkModel], Field(max_length=10)] = []
    timezone: Zone
    contact_email: Email | None = Field(default=None, description=(
        "the organizer address on booking invites (.ics); null: your login e-mail"))
    version: Version | None = None


class LinkOut(Strict):
    label: str
    url: str


class ProfileOut(Strict):
    """The profile as stored: no input rule is checked again (one tightened since, on
    names or links, must not break the reads of what was saved before)."""

    id: str
    slug: str
    display_name: str
    description: str
    links: list[LinkOut]
    timezone: str
    contact_email: str | None = Field(default=None, description=(
        "the organizer address on booking invites (.ics); null: your login e-mail"))
    version: Version
