"""How many times Penny asks for a refund the provider refuses, before it stops.

A refusal is a 4xx: a balance too low, a payment it will not refund; keys or access
withdrawn. It is counted on the booking, because the retries come from three places with
no end Penny sees: the payments worker's (1 + its 2 retries, then its DLQ), and the
provider's redeliveries of a webhook (Stripe for 3 days, Razorpay for a day). The third
refusal answers "done", so each path ends there, within the worker's own tries; the host
then refunds the client by hand. A refund Penny cannot ask for because the host removed
the provider's connection in Penny counts the same way: no retry can make it until they
connect it again, and the DLQ would only hide it.
"""

from __future__ import annotations

from datetime import datetime

REFUND_ASKS = 3

# Why Penny stopped asking (`Payment.refund_refused_reason`): the provider said no at each
# ask (a 4xx, the host's keys or access withdrawn at the provider), or the host removed
# the provider's connection in Penny, so there was nothing to ask it with; reconnecting
# before the last ask lets the next one make the refund.
REFUSED, NOT_CONNECTED = "refused", "not_connected"


def refusal_counted(refusals: int, now: datetime) -> tuple[int, datetime | None]:
    """One refusal more: the new count, and `now` once it is the last ask (else None)."""
    count = refusals + 1
    return count, now if count >= REFUND_ASKS else None
