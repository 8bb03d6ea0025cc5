"""How many times Penny asks for a refund the provider refuses, before it stops.

A refusal is a 4xx: a balance too low, a payment it will not refund; keys or access
withdrawn. It is counted on the booking, because the retries come from three places with
no end Penny sees: the payments worker's (1 + its 2 retries, then its DLQ), and the
provider's redeliveries of a webhook (Stripe for 3 days, Razorpay for a day). The third
refusal answers "done", so each path ends there, within the worker's own tries; the host
then refunds the client by hand.
"""

from __future__ import annotations

from datetime import datetime

REFUND_ASKS = 3


def refusal_counted(refusals: int, now: datetime) -> tuple[int, datetime | None]:
    """One refusal more: the new count, and `now` once it is the last ask (else None)."""
    count = refusals + 1
    return count, now if count >= REFUND_ASKS else None
