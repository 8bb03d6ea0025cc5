"""The dashboard's payment line under a booking (web/static/app-booking-payments.js), run
in node with the little of a DOM it touches: what the host reads about each payment."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.bookings import Booking, BookingStatus, Payment
from chalicelib.domain.events import booking_summary
from chalicelib.functions.views import payment_out
from tests.fakes.bookings import a_booking

SCRIPT = Path(__file__).parents[2] / "chalicelib/web/static/app-booking-payments.js"
NEWS_SCRIPT = SCRIPT.with_name("app-payment-news.js")
# `document.createElement` gives an object whose text is what was appended to it.
RUN = """
globalThis.document = { body: { dataset: {} }, createElement: (tag) => ({
  tag, append(...children) { this.text = children.join(""); }, setAttribute() {} }) };
const { paymentLine } = await import(process.argv[1]);
console.log(paymentLine(JSON.parse(process.argv[2]), "UTC").text);
"""


def line(payment: dict[str, Any]) -> str:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, SCRIPT.as_uri(),
                          json.dumps({"payment": payment})],
                         capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip()


PAID_TWICE = {"provider": "razorpay", "state": "paid", "amount_minor": 150000,
              "currency": "INR"}


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_second_payments_refund_that_came_back_tells_the_host_to_refund_another_way(
) -> None:
    shown = line({**PAID_TWICE, "second_payments": [
        {"amount_minor": 150000, "refunded": True, "refund_failed": True}]})

    assert "refunded automatically" not in shown
    assert shown.endswith(
        "Paid a second time (₹1,500.00): its refund came back (the client's card could not "
        "take it). Refund them another way, or in Razorpay once they give you another card.")


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
@pytest.mark.parametrize(("outcome", "says"), [
    (None, "answer it in Razorpay's dashboard before its deadline"),
    ("won", "and you won it: the money stays with you."),
    ("lost", "and you lost it: the bank took ₹1,500.00 back from your Razorpay balance."),
    ("closed", "as an inquiry, closed without a chargeback: the money stays with you."),
])
def test_a_disputes_outcome_says_whether_the_money_stayed(outcome: str | None,
                                                          says: str) -> None:
    shown = line({**PAID_TWICE, "dispute": {"reason": "fraudulent", "amount_minor": 150000,
                                            "outcome": outcome}})

    assert "The client disputed ₹1,500.00 with their bank (fraudulent)" in shown
    assert says in shown
    assert ("answer it" in shown) is (outcome is None)


LEFT_UNCAPTURED = {"provider": "razorpay", "state": "expired", "amount_minor": 150000,
                   "currency": "INR", "released": {"amount_minor": 150000, "reason": "taken"}}


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_payment_left_uncaptured_for_a_time_the_booking_lost_is_told_to_the_host() -> None:
    shown = line(LEFT_UNCAPTURED)

    assert shown == (
        "A payment of ₹1,500.00 came for a time this booking no longer holds; it was not "
        "taken and goes back to the client by itself.")


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_cancelled_booking_with_a_payment_left_uncaptured_never_says_it_is_waiting(
) -> None:
    shown = line({**LEFT_UNCAPTURED, "state": "awaiting",
                  "released": {"amount_minor": 150000, "reason": "cancelled"}})

    assert "Waiting" not in shown
    assert shown.startswith("A payment of ₹1,500.00 came for a time this booking no longer "
                            "holds")


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_paid_booking_also_tells_of_an_earlier_payment_left_uncaptured() -> None:
    shown = line({**LEFT_UNCAPTURED, "state": "paid"})

    assert shown == (
        "Paid ₹1,500.00 through Razorpay. A payment of ₹1,500.00 came for a time this booking "
        "no longer holds; it was not taken and goes back to the client by itself.")


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_refund_refused_at_every_ask_tells_the_host_to_refund_by_hand() -> None:
    shown = line({"provider": "stripe", "state": "refund_failed", "amount_minor": 15000,
                  "currency": "USD", "refunded_minor": 5000, "refund_refused": True})

    assert "came back" not in shown and "tries again" not in shown
    assert shown == (
        "Paid $150.00 through Stripe. Stripe refused Penny's refund of $100.00 each time it "
        "asked, and Penny has stopped asking: refund the client by hand in Stripe's "
        "dashboard.")


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_refund_penny_could_not_ask_for_says_the_provider_is_no_longer_connected() -> None:
    shown = line({"provider": "razorpay", "state": "refund_failed", "amount_minor": 150000,
                  "currency": "INR", "refunded_minor": 0, "refund_refused": True,
                  "refund_refused_reason": "not_connected"})

    assert "refused" not in shown and "tries again" not in shown
    assert shown == (
        "Paid ₹1,500.00 through Razorpay. Penny could not refund ₹1,500.00: Razorpay is no "
        "longer connected to Penny. Refund the client by hand in Razorpay's dashboard.")


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_second_payments_refund_refused_at_every_ask_is_the_hosts_to_make() -> None:
    shown = line({**PAID_TWICE, "second_payments": [
        {"amount_minor": 150000, "refunded": False, "refund_failed": False,
         "refund_refused": True}]})

    assert "Penny tries again" not in shown
    assert shown.endswith(
        "Paid a second time (₹1,500.00): Razorpay refused Penny's refund of it each time it "
        "asked, and Penny has stopped asking: refund the client by hand in Razorpay's "
        "dashboard.")


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
@pytest.mark.parametrize(("outcome", "says"), [
    (None, "Cancelled inside the refund policy: no refund while the bank's dispute is open. "
           "If you win it, Penny refunds the client then."),
    ("lost", "Cancelled inside the refund policy: no refund, the bank gave the money back "
             "to the client in the dispute."),
])
def test_a_cancellation_whose_refund_the_dispute_holds_says_there_is_no_refund(
        outcome: str | None, says: str) -> None:
    shown = line({**PAID_TWICE, "refund_held": True, "dispute": {
        "reason": "fraudulent", "amount_minor": 150000, "outcome": outcome}})

    assert says in shown


# A live event's summary laid over the row's booking (`withPaymentNews`, as the dashboard's
# bookings list does when the event comes), and the row's payment line after it.
NEWS = """
globalThis.document = { body: { dataset: {} }, createElement: (tag) => ({
  tag, append(...children) { this.text = children.join(""); }, setAttribute() {} }) };
const { paymentLine } = await import(process.argv[1]);
const { withPaymentNews } = await import(process.argv[2]);
const [row, news, options] = JSON.parse(process.argv[3]);
console.log(paymentLine(withPaymentNews(row, news, options), "UTC").text);
"""


def line_after(row: dict[str, Any], news: dict[str, Any], **options: bool) -> str:
    out = subprocess.run(["node", "--input-type=module", "-e", NEWS, SCRIPT.as_uri(),
                          NEWS_SCRIPT.as_uri(),
                          json.dumps([{"status": "confirmed", "payment": row},
                                      {"status": "confirmed", "payment": news}, options])],
                         capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip()


DISPUTE = {"reason": "fraudulent", "amount_minor": 150000, "outcome": None}


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
@pytest.mark.parametrize(("row", "news", "says"), [
    # payment.disputed: still paid, the same rank
    (PAID_TWICE, {**PAID_TWICE, "dispute": DISPUTE},
     "answer it in Razorpay's dashboard before its deadline"),
    # payment.dispute_closed: still paid
    ({**PAID_TWICE, "dispute": DISPUTE}, {**PAID_TWICE, "dispute": {**DISPUTE, "outcome": "won"}},
     "and you won it: the money stays with you."),
    # payment.refund_failed of a second payment: the booking's own state stays paid
    ({**PAID_TWICE, "second_payments": [{"amount_minor": 150000, "refunded": True}]},
     {**PAID_TWICE, "second_payments": [
         {"amount_minor": 150000, "refunded": True, "refund_failed": True}]},
     "its refund came back (the client's card could not take it)"),
])
def test_a_live_event_that_leaves_the_payments_rank_changes_the_row_at_once(
        row: dict[str, Any], news: dict[str, Any], says: str) -> None:
    assert says in line_after(row, news, live=True)


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_live_event_older_than_the_rows_state_and_a_list_read_tie_keep_the_row() -> None:
    refunded = {**PAID_TWICE, "state": "refunded", "refunded_minor": 150000,
                "refund_reason": "provider"}

    older = line_after(refunded, PAID_TWICE, live=True)   # payment.succeeded, late
    tie = line_after({**PAID_TWICE, "dispute": {**DISPUTE, "outcome": "won"}},
                     {**PAID_TWICE, "dispute": DISPUTE})  # the list read after the event

    assert older.endswith("Refunded ₹1,500.00 at the payment provider.")
    assert "and you won it" in tie


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_several_disputes_on_one_payment_are_each_shown_on_the_row_oldest_first() -> None:
    inquiry = {"id": "disp_1", "reason": "general", "amount_minor": 150000,
               "outcome": "closed", "opened_at": "2026-03-02T12:00:00+00:00",
               "closed_at": "2026-03-09T12:00:00+00:00"}
    chargeback = {**inquiry, "id": "disp_2", "reason": "fraud", "outcome": None,
                  "closed_at": None}

    shown = line({**PAID_TWICE, "dispute": {"reason": "fraud", "amount_minor": 150000,
                                            "outcome": None},
                  "disputes": [inquiry, chargeback]})

    first = shown.index("The client disputed ₹1,500.00 with their bank (general) as an "
                        "inquiry, closed without a chargeback: the money stays with you.")
    second = shown.index("The client disputed ₹1,500.00 with their bank (fraud): answer it "
                         "in Razorpay's dashboard before its deadline")
    assert first < second


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_dispute_known_only_from_a_refused_refund_says_the_bank_disputes_the_payment(
) -> None:
    held = {"id": None, "reason": None, "amount_minor": None, "outcome": None,
            "opened_at": "2026-03-02T12:00:00+00:00", "closed_at": None}

    shown = line({**PAID_TWICE, "provider": "stripe", "currency": "USD", "refund_held": True,
                  "dispute": {"reason": None, "amount_minor": None, "outcome": None},
                  "disputes": [held]})

    assert "no refund while the bank's dispute is open" in shown
    assert ("The client's bank disputes this payment (Stripe refused Penny's refund for "
            "it): answer it in Stripe's dashboard before its deadline") in shown


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
@pytest.mark.parametrize(("outcome", "says"), [
    (None, "Paid a second time (₹1,500.00): no refund while the bank's dispute of it is "
           "open. If you win it, Penny refunds the client then."),
    ("lost", "Paid a second time (₹1,500.00): not refunded, the bank gave it back to the "
             "client in the dispute.")])
def test_a_second_payment_whose_own_dispute_holds_its_refund_says_so_not_tries_again(
        outcome: str | None, says: str) -> None:
    dispute = {"id": "disp_2", "reason": "fraud", "amount_minor": 150000, "outcome": outcome,
               "opened_at": "2026-03-02T12:00:00+00:00", "closed_at": None}

    shown = line({**PAID_TWICE, "second_payments": [
        {"amount_minor": 150000, "refunded": False, "refund_failed": False,
         "refund_held": True, "disputes": [dispute]}]})

    assert "Penny tries again" not in shown
    assert f" {says} Of that second payment: The client disputed ₹1,500.00" in shown


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
def test_a_taken_payments_refund_held_by_a_dispute_is_not_called_a_cancellation() -> None:
    # A payment for a time someone else took, whose refund Stripe refused as disputed
    held = {"id": None, "reason": None, "amount_minor": None, "outcome": None,
            "opened_at": "2026-03-02T12:00:00+00:00", "closed_at": None}

    shown = line({**PAID_TWICE, "provider": "stripe", "currency": "USD", "refund_held": True,
                  "refund_reason": "taken", "disputes": [held]})

    assert "Cancelled" not in shown
    assert ("Owed back (paid after the hold ended, when the time was taken): no refund while "
            "the bank's dispute is open.") in shown


# The row as the list says it (GET /me/bookings' `payment`) and as a live event's summary
# lays it over the row read before (`withPaymentNews`, live): the same words either way.
SAME_ROW = """
globalThis.document = { body: { dataset: {} }, createElement: (tag) => ({
  tag, append(...children) { this.text = children.join(""); }, setAttribute() {} }) };
const { paymentBadge, paymentLine } = await import(process.argv[1]);
const { withPaymentNews } = await import(process.argv[2]);
const [before, listed, news] = JSON.parse(process.argv[3]);
const row = (b) => [paymentBadge(b).join(" "), paymentLine(b, "UTC").text];
console.log(JSON.stringify([row(listed), row(withPaymentNews(before, news, { live: true }))]));
"""


def rows_listed_and_live(before: Booking, after: Booking) -> tuple[list[str], list[str]]:
    def listed(b: Booking) -> dict[str, Any]:
        return {"status": b.status.value, "price": {"amount_minor": b.price_minor,
                                                    "currency": b.currency},
                "payment": payment_out(b).model_dump()}

    news = {"status": after.status.value, "payment": booking_summary(after)["payment"]}
    out = subprocess.run(["node", "--input-type=module", "-e", SAME_ROW, SCRIPT.as_uri(),
                          NEWS_SCRIPT.as_uri(), json.dumps([listed(before), listed(after), news])],
                         capture_output=True, text=True, timeout=30, check=True)
    from_list, from_live = json.loads(out.stdout)
    return from_list, from_live


AT = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
HOLD = Payment("stripe", "cs_1", "https://pay.test/cs_1")


def a_hold() -> Booking:
    return a_booking(status=BookingStatus.PENDING_PAYMENT, created_at=AT, price_minor=5000,
                     currency="USD", payment=HOLD,
                     hold_until=datetime.fromisoformat("2026-03-02T12:15:00+00:00"))


# A payment come after its hold lapsed and the time was taken (owed back), its refund then
# held by a dispute (Stripe refused it as disputed), and that dispute lost.
LAPSED = a_hold().expired()
OWED = replace(LAPSED, payment=replace(HOLD, payment_id="pi_1", paid_minor=5000, paid_at=AT,
                                       refund_reason="taken"))
HELD = OWED.disputed("dp_1", "fraudulent", 5000, AT)
LOST = HELD.dispute_closed("dp_1", "lost", "fraudulent", 5000, AT)
# Refused at each of Penny's asks, then refunded by the host, and that refund came back.
REFUSED = OWED.refund_refused(AT).refund_refused(AT).refund_refused(AT)
CAME_BACK = REFUSED.refunded("re_2", 5000, AT, "provider").refund_failed(AT)


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")
@pytest.mark.parametrize(("before", "after", "says"), [
    (LAPSED, OWED, "To be refunded (paid after the hold ended, when the time was taken)"),
    (LAPSED, HELD, "Owed back (paid after the hold ended, when the time was taken): no refund "
           "while the bank's dispute is open."),
    (LAPSED, LOST, "Owed back (paid after the hold ended, when the time was taken): no refund, the "
           "bank gave the money back to the client in the dispute."),
    # the refusal read from the list, the refund that came back told live
    (REFUSED, CAME_BACK, "The refund of $50.00 came back"),
], ids=["owed", "held", "disputed", "refused-then-came-back"])
def test_a_row_told_live_reads_as_the_same_row_after_a_reload(
        before: Booking, after: Booking, says: str) -> None:
    from_list, from_live = rows_listed_and_live(before, after)

    assert says in from_list[1]
    assert from_live == from_list
