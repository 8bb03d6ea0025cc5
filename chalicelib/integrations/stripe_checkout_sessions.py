"""A Stripe Checkout Session as Penny asks for it (stripe_payments.py's create_checkout):
its parameters, and when it expires.

Checkout Sessions live 30 minutes to 24 hours. A shorter hold gets a session that lives
just over 30 minutes (Penny expires it when the hold ends), its `expires_at` rounded up
to a 5-minute line so that a retry sends the same parameters (Stripe answers a reused key
with other parameters with idempotency_error); a retry that crossed a line asks again
with the lines before, one of which the first attempt sent.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.providers.payments import CheckoutRequest
from chalicelib.integrations.stripe_amounts import to_stripe

MIN_LIFETIME = timedelta(minutes=30)   # Stripe's least expires_at, from the session's making
MARGIN = timedelta(minutes=2)          # our clock, the request's travel, Stripe's clock
LINE = 300                             # seconds: expires_at is rounded up to these lines
EARLIER_LINES = 3                      # how far back a crossed retry looks


def checkout_params(request: CheckoutRequest, expires_at: int) -> Any:
    booking = {"booking_uid": request.booking_uid}
    return {"mode": "payment",
            # In Stripe's unit, not always ISO's (stripe_amounts.py: MGA, ISK, UGX).
            "line_items": [{"quantity": 1, "price_data": {
                "currency": request.price.currency.lower(),
                "unit_amount": to_stripe(request.price),
                "product_data": {"name": request.description or "Booking"}}}],
            "customer_email": request.customer_email,
            "client_reference_id": request.booking_uid, "metadata": booking,
            "payment_intent_data": {"metadata": booking},
            "success_url": request.success_url, "cancel_url": request.cancel_url,
            "expires_at": expires_at}


def lifted(hold_end: datetime, now: datetime) -> int:
    """The hold's end, or the least Stripe takes, rounded up to a line (unix seconds)."""
    wanted = max(hold_end, now + MIN_LIFETIME + MARGIN).timestamp()
    return math.ceil(wanted / LINE) * LINE
