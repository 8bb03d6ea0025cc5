"""Sessions: the API client's tokens, the dashboard's cookie session (tokens never in
the body) and the ticket that opens the live-updates WebSocket.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.functions.schemas.base import Query, Strict
from chalicelib.functions.schemas.profile import ProfileOut


class RefreshRequest(Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class SessionOut(Strict):
    host_id: str
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class SignupOut(SessionOut):
    host: ProfileOut


class RealtimeTicketOut(Strict):
    ticket: str = Field(description="offer as the subprotocol pair [protocol, ticket], or "
                                    "as ?ticket=; valid for expires_in seconds")
    expires_in: int
    protocol: Literal["penny.ticket"]
    url: str | None = Field(description="the WebSocket URL; null when realtime is off")


class BrowserSessionOut(Strict):
    """The dashboard's session: the tokens are in httpOnly cookies, never in the body."""

    host_id: str
    csrf_token: str = Field(description="send as X-CSRF-Token with every change")
    expires_in: int = Field(description="seconds until the access cookie expires")
    realtime: RealtimeTicketOut | None = Field(default=None, description=(
        "a refresh asked with ?realtime=true: the new session's live-updates ticket, as "
        "POST /me/realtime/ticket answers it"))


class RefreshSessionQuery(Query):
    realtime: bool = Field(default=False, description=(
        "also answer with a ticket for the live-updates WebSocket (`realtime`): a "
        "dashboard coming back to a hidden tab refreshes and reconnects in one request"))


class BrowserSignupOut(BrowserSessionOut):
    host: ProfileOut
