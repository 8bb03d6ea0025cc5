"""A paid booking's disputes through the real handlers: webhooks signed by the sandbox's
Stripe and Razorpay, the payments worker's job, the API's payment object.

A payment may be disputed more than once, and each dispute is kept by its id; a refund
Stripe refuses as `charge_disputed` (a dispute whose webhook has not come yet) is held as
an open dispute, and the dispute's end decides the refund.
"""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.events import EventKind
from sandbox.server import ProviderSandbox
from tests.functional import test_payments as paid
from tests.functional.conftest import Api, FixedClock
from tests.functional.test_connections import PUBLIC
from tests.functional.test_payments import (
    as_it_is,
    book,
    deliver_razorpay,
    deliver_stripe,
    host_id,
    manage_page_payment,
    run_payments_job,
    session_of,
    view,
)

# The payments module's fixtures: the sandbox, a host connected to Stripe or Razorpay.
sandbox, host = paid.sandbox, paid.host
stripe_host, razorpay_host = paid.stripe_host, paid.razorpay_host


def paid_with_stripe(api: Api, sandbox: ProviderSandbox, clock: FixedClock
                     ) -> tuple[dict[str, object], str]:
    """A booking paid through Stripe, confirmed by its webhooks, and its PaymentIntent."""
    held = book(api, clock)
    sandbox.stripe_pay(session_of(held))
    deliver_stripe(api, sandbox, 2)
    payment = as_it_is(str(held["uid"])).payment
    assert payment is not None
    return held, str(payment.payment_id)


def test_two_disputes_on_one_stripe_payment_are_both_kept_however_told(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a paid booking whose client's bank opens an inquiry, closed without a
    # chargeback, then a chargeback on the same payment
    held, intent = paid_with_stripe(api, sandbox, clock)
    sandbox.stripe_hold_deliveries()
    sandbox.stripe_duplicate_deliveries(2)
    inquiry = sandbox.stripe_dispute(intent, "general")
    sandbox.stripe_close_dispute(inquiry["id"], "warning_closed")
    chargeback = sandbox.stripe_dispute(intent, "fraudulent")
    opened, closed, second = (e["id"] for e in sandbox.stripe_events()[-3:])

    # WHEN the chargeback is told first, then the inquiry's close, then its opening, each
    # delivered twice
    sandbox.stripe_release_deliveries([second, closed, opened])
    deliver_stripe(api, sandbox, 6)

    # THEN the payment keeps both, each by its id with its own outcome; its single
    # `dispute` is the one told last, and the booking stands, paid
    shown = view(api, held)
    assert (shown["status"], shown["payment"]["state"]) == ("confirmed", "paid")
    kept = {d["id"]: (d["reason"], d["amount_minor"], d["outcome"])
            for d in shown["payment"]["disputes"]}
    assert kept == {inquiry["id"]: ("general", 15000, "closed"),
                    chargeback["id"]: ("fraudulent", 15000, None)}
    assert shown["payment"]["dispute"] == {"reason": "general", "amount_minor": 15000,
                                           "outcome": "closed"}
    r = api.get("/me/bookings", token=stripe_host)
    (row,) = [b for b in r.json["bookings"] if b["uid"] == held["uid"]]
    assert len(row["payment"]["disputes"]) == 2


@pytest.mark.parametrize(("outcome", "refunded"), [("won", True), ("lost", False)])
def test_a_refund_stripe_refuses_as_disputed_is_held_until_the_dispute_decides(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        outcome: str, refunded: bool) -> None:
    # GIVEN a paid booking the client's bank disputes, its webhook not delivered yet
    held, intent = paid_with_stripe(api, sandbox, clock)
    sandbox.stripe_duplicate_deliveries(2)
    sandbox.stripe_hold_deliveries()
    dispute = sandbox.stripe_dispute(intent, "fraudulent")
    uid, host = str(held["uid"]), host_id(api, stripe_host)

    # WHEN it is cancelled inside its policy, and the payments job runs three times (its
    # retries): Stripe refuses the refund, charge_disputed
    api.post(f"/bookings/{uid}/cancel", {"token": held["links"]["cancel_token"]})  # type: ignore[index]
    for n in (1, 2, 3):
        run_payments_job(EventKind.BOOKING_CANCELLED, host, uid, n)

    # THEN no ask is counted: the refund is held as an open dispute of unknown id, asked
    # of Stripe once, never given up as "refund by hand"
    assert sandbox.stripe_api_calls("refunds.create") == 1
    shown = view(api, held)["payment"]
    assert (shown["state"], shown["refund_held"], shown["refund_refused"]) == (
        "paid", True, False)
    assert [(d["id"], d["outcome"]) for d in shown["disputes"]] == [(None, None)]
    assert as_it_is(uid).payment.refund_refusals == 0  # type: ignore[union-attr]
    assert "No refund while your bank's dispute of this payment is open" in \
        manage_page_payment(api, held)

    # WHEN the dispute's webhook arrives (twice), then the bank decides it
    sandbox.stripe_release_deliveries()
    deliver_stripe(api, sandbox, 2)                                 # charge.dispute.created
    assert [d["id"] for d in view(api, held)["payment"]["disputes"]] == [dispute["id"]]
    sandbox.stripe_close_dispute(dispute["id"], outcome)
    deliver_stripe(api, sandbox, 2)                                 # charge.dispute.closed

    # THEN it is the held dispute (not a second one); won, the refund is made once, under
    # the next ask's key (Stripe keeps the refused key's answer); lost, none
    shown = view(api, held)["payment"]
    assert [(d["id"], d["outcome"]) for d in shown["disputes"]] == [(dispute["id"], outcome)]
    refunds = sandbox.stripe_refunds()
    assert [(r["amount"], r["metadata"]["penny_refund_key"]) for r in refunds] == (
        [(15000, f"{uid}-cancelled-ask-2")] if refunded else [])
    assert (shown["state"], shown["refund_held"]) == (
        ("refunded", False) if refunded else ("paid", True))
    run_payments_job(EventKind.BOOKING_CANCELLED, host, uid, 4)      # a redrive: nothing more
    assert len(sandbox.stripe_refunds()) == len(refunds)


def test_a_second_razorpay_payments_dispute_is_kept_apart_from_the_bookings_own(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a booking paid twice, in two tabs (the second payment refunded)
    held = book(api, clock)
    notes = {"booking_uid": held["uid"]}
    sandbox.razorpay_pay(held["payment"]["order_id"], notes=notes)
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    second = sandbox.razorpay_pay(held["payment"]["order_id"], notes=notes,
                                  opened_before_paid=True)
    seen = deliver_razorpay(api, sandbox, seen, len(sandbox.razorpay_events()) - seen)
    seen = deliver_razorpay(api, sandbox, seen, len(sandbox.razorpay_events()) - seen)  # refund

    # WHEN the client's bank disputes the second payment
    sandbox.razorpay_dispute(second["razorpay_payment_id"], "fraud")
    deliver_razorpay(api, sandbox, seen, 1)                       # payment.dispute.created

    # THEN the second payment has the dispute; the booking's own payment has none
    shown = view(api, held)["payment"]
    assert (shown["dispute"], shown["disputes"]) == (None, [])
    (other,) = shown["second_payments"]
    assert [(d["reason"], d["outcome"]) for d in other["disputes"]] == [("fraud", None)]


@pytest.mark.parametrize(("outcome", "refunded"), [("won", True), ("lost", False)])
def test_a_second_razorpay_payments_open_dispute_holds_its_refund_until_the_bank_decides(
        api: Api, razorpay_host: str, sandbox: ProviderSandbox, clock: FixedClock,
        outcome: str, refunded: bool) -> None:
    # GIVEN a booking paid twice, in two tabs, whose second payment's refund Razorpay could
    # not make when told (503: Razorpay delivers it again), and the client's bank then
    # disputes that second payment
    held = book(api, clock)
    notes = {"booking_uid": held["uid"]}
    sandbox.razorpay_pay(held["payment"]["order_id"], notes=notes)
    seen = deliver_razorpay(api, sandbox, 0, len(sandbox.razorpay_events()))
    second = sandbox.razorpay_pay(held["payment"]["order_id"], notes=notes,
                                  opened_before_paid=True)
    sent = len(sandbox.razorpay_events())
    sandbox.razorpay_wait_for_webhook_deliveries(sent)
    told = sandbox.razorpay_webhook_deliveries()[seen:sent]   # authorized, captured, paid
    (captured,) = [d for d in told if json.loads(d.body)["event"] == "payment.captured"]
    sandbox.razorpay_fail_next_api_calls(status=503)   # its refund's first call
    r = api.post(captured.url.removeprefix(PUBLIC), raw=captured.body,
                 headers=dict(captured.headers))
    assert r.status == 503
    dispute = sandbox.razorpay_dispute(second["razorpay_payment_id"], "fraud")
    seen = deliver_razorpay(api, sandbox, sent, 1)                 # payment.dispute.created

    # WHEN Razorpay delivers the second payment's events again
    for delivery in told:
        r = api.post(delivery.url.removeprefix(PUBLIC), raw=delivery.body,
                     headers=dict(delivery.headers))
        assert r.status == 200

    # THEN its refund is held, not made: the bank's dispute decides that money
    assert sandbox.razorpay_refunds() == []
    (other,) = view(api, held)["payment"]["second_payments"]
    assert (other["refunded"], other["refund_held"], other["refund_refused"]) == (
        False, True, False)

    # WHEN the bank decides the dispute, told twice
    sandbox.razorpay_close_dispute(dispute["id"], outcome)
    deliver_razorpay(api, sandbox, seen, 1)
    deliver_razorpay(api, sandbox, seen, 1)
    refunds = [r for r in sandbox.razorpay_refunds() if r["notes"]]
    seen = deliver_razorpay(api, sandbox, seen + 1,
                            len(sandbox.razorpay_events()) - seen - 1)  # its refund's

    # THEN won: the second payment refunded in full, once, under its own key; lost: never
    assert [(r["payment_id"], r["amount"], r["notes"]["penny_refund_key"])
            for r in refunds] == ([(second["razorpay_payment_id"], 150000,
                                    f"{held['uid']}-second-{second['razorpay_payment_id']}")]
                                  if refunded else [])
    shown = view(api, held)["payment"]
    (other,) = shown["second_payments"]
    assert (other["refunded"], other["refund_held"]) == (refunded, not refunded)
    assert [(d["id"], d["outcome"]) for d in other["disputes"]] == [(dispute["id"], outcome)]
    assert (shown["state"], shown["disputes"]) == ("paid", [])
