"""Payments for a booking after the one it was paid with (a client paying one Razorpay
order twice, in two tabs): never the booking's, so each is given back in full.

Pure transitions over a payment record's tuple of them; each returns a new tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.domain import payment_disputes
from chalicelib.domain.payment_disputes import Dispute
from chalicelib.domain.refund_asks import refusal_counted


@dataclass(frozen=True)
class SecondPayment:
    """A payment for a booking that was paid already: owed back until `refund_id` is
    made."""

    payment_id: str
    amount_minor: int | None
    refund_id: str | None = None
    refunded_at: datetime | None = None
    # Its refund came back after it was made (the card was closed): the provider put the
    # money back in the host's balance, and the host must refund the client another way.
    refund_failed_at: datetime | None = None
    # Its refund refused when asked for, so many times (REFUND_ASKS), and since then not
    # asked for again: the host refunds it by hand.
    refund_refusals: int = 0
    refund_refused_at: datetime | None = None
    # Its own disputes with the client's bank, apart from the booking's payment's.
    disputes: tuple[Dispute, ...] = ()
    # The keys of its stored document that this version does not know (a newer version
    # wrote them, store/newer_keys.py): written back as they were, no part of what it equals.
    unknown_keys: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def refund_owed(self) -> bool:
        """Not refunded yet, nor given up on, and none of its disputes holds the money."""
        return self._refund_due and not payment_disputes.holds_money(self.disputes)

    @property
    def refund_held(self) -> bool:
        """Its refund, held while one of its own disputes is open or lost, as the booking's
        payment's is: the bank decides the money (a refund made anyway is paid twice once
        the bank takes it back). Won, or closed as an inquiry, it is owed again; lost,
        never made."""
        return self._refund_due and payment_disputes.holds_money(self.disputes)

    @property
    def refunds_refused_as_disputed(self) -> int:
        """Asks refused because it was disputed: never counted, yet made (its next key)."""
        return sum(1 for d in self.disputes if d.refused_refund)

    @property
    def _refund_due(self) -> bool:
        return self.refund_id is None and self.refund_refused_at is None


def added(seconds: tuple[SecondPayment, ...], payment_id: str,
          amount_minor: int | None) -> tuple[SecondPayment, ...]:
    """With one more, owed back; one already there is not added twice."""
    if any(s.payment_id == payment_id for s in seconds):
        return seconds
    return (*seconds, SecondPayment(payment_id, amount_minor))


def refunded(seconds: tuple[SecondPayment, ...], payment_id: str, refund_id: str,
             amount_minor: int, now: datetime) -> tuple[SecondPayment, ...]:
    """Its refund made (a second payment refunded already keeps its first refund)."""
    return tuple(replace(s, refund_id=refund_id, amount_minor=amount_minor, refunded_at=now)
                 if s.payment_id == payment_id and s.refund_id is None else s
                 for s in seconds)


def refund_failed(seconds: tuple[SecondPayment, ...], refund_id: str,
                  now: datetime) -> tuple[SecondPayment, ...]:
    """Its refund came back: the host must give it back another way."""
    return tuple(replace(s, refund_failed_at=now)
                 if s.refund_id == refund_id and s.refund_failed_at is None else s
                 for s in seconds)


def refund_refused(seconds: tuple[SecondPayment, ...], payment_id: str,
                   now: datetime) -> tuple[SecondPayment, ...]:
    """Its refund refused once more, while still owed and asked for."""

    def counted(s: SecondPayment) -> SecondPayment:
        count, refused_at = refusal_counted(s.refund_refusals, now)
        return replace(s, refund_refusals=count, refund_refused_at=refused_at)

    return tuple(counted(s) if s.payment_id == payment_id and s.refund_id is None
                 and s.refund_refused_at is None else s for s in seconds)


def with_disputes(seconds: tuple[SecondPayment, ...], payment_id: str,
                  change: Callable[[tuple[Dispute, ...]], tuple[Dispute, ...]]
                  ) -> tuple[SecondPayment, ...]:
    """`change` made to that second payment's own disputes; unchanged, the same tuple."""
    changed = tuple(replace(s, disputes=change(s.disputes)) if s.payment_id == payment_id
                    else s for s in seconds)
    return seconds if all(a.disputes is b.disputes for a, b in zip(changed, seconds,
                                                                     strict=True)) \
        else changed
