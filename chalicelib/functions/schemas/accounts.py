"""Getting an account and into it: sign-up and log-in with a password, sign-in with a
provider (OpenID Connect), and the sign-ins linked to an account.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

from chalicelib.domain.text import draws_nothing
from chalicelib.functions.schemas.base import Strict
from chalicelib.functions.schemas.fields import AppView, Slug, Text, TypedEmail, Zone


def _not_blank(password: str) -> str:
    # The rule of services/passwords.py password_problem, said of the field. Spaces
    # within a password are kept as typed (a passphrase), never trimmed.
    if draws_nothing(password):
        raise PydanticCustomError("blank_password", "must have something besides spaces "
                                  "(spaces between words are fine)")
    return password


# A new password: the sign-up's rules (services/passwords.py for a change).
NewPassword = Annotated[str, Field(min_length=10, max_length=256), AfterValidator(_not_blank)]


class SignupRequest(Strict):
    email: TypedEmail   # a login's name (Email: addresses Penny writes mail to)
    password: NewPassword
    slug: Slug
    display_name: Annotated[Text, Field(max_length=100)]
    timezone: Zone


class LoginRequest(Strict):
    email: TypedEmail
    password: Annotated[str, Field(min_length=1, max_length=256)]


class OidcStartIn(Strict):
    timezone: Zone | None = Field(default=None, description="the browser's zone, for an "
                                  "account this sign-in makes (UTC when absent)")
    view: AppView | None = Field(default=None, description="the dashboard's view the host "
                                 "asked for while logged out (a bookmark), which signing "
                                 "in leads to (/app/<view>; Bookings when absent); a new "
                                 "account starts at the welcome steps whatever it is")


class IdentityOut(Strict):
    provider: str
    email: str | None
    linked_at: AwareDatetime


class IdentityList(Strict):
    identities: list[IdentityOut]
    has_password: bool = Field(description="whether the account can also log in with a "
                               "password (PUT /me/password changes or sets one)")


class PasswordIn(Strict):
    # The length rule is the sign-up's, checked by the service (services/passwords.py),
    # so a short one is answered `weak_password`; the cap here only bounds the body.
    current_password: Annotated[str, Field(max_length=1024)] | None = Field(
        default=None, description="required when the account has a password")
    new_password: Annotated[str, Field(max_length=1024)]


class PasswordOut(Strict):
    first: bool = Field(description="the account had no password before")
    other_logins_ended: int = Field(description="logins on other devices and browsers "
                                    "that were ended; the caller's goes on")


class PasswordResetIn(Strict):
    email: TypedEmail


class PasswordResetOut(Strict):
    message: str = Field(description="the same words whether or not an account has the "
                         "e-mail: nothing says which e-mails have one")
    link_expires_in: int = Field(description="seconds a link works for, from when it is "
                                 "sent (not `expires_in`: no session is opened)")


class PasswordResetConfirmIn(Strict):
    token: Annotated[str, Field(max_length=200, description="what follows #token= in the "
                                "e-mailed link")]
    new_password: NewPassword


class PasswordResetConfirmOut(Strict):
    logins_ended: int = Field(description="every login of the account was ended: log in "
                              "with the new password")
