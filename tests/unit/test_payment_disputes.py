"""A payment's disputes (chalicelib/domain/payment_disputes.py), kept each by its id: on
the record, in the events a change stands for, and in the item the booking is stored as
(chalicelib/store/payment_codec.py), items written with one dispute included."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus, Dispute, Payment
from chalicelib.domain.events import EventKind, booking_events, booking_summary
from chalicelib.store.payment_codec import payment_from_json, payment_to_json

OPENED = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
DECIDED = datetime.fromisoformat("2026-03-20T09:00:00+00:00")
LATER = datetime.fromisoformat("2026-04-01T10:00:00+00:00")


def a_paid_booking(status: BookingStatus = BookingStatus.CONFIRMED) -> Booking:
    return Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=datetime.fromisoformat("2026-03-04T15:00:00+00:00"),
        end=datetime.fromisoformat("2026-03-04T15:30:00+00:00"),
        buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"), answers={},
        status=status, created_at=OPENED, location_kind="zoom", price_minor=5000,
        currency="USD", payment=Payment("stripe", "cs_1", payment_id="pi_1", paid_minor=5000,
                                        paid_at=OPENED))


def cancelled_in_time(b: Booking) -> Booking:
    """Cancelled inside the refund policy: the refund it gives is owed, or held."""
    assert b.payment is not None
    return replace(b.cancelled(OPENED, None, "attendee"),
                   payment=replace(b.payment, refund_reason="cancelled"))


def kinds(old: Booking, new: Booking) -> list[EventKind]:
    return [e.type for e in booking_events(old, new, "change-1", OPENED)]


def by_id(b: Booking) -> dict[str | None, str | None]:
    assert b.payment is not None
    return {d.id: d.outcome for d in b.payment.disputes}


# ---- the record ---------------------------------------------------------------------


def test_two_disputes_on_one_payment_are_both_kept_by_id_whatever_order_they_come_in(
) -> None:
    # GIVEN an inquiry (dp_1) closed without a chargeback, then a chargeback (dp_2) lost
    steps = [lambda b: b.disputed("dp_1", "general", 5000, OPENED),
             lambda b: b.dispute_closed("dp_1", "closed", "general", 5000, DECIDED),
             lambda b: b.disputed("dp_2", "fraudulent", 5000, DECIDED),
             lambda b: b.dispute_closed("dp_2", "lost", "fraudulent", 5000, LATER)]

    # WHEN their events come in order, and in reverse
    in_order, reversed_ = a_paid_booking(), a_paid_booking()
    for step in steps:
        in_order = step(in_order)
    for step in reversed(steps):
        reversed_ = step(reversed_)

    # THEN both keep both disputes, each with its own outcome: the second never
    # overwrites the first
    assert by_id(in_order) == by_id(reversed_) == {"dp_1": "closed", "dp_2": "lost"}
    assert in_order.payment is not None and reversed_.payment is not None
    assert {d.id: d.reason for d in reversed_.payment.disputes} == {
        "dp_1": "general", "dp_2": "fraudulent"}
    first = next(d for d in in_order.payment.disputes if d.id == "dp_1")
    assert (first.opened_at, first.closed_at, first.amount_minor) == (OPENED, DECIDED, 5000)


def test_a_redelivered_dispute_event_changes_nothing() -> None:
    opened = a_paid_booking().disputed("dp_1", "fraudulent", 5000, OPENED)
    won = opened.dispute_closed("dp_1", "won", "fraudulent", 5000, DECIDED)

    assert opened.disputed("dp_1", "fraudulent", 5000, LATER) is opened
    assert won.dispute_closed("dp_1", "won", "fraudulent", 5000, LATER) is won
    assert won.disputed("dp_1", "fraudulent", 5000, LATER) is won   # its opening, late


def test_any_open_or_lost_dispute_of_the_payment_holds_a_cancellations_refund() -> None:
    won_then_open = cancelled_in_time(a_paid_booking()).dispute_closed(
        "dp_1", "won", None, 5000, DECIDED).disputed("dp_2", "fraudulent", 5000, LATER)

    assert (won_then_open.refund_held, won_then_open.refund_owed) == (True, False)
    lost = won_then_open.dispute_closed("dp_2", "lost", None, None, LATER)
    assert lost.refund_held and lost.payment is not None and lost.payment.dispute_lost
    won = won_then_open.dispute_closed("dp_2", "won", None, None, LATER)
    assert (won.refund_held, won.refund_owed) == (False, True)


def test_a_refund_refused_as_disputed_holds_an_open_dispute_its_webhook_then_names() -> None:
    # GIVEN Stripe refused the cancellation's refund as charge_disputed (no id told)
    held = cancelled_in_time(a_paid_booking()).refund_disputed(None, OPENED)
    assert held.payment is not None
    assert [(d.id, d.outcome, d.refused_refund) for d in held.payment.disputes] == [
        (None, None, True)]
    assert (held.refund_held, held.refund_owed, held.payment.refund_refusals) == (
        True, False, 0)
    assert held.refund_disputed(None, LATER) is held   # refused again: the same dispute

    # WHEN its webhook comes: the opening, then the close
    named = held.disputed("dp_1", "fraudulent", 5000, DECIDED)
    won = named.dispute_closed("dp_1", "won", "fraudulent", 5000, LATER)

    # THEN it is the held dispute, not a second one, and won frees the refund
    assert named.payment is not None and won.payment is not None
    assert [(d.id, d.reason, d.opened_at) for d in named.payment.disputes] == [
        ("dp_1", "fraudulent", OPENED)]
    assert by_id(won) == {"dp_1": "won"} and won.refund_owed
    assert won.payment.refunds_refused_as_disputed == 1


def test_a_held_disputes_close_told_before_its_opening_is_matched_to_it() -> None:
    held = cancelled_in_time(a_paid_booking()).refund_disputed(None, OPENED)

    lost = held.dispute_closed("dp_1", "lost", "fraudulent", 5000, DECIDED)

    assert by_id(lost) == {"dp_1": "lost"} and lost.refund_held
    assert lost.disputed("dp_1", "fraudulent", 5000, LATER) is lost


def test_a_refusal_while_a_known_dispute_holds_the_money_marks_it_and_adds_none() -> None:
    opened = cancelled_in_time(a_paid_booking()).disputed("dp_1", "fraudulent", 5000, OPENED)

    # The ask was made (its webhook recorded while it was on its way): the dispute that
    # explains it carries it, so the next ask's key is new; told twice, counted once
    refused = opened.refund_disputed(None, LATER)
    assert refused.payment is not None and opened.payment is not None
    assert refused.payment.disputes == (Dispute("dp_1", "fraudulent", 5000, OPENED,
                                                refused_refund=True),)
    assert refused.payment.refunds_refused_as_disputed == 1
    assert refused.refund_disputed(None, LATER) is refused
    named = cancelled_in_time(a_paid_booking()).refund_disputed("dp_9", OPENED)
    assert by_id(named) == {"dp_9": None}
    told = named.disputed("dp_9", "fraudulent", 5000, LATER)
    assert told.payment == replace(named.payment, disputes=(Dispute(
        "dp_9", "fraudulent", 5000, opened_at=OPENED, refused_refund=True),))
    assert told.disputed("dp_9", "fraudulent", 5000, LATER) is told


def test_a_second_payments_disputes_are_kept_apart_from_the_payments_own() -> None:
    paid_twice = a_paid_booking().second_payment("pay_2", 5000)

    disputed = paid_twice.disputed("disp_2", "fraud", 5000, OPENED, payment_id="pay_2")

    assert disputed.payment is not None
    assert disputed.payment.disputes == ()
    (second,) = disputed.payment.second_payments
    assert [(d.id, d.outcome) for d in second.disputes] == [("disp_2", None)]
    assert not cancelled_in_time(disputed).refund_held


# ---- the events and the summary ----------------------------------------------------------


def test_a_second_dispute_is_told_and_the_summary_lists_both_with_the_latest_alone() -> None:
    first = a_paid_booking().disputed("dp_1", "general", 5000, OPENED).dispute_closed(
        "dp_1", "closed", None, None, DECIDED)
    second = first.disputed("dp_2", "fraudulent", 4000, LATER)

    assert kinds(first, second) == [EventKind.PAYMENT_DISPUTED]
    summary = booking_summary(second)["payment"]
    assert summary["dispute"] == {"reason": "fraudulent", "amount_minor": 4000,
                                  "outcome": None}
    assert [(d["id"], d["outcome"], d["closed_at"]) for d in summary["disputes"]] == [
        ("dp_1", "closed", DECIDED.isoformat()), ("dp_2", None, None)]


def test_a_held_dispute_is_told_once_when_held_and_not_again_when_its_webhook_names_it(
) -> None:
    owed = cancelled_in_time(a_paid_booking())
    held = owed.refund_disputed(None, OPENED)
    named = held.disputed("dp_1", "fraudulent", 5000, DECIDED)

    assert kinds(owed, held) == [EventKind.PAYMENT_DISPUTED]
    assert kinds(held, named) == []
    assert kinds(named, named.dispute_closed("dp_1", "won", None, None, LATER)) == [
        EventKind.PAYMENT_DISPUTE_CLOSED]


# ---- the stored item -----------------------------------------------------------------


def test_disputes_are_stored_each_by_its_id_and_read_back_as_they_were() -> None:
    booking = cancelled_in_time(a_paid_booking()).refund_disputed(None, OPENED) \
        .disputed("dp_1", "fraudulent", 5000, DECIDED).dispute_closed(
            "dp_1", "won", None, None, LATER).second_payment("pay_2", 5000) \
        .disputed("disp_2", "fraud", 5000, LATER, payment_id="pay_2")
    assert booking.payment is not None

    stored = payment_to_json(booking.payment)

    assert payment_from_json(stored) == booking.payment
    assert [d["id"] for d in stored["disputes"]] == ["dp_1"]
    assert "dispute_id" not in stored


def test_an_item_written_with_one_dispute_reads_as_a_one_entry_list() -> None:
    # As items were written before disputes were a list (amounts as DynamoDB gives them)
    stored = {"provider": "stripe", "checkout_id": "cs_1", "payment_id": "pi_1",
              "paid_minor": 5000, "paid_at": OPENED.isoformat(), "refund_hours_before": 24,
              "dispute_id": "dp_1", "dispute_reason": "fraudulent", "disputed_minor": 5000,
              "disputed_at": OPENED.isoformat(), "dispute_outcome": "lost",
              "dispute_closed_at": DECIDED.isoformat()}

    payment = payment_from_json(stored)

    assert payment is not None
    assert payment.disputes == (Dispute("dp_1", "fraudulent", 5000, OPENED, "lost",
                                        DECIDED),)
    assert payment.dispute_holds_money and payment.dispute_lost
    no_dispute = payment_from_json({k: v for k, v in stored.items()
                                    if not k.startswith("disput")})
    assert no_dispute is not None and no_dispute.disputes == ()

