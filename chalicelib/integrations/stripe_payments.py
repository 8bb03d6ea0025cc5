"""Stripe payments (the PaymentProvider port) on one host's connected account, with the
stripe SDK; the only module that imports it (the composition root imports this lazily).

Connect with Standard accounts and direct charges: each call on the host's money carries
`Stripe-Account` (`account`; None acts on the platform's own account), and the
platform's one webhook endpoint receives the connected accounts' events, each naming its
`account`. The SDK retries twice (connection errors, 409, 5xx) with one idempotency key;
Penny derives that key from the request's own `key`, so a retried Lambda gets the first
answer back instead of a second session or refund.

Checkout Sessions live 30 minutes to 24 hours. A shorter hold gets a session that lives
just over 30 minutes (Penny expires it when the hold ends), its `expires_at` rounded up
to a 5-minute line so that a retry sends the same parameters (Stripe answers a reused key
with other parameters with idempotency_error); a retry that crossed a line asks again
with the lines before, one of which the first attempt sent.

Errors: 429, 5xx, timeouts and refused connections are ProviderUnavailableError; a key
or account Stripe refuses (401, 403: the host disconnected Penny) ConnectionBrokenError;
any other 4xx ProviderRejectedError (a refund of a disputed charge, `charge_disputed`,
RefundDisputedError: the dispute decides, not a retry). A webhook whose signature is
missing, wrong or older than five minutes raises AuthenticationError.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import stripe

from chalicelib.domain.errors import (
    AuthenticationError,
    ConnectionBrokenError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
    RefundDisputedError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import (
    Checkout,
    CheckoutRequest,
    PaymentAccount,
    PaymentEvent,
    Refund,
)
from chalicelib.integrations.stripe_events import dispute_event, disputed_intent, payment_event
from chalicelib.provider_settings import StripePlatform

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams

PROVIDER = "stripe"
MIN_LIFETIME = timedelta(minutes=30)   # Stripe's least expires_at, from the session's making
MARGIN = timedelta(minutes=2)          # our clock, the request's travel, Stripe's clock
LINE = 300                             # seconds: expires_at is rounded up to these lines
EARLIER_LINES = 3                      # how far back a crossed retry looks
TOLERANCE = 300                        # seconds a webhook signature stays good (Stripe's)
DISPUTE_ID = re.compile(r"\b(?:dp|du)_[A-Za-z0-9]+\b")   # a dispute's id, in Stripe's words

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


class StripePayments:
    def __init__(self, entry: StripePlatform, account: str | None, timeout: float = 5.0,
                 clock: Callable[[], datetime] = _now, attempts: int = 3) -> None:
        base = entry.base_url
        self._client = stripe.StripeClient(
            entry.secret_key, max_network_retries=attempts - 1,
            base_addresses={"api": base, "connect": base, "files": base} if base else None,
            http_client=stripe.RequestsClient(timeout=timeout))
        self._webhook_secret = entry.webhook_secret
        self._account = account
        self._clock = clock

    # -- checkout ----------------------------------------------------------------------

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        expires = _lifted(request.expires_at, self._clock())
        for attempt in range(EARLIER_LINES + 1):
            try:
                session = self._client.v1.checkout.sessions.create(
                    params=_checkout_params(request, expires - attempt * LINE),
                    options=self._options(_key("checkout", request.key)))
            except stripe.IdempotencyError as exc:
                if attempt == EARLIER_LINES:
                    raise _translated(exc, "making a checkout") from exc
                continue  # a retry past a line: the first attempt sent an earlier one
            except stripe.StripeError as exc:
                raise _translated(exc, "making a checkout") from exc
            return Checkout(session.id, session.url,
                            datetime.fromtimestamp(session.expires_at, UTC))
        raise AssertionError("unreachable")  # pragma: no cover

    def expire_checkout(self, checkout_id: str) -> None:
        try:
            self._client.v1.checkout.sessions.expire(
                checkout_id, options=self._options(_key("expire", checkout_id)))
        except stripe.InvalidRequestError as exc:
            # Stripe expires only an open session: one paid or expired already is fine.
            if exc.http_status != 400 or self._status(checkout_id) == "open":
                raise _translated(exc, "expiring a checkout") from exc
        except stripe.StripeError as exc:
            raise _translated(exc, "expiring a checkout") from exc

    def _status(self, checkout_id: str) -> str:
        found = self._call("reading a checkout", lambda: self._client.v1.checkout.sessions
                           .retrieve(checkout_id, options=self._options()))
        return str(found.status)

    # -- refunds -----------------------------------------------------------------------

    def refund(self, payment_id: str, amount: Price, key: str) -> Refund:
        intent = self._call("reading a payment", lambda: self._client.v1.payment_intents
                            .retrieve(payment_id, options=self._options()))
        if intent.currency.upper() != amount.currency:
            raise ProviderRejectedError(PROVIDER, f"payment {payment_id} is in "
                                        f"{intent.currency.upper()}, not {amount.currency}")
        # The refund's events carry the booking (webhooks map them back to it by this).
        meta = {"penny_refund_key": key}
        booking_uid = (intent.to_dict().get("metadata") or {}).get("booking_uid")
        if booking_uid:
            meta["booking_uid"] = booking_uid
        params: RefundCreateParams = {
            "payment_intent": payment_id, "reason": "requested_by_customer", "metadata": meta}
        # A refund of the whole payment gives back what is left of it: after a part the
        # host gave back in Stripe's dashboard (whose charge.refunded may not have reached
        # the booking yet), Stripe refuses the whole amount, every time it is tried again.
        if amount.amount_minor < intent.amount_received:
            params["amount"] = amount.amount_minor
        made = self._call("refunding", lambda: self._client.v1.refunds.create(
            params=params, options=self._options(_key("refund", key))))
        return Refund(made.id, payment_id, Price(made.amount, made.currency.upper()))

    # -- webhooks ----------------------------------------------------------------------

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
        signature = next((v for k, v in headers.items() if k.lower() == "stripe-signature"),
                         None)
        try:
            # On the exact bytes received: any re-encoding breaks the signature.
            event = self._client.construct_event(body, signature, self._webhook_secret,
                                                 tolerance=TOLERANCE)
        except stripe.SignatureVerificationError as exc:
            raise AuthenticationError(f"Stripe webhook refused: {exc.user_message}") from exc
        except ValueError as exc:  # signed, yet not UTF-8 JSON of an event
            raise AuthenticationError("Stripe webhook refused: not an event") from exc
        found = event.to_dict()
        intent = disputed_intent(found)
        if intent is None:
            return payment_event(found)
        booking_uid = self._booking_of(intent, found.get("account"))
        return dispute_event(found, booking_uid) if booking_uid else None

    def _booking_of(self, intent_id: str, account: Any) -> str | None:
        """The booking a PaymentIntent on `account` was made for (its metadata), or None
        for one Penny did not make or cannot read (the host disconnected Penny). Stripe
        down raises ProviderUnavailableError: the event is answered 503, and comes again."""
        options: stripe.RequestOptions = {"stripe_account": str(account) if account else None}
        try:
            intent = self._call("reading a disputed payment", lambda: self._client.v1
                                .payment_intents.retrieve(intent_id, options=options))
        except (ProviderRejectedError, ConnectionBrokenError):
            return None
        booking_uid = (intent.to_dict().get("metadata") or {}).get("booking_uid")
        return str(booking_uid) if booking_uid else None

    # -- Connect -----------------------------------------------------------------------

    def create_account(self, email: str, key: str) -> PaymentAccount:
        """A Standard account for the host, made once per `key` (the platform's call)."""
        made = self._call("making an account", lambda: self._client.v1.accounts.create(
            params={"type": "standard", "email": email},
            options={"idempotency_key": _key("account", key)}))
        return _payment_account(made)

    def onboarding_url(self, account_id: str, refresh_url: str, return_url: str) -> str:
        """Where the host finishes the account at Stripe: an Account Link, single use and
        short-lived, so made when the host asks for it."""
        link = self._call("making an onboarding link", lambda: self._client.v1.account_links
                          .create(params={"account": account_id, "refresh_url": refresh_url,
                                          "return_url": return_url,
                                          "type": "account_onboarding"}))
        return link.url

    def account(self, account_id: str) -> PaymentAccount:
        return _payment_account(self._call("reading an account", lambda: self._client.v1
                                           .accounts.retrieve(account_id)))

    # -- the wire ----------------------------------------------------------------------

    def _options(self, idempotency_key: str | None = None) -> stripe.RequestOptions:
        options: stripe.RequestOptions = {"stripe_account": self._account}
        if idempotency_key is not None:
            options["idempotency_key"] = idempotency_key
        return options

    @staticmethod
    def _call(doing: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except stripe.StripeError as exc:
            raise _translated(exc, doing) from exc


def _checkout_params(request: CheckoutRequest, expires_at: int) -> Any:
    booking = {"booking_uid": request.booking_uid}
    return {"mode": "payment",
            # Amounts are in minor units already; a zero-decimal currency (JPY) has none.
            "line_items": [{"quantity": 1, "price_data": {
                "currency": request.price.currency.lower(),
                "unit_amount": request.price.amount_minor,
                "product_data": {"name": request.description or "Booking"}}}],
            "customer_email": request.customer_email,
            "client_reference_id": request.booking_uid, "metadata": booking,
            "payment_intent_data": {"metadata": booking},
            "success_url": request.success_url, "cancel_url": request.cancel_url,
            "expires_at": expires_at}


def _lifted(hold_end: datetime, now: datetime) -> int:
    """The hold's end, or the least Stripe takes, rounded up to a line (unix seconds)."""
    wanted = max(hold_end, now + MIN_LIFETIME + MARGIN).timestamp()
    return math.ceil(wanted / LINE) * LINE


def _key(kind: str, key: str) -> str:
    # Stripe takes keys of up to 255 characters.
    return f"penny-{kind}-{key}" if len(key) <= 200 else \
        f"penny-{kind}-{hashlib.sha256(key.encode()).hexdigest()}"


def _payment_account(found: Any) -> PaymentAccount:
    profile = found.business_profile
    name = (profile.name if profile is not None else None) or found.email or found.id
    return PaymentAccount(found.id, str(name), bool(found.charges_enabled))


def _translated(exc: stripe.StripeError, doing: str) -> ProviderError:
    status = exc.http_status
    what = f"Stripe answered {status} while {doing}: {exc.user_message}" if status \
        else f"Stripe could not be reached while {doing} ({type(exc).__name__})"
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError) \
            or status is None or status == 429 or status >= 500:
        after = (exc.headers or {}).get("retry-after") or (exc.headers or {}).get("Retry-After")
        return ProviderUnavailableError(PROVIDER, f"{what} (Retry-After: {after} s)" if after
                                        else what)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError) \
            or status in (401, 403):
        return ConnectionBrokenError(PROVIDER, f"{what}: reconnect Stripe")
    if exc.code == "charge_disputed":
        # The client's bank disputes the charge (maybe before its webhook reached Penny):
        # its message names the charge, and the dispute only if Stripe ever does.
        named = DISPUTE_ID.search(exc.user_message or "")
        return RefundDisputedError(PROVIDER, what, named.group(0) if named else None)
    return ProviderRejectedError(PROVIDER, what)
