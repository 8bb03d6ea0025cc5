"""A booking's payment document as a newer version wrote it, read by this one (a deploy
under way, or rolled back): the keys it does not know, in the payment, a dispute or a
second payment, are no error, change nothing it reads, and are written back as they
were (chalicelib/store/newer_keys.py, payment_codec.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.bookings import Dispute, Payment
from chalicelib.domain.payment_disputes import closed
from chalicelib.store.payment_codec import payment_from_json, payment_to_json

PAID = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
OPENED = datetime.fromisoformat("2026-03-10T09:00:00+00:00")
DECIDED = datetime.fromisoformat("2026-03-20T09:00:00+00:00")


def a_disputed_payment() -> Payment:
    """Paid, disputed once, and paid a second time (itself disputed)."""
    return Payment("stripe", "cs_1", payment_id="pi_1", paid_minor=5000, paid_at=PAID,
                   disputes=(Dispute("dp_1", "fraudulent", 5000, OPENED),)) \
        .with_second_payment("pay_2", 5000) \
        .with_disputes("pay_2", lambda _: (Dispute("dp_2", "general", 5000, OPENED),))


def written_by_a_newer_version() -> dict[str, Any]:
    """The payment's document with a key this version does not know at each level."""
    stored = payment_to_json(a_disputed_payment())
    stored["chargeback_fee_minor"] = 1500
    stored["disputes"][0]["evidence_due_at"] = DECIDED.isoformat()
    stored["second_payments"][0]["method"] = {"kind": "card", "last4": "4242"}
    stored["second_payments"][0]["disputes"][0]["network"] = "visa"
    return stored


# ---- reading ---------------------------------------------------------------------------


def test_a_payment_with_a_top_level_key_this_version_does_not_know_reads_as_without_it(
) -> None:
    stored = payment_to_json(a_disputed_payment())

    assert payment_from_json({**stored, "chargeback_fee_minor": 1500}) == \
        payment_from_json(stored) == a_disputed_payment()


def test_a_dispute_with_a_key_this_version_does_not_know_reads_as_without_it() -> None:
    stored = payment_to_json(a_disputed_payment())
    stored["disputes"][0]["evidence_due_at"] = DECIDED.isoformat()

    assert payment_from_json(stored) == a_disputed_payment()


def test_a_second_payment_and_its_dispute_with_unknown_keys_read_as_without_them() -> None:
    stored = payment_to_json(a_disputed_payment())
    stored["second_payments"][0]["method"] = {"kind": "card", "last4": "4242"}
    stored["second_payments"][0]["disputes"][0]["network"] = "visa"

    assert payment_from_json(stored) == a_disputed_payment()


def test_a_payment_with_newer_keys_at_every_level_reads_as_without_them() -> None:
    assert payment_from_json(written_by_a_newer_version()) == a_disputed_payment()


# ---- writing back ------------------------------------------------------------------------


def test_keys_a_newer_version_wrote_are_written_back_after_this_version_changes_the_payment(
) -> None:
    read = payment_from_json(written_by_a_newer_version())
    assert read is not None

    changed = read.with_disputes(None, lambda ds: closed(ds, "dp_1", "won", None, None,
                                                         DECIDED)) \
        .with_disputes("pay_2", lambda ds: closed(ds, "dp_2", "lost", None, None, DECIDED)) \
        .with_refund("re_1", 5000, DECIDED, "cancelled")
    written = payment_to_json(changed)

    assert written["chargeback_fee_minor"] == 1500
    assert written["refund_id"] == "re_1"
    assert written["disputes"][0]["evidence_due_at"] == DECIDED.isoformat()
    assert written["disputes"][0]["outcome"] == "won"
    second = written["second_payments"][0]
    assert second["method"] == {"kind": "card", "last4": "4242"}
    assert second["disputes"][0]["network"] == "visa"
    assert second["disputes"][0]["outcome"] == "lost"


def test_a_payment_this_version_made_is_written_with_no_key_but_its_own() -> None:
    assert "unknown_keys" not in payment_to_json(a_disputed_payment())


def test_an_item_written_with_one_dispute_is_written_back_with_the_list_alone() -> None:
    # As items were written before disputes were a list: keys this version reads itself
    stored = {"provider": "stripe", "checkout_id": "cs_1", "payment_id": "pi_1",
              "paid_minor": 5000, "paid_at": PAID.isoformat(), "dispute_id": "dp_1",
              "dispute_reason": "fraudulent", "disputed_minor": 5000,
              "disputed_at": OPENED.isoformat(), "chargeback_fee_minor": 1500}
    read = payment_from_json(stored)
    assert read is not None

    written = payment_to_json(read)

    assert [d["id"] for d in written["disputes"]] == ["dp_1"]
    assert not {"dispute_id", "dispute_reason", "disputed_minor", "disputed_at"} & set(written)
    assert written["chargeback_fee_minor"] == 1500
