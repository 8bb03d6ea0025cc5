"""A booking's payment record <-> the JSON document stored inside the booking's item.

Only what holds something is stored (None, an empty list, a zero count are left out): a
write is billed per KB, and most payments are never refunded or disputed.

Disputes are a list (`disputes`), each by its id. Items written before kept one dispute
in single fields (`dispute_id`, `dispute_reason`, `disputed_minor`, `disputed_at`,
`dispute_outcome`, `dispute_closed_at`): read, they are a one-entry list, and the next
write stores the list.

Keys a newer version wrote, in the payment, a dispute or a second payment, are read past
and written back as they were (newer_keys.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.bookings import Dispute, Payment, SecondPayment
from chalicelib.store.newer_keys import field_names, known, unknown, with_unknown

_TIMES = ("paid_at", "refunded_at", "refund_failed_at", "refund_refused_at", "released_at")
# An item written before disputes were a list: its one dispute's fields.
_SINGLE_DISPUTE = ("dispute_id", "dispute_reason", "disputed_minor", "disputed_at",
                   "dispute_outcome", "dispute_closed_at")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _kept(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != [] and v is not False}


def payment_to_json(p: Payment) -> dict[str, Any]:
    out = {name: getattr(p, name) for name in field_names(Payment)}
    for name in _TIMES:
        out[name] = _iso(out[name])
    out["refund_refusals"] = out["refund_refusals"] or None   # kept only once counted
    out["disputes"] = [_dispute_to_json(d) for d in p.disputes]
    out["second_payments"] = [with_unknown(_kept({
        "payment_id": s.payment_id, "amount_minor": s.amount_minor, "refund_id": s.refund_id,
        "refunded_at": _iso(s.refunded_at), "refund_failed_at": _iso(s.refund_failed_at),
        "refund_refusals": s.refund_refusals or None,
        "refund_refused_at": _iso(s.refund_refused_at),
        "disputes": [_dispute_to_json(d) for d in s.disputes]}), s.unknown_keys)
        for s in p.second_payments]
    return with_unknown(_kept(out), p.unknown_keys)


def payment_from_json(d: dict[str, Any] | None) -> Payment | None:
    if d is None:
        return None
    values = known(Payment, d)
    values["refund_refusals"] = int(values.get("refund_refusals") or 0)
    for name in _TIMES:
        values[name] = _dt(values.get(name))
    values["disputes"] = tuple(_dispute_from_json(x) for x in values.get("disputes") or ()) \
        or _single_dispute(d)
    values["second_payments"] = tuple(SecondPayment(
        s["payment_id"], s.get("amount_minor"), s.get("refund_id"), _dt(s.get("refunded_at")),
        _dt(s.get("refund_failed_at")), int(s.get("refund_refusals") or 0),
        _dt(s.get("refund_refused_at")),
        tuple(_dispute_from_json(x) for x in s.get("disputes") or ()),
        unknown(SecondPayment, s))
        for s in values.get("second_payments") or ())
    return Payment(**values, unknown_keys=unknown(Payment, d, _SINGLE_DISPUTE))


def _dispute_to_json(d: Dispute) -> dict[str, Any]:
    return with_unknown(_kept({
        "id": d.id, "reason": d.reason, "amount_minor": d.amount_minor,
        "opened_at": _iso(d.opened_at), "outcome": d.outcome, "closed_at": _iso(d.closed_at),
        "refused_refund": d.refused_refund}), d.unknown_keys)


def _dispute_from_json(d: dict[str, Any]) -> Dispute:
    amount = d.get("amount_minor")
    return Dispute(d.get("id"), d.get("reason"), None if amount is None else int(amount),
                   _dt(d.get("opened_at")), d.get("outcome"), _dt(d.get("closed_at")),
                   d.get("refused_refund") is True, unknown(Dispute, d))


def _single_dispute(d: dict[str, Any]) -> tuple[Dispute, ...]:
    """An item written before disputes were a list: its one dispute, or none."""
    if d.get("dispute_id") is None:
        return ()
    amount = d.get("disputed_minor")
    return (Dispute(str(d["dispute_id"]), d.get("dispute_reason"),
                    None if amount is None else int(amount), _dt(d.get("disputed_at")),
                    d.get("dispute_outcome"), _dt(d.get("dispute_closed_at"))),)
