"""Provider ports: what Penny asks of calendars, video, payments, notes and AI, in its terms.

One adapter per vendor (integrations/) implements a port and is built per host
connection, so no method takes a host. Adapters turn vendor errors into the provider
errors of domain/errors.py (`raise ... from exc`): ProviderUnavailableError (retry),
ConnectionBrokenError (the host must reconnect), ProviderRejectedError (as it stands,
never). Nothing here names a vendor type; every value is a frozen dataclass.

Creating calls take a `key`, stable for what they make (a booking uid): the adapter
hands it to the vendor as its idempotency key (Google's client-chosen event id, Graph's
transactionId, Stripe's Idempotency-Key), so a retry after a timeout finds what the
first attempt made instead of making a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.connections import Tokens
from chalicelib.domain.event_types import Price
from chalicelib.domain.external_busy import CalendarBusy, ExternalEvent
from chalicelib.domain.timerange import TimeRange

# ---- calendars (Google Calendar, Outlook) --------------------------------------------


@dataclass(frozen=True)
class CalendarInfo:
    """One calendar of the host's account at the provider."""

    id: str                        # the provider's id ("primary" is Google's alias)
    name: str
    primary: bool
    writable: bool                 # the host may add events to it


@dataclass(frozen=True)
class EventChange:
    """One event (or one occurrence of a series) as the provider lists it now."""

    id: str                        # the provider's id of the event or occurrence
    event: ExternalEvent | None    # None: gone (deleted, or cancelled)


@dataclass(frozen=True)
class CalendarChanges:
    """What changed on one calendar since `cursor` (an incremental sync), or all of its
    events in the window (`full`: anything cached and not listed is gone)."""

    calendar_id: str
    changes: tuple[EventChange, ...]
    full: bool
    cursor: str | None = None      # hand back next time (Google's syncToken); None: none


@dataclass(frozen=True)
class Watch:
    """A push channel: the provider posts to Penny when the calendar changes, until
    `expires_at` (Google's events.watch channel, a Graph subscription)."""

    id: str                        # the channel id / subscription id
    calendar_id: str
    expires_at: datetime
    resource_id: str = ""          # Google's resourceId (channels.stop needs it)


@dataclass(frozen=True)
class CalendarEvent:
    key: str                       # stable per booking: a retried create finds the first
    title: str
    when: TimeRange
    attendee_name: str
    attendee_email: str
    description: str = ""
    location: str | None = None    # a join URL, phone number or address
    online_meeting: bool = False   # Google: a Meet link; Outlook: a Teams meeting


@dataclass(frozen=True)
class WrittenEvent:
    id: str                        # the event's id at the provider
    join_url: str | None = None    # the Meet / Teams link, once the provider made it


class CalendarProvider(Protocol):
    """The host's calendars at one provider, acting with the host's token."""

    def calendars(self) -> list[CalendarInfo]: ...

    def busy(self, calendar_ids: Sequence[str], window: TimeRange) -> list[CalendarBusy]:
        """Each calendar's busy time in `window`, read now (Google's freeBusy, Graph's
        calendarView). A calendar the vendor could not read is `unknown`, never free."""
        ...

    def changes(self, calendar_id: str, window: TimeRange,
                cursor: str | None) -> CalendarChanges:
        """The changes since `cursor`; with no cursor, or one the vendor no longer
        honours (Google's 410 Gone), every event in `window` (`full=True`)."""
        ...

    def watch(self, calendar_id: str, address: str, watch_id: str, token: str,
              expires_at: datetime) -> Watch:
        """Ask the provider to post changes to `address`, each carrying `token` (Google's
        X-Goog-Channel-Token, Graph's clientState); it may end the watch sooner."""
        ...

    def stop(self, watch: Watch) -> None:
        """Stop a watch; one already gone is not an error."""
        ...

    def create_event(self, calendar_id: str, event: CalendarEvent) -> WrittenEvent:
        """The new event (the same event again for the same key)."""
        ...

    def event_id_for(self, calendar_id: str, key: str) -> str | None:
        """The id `create_event` gives (or gave) the event for `key`, known without asking
        the provider when Penny chooses it (Google); None when the provider assigns it."""
        ...

    def update_event(self, calendar_id: str, event_id: str,
                     event: CalendarEvent) -> WrittenEvent: ...

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Deleting an event that is already gone is not an error."""
        ...


# ---- video (Google Meet, Teams, Zoom) ------------------------------------------------


@dataclass(frozen=True)
class MeetingRequest:
    key: str
    topic: str
    when: TimeRange


@dataclass(frozen=True)
class Meeting:
    id: str
    join_url: str


class VideoProvider(Protocol):
    def create_meeting(self, request: MeetingRequest) -> Meeting: ...
    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> Meeting:
        """MeetingGoneError when the meeting is no longer there."""
        ...

    def delete_meeting(self, meeting_id: str) -> None:
        """Deleting a meeting that is already gone is not an error."""
        ...


# ---- payments (Stripe, Razorpay) -----------------------------------------------------
#
# Money goes to the host's own account, never through Penny's. Stripe: a Connect
# (Standard) account the host onboards through an Account Link, charged directly
# (`Stripe-Account`), its events reaching the platform's one webhook with `account`.
# Razorpay: the host's own key id, key secret and webhook secret, checked with a test
# call before they are kept (encrypted) in the credential store.


@dataclass(frozen=True)
class CheckoutRequest:
    key: str                       # the booking's hold: one checkout per hold
    booking_uid: str
    description: str
    price: Price
    customer_email: str
    customer_name: str
    success_url: str               # where the client lands after paying (never proof of it)
    cancel_url: str
    expires_at: datetime           # the slot hold's end; a vendor may insist on later


@dataclass(frozen=True)
class Checkout:
    id: str                        # Stripe: the Checkout Session (cs_...); Razorpay: the order
    url: str | None                # Stripe: its hosted page; Razorpay: None (Checkout.js opens
                                   # the order on Penny's own pay page, with `public_key`)
    expires_at: datetime | None    # as the vendor set it (Stripe: 30 min at the least);
                                   # None: the vendor's checkout does not expire (Razorpay)
    public_key: str | None = None  # Razorpay Checkout's key id


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount: Price


@dataclass(frozen=True)
class PaymentAccount:
    """The host's account at a payment provider, as Penny shows it."""

    id: str                        # Stripe: acct_...; Razorpay: the key id (rzp_test_...)
    name: str                      # the business name or e-mail the vendor knows it by
    ready: bool                    # it can take payments now (Stripe: charges_enabled)


class PaymentEventKind(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"            # the checkout ended unpaid
    REFUNDED = "refunded"
    # A refund that had gone through came back (a closed or replaced card): the money is
    # in the host's balance again, and the client still has not got it.
    REFUND_FAILED = "refund_failed"
    # The host's account no longer lets Penny in (Stripe: it disconnected the platform):
    # about no booking; the event's `account` names it.
    ACCOUNT_REVOKED = "account_revoked"


@dataclass(frozen=True)
class PaymentEvent:
    id: str                        # the vendor's event id: webhooks are deduplicated by it
    kind: PaymentEventKind
    booking_uid: str               # from the metadata/notes Penny set; checked against the
                                   # booking's own checkout id before anything is done
    checkout_id: str
    payment_id: str | None = None
    amount: Price | None = None
    account: str | None = None     # Stripe Connect: the connected account it happened on
    refund_id: str | None = None   # a refund's events: which refund


class PaymentProvider(Protocol):
    def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    def expire_checkout(self, checkout_id: str) -> None:
        """End an unpaid checkout now (a hold shorter than the vendor's minimum); one
        already completed or expired is not an error. Razorpay orders cannot be ended:
        nothing happens, and a late payment is handled as any late payment."""
        ...

    def refund(self, payment_id: str, amount: Price, key: str) -> Refund: ...

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
        """The event a webhook carries, checked on the raw body with the vendor's own
        verifier; None for a genuine event Penny does not act on. A missing, wrong or
        stale signature raises AuthenticationError."""
        ...


# ---- notes (Notion, Google Docs) -----------------------------------------------------


@dataclass(frozen=True)
class BookingNotes:
    key: str                       # the booking uid: one page per booking, found again by it
    title: str
    when: TimeRange
    attendee_name: str
    attendee_email: str
    bullets: tuple[str, ...]       # one line each, in order (links as bare URLs)
    status: str                    # as the host reads it: "Confirmed", "Rescheduled", ...
    time_zone: str                 # the host's IANA zone: `when` is shown in it


@dataclass(frozen=True)
class NotesPage:
    id: str
    url: str


@dataclass(frozen=True)
class NotesDatabase:
    """A place the host shared with Penny that notes can go to (a Notion data source)."""

    database_id: str
    data_source_id: str
    title: str


class NotesProvider(Protocol):
    def save_notes(self, notes: BookingNotes) -> NotesPage: ...
    def update_notes(self, page_id: str, notes: BookingNotes) -> NotesPage: ...

    def databases(self) -> list[NotesDatabase]:
        """Where notes can go: what the host shared with Penny, as the provider lists it."""
        ...

    def make_place(self) -> NotesDatabase | None:
        """A new place for notes, made by Penny (a Google Drive folder); None where the
        host must share one instead (Notion)."""
        ...


# ---- AI briefs (Gemini) --------------------------------------------------------------


@dataclass(frozen=True)
class PastBooking:
    """One of the client's earlier bookings with this host."""

    event_title: str
    when: TimeRange
    status: BookingStatus


@dataclass(frozen=True)
class BookingFacts:
    """What a brief may be written from: the booking, the client's answers and their
    history with this host. The name and answers are the client's own text: data for the
    model, never instructions to it."""

    event_title: str
    when: TimeRange
    attendee_name: str
    attendee_email: str
    answers: tuple[tuple[str, str], ...] = ()   # (question label, answer), in form order
    earlier: tuple[PastBooking, ...] = ()       # oldest first


@dataclass(frozen=True)
class Brief:
    """A pre-meeting brief: who the client is, what they want, what to prepare and what
    to ask; and what writing it cost (output counts the model's thinking too)."""

    who: str
    wants: str
    prepare: tuple[str, ...]
    questions: tuple[str, ...]
    model: str                     # the model that wrote it, as the vendor reported it
    input_tokens: int
    output_tokens: int

    @property
    def text(self) -> str:
        """The brief as short plain text (notes pages, e-mail, the dashboard)."""
        lines = [self.who, self.wants]
        if self.prepare:
            lines += ["", "Prepare:", *(f"- {item}" for item in self.prepare)]
        if self.questions:
            lines += ["", "Ask:", *(f"- {item}" for item in self.questions)]
        return "\n".join(lines)


class Briefs(Protocol):
    def write(self, facts: BookingFacts) -> Brief:
        """A brief of the client, never an empty one: an answer the vendor cut short or
        that does not parse raises ProviderUnavailableError (a retry may cure it)."""
        ...


# ---- what a job made at a provider ---------------------------------------------------


@dataclass(frozen=True)
class ProviderRef:
    """The id of what a job made for a booking at a provider (a calendar event), and the
    booking's sequence it was last written for, so a reschedule or cancel finds it."""

    job: str
    booking_uid: str
    external_id: str
    sequence: int
    keep_until: datetime           # no booking changes after its meeting: TTL then


# ---- connecting: OAuth 2.0 and OpenID Connect (Google, Microsoft, Zoom, Notion) ------


class Feature(StrEnum):
    """What a host turns on at a provider; each asks only for its own scopes (incremental
    consent: the calendar now, documents when notes are turned on)."""

    CALENDAR = "calendar"          # busy times and the booking's event (Google, Outlook)
    VIDEO = "video"                # meetings (Zoom; Meet and Teams ride on the calendar)
    NOTES = "notes"                # Notion pages, Google Docs
    SIGN_IN = "sign_in"            # OpenID Connect: who the user is, nothing more
    PAYMENTS = "payments"          # taking the host's payments (Stripe, Razorpay)


@dataclass(frozen=True)
class AuthorizationRequest:
    """One round trip to a provider's consent page, as Penny stored it (OAuthState)."""

    state: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_verifier: str | None = field(default=None, repr=False)  # PKCE (S256); None: none
    nonce: str | None = field(default=None, repr=False)          # OpenID sign-in only


@dataclass(frozen=True)
class Identity:
    """Who signed in, from a verified ID token. `subject` is stable per provider: Google's
    `sub`, Microsoft's `{tid}:{oid}`. An e-mail is never an identity (Microsoft's `email`
    claim is not verified for every account type)."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None


@dataclass(frozen=True)
class Grant:
    """What a finished consent gave: the tokens, the account they act for, the scopes
    granted (maybe fewer than asked), and the verified identity when OpenID was asked."""

    tokens: Tokens
    account_id: str
    account_label: str             # an e-mail, or a Notion workspace's name
    scopes: tuple[str, ...]
    identity: Identity | None = None


class OAuthProvider(Protocol):
    """One provider's OAuth client (integrations/oauth/), made from its settings entry.

    Errors say what happens next (domain/errors.py): a refresh the provider refuses
    (`invalid_grant`: revoked, expired, password changed) raises ConnectionBrokenError;
    a timeout or 5xx raises ProviderUnavailableError; a code the provider refuses at the
    callback raises ProviderRejectedError.
    """

    name: str
    uses_pkce: bool
    # Whether a refresh kills the refresh token it used (Microsoft, Zoom): then refreshes
    # must be single-flight. Google's refresh token stays: refreshes may overlap.
    rotates_refresh_tokens: bool

    def scopes(self, features: frozenset[Feature]) -> tuple[str, ...]:
        """The scopes these features need here (an unsupported feature: ValueError)."""
        ...

    def authorization_url(self, request: AuthorizationRequest) -> str: ...

    def exchange(self, code: str, request: AuthorizationRequest) -> Grant:
        """Trade the callback's code (with the PKCE verifier) for a grant; with OpenID
        scopes, the ID token is verified (signature, iss, aud, exp, the request's nonce)."""
        ...

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens; where the provider rotates refresh tokens (Microsoft, Zoom), the
        old refresh token is dead once this returns: store the new one first."""
        ...

    def revoke(self, tokens: Tokens) -> bool:
        """Revoke the grant at the provider; False where it has no revocation endpoint."""
        ...

    def account(self, access_token: str) -> str:
        """The account label the token acts for, asked of the provider now (Google's
        userinfo, Graph's /me, Zoom's users/me, Notion's users/me): the host's "Test" of
        a connection. A token the provider refuses (revoked, expired) raises
        ConnectionBrokenError."""
        ...
