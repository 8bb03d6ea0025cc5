"""A paid payment's disputes: the client asked their bank for the money back (a
chargeback, or an inquiry), and the bank decides.

A payment may be disputed more than once (an inquiry closed, then a chargeback; a
Razorpay retrieval request, then its chargeback), so each is kept by its id, in the order
Penny heard of them. Webhooks come in any order and more than once: each transition is
per dispute id, and applying one twice changes nothing. A dispute may be known before its
webhook: Stripe refuses a refund of a disputed charge (`charge_disputed`), which is the
first Penny hears of it; it is held with no id (unless the refusal named it) until its
webhook, which is matched to it rather than recorded as a second dispute.

Pure transitions over a payment's tuple of them (payment_record.py, second_payments.py);
each returns a new tuple, or the same one when nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

# How a payment's dispute ended: the money stayed ("won"), was taken back ("lost"), or it
# was an inquiry that closed without a chargeback ("closed").
DISPUTE_OUTCOMES = frozenset({"won", "lost", "closed"})


@dataclass(frozen=True)
class Dispute:
    # The vendor's id; None while it is known only from a refund the provider refused as
    # disputed (its webhook names it).
    id: str | None
    reason: str | None = None           # the vendor's word for it: "fraudulent", ...
    amount_minor: int | None = None
    opened_at: datetime | None = None
    outcome: str | None = None          # DISPUTE_OUTCOMES once the bank decided
    closed_at: datetime | None = None
    # First told by the provider's refusal of a refund (Stripe's charge_disputed): that
    # ask was made, so the next one needs a key of its own (services/owed_refunds.py).
    refused_refund: bool = False
    # The keys of its stored document that this version does not know (a newer version
    # wrote them, store/newer_keys.py): written back as they were, no part of what it equals.
    unknown_keys: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def holds_money(self) -> bool:
        """Open or lost: the bank, not Penny, decides where the money goes."""
        return self.outcome in (None, "lost")


def holds_money(disputes: tuple[Dispute, ...]) -> bool:
    return any(d.holds_money for d in disputes)


def opened(disputes: tuple[Dispute, ...], dispute_id: str, reason: str | None,
           amount_minor: int | None, now: datetime) -> tuple[Dispute, ...]:
    """Disputed with the client's bank: the host is to answer it. One known already (its
    close told first, a redelivery, or a refusal that named it) keeps what it has, and
    takes only what it lacked; one held from a refusal takes the id."""
    if any(d.id == dispute_id for d in disputes):
        filled = tuple(replace(d, reason=d.reason or reason, amount_minor=amount_minor
                               if d.amount_minor is None else d.amount_minor)
                       if d.id == dispute_id else d for d in disputes)
        return disputes if filled == disputes else filled
    told = Dispute(dispute_id, reason, amount_minor, now)
    return _matched(disputes, lambda d: replace(d, id=dispute_id, reason=reason,
                                                amount_minor=amount_minor)) or \
        (*disputes, told)


def closed(disputes: tuple[Dispute, ...], dispute_id: str, outcome: str,
           reason: str | None, amount_minor: int | None, now: datetime
           ) -> tuple[Dispute, ...]:
    """The bank decided (`outcome`). Its opening may not have been told yet: the dispute
    is recorded with it, and what the opening said is kept where the close says nothing.
    The same close told again changes nothing."""
    if outcome not in DISPUTE_OUTCOMES:
        raise ValueError(f"not a dispute's outcome: {outcome}")

    def ended(d: Dispute) -> Dispute:
        return replace(d, id=dispute_id, reason=reason or d.reason,
                       amount_minor=d.amount_minor if amount_minor is None else amount_minor,
                       opened_at=d.opened_at or now, outcome=outcome, closed_at=now)

    if any(d.id == dispute_id and d.outcome == outcome for d in disputes):
        return disputes
    if any(d.id == dispute_id for d in disputes):
        return tuple(ended(d) if d.id == dispute_id else d for d in disputes)
    return _matched(disputes, ended) or \
        (*disputes, Dispute(dispute_id, reason, amount_minor, now, outcome, now))


def refund_refused(disputes: tuple[Dispute, ...], dispute_id: str | None,
                   now: datetime) -> tuple[Dispute, ...]:
    """The provider refused a refund because the payment is disputed, before Penny heard
    of it: held as an open dispute until its webhook. The ask was made all the same, so
    it is marked on the dispute that explains it (the one it names, else one open or lost
    and not marked yet: told meanwhile), whose mark numbers the next ask's key; a dispute
    marked already explains it (two tellings asked under one key), and nothing changes."""
    at = next((i for i, d in enumerate(disputes) if dispute_id and d.id == dispute_id), None)
    if at is None:
        at = next((i for i, d in enumerate(disputes)
                   if d.holds_money and not d.refused_refund), None)
    if at is not None:
        if disputes[at].refused_refund:
            return disputes
        return (*disputes[:at], replace(disputes[at], refused_refund=True),
                *disputes[at + 1:])
    if holds_money(disputes):
        return disputes
    return (*disputes, Dispute(dispute_id, opened_at=now, refused_refund=True))


def _matched(disputes: tuple[Dispute, ...], change: Callable[[Dispute], Dispute]
             ) -> tuple[Dispute, ...] | None:
    """With the open dispute held from a refusal (no id yet) changed by `change`, or None
    when there is none."""
    at = next((i for i, d in enumerate(disputes) if d.id is None and d.outcome is None), None)
    if at is None:
        return None
    return (*disputes[:at], change(disputes[at]), *disputes[at + 1:])
