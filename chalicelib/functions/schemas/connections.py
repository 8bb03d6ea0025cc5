"""Connections to providers: what to turn on, and each provider's state as the host
sees it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from chalicelib.functions.schemas.base import Strict

FeatureName = Literal["calendar", "video", "notes", "payments"]


class ConnectIn(Strict):
    features: Annotated[list[FeatureName], Field(min_length=1, max_length=3)] = Field(
        description="what to turn on; each asks only for its own scopes (incremental consent)")
    return_to: Literal["connections", "welcome"] = Field(
        default="connections", description="the dashboard's view the provider's consent "
        "page (or Stripe's onboarding) comes back to (/app/<view>?connected=<provider>, "
        "?stripe=return): the one the host connected from, the Connections page or the "
        "welcome steps")


class ConnectOut(Strict):
    authorize_url: str = Field(description="open it in this browser: the provider's "
                                           "consent page, which comes back to Penny")


class ConnectionOut(Strict):
    provider: str
    status: Literal["connected", "broken", "pending", "not_connected", "not_available"] = Field(
        description="not_available: this Penny's operator has not set the provider up; "
                    "pending: made at the provider, not ready yet (finish its set-up)")
    account: str | None = Field(description="the e-mail or workspace connected")
    scopes: list[str]
    connected_at: AwareDatetime | None
    broken_reason: str | None = Field(description="why it stopped working: reconnect")
    broken_at: AwareDatetime | None
    webhook_url: str | None = Field(default=None, description=(
        "Razorpay, once connected: the URL its webhook must point at"))


class ConnectionList(Strict):
    connections: list[ConnectionOut]
    destination_provider: Literal["google", "microsoft"] | None = Field(description=(
        "whose calendar new bookings are added to (PUT /me/calendars), from Penny's stored "
        "choice, no provider asked; null: none. A Google Meet link is made only on a Google "
        "Calendar event, a Teams link only on an Outlook one"))
