"""Stripe payments (the PaymentProvider port) on one host's connected account, with the
stripe SDK; it and the modules it is made of are the only ones that import it (the
composition root imports this lazily).

Connect with Standard accounts and direct charges: each call on the host's money carries
`Stripe-Account` (`account`; None acts on the platform's own account), and the
platform's one webhook endpoint receives the connected accounts' events, each naming its
`account`. The SDK retries twice (connection errors, 409, 5xx) with one idempotency key;
Penny derives that key from the request's own `key`, so a retried Lambda gets the first
answer back instead of a second session or refund.

A Checkout Session's parameters and lifetime are stripe_checkout_sessions.py's, each
call's key and errors stripe_calls.py's (429, 5xx and timeouts ProviderUnavailableError,
401 and 403 ConnectionBrokenError), the platform's Connect calls stripe_connect.py's, the
webhooks stripe_webhooks.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import stripe

from chalicelib.domain.errors import ProviderRejectedError
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import Checkout, CheckoutRequest, Refund
from chalicelib.integrations.stripe_amounts import from_stripe, to_stripe
from chalicelib.integrations.stripe_calls import (
    AFTER_500,
    PROVIDER,
    keyed,
    penny_key,
    replayed_500,
    translated,
)
from chalicelib.integrations.stripe_checkout_sessions import (
    EARLIER_LINES,
    LINE,
    checkout_params,
    lifted,
)
from chalicelib.integrations.stripe_connect import StripeConnect
from chalicelib.integrations.stripe_webhooks import StripeWebhooks
from chalicelib.provider_settings import StripePlatform

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams


def _now() -> datetime:
    return datetime.now(UTC)


class StripePayments(StripeWebhooks, StripeConnect):
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
        # Its key is the booking's uid, new for each booking: a checkout Stripe answered
        # 500 is never asked again under it (the client's retry is another booking).
        expires = lifted(request.expires_at, self._clock())
        for attempt in range(EARLIER_LINES + 1):
            try:
                session = self._client.v1.checkout.sessions.create(
                    params=checkout_params(request, expires - attempt * LINE),
                    options=self._options(penny_key("checkout", request.key)))
            except stripe.IdempotencyError as exc:
                if attempt == EARLIER_LINES:
                    raise translated(exc, "making a checkout") from exc
                continue  # a retry past a line: the first attempt sent an earlier one
            except stripe.StripeError as exc:
                raise translated(exc, "making a checkout") from exc
            return Checkout(session.id, session.url,
                            datetime.fromtimestamp(session.expires_at, UTC))
        raise AssertionError("unreachable")  # pragma: no cover

    def expire_checkout(self, checkout_id: str) -> None:
        for after_500 in range(AFTER_500):
            try:
                self._client.v1.checkout.sessions.expire(
                    checkout_id, options=self._options(keyed("expire", checkout_id, after_500)))
            except stripe.InvalidRequestError as exc:
                # Stripe expires only an open session: one paid or expired already is fine.
                if exc.http_status != 400 or self._status(checkout_id) == "open":
                    raise translated(exc, "expiring a checkout") from exc
            except stripe.StripeError as exc:
                # An expiry that failed inside Stripe did nothing (it is still open).
                if replayed_500(exc) and after_500 < AFTER_500 - 1:
                    continue
                raise translated(exc, "expiring a checkout") from exc
            return

    def _status(self, checkout_id: str) -> str:
        found = self._call("reading a checkout", lambda: self._client.v1.checkout.sessions
                           .retrieve(checkout_id, options=self._options()))
        return str(found.status)

    # -- refunds -----------------------------------------------------------------------

    def refund(self, payment_id: str, amount: Price, key: str) -> Refund:
        # With its charge's refunds: what a refusal as refunded already is checked against.
        intent = self._call("reading a payment", lambda: self._client.v1.payment_intents
                            .retrieve(payment_id, params={"expand": ["latest_charge.refunds"]},
                                      options=self._options()))
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
        # Amounts in Stripe's unit (stripe_amounts.py); one it cannot carry is rounded
        # down to one it can, as Stripe advises for fractional króna.
        wanted = to_stripe(amount, round_down=True)
        if wanted < intent.amount_received:
            params["amount"] = wanted
        # A refund an earlier ask made though Stripe answered it 500 (Stripe reconciles an
        # incident's requests; the 500 stays its key's answer): that one, not another.
        earlier = _made_for(intent.latest_charge, key)
        if earlier is not None:
            return Refund(earlier.id, payment_id, from_stripe(earlier.amount,
                                                              earlier.currency))
        for after_500 in range(AFTER_500):
            try:
                made = self._client.v1.refunds.create(
                    params=params, options=self._options(keyed("refund", key, after_500)))
            except stripe.StripeError as exc:
                if replayed_500(exc) and after_500 < AFTER_500 - 1:
                    continue  # no refund of this key on the charge: that ask made none
                ended = _ended_by(intent.latest_charge) \
                    if exc.code == "charge_already_refunded" else None
                if ended is None:
                    raise translated(exc, "refunding") from exc
                # All of it went back already (the host gave back the rest in the
                # dashboard, its charge.refunded not at the booking yet): each refusal
                # would be counted until the booking told the host to refund by hand money
                # the client has. Done, by the refund that ended it (a retry under the
                # first key still gets Stripe's first answer, so only another key's ask
                # comes here).
                return Refund(ended, payment_id, amount)
            return Refund(made.id, payment_id, from_stripe(made.amount, made.currency))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the wire ----------------------------------------------------------------------

    def _options(self, idempotency_key: str | None = None) -> stripe.RequestOptions:
        options: stripe.RequestOptions = {"stripe_account": self._account}
        if idempotency_key is not None:
            options["idempotency_key"] = idempotency_key
        return options


def _made_for(charge: str | stripe.Charge | None, key: str) -> stripe.Refund | None:
    """The refund Penny asked for under `key` that the charge holds, unless it failed."""
    if not isinstance(charge, stripe.Charge) or charge.refunds is None:
        return None
    return next((refund for refund in charge.refunds.data
                 if (refund.to_dict().get("metadata") or {}).get("penny_refund_key") == key
                 and refund.status not in ("failed", "canceled")), None)


def _ended_by(charge: str | stripe.Charge | None) -> str | None:
    """The refund that gave back the last of a charge Stripe counts refunded in full (the
    newest); None while anything is left, or when the charge does not say."""
    if not isinstance(charge, stripe.Charge) or charge.refunded is not True or \
            charge.amount_refunded < charge.amount or charge.refunds is None:
        return None
    given = [refund for refund in charge.refunds.data
             if refund.status not in ("failed", "canceled")]
    return max(given, key=lambda refund: refund.created).id if given else None
