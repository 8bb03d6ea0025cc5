"""Getting an account and into it: sign-up and log-in with a password, sign-in with a
provider (OpenID Connect), and the sign-ins linked to an account.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.fields import Email, Slug, Text, Zone


class SignupRequest(Strict):
    email: Email
    password: Annotated[str, Field(min_length=10, max_length=256)]
    slug: Slug
    display_name: Annotated[Text, Field(max_length=100)]
    timezone: Zone


class LoginRequest(Strict):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class OidcStartIn(Strict):
    timezone: Zone | None = Field(default=None, description="the browser's zone, for an "
                                  "account this sign-in makes (UTC when absent)")


class IdentityOut(Strict):
    provider: str
    email: str | None
    linked_at: AwareDatetime


class IdentityList(Strict):
    identities: list[IdentityOut]
