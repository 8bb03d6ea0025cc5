"""A Stripe webhook verified on its raw body, and read as the port's PaymentEvent
(stripe_events.py), the booking of a dispute's event read off its PaymentIntent.

StripePayments (stripe_payments.py) is made of these and the rest of the port; it gives
the SDK's client and the webhook secret; each call goes through stripe_calls.py's
stripe_call. A webhook whose signature is missing, wrong or older than five minutes raises
AuthenticationError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from chalicelib.domain.errors import (
    AuthenticationError,
    ConnectionBrokenError,
    ProviderRejectedError,
)
from chalicelib.domain.providers.payments import PaymentEvent
from chalicelib.integrations.stripe_calls import stripe_call
from chalicelib.integrations.stripe_events import dispute_event, disputed_intent, payment_event

TOLERANCE = 300                        # seconds a webhook signature stays good (Stripe's)


class StripeWebhooks:
    """The platform's one webhook endpoint, for its own account and the connected ones."""

    _client: stripe.StripeClient
    _webhook_secret: str
    _call = staticmethod(stripe_call)

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
