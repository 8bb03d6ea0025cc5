"""A paid booking's dispute: the client asked their bank for the money back (a
chargeback, or an inquiry), and the bank decides.

Pure transitions of the payment record (payment_record.py); the booking checks first
that it was paid. Webhooks come in any order, so a dispute's close may be the first Penny
hears of it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.domain.payment_record import Payment

# How a payment's dispute ended: the money stayed ("won"), was taken back ("lost"), or it
# was an inquiry that closed without a chargeback ("closed").
DISPUTE_OUTCOMES = frozenset({"won", "lost", "closed"})


def opened(p: Payment, dispute_id: str, reason: str | None, amount_minor: int | None,
           now: datetime) -> Payment:
    """Disputed with the client's bank: the host is to answer it (an earlier outcome is
    cleared)."""
    return replace(p, dispute_id=dispute_id, dispute_reason=reason,
                   disputed_minor=amount_minor, disputed_at=now, dispute_outcome=None,
                   dispute_closed_at=None)


def closed(p: Payment, dispute_id: str, outcome: str, reason: str | None,
           amount_minor: int | None, now: datetime) -> Payment:
    """The bank decided (`outcome`). Its opening may not have been told yet: the dispute
    is recorded with it, and what the opening said is kept where the close says nothing."""
    if outcome not in DISPUTE_OUTCOMES:
        raise ValueError(f"not a dispute's outcome: {outcome}")
    was_opened = p.dispute_id == dispute_id
    return replace(
        p, dispute_id=dispute_id,
        dispute_reason=reason if reason or not was_opened else p.dispute_reason,
        disputed_minor=amount_minor if amount_minor is not None or not was_opened
        else p.disputed_minor,
        disputed_at=p.disputed_at if was_opened and p.disputed_at else now,
        dispute_outcome=outcome, dispute_closed_at=now)
