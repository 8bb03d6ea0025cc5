"""Paid bookings (chalicelib/services/payments.py) over the in-memory fakes: the hold, the
checkout, and every order verified provider events can arrive in.

The vendors' own wire (Stripe, Razorpay) is proved against the provider sandbox in
tests/sandbox/ and tests/functional/test_payments.py; these are the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.bookings import REFUND_ASKS, Attendee, Booking, BookingStatus
from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.errors import (
    CalendarUnavailableError,
    ConnectionBrokenError,
    NotConnectedError,
    PaymentNotConnectedError,
    PaymentRefusedError,
    PaymentUnavailableError,
    ProviderRejectedError,
    ProviderUnavailableError,
    RefundDisputedError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.events import EventKind, booking_events, payment_summary
from chalicelib.domain.own_event import OwnEvent
from chalicelib.domain.providers.payments import PaymentEvent, PaymentEventKind, PaymentProvider
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.booking import BookingRequest, BookingService
from chalicelib.services.booking_changes import BookingChanges
from chalicelib.services.links import BookingLinks, LinkPurpose
from chalicelib.services.payment_ports import HostPayment, RazorpayCallbacks
from chalicelib.services.payments import PaymentService
from chalicelib.services.ports import ExternalBusy
from chalicelib.services.refund_policy import refund_due
from chalicelib.services.reservations import BookingResult
from chalicelib.store.queues import QUEUES
from chalicelib.web.payment_status import refund_terms
from tests.fakes.providers import FakePayments
from tests.unit.fakes import (
    FakeBookings,
    FakeExternalBusy,
    FakeHosts,
    FixedClock,
    make_host,
    reservations,
)

NOW = "2026-03-02T12:00:00+00:00"
START = "2026-03-04T10:00:00-05:00"   # a Wednesday, inside Alice's 09:00-17:00
HOLD = timedelta(minutes=15)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class FakePaymentAdapters:
    payments: FakePayments = field(default_factory=FakePayments)
    connected: bool = True
    name: str = "stripe"
    lost: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    razorpay: RazorpayCallbacks | None = None  # the host's Razorpay account, when wanted

    def for_new_booking(self, host_id: str, price: Price) -> HostPayment:
        if not self.connected:
            raise PaymentNotConnectedError("no payment provider")
        # Razorpay has no platform accounts: the host's own keys are the account.
        return HostPayment(self.name, self.payments,
                           None if self.name == "razorpay" else "acct_alice")

    def for_booking(self, booking: Booking) -> PaymentProvider:
        return self.payments

    def razorpay_for(self, booking: Booking) -> RazorpayCallbacks:
        if self.razorpay is None:
            raise NotConnectedError("the fake takes no Razorpay Checkout callbacks")
        return self.razorpay

    def account_lost(self, provider: str, account_id: str | None, host_id: str | None,
                     reason: str) -> None:
        self.lost.append((provider, account_id, host_id))


@dataclass
class TimerLog:
    scheduled: list[tuple[str, datetime]] = field(default_factory=list)

    def schedule(self, booking: Booking, at: datetime) -> None:
        self.scheduled.append((booking.uid, at))


@dataclass
class World:
    clock: FixedClock
    bookings: FakeBookings
    adapters: FakePaymentAdapters
    timers: TimerLog
    payments: PaymentService
    booking: BookingService
    changes: BookingChanges
    links: BookingLinks

    @property
    def fake(self) -> FakePayments:
        return self.adapters.payments

    def book(self, start: str = START, email: str = "bo@example.com",
             key: str | None = None) -> BookingResult:
        request = BookingRequest(at(start), Attendee("Bo Booker", email, "Europe/London"), {})
        return self.booking.book("alice", "intro", request, key)

    def paid(self, booking: Booking, event_id: str = "evt_paid", amount: int = 5000
             ) -> PaymentEvent:
        assert booking.payment is not None
        return PaymentEvent(event_id, PaymentEventKind.PAID, booking.uid,
                            booking.payment.checkout_id, "pi_1", Price(amount, "USD"),
                            "acct_alice")

    def event(self, booking: Booking, kind: PaymentEventKind, event_id: str) -> PaymentEvent:
        assert booking.payment is not None
        return PaymentEvent(event_id, kind, booking.uid, booking.payment.checkout_id,
                            account="acct_alice")

    def later(self, minutes: float) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    def get(self, uid: str) -> Booking:
        found = self.bookings.get(uid)
        assert found is not None
        return found

    def holds_time(self, booking: Booking) -> bool:
        """Whether the booking's time is taken on the ledger now."""
        day = self.bookings.day(booking.host_id, booking.start.date())
        return any(e.booking_uid == booking.uid and e.live(self.clock.now())
                   for e in day.entries)


USD_50 = Price(5000, "USD")
GOOGLE = CalendarRef("google", "primary")


def a_world(price: Price = USD_50, calendar: ExternalBusy | None = None,
            **event: Any) -> World:
    """Alice with a paid event type; with `calendar`, her Google calendar counts for
    conflicts and is asked through it."""
    clock, bookings, hosts = FixedClock(at(NOW)), FakeBookings(), FakeHosts()
    make_host(hosts, clock.now(), price=price, **event)
    if calendar is not None:
        hosts.calendars["host-alice"] = CalendarSetup((SyncState(GOOGLE),), GOOGLE)
    links = BookingLinks("unit-test-link-secret", "https://penny.test")
    adapters, timers = FakePaymentAdapters(), TimerLog()
    writes = reservations(bookings, clock, calendars=calendar, hosts=hosts)
    payments = PaymentService(bookings, writes, adapters, clock,
                              return_url=lambda uid: f"https://penny.test/b/{uid}",
                              timers=timers, hold=HOLD)
    return World(clock, bookings, adapters, timers, payments,
                 BookingService(hosts, writes, links, lambda: payments),
                 BookingChanges(hosts, bookings, clock, links, writes), links)


@pytest.fixture
def world() -> World:
    return a_world()


# ---- the hold and its checkout -------------------------------------------------------


def test_a_paid_event_is_held_pending_with_one_checkout_until_the_hold_ends(
        world: World) -> None:
    booking = world.book().booking

    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert booking.hold_until == at(NOW) + HOLD
    assert booking.payment is not None and booking.payment.provider == "stripe"
    assert booking.payment.checkout_url == f"https://pay.test/c/{booking.payment.checkout_id}"
    assert booking.payment.account == "acct_alice"
    request = world.fake.checkouts[booking.payment.checkout_id]
    assert (request.key, request.price, request.expires_at) == (
        booking.uid, Price(5000, "USD"), booking.hold_until)
    assert request.success_url == f"https://penny.test/b/{booking.uid}"
    assert world.timers.scheduled == [(booking.uid, booking.hold_until)]
    assert world.holds_time(booking)


def test_a_booking_starting_sooner_than_the_hold_is_held_until_its_start(
        world: World) -> None:
    world.clock.at = at(START) - timedelta(minutes=5)   # the slot starts in 5 minutes

    booking = world.book().booking

    assert booking.hold_until == at(START)
    assert world.timers.scheduled == [(booking.uid, at(START))]


def test_a_retried_request_gets_the_same_hold_and_checkout(world: World) -> None:
    first = world.book(key="k-1")
    again = world.book(key="k-1")

    assert again.replayed and again.booking.uid == first.booking.uid
    assert again.booking.payment == first.booking.payment
    assert len(world.fake.checkouts) == 1


def test_a_retried_request_after_the_hold_lapsed_answers_the_booking_expired_unpayable(
        world: World) -> None:
    first = world.book(key="k-1")
    world.later(16)   # the hold lapsed; its timer has not run yet

    again = world.book(key="k-1")

    assert again.replayed and again.booking.uid == first.booking.uid
    assert again.booking.status is BookingStatus.EXPIRED
    assert payment_summary(again.booking)["state"] == "expired"
    assert world.get(first.booking.uid).status is BookingStatus.PENDING_PAYMENT  # unwritten
    assert len(world.fake.checkouts) == 1


@pytest.mark.parametrize("price", [Price(1500, "JPY"), Price(49900, "INR")])
def test_zero_decimal_and_paise_amounts_reach_the_checkout_untouched(price: Price) -> None:
    world = a_world(price=price)

    booking = world.book().booking

    assert booking.payment is not None
    assert world.fake.checkouts[booking.payment.checkout_id].price == price


def test_no_payment_provider_refuses_before_anything_is_written(world: World) -> None:
    world.adapters.connected = False

    with pytest.raises(PaymentNotConnectedError):
        world.book()

    assert world.bookings.bookings == {} and world.bookings.commits == 0


def test_a_provider_that_cannot_start_a_checkout_lets_the_hold_go_at_once(
        world: World) -> None:
    world.fake.faults.fail_next("create_checkout",
                                ProviderUnavailableError("fake-payments", "down"))

    with pytest.raises(PaymentUnavailableError):
        world.book()

    (booking,) = world.bookings.bookings.values()
    assert booking.status is BookingStatus.EXPIRED and not world.holds_time(booking)
    assert world.book().booking.status is BookingStatus.PENDING_PAYMENT  # the time is free


@pytest.mark.parametrize("refusal", [
    ProviderRejectedError("fake-payments", "amount_too_small: at least $0.50 usd"),
    ConnectionBrokenError("fake-payments", "the account was disconnected there"),
])
def test_a_checkout_the_provider_refuses_says_so_not_try_again_and_lets_the_hold_go(
        world: World, refusal: Exception) -> None:
    world.fake.faults.fail_next("create_checkout", refusal)

    with pytest.raises(PaymentRefusedError) as refused:
        world.book()

    assert "please tell the host" in refused.value.message
    (booking,) = world.bookings.bookings.values()
    assert booking.status is BookingStatus.EXPIRED and not world.holds_time(booking)
    assert world.adapters.lost == []  # Stripe's 401 may be the platform's key, not the host's


def test_razorpay_refusing_the_hosts_keys_at_a_checkout_shows_their_connection_broken(
        world: World) -> None:
    world.adapters.name = "razorpay"
    world.fake.faults.fail_next("create_checkout",
                                ConnectionBrokenError("razorpay", "Razorpay answered 401"))

    with pytest.raises(PaymentRefusedError):
        world.book()

    assert world.adapters.lost == [("razorpay", None, "host-alice")]


def test_an_account_that_disconnected_penny_is_shown_broken_and_no_booking_is_touched(
        world: World) -> None:
    held = world.book().booking

    settled = world.payments.settle(
        PaymentEvent("evt_gone", PaymentEventKind.ACCOUNT_REVOKED, "", "",
                     account="acct_alice"), "stripe")

    assert settled.outcome == "recorded"
    assert world.adapters.lost == [("stripe", "acct_alice", None)]
    assert world.bookings.get(held.uid) == held


# ---- verified events ---------------------------------------------------------------


def test_a_verified_payment_confirms_and_the_slot_is_held_for_good(world: World) -> None:
    held = world.book().booking

    settled = world.payments.settle(world.paid(held), "stripe")

    booking = world.get(held.uid)
    assert settled.outcome == "confirmed"
    assert booking.status is BookingStatus.CONFIRMED and booking.hold_until is None
    assert booking.payment is not None and booking.payment.payment_id == "pi_1"
    assert booking.payment.paid_minor == 5000
    world.later(60)  # long after the hold would have lapsed
    assert world.holds_time(booking)


def test_the_same_payment_told_twice_confirms_once(world: World) -> None:
    held = world.book().booking
    world.payments.settle(world.paid(held, "evt_session"), "stripe")
    commits = world.bookings.commits

    again = world.payments.settle(world.paid(held, "evt_intent"), "stripe")

    assert again.outcome == "ignored" and world.bookings.commits == commits


def test_a_second_payment_for_a_paid_booking_is_refunded_once_and_the_booking_stays_paid(
        world: World) -> None:
    # GIVEN a booking paid with one payment, and a second payment of the same order (the
    # client paid in two tabs)
    held = world.book().booking
    world.payments.settle(world.paid(held, "evt_first"), "stripe")
    second = replace(world.paid(held, "evt_second"), payment_id="pay_2")

    # WHEN the second is told, then told again
    settled = world.payments.settle(second, "stripe")
    again = world.payments.settle(replace(second, id="evt_second_again"), "stripe")

    # THEN it is given back in full once, under a key derived from it, and recorded; the
    # booking stays paid and confirmed
    assert settled.outcome == "refunded" and again.outcome == "ignored"
    (refund,) = world.fake.refunds.values()
    assert (refund.payment_id, refund.amount) == ("pay_2", USD_50)
    assert list(world.fake.refunds) == [f"{held.uid}-second-pay_2"]
    booking = world.get(held.uid)
    assert booking.status is BookingStatus.CONFIRMED and booking.payment is not None
    assert booking.payment.payment_id == "pi_1" and not booking.payment.refunded
    (kept,) = booking.payment.second_payments
    assert (kept.payment_id, kept.amount_minor, kept.refund_id) == ("pay_2", 5000, "re-1")
    assert payment_summary(booking)["state"] == "paid"
    assert payment_summary(booking)["second_payments"] == [
        {"amount_minor": 5000, "refunded": True, "refund_failed": False}]


def test_a_second_payments_refund_that_comes_back_is_recorded_and_told_to_the_host(
        world: World) -> None:
    # GIVEN a second payment (two tabs) refunded automatically
    held = world.book().booking
    world.payments.settle(world.paid(held, "evt_first"), "stripe")
    world.payments.settle(replace(world.paid(held, "evt_second"), payment_id="pay_2"),
                          "stripe")
    before = world.get(held.uid)
    world.later(60)

    # WHEN its refund comes back (the card was closed), told twice
    told = world.payments.settle(refund_failed(world, held, "evt_rf", "re-1"), "stripe")
    again = world.payments.settle(refund_failed(world, held, "evt_rf_2", "re-1"), "stripe")

    # THEN it is recorded on the second payment, the host is told, nothing is made again,
    # and the booking stays paid and confirmed
    assert (told.outcome, again.outcome) == ("recorded", "ignored")
    booking = world.get(held.uid)
    assert booking.payment is not None and not booking.payment.refund_failed
    (second,) = booking.payment.second_payments
    assert second.refund_failed_at == world.clock.now()
    assert payment_summary(booking)["state"] == "paid"
    assert payment_summary(booking)["second_payments"] == [
        {"amount_minor": 5000, "refunded": True, "refund_failed": True}]
    assert [e.type for e in booking_events(before, booking, "change-1", world.clock.now())
            ] == [EventKind.PAYMENT_REFUND_FAILED]
    assert len(world.fake.refunds) == 1


def test_a_second_payments_refund_that_cannot_be_made_is_owed_and_tried_again(
        world: World) -> None:
    held = world.book().booking
    world.payments.settle(world.paid(held, "evt_first"), "stripe")
    second = replace(world.paid(held, "evt_second"), payment_id="pay_2")
    world.fake.faults.fail_next("refund", ProviderUnavailableError("fake-payments", "down"))

    with pytest.raises(PaymentUnavailableError):
        world.payments.settle(second, "stripe")

    payment = world.get(held.uid).payment
    assert payment is not None and payment.second_payments[0].refund_id is None
    assert world.payments.settle(second, "stripe").outcome == "refunded"
    assert len(world.fake.refunds) == 1


def test_a_dispute_is_recorded_once_and_only_for_the_bookings_own_payment(
        world: World) -> None:
    held = world.book().booking
    world.payments.settle(world.paid(held), "stripe")
    opened = replace(world.paid(held, "evt_dispute"), kind=PaymentEventKind.DISPUTED,
                     dispute_id="dp_1", reason="fraudulent")

    other = world.payments.settle(replace(opened, id="evt_other", payment_id="pi_other"),
                                  "stripe")
    settled = world.payments.settle(opened, "stripe")
    commits = world.bookings.commits
    again = world.payments.settle(replace(opened, id="evt_again"), "stripe")

    assert (other.outcome, settled.outcome, again.outcome) == (
        "ignored", "recorded", "ignored")
    assert world.bookings.commits == commits
    payment = world.get(held.uid).payment
    assert payment is not None
    assert [(d.id, d.reason, d.amount_minor) for d in payment.disputes] == [
        ("dp_1", "fraudulent", 5000)]
    assert world.get(held.uid).status is BookingStatus.CONFIRMED


@pytest.mark.parametrize("outcome", ["won", "lost", "closed"])
def test_a_disputes_close_is_recorded_once_whichever_of_its_events_comes_first(
        world: World, outcome: str) -> None:
    # GIVEN a paid booking, and a dispute on its payment opened and then closed
    held = world.book().booking
    world.payments.settle(world.paid(held), "stripe")
    opened = replace(world.paid(held, "evt_opened"), kind=PaymentEventKind.DISPUTED,
                     dispute_id="dp_1", reason="fraudulent")
    closed = replace(opened, id="evt_closed", kind=PaymentEventKind.DISPUTE_CLOSED,
                     outcome=outcome)

    # WHEN the close comes first, then again, then the opening
    settled = world.payments.settle(closed, "stripe")
    commits = world.bookings.commits
    again = world.payments.settle(replace(closed, id="evt_closed_again"), "stripe")
    late = world.payments.settle(opened, "stripe")

    # THEN the outcome is recorded once, and the booking stands as it was
    assert (settled.outcome, again.outcome, late.outcome) == ("recorded", "ignored", "ignored")
    assert world.bookings.commits == commits
    booking = world.get(held.uid)
    assert booking.payment is not None
    assert [(d.id, d.reason, d.amount_minor, d.outcome)
            for d in booking.payment.disputes] == [("dp_1", "fraudulent", 5000, outcome)]
    assert booking.status is BookingStatus.CONFIRMED


def test_a_disputes_close_after_its_opening_keeps_what_the_opening_said(
        world: World) -> None:
    held = world.book().booking
    world.payments.settle(world.paid(held), "stripe")
    opened = replace(world.paid(held, "evt_opened"), kind=PaymentEventKind.DISPUTED,
                     dispute_id="dp_1", reason="fraudulent")
    world.payments.settle(opened, "stripe")

    other = world.payments.settle(replace(
        opened, id="evt_other", payment_id="pi_other", kind=PaymentEventKind.DISPUTE_CLOSED,
        outcome="lost"), "stripe")
    unknown = world.payments.settle(replace(
        opened, id="evt_odd", kind=PaymentEventKind.DISPUTE_CLOSED, outcome="prevented"),
        "stripe")
    lost = world.payments.settle(replace(
        opened, id="evt_lost", kind=PaymentEventKind.DISPUTE_CLOSED, outcome="lost",
        reason=None, amount=None), "stripe")

    assert (other.outcome, unknown.outcome, lost.outcome) == ("ignored", "ignored", "recorded")
    payment = world.get(held.uid).payment
    assert payment is not None
    assert [(d.reason, d.amount_minor, d.outcome) for d in payment.disputes] == [
        ("fraudulent", 5000, "lost")]


@contextmanager
def after_the_first_read(world: World, meanwhile: Callable[[], object]) -> Iterator[None]:
    """Inside, `meanwhile` runs right after the first read of a booking (with reads as
    usual): what lands between a settle's read and its write."""
    read = world.bookings.get
    reads = 0

    def get(uid: str) -> Booking | None:
        nonlocal reads
        found = read(uid)
        reads += 1
        if reads == 1:
            world.bookings.get = read  # type: ignore[method-assign]
            meanwhile()
            world.bookings.get = get  # type: ignore[method-assign]
        return found

    world.bookings.get = get  # type: ignore[method-assign]
    try:
        yield
    finally:
        world.bookings.get = read  # type: ignore[method-assign]


def test_two_deliveries_of_the_payment_at_once_write_the_booking_once(world: World) -> None:
    # GIVEN a second delivery of the payment that read the booking still unpaid, and the
    # first confirming it meanwhile (right after the second's first read)
    held = world.book().booking

    def first_delivery() -> None:
        assert world.payments.settle(world.paid(held, "evt_session"),
                                     "stripe").outcome == "confirmed"

    commits = world.bookings.commits + 1  # the first delivery's one write
    with after_the_first_read(world, first_delivery):
        second = world.payments.settle(world.paid(held, "evt_intent"), "stripe")

    # THEN the second writes nothing (a write would have made a new version under the
    # calendar job's feet) and is not a second confirmation
    assert second.outcome == "ignored"
    assert world.bookings.commits == commits
    assert world.get(held.uid).status is BookingStatus.CONFIRMED


def test_a_second_payment_landing_while_the_first_confirms_is_refunded(world: World) -> None:
    # GIVEN two payments of one order told at once: the first confirms the booking right
    # after the second's first read
    held = world.book().booking

    def first_delivery() -> None:
        world.payments.settle(world.paid(held, "evt_first"), "stripe")

    with after_the_first_read(world, first_delivery):
        second = world.payments.settle(
            replace(world.paid(held, "evt_second"), payment_id="pay_2"), "stripe")

    assert second.outcome == "refunded"
    assert [r.payment_id for r in world.fake.refunds.values()] == ["pay_2"]
    assert world.get(held.uid).status is BookingStatus.CONFIRMED


@pytest.mark.parametrize("change", [
    {"checkout_id": "cs-someone-else"}, {"account": "acct_mallory"}, {"account": None},
    {"checkout_id": "", "account": None}, {"booking_uid": "nope"}])
def test_an_event_that_is_not_this_bookings_checkout_changes_nothing(
        world: World, change: dict[str, Any]) -> None:
    held = world.book().booking

    settled = world.payments.settle(replace(world.paid(held), **change), "stripe")

    assert settled.outcome == "ignored"
    assert world.get(held.uid).status is BookingStatus.PENDING_PAYMENT


def test_an_event_verified_with_another_hosts_secret_changes_nothing(world: World) -> None:
    held = world.book().booking

    settled = world.payments.settle(world.paid(held), "stripe", host_id="mallory")

    assert settled.outcome == "ignored"
    assert world.get(held.uid).status is BookingStatus.PENDING_PAYMENT
    assert world.payments.settle(world.paid(held), "stripe", held.host_id).outcome == \
        "confirmed"


def test_an_event_from_the_other_provider_changes_nothing(world: World) -> None:
    held = world.book().booking

    assert world.payments.settle(world.paid(held), "razorpay").outcome == "ignored"


@pytest.mark.parametrize("late", [PaymentEventKind.EXPIRED, PaymentEventKind.FAILED])
def test_expiry_or_failure_told_after_the_payment_leaves_it_paid(
        world: World, late: PaymentEventKind) -> None:
    held = world.book().booking
    world.payments.settle(world.paid(held), "stripe")

    world.payments.settle(world.event(held, late, "evt_late"), "stripe")

    assert world.get(held.uid).status is BookingStatus.CONFIRMED


def test_a_failed_payment_leaves_the_hold_for_another_try(world: World) -> None:
    held = world.book().booking

    world.payments.settle(world.event(held, PaymentEventKind.FAILED, "evt_failed"), "stripe")

    assert world.get(held.uid).status is BookingStatus.PENDING_PAYMENT


def test_the_session_expiring_frees_the_slot(world: World) -> None:
    held = world.book().booking

    settled = world.payments.settle(world.event(held, PaymentEventKind.EXPIRED, "evt_exp"),
                                    "stripe")

    assert settled.outcome == "expired"
    assert world.get(held.uid).status is BookingStatus.EXPIRED
    assert not world.holds_time(held)


# ---- the hold's end ----------------------------------------------------------------


def test_the_hold_timer_ends_the_checkout_then_the_booking(world: World) -> None:
    held = world.book().booking
    world.later(15)

    world.payments.expire_hold(held.uid)

    assert held.payment is not None and held.payment.checkout_id in world.fake.expired
    assert world.get(held.uid).status is BookingStatus.EXPIRED
    assert world.book(email="cy@example.com").booking.status is BookingStatus.PENDING_PAYMENT


def test_a_timer_that_fires_early_leaves_the_hold(world: World) -> None:
    held = world.book().booking
    world.later(5)

    world.payments.expire_hold(held.uid)

    assert world.get(held.uid).status is BookingStatus.PENDING_PAYMENT
    assert world.fake.expired == set()


def test_the_timer_leaves_a_paid_booking_alone(world: World) -> None:
    held = world.book().booking
    world.payments.settle(world.paid(held), "stripe")
    world.later(15)

    world.payments.expire_hold(held.uid)

    assert world.get(held.uid).status is BookingStatus.CONFIRMED and world.fake.expired == set()


def test_the_timer_fails_for_a_retry_when_the_provider_is_down(world: World) -> None:
    held = world.book().booking
    world.later(15)
    world.fake.faults.fail_next("expire_checkout",
                                ProviderUnavailableError("fake-payments", "down"))

    with pytest.raises(ProviderUnavailableError):
        world.payments.expire_hold(held.uid)

    world.payments.expire_hold(held.uid)  # the worker's retry
    assert world.get(held.uid).status is BookingStatus.EXPIRED


@pytest.mark.parametrize("refusal", [
    ConnectionBrokenError("stripe", "the account disconnected Penny"),
    PaymentNotConnectedError("Razorpay is not connected"),
], ids=["account-disconnected", "provider-removed"])
def test_the_timer_ends_the_hold_when_the_hosts_account_no_longer_lets_penny_in(
        world: World, refusal: Exception) -> None:
    held = world.book().booking
    world.later(15)
    world.fake.faults.fail_next("expire_checkout", refusal)

    world.payments.expire_hold(held.uid)  # no retry can end that checkout: the hold ends

    assert world.get(held.uid).status is BookingStatus.EXPIRED


def test_a_lapsed_hold_no_longer_blocks_before_anything_runs(world: World) -> None:
    held = world.book().booking
    world.later(16)

    rival = world.book(email="cy@example.com").booking

    assert rival.start == held.start and rival.status is BookingStatus.PENDING_PAYMENT


# ---- late payments -----------------------------------------------------------------


def test_a_payment_after_the_hold_lapsed_confirms_when_the_time_is_still_free(
        world: World) -> None:
    held = world.book().booking
    world.later(20)
    world.payments.expire_hold(held.uid)

    settled = world.payments.settle(world.paid(held), "stripe")

    assert settled.outcome == "confirmed"
    assert world.get(held.uid).status is BookingStatus.CONFIRMED
    assert world.holds_time(held) and world.fake.refunds == {}


def test_a_payment_after_someone_else_took_the_time_is_refunded_in_full(world: World) -> None:
    held = world.book().booking
    world.later(20)
    rival = world.book(email="cy@example.com").booking
    world.payments.settle(world.paid(rival, "evt_rival"), "stripe")

    settled = world.payments.settle(world.paid(held, "evt_late"), "stripe")

    booking = world.get(held.uid)
    assert settled.outcome == "refunded"
    assert booking.status is not BookingStatus.CONFIRMED
    assert booking.payment is not None and booking.payment.refund_reason == "taken"
    assert booking.payment.refunded_minor == 5000
    (refund,) = world.fake.refunds.values()
    assert (refund.payment_id, refund.amount) == ("pi_1", Price(5000, "USD"))
    assert world.get(rival.uid).status is BookingStatus.CONFIRMED  # never two on one time


# The host's calendar, asked again by a late payment: Wednesday 10:00-10:30 New York is
# 15:00-15:30Z; the host fills 09:45-10:15 meanwhile.
FILLED = TimeRange(at("2026-03-04T14:45:00+00:00"), at("2026-03-04T15:15:00+00:00"))


class UnreachableCalendar(FakeExternalBusy):
    """Answers the booking, then cannot be asked (down, and no copy young enough)."""

    def busy(self, host_id: str, setup: CalendarSetup, window: TimeRange,
             own_event: OwnEvent | None = None) -> list[TimeRange]:
        if self.asked:
            raise CalendarUnavailableError("we could not check the host's calendar just now")
        return super().busy(host_id, setup, window, own_event)


def test_a_late_payment_onto_time_the_hosts_calendar_now_holds_is_refunded_as_taken(
        ) -> None:
    calendar = FakeExternalBusy()
    world = a_world(calendar=calendar)
    held = world.book().booking
    world.later(20)                                  # the hold lapsed, its time offered
    calendar.ranges["host-alice"] = [FILLED]         # and the host filled it

    settled = world.payments.settle(world.paid(held), "stripe")

    booking = world.get(held.uid)
    assert settled.outcome == "refunded" and booking.status is not BookingStatus.CONFIRMED
    assert booking.payment is not None and booking.payment.refund_reason == "taken"
    assert not world.holds_time(held)
    assert len(calendar.asked) == 2                  # the booking, and the late payment


def test_a_late_payment_confirms_when_the_hosts_calendar_is_still_free_then() -> None:
    calendar = FakeExternalBusy()
    world = a_world(calendar=calendar)
    held = world.book().booking
    world.later(20)

    settled = world.payments.settle(world.paid(held), "stripe")

    assert settled.outcome == "confirmed" and world.holds_time(held)
    assert len(calendar.asked) == 2


def test_a_payment_in_time_does_not_ask_the_hosts_calendar_again() -> None:
    calendar = FakeExternalBusy()
    world = a_world(calendar=calendar)
    held = world.book().booking
    world.later(5)                                   # still held: nobody was offered it
    calendar.ranges["host-alice"] = [FILLED]

    settled = world.payments.settle(world.paid(held), "stripe")

    assert settled.outcome == "confirmed" and len(calendar.asked) == 1


def test_a_late_payment_while_the_hosts_calendar_cannot_be_asked_is_left_for_a_retry(
        ) -> None:
    world = a_world(calendar=UnreachableCalendar())
    held = world.book().booking
    world.later(20)

    with pytest.raises(CalendarUnavailableError):
        world.payments.settle(world.paid(held), "stripe")

    booking = world.get(held.uid)
    assert booking.payment is not None and not booking.payment.paid
    assert world.fake.refunds == {} and not world.holds_time(held)


def test_a_late_payment_confirms_beside_a_neighbour_whose_buffer_only_meets_its_buffer(
) -> None:
    # Buffers may overlap buffers, never a meeting: the rule the slot engine placed both by.
    world = a_world(buffer_before_minutes=15, buffer_after_minutes=15,
                    slot_interval_minutes=15)
    held = world.book().booking                                   # 10:00-10:30, held
    world.later(1)
    neighbour = world.book("2026-03-04T10:45:00-05:00", email="cy@example.com").booking
    world.payments.settle(world.paid(neighbour, "evt_neighbour"), "stripe")
    world.later(20)                                               # the hold lapsed

    settled = world.payments.settle(world.paid(held, "evt_late"), "stripe")

    assert settled.outcome == "confirmed" and world.fake.refunds == {}
    assert world.get(held.uid).status is BookingStatus.CONFIRMED


def test_the_late_refund_is_made_once_however_often_the_payment_is_told(world: World) -> None:
    held = world.book().booking
    world.later(20)
    world.book(email="cy@example.com")

    for event_id in ("evt_1", "evt_2", "evt_1"):
        world.payments.settle(world.paid(held, event_id), "stripe")

    assert len(world.fake.refunds) == 1


def test_a_late_refund_that_cannot_be_made_is_kept_in_sight_and_tried_again(
        world: World) -> None:
    held = world.book().booking
    world.later(20)
    world.book(email="cy@example.com")
    world.fake.faults.fail_next("refund", ConnectionBrokenError("stripe", "Stripe refused it"))

    with pytest.raises(PaymentUnavailableError):  # the webhook answers 503: told again
        world.payments.settle(world.paid(held), "stripe")

    owed = world.get(held.uid)
    assert owed.payment is not None and owed.payment.paid and not owed.payment.refunded
    assert payment_summary(owed)["state"] == "refund_owed"
    settled = world.payments.settle(world.paid(held), "stripe")  # the redelivery
    assert settled.outcome == "refunded"
    refunded = world.get(held.uid).payment
    assert refunded is not None and refunded.refund_reason == "taken"
    assert len(world.fake.refunds) == 1


def test_a_late_payment_refunded_before_the_holds_timer_ran_leaves_the_booking_expired(
        world: World) -> None:
    held = world.book().booking
    world.later(20)                       # the hold lapsed; its timer has not run yet
    world.book(email="cy@example.com")    # someone else took the time

    world.payments.settle(world.paid(held), "stripe")
    world.payments.expire_hold(held.uid)  # the timer, late: the booking is paid, it stops

    booking = world.get(held.uid)
    assert booking.payment is not None and booking.payment.refund_reason == "taken"
    assert booking.status is BookingStatus.EXPIRED   # never "pending payment" for good


def test_a_payment_for_a_booking_cancelled_while_it_waited_goes_back(world: World) -> None:
    held = world.book().booking
    world.changes.cancel_by_host(held.host_id, held.uid, None)

    settled = world.payments.settle(world.paid(held), "stripe")

    assert settled.outcome == "refunded"
    assert world.get(held.uid).status is BookingStatus.CANCELLED


def test_a_cancellation_landing_while_the_payment_is_confirmed_is_not_undone(
        world: World) -> None:
    held = world.book().booking

    # right after settle's first read, the host cancels
    with after_the_first_read(world, lambda: world.changes.cancel_by_host(
            held.host_id, held.uid, "the client asked")):
        settled = world.payments.settle(world.paid(held), "stripe")

    booking = world.get(held.uid)
    assert settled.outcome == "refunded"
    assert booking.status is BookingStatus.CANCELLED
    assert booking.payment is not None and booking.payment.refund_reason == "cancelled"
    assert len(world.fake.refunds) == 1


def test_a_payment_after_the_meetings_start_is_refunded_not_confirmed(world: World) -> None:
    held = world.book().booking
    world.clock.at = at(START) + timedelta(minutes=5)

    settled = world.payments.settle(world.paid(held), "stripe")

    booking = world.get(held.uid)
    assert settled.outcome == "refunded"
    assert booking.status is not BookingStatus.CONFIRMED and not world.holds_time(held)
    assert booking.payment is not None and booking.payment.refund_reason == "late"
    assert [r.amount for r in world.fake.refunds.values()] == [Price(5000, "USD")]


def test_a_refund_told_before_its_payment_ends_the_booking_refunded_never_paid(
        world: World) -> None:
    held = world.book().booking
    refund = replace(world.paid(held, "evt_refund"), kind=PaymentEventKind.REFUNDED,
                     checkout_id="")

    first = world.payments.settle(refund, "stripe")
    then = world.payments.settle(world.paid(held), "stripe")

    booking = world.get(held.uid)
    assert (first.outcome, then.outcome) == ("recorded", "ignored")
    assert booking.status is BookingStatus.EXPIRED and not world.holds_time(held)
    assert booking.payment is not None and booking.payment.refunded
    assert booking.payment.refund_reason == "provider" and world.fake.refunds == {}


# ---- cancelling and moving ---------------------------------------------------------


def paid_booking(world: World) -> Booking:
    held = world.book().booking
    world.payments.settle(world.paid(held), "stripe")
    return world.get(held.uid)


def test_an_attendee_cancelling_in_time_is_refunded_in_full_once(world: World) -> None:
    booking = paid_booking(world)   # 51 hours before its start; the policy is 24
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)

    world.payments.refund_cancelled(booking.uid)
    world.payments.refund_cancelled(booking.uid)  # a redelivered booking.cancelled

    refunded = world.get(booking.uid)
    assert refunded.payment is not None and refunded.payment.refund_reason == "cancelled"
    assert len(world.fake.refunds) == 1


def disputed(world: World, booking: Booking, outcome: str | None = None,
             event_id: str = "evt_dispute") -> PaymentEvent:
    """The booking's payment disputed with the client's bank (`outcome`: its close)."""
    opened = replace(world.paid(booking, event_id), kind=PaymentEventKind.DISPUTED,
                     dispute_id="dp_1", reason="fraudulent")
    return opened if outcome is None else replace(
        opened, kind=PaymentEventKind.DISPUTE_CLOSED, outcome=outcome)


@pytest.mark.parametrize("outcome", [None, "lost"])
def test_cancelling_while_the_payment_is_disputed_or_lost_makes_no_refund_and_says_why(
        world: World, outcome: str | None) -> None:
    # GIVEN a paid booking whose payment the client disputed (still open, or lost)
    booking = paid_booking(world)
    world.payments.settle(disputed(world, booking), "stripe")
    if outcome is not None:
        world.payments.settle(disputed(world, booking, outcome, "evt_closed"), "stripe")

    # WHEN it is cancelled inside its refund policy, and the job is delivered twice
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.payments.refund_cancelled(booking.uid)
    world.payments.refund_cancelled(booking.uid)

    # THEN no refund is asked for, and none is owed: it is held by the dispute
    held = world.get(booking.uid)
    assert world.fake.refunds == {}
    assert held.refund_held and not held.refund_owed
    assert payment_summary(held)["state"] == "paid" and payment_summary(held)["refund_held"]


@pytest.mark.parametrize("outcome", ["won", "closed"])
def test_a_dispute_won_or_closed_after_a_cancellation_in_time_makes_the_refund_then(
        world: World, outcome: str) -> None:
    # GIVEN a booking cancelled inside its policy while its payment's dispute was open
    booking = paid_booking(world)
    world.payments.settle(disputed(world, booking), "stripe")
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.payments.refund_cancelled(booking.uid)

    # WHEN the dispute ends with the money the host's (told twice), and the job redelivered
    closed = world.payments.settle(disputed(world, booking, outcome, "evt_closed"), "stripe")
    again = world.payments.settle(disputed(world, booking, outcome, "evt_again"), "stripe")
    world.payments.refund_cancelled(booking.uid)

    # THEN the policy's refund is made, once, under the cancellation's key
    refunded = world.get(booking.uid)
    assert (closed.outcome, again.outcome) == ("refunded", "ignored")
    assert list(world.fake.refunds) == [f"{booking.uid}-cancelled"]
    assert refunded.payment is not None and refunded.payment.refunded
    assert refunded.payment.refund_reason == "cancelled" and not refunded.refund_owed


def test_a_dispute_won_whose_refund_cannot_be_made_yet_is_tried_again_by_its_redelivery(
        world: World) -> None:
    booking = paid_booking(world)
    world.payments.settle(disputed(world, booking), "stripe")
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.payments.refund_cancelled(booking.uid)
    world.fake.faults.fail_next("refund", ProviderUnavailableError("stripe", "Stripe is down"))

    with pytest.raises(PaymentUnavailableError):
        world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")
    assert world.get(booking.uid).refund_owed
    again = world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")

    assert again.outcome == "refunded" and list(world.fake.refunds) == [
        f"{booking.uid}-cancelled"]


def test_a_refund_held_by_a_dispute_is_never_a_refused_ask_and_won_is_the_first_ask(
        world: World) -> None:
    # GIVEN a booking cancelled inside its policy while its payment's dispute is open,
    # the payments job delivered as often as the worker tries and more
    booking = paid_booking(world)
    world.payments.settle(disputed(world, booking), "stripe")
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    for _ in range(REFUND_ASKS + 1):
        world.payments.refund_cancelled(booking.uid)

    # THEN the provider was never asked, and nothing was counted refused
    held = world.get(booking.uid)
    assert held.payment is not None and held.payment.refund_refusals == 0
    assert held.refund_held and not held.payment.refund_refused
    assert "refund" not in world.fake.faults.calls
    assert "refund_refused" not in payment_summary(held)

    # WHEN the dispute is won, THEN its refund is the first ask, under the plain key
    won = world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")
    assert won.outcome == "refunded"
    assert list(world.fake.refunds) == [f"{booking.uid}-cancelled"]


def test_a_refund_refused_before_the_dispute_opened_keeps_its_count_for_the_wons_ask(
        world: World) -> None:
    # GIVEN a cancellation whose refund the provider refused once (a balance too low),
    # and then the payment disputed: the job's retries find the refund held
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.fake.faults.fail_next("refund", ProviderRejectedError("stripe", "balance"))
    with pytest.raises(PaymentUnavailableError):
        world.payments.refund_cancelled(booking.uid)
    world.payments.settle(disputed(world, booking), "stripe")
    world.payments.refund_cancelled(booking.uid)
    world.payments.refund_cancelled(booking.uid)
    held = world.get(booking.uid)
    assert held.refund_held and held.payment is not None
    assert held.payment.refund_refusals == 1

    # WHEN the dispute is won, THEN the refund is the second ask, under its own key
    world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")
    assert list(world.fake.refunds) == [f"{booking.uid}-cancelled-ask-2"]
    assert payment_summary(world.get(booking.uid))["state"] == "refunded"


def test_a_dispute_won_whose_refund_is_refused_at_each_telling_is_left_to_the_host(
        world: World) -> None:
    booking = paid_booking(world)
    world.payments.settle(disputed(world, booking), "stripe")
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.payments.refund_cancelled(booking.uid)
    for _ in range(REFUND_ASKS):
        world.fake.faults.fail_next("refund", ProviderRejectedError("stripe", "balance"))

    for _ in range(REFUND_ASKS - 1):      # 503: Stripe tells the close again
        with pytest.raises(PaymentUnavailableError):
            world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")
    last = world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")

    given_up = world.get(booking.uid)
    assert last.outcome == "recorded" and world.fake.refunds == {}
    summary = payment_summary(given_up)
    assert (summary["state"], summary.get("refund_refused")) == ("refund_failed", True)
    assert "refund_held" not in summary and not given_up.refund_owed
    again = world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")
    assert again.outcome == "ignored" and world.fake.refunds == {}


def test_a_dispute_lost_after_a_cancellation_in_time_never_refunds(world: World) -> None:
    booking = paid_booking(world)
    world.payments.settle(disputed(world, booking), "stripe")
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.payments.refund_cancelled(booking.uid)

    lost = world.payments.settle(disputed(world, booking, "lost", "evt_lost"), "stripe")
    world.payments.refund_cancelled(booking.uid)

    assert lost.outcome == "recorded" and world.fake.refunds == {}
    assert world.get(booking.uid).refund_held


def test_a_dispute_won_on_a_booking_cancelled_after_its_deadline_refunds_nothing(
        world: World) -> None:
    booking = paid_booking(world)
    world.payments.settle(disputed(world, booking), "stripe")
    world.clock.advance(at(START) - at(NOW) - timedelta(hours=2))   # 2 hours before
    token = world.links.token(booking.uid, LinkPurpose.CANCEL)
    world.changes.cancel_by_attendee(booking.uid, token, None)
    world.payments.refund_cancelled(booking.uid)

    won = world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")

    assert won.outcome == "recorded" and world.fake.refunds == {}
    assert not world.get(booking.uid).refund_held


def test_a_refusal_as_disputed_told_after_the_disputes_webhook_keeps_the_next_ask_new(
        world: World) -> None:
    # GIVEN a cancellation inside the policy whose refund Stripe refuses as
    # charge_disputed, the dispute's own webhook recorded while that ask was on its way
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.fake.faults.meanwhile("refund", lambda: world.payments.settle(
        disputed(world, booking), "stripe"))
    world.fake.faults.fail_next("refund", RefundDisputedError(
        "stripe", "Charge ch_1 has been charged back; cannot issue a refund."))
    world.payments.refund_cancelled(booking.uid)
    held = world.get(booking.uid)
    assert held.refund_held and held.payment is not None
    assert held.payment.refund_refusals == 0

    # WHEN the dispute is won
    won = world.payments.settle(disputed(world, booking, "won", "evt_won"), "stripe")

    # THEN the refund is asked under the key after the refused one (Stripe replays a
    # refused key's answer for a day: the plain key would be refused again, and the refund
    # held by a dispute no webhook would ever close), made once, and no dispute is left
    # open
    assert won.outcome == "refunded"
    assert list(world.fake.refunds) == [f"{booking.uid}-cancelled-ask-2"]
    after = world.get(booking.uid)
    assert after.payment is not None and not after.refund_held
    assert [(d.id, d.outcome) for d in after.payment.disputes] == [("dp_1", "won")]


def paid_twice(world: World) -> tuple[Booking, PaymentEvent]:
    """A booking paid, and its second payment (`pay_2`, two tabs) as the provider tells
    it, its refund not made when first told (the provider down)."""
    held = world.book().booking
    world.payments.settle(world.paid(held, "evt_first"), "stripe")
    second = replace(world.paid(held, "evt_second"), payment_id="pay_2")
    world.fake.faults.fail_next("refund", ProviderUnavailableError("fake-payments", "down"))
    with pytest.raises(PaymentUnavailableError):
        world.payments.settle(second, "stripe")
    return world.get(held.uid), second


def second_disputed(world: World, booking: Booking, outcome: str | None = None,
                    event_id: str = "evt_dispute_2") -> PaymentEvent:
    """The second payment (`pay_2`) disputed with the client's bank (`outcome`: its close)."""
    opened = replace(world.paid(booking, event_id), kind=PaymentEventKind.DISPUTED,
                     payment_id="pay_2", dispute_id="disp_2", reason="fraud")
    return opened if outcome is None else replace(
        opened, kind=PaymentEventKind.DISPUTE_CLOSED, outcome=outcome)


@pytest.mark.parametrize(("outcome", "refunded"), [
    ("won", True), ("closed", True), ("lost", False)])
def test_a_second_payments_own_dispute_holds_its_refund_until_the_bank_decides(
        world: World, outcome: str, refunded: bool) -> None:
    # GIVEN a booking paid twice, whose second payment's refund could not be made yet,
    # and the client's bank disputes that second payment
    booking, second = paid_twice(world)
    world.payments.settle(second_disputed(world, booking), "stripe")

    # WHEN the second payment is told again (the provider's redeliveries)
    told = [world.payments.settle(replace(second, id=f"evt_second_{n}"), "stripe")
            for n in (1, 2)]

    # THEN its refund is held, never asked for nor counted: the bank decides that money
    assert [t.outcome for t in told] == ["recorded", "recorded"]
    assert world.fake.refunds == {} and world.fake.faults.calls.count("refund") == 1
    held = world.get(booking.uid)
    assert held.payment is not None and held.status is BookingStatus.CONFIRMED
    (kept,) = held.payment.second_payments
    assert (kept.refund_held, kept.refund_id, kept.refund_refusals) == (True, None, 0)
    assert payment_summary(held)["second_payments"][0]["refund_held"] is True

    # WHEN the bank decides, told twice, and the payment is told once more
    decided = [world.payments.settle(second_disputed(world, booking, outcome, f"evt_{n}"),
                                     "stripe") for n in (1, 2)]
    world.payments.settle(replace(second, id="evt_second_3"), "stripe")

    # THEN won, or closed as an inquiry: refunded once, under its own key; lost: never
    # (the bank gave that money back to the client)
    assert [d.outcome for d in decided] == (
        ["refunded", "ignored"] if refunded else ["recorded", "ignored"])
    assert list(world.fake.refunds) == ([f"{booking.uid}-second-pay_2"] if refunded else [])
    after = world.get(booking.uid)
    assert after.payment is not None
    (kept,) = after.payment.second_payments
    assert (kept.refund_id is not None, kept.refund_held) == (refunded, not refunded)
    assert after.payment.payment_id == "pi_1" and not after.payment.refunded


def test_a_second_payments_refund_its_won_dispute_frees_is_tried_again_by_a_redelivery(
        world: World) -> None:
    booking, _ = paid_twice(world)
    world.payments.settle(second_disputed(world, booking), "stripe")
    world.fake.faults.fail_next("refund", ProviderUnavailableError("fake-payments", "down"))

    with pytest.raises(PaymentUnavailableError):
        world.payments.settle(second_disputed(world, booking, "won", "evt_won"), "stripe")
    again = world.payments.settle(second_disputed(world, booking, "won", "evt_won"), "stripe")

    assert again.outcome == "refunded"
    assert list(world.fake.refunds) == [f"{booking.uid}-second-pay_2"]


def test_a_second_payments_refund_refused_as_disputed_is_held_on_it_never_counted(
        world: World) -> None:
    # GIVEN a booking paid twice, whose second payment's refund the provider refuses as
    # disputed (its dispute's webhook not come yet)
    held = world.book().booking
    world.payments.settle(world.paid(held, "evt_first"), "stripe")
    second = replace(world.paid(held, "evt_second"), payment_id="pay_2")
    world.fake.faults.fail_next("refund", RefundDisputedError("stripe", "charged back"))

    told = world.payments.settle(second, "stripe")

    # THEN it is held as an open dispute of that payment, not a refused ask
    booking = world.get(held.uid)
    assert booking.payment is not None and booking.payment.disputes == ()
    (kept,) = booking.payment.second_payments
    assert told.outcome == "recorded" and kept.refund_held and kept.refund_refusals == 0
    assert [(d.id, d.outcome) for d in kept.disputes] == [(None, None)]

    # WHEN its dispute's webhook names it, and it is won
    world.payments.settle(second_disputed(world, held), "stripe")
    world.payments.settle(second_disputed(world, held, "won", "evt_won"), "stripe")

    # THEN the refund is made once, under the ask after the refused one
    assert list(world.fake.refunds) == [f"{held.uid}-second-pay_2-ask-2"]
    after = world.get(held.uid).payment
    assert after is not None
    assert [(d.id, d.outcome) for d in after.second_payments[0].disputes] == [
        ("disp_2", "won")]


def refund_failed(world: World, booking: Booking, event_id: str = "evt_refund_failed",
                  refund_id: str = "re-1") -> PaymentEvent:
    return PaymentEvent(event_id, PaymentEventKind.REFUND_FAILED, booking.uid, "", "pi_1",
                        account="acct_alice", refund_id=refund_id)


def cancelled_and_refunded(world: World) -> Booking:
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.payments.refund_cancelled(booking.uid)
    return world.get(booking.uid)


def test_a_refund_that_fails_later_is_shown_failed_and_never_tried_again(
        world: World) -> None:
    booking = cancelled_and_refunded(world)
    world.later(60)

    told = world.payments.settle(refund_failed(world, booking), "stripe")
    again = world.payments.settle(refund_failed(world, booking, "evt_2"), "stripe")
    world.payments.refund_cancelled(booking.uid)   # a redelivered booking.cancelled

    failed = world.get(booking.uid)
    assert (told.outcome, again.outcome) == ("recorded", "ignored")
    assert failed.payment is not None and failed.payment.refund_failed
    assert failed.payment.refund_failed_at == world.clock.now()
    assert not failed.refund_owed and len(world.fake.refunds) == 1
    assert payment_summary(failed)["state"] == "refund_failed"


def test_a_failure_of_another_refund_than_penny_made_changes_nothing(world: World) -> None:
    booking = cancelled_and_refunded(world)

    told = world.payments.settle(refund_failed(world, booking, refund_id="re_host_own"),
                                 "stripe")

    assert told.outcome == "ignored"
    payment = world.get(booking.uid).payment
    assert payment is not None and not payment.refund_failed


def test_after_a_failed_refund_the_hosts_own_refund_at_the_provider_is_recorded(
        world: World) -> None:
    booking = cancelled_and_refunded(world)
    world.payments.settle(refund_failed(world, booking), "stripe")
    own = PaymentEvent("evt_host_refund", PaymentEventKind.REFUNDED, booking.uid, "", "pi_1",
                       Price(5000, "USD"), "acct_alice", refund_id="re_host_own")

    told = world.payments.settle(own, "stripe")

    payment = world.get(booking.uid).payment
    assert told.outcome == "recorded"
    assert payment is not None and not payment.refund_failed
    assert (payment.refund_id, payment.refund_reason) == ("re_host_own", "provider")


def test_a_part_the_host_gave_back_at_the_provider_leaves_the_rest_to_the_policy(
        world: World) -> None:
    booking = paid_booking(world)
    goodwill = PaymentEvent("evt_goodwill", PaymentEventKind.REFUNDED, booking.uid, "",
                            "pi_1", Price(1000, "USD"), "acct_alice", refund_id="rfnd_host")
    world.payments.settle(goodwill, "stripe")   # recorded: 10.00 of 50.00 back
    world.later(60)
    terms = refund_terms(world.get(booking.uid), world.clock.now())  # the cancel page's
    assert "nothing more back" not in terms and "The rest: Full refund" in terms
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)

    world.payments.refund_cancelled(booking.uid)
    world.payments.refund_cancelled(booking.uid)  # a redelivered booking.cancelled

    (rest,) = world.fake.refunds.values()
    assert rest.amount == Price(4000, "USD")      # the rest, never the whole again
    payment = world.get(booking.uid).payment
    assert payment is not None and payment.refund_reason == "cancelled"
    assert (payment.refund_id, payment.refunded_minor) == (rest.id, 5000)


def given_back(booking: Booking, event_id: str, part: int, total: int) -> PaymentEvent:
    """A part the host refunded at the provider, told with the provider's total."""
    return PaymentEvent(event_id, PaymentEventKind.REFUNDED, booking.uid, "", "pi_1",
                        Price(part, "USD"), "acct_alice", refund_id=f"re_{event_id}",
                        refunded_minor=total)


def test_parts_given_back_at_the_provider_show_its_total_however_they_are_told(
        world: World) -> None:
    booking = paid_booking(world)
    first = given_back(booking, "evt_first", 1000, total=1000)
    second = given_back(booking, "evt_second", 1500, total=2500)

    told = [world.payments.settle(event, "stripe").outcome
            for event in (second, first, second, first)]  # out of order, and told again

    payment = world.get(booking.uid).payment
    assert told == ["recorded", "ignored", "ignored", "ignored"]
    assert payment is not None and payment.refunded_minor == 2500
    assert payment.refund_reason == "provider"


def test_a_further_part_given_back_raises_the_total_to_the_providers(world: World) -> None:
    booking = paid_booking(world)

    for event in (given_back(booking, "evt_first", 1000, total=1000),
                  given_back(booking, "evt_second", 1500, total=2500)):
        world.payments.settle(event, "stripe")

    payment = world.get(booking.uid).payment
    assert payment is not None and payment.refunded_minor == 2500


def test_a_refund_owed_that_the_host_gave_back_in_part_by_hand_is_the_rest_keyed_by_it(
        world: World) -> None:
    # GIVEN a cancelled booking whose refund the provider refused ("Refund owed"), of
    # which the host then gave back 15.00 of 50.00 in the dashboard
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.fake.faults.fail_next("refund", ProviderRejectedError("stripe", "balance"))
    with pytest.raises(PaymentUnavailableError):
        world.payments.refund_cancelled(booking.uid)
    world.payments.settle(given_back(booking, "evt_part", 1500, total=1500), "stripe")
    assert payment_summary(world.get(booking.uid))["state"] == "refund_owed"

    # WHEN the job is redriven, twice
    world.payments.refund_cancelled(booking.uid)
    world.payments.refund_cancelled(booking.uid)

    # THEN the rest alone is refunded, once, under a key naming what had gone back
    assert list(world.fake.refunds) == [f"{booking.uid}-cancelled-after-1500-ask-2"]
    (rest,) = world.fake.refunds.values()
    assert rest.amount == Price(3500, "USD")
    refunded = world.get(booking.uid)
    assert payment_summary(refunded)["state"] == "refunded"
    assert refunded.payment is not None and refunded.payment.refunded_minor == 5000


def test_a_taken_payments_refund_the_host_gave_back_in_part_is_the_rest_when_told_again(
        world: World) -> None:
    # GIVEN a payment after the hold lapsed and the time was taken, whose refund could not
    # be made, and of which the host gave back 20.00 by hand
    held = world.book().booking
    world.later(20)
    world.book(email="cy@example.com")
    world.fake.faults.fail_next("refund", ProviderUnavailableError("stripe", "down"))
    with pytest.raises(PaymentUnavailableError):
        world.payments.settle(world.paid(held), "stripe")
    world.payments.settle(given_back(held, "evt_part", 2000, total=2000), "stripe")
    assert world.get(held.uid).refund_owed

    # WHEN the payment is told again (the provider's retry)
    world.payments.settle(world.paid(held, "evt_paid_2"), "stripe")

    # THEN the rest is refunded, keyed by what had gone back
    assert list(world.fake.refunds) == [f"{held.uid}-taken-after-2000"]
    assert world.fake.refunds[f"{held.uid}-taken-after-2000"].amount == Price(3000, "USD")
    payment = world.get(held.uid).payment
    assert payment is not None and (payment.refunded_minor, payment.refund_reason) == (
        5000, "taken")


@pytest.mark.parametrize("refusal", [
    ProviderRejectedError("stripe", "balance_insufficient: the account cannot refund"),
    ConnectionBrokenError("stripe", "refunding: reconnect Stripe"),
    PaymentNotConnectedError("Razorpay is not connected"),
    ProviderUnavailableError("stripe", "Stripe did not answer"),
])
def test_a_cancellation_refund_that_cannot_be_made_is_owed_in_sight_and_tried_again(
        world: World, refusal: Exception) -> None:
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.fake.faults.fail_next("refund", refusal)

    with pytest.raises(PaymentUnavailableError):   # the job's retries, then its DLQ
        world.payments.refund_cancelled(booking.uid)
    owed = world.get(booking.uid)
    world.payments.refund_cancelled(booking.uid)   # the redrive, once it can be made

    assert owed.refund_owed and payment_summary(owed)["state"] == "refund_owed"
    refunded = world.get(booking.uid)
    assert refunded.payment is not None and refunded.payment.refund_reason == "cancelled"
    assert payment_summary(refunded)["state"] == "refunded" and len(world.fake.refunds) == 1


def test_pennys_refund_told_by_its_webhook_before_penny_recorded_it_keeps_its_reason(
        world: World) -> None:
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    # The refund is made, but its answer is lost: the provider's refund event comes first.
    world.fake.faults.fail_next("refund", ProviderUnavailableError("stripe", "timed out"),
                                after_work=True)
    with pytest.raises(PaymentUnavailableError):
        world.payments.refund_cancelled(booking.uid)
    (made,) = world.fake.refunds.values()
    told = PaymentEvent("evt_refund", PaymentEventKind.REFUNDED, booking.uid, "", "pi_1",
                        made.amount, "acct_alice", refund_id=made.id)

    world.payments.settle(told, "stripe")
    world.payments.refund_cancelled(booking.uid)  # the job's retry

    refunded = world.get(booking.uid).payment
    assert refunded is not None and refunded.refund_id == made.id
    assert refunded.refund_reason == "cancelled"  # the policy's refund, not the host's own
    assert len(world.fake.refunds) == 1


def test_an_attendee_cancelling_too_late_is_not_refunded() -> None:
    world = a_world(refund_hours_before=72)  # the booking starts in 51 hours
    booking = paid_booking(world)
    token = world.links.token(booking.uid, LinkPurpose.CANCEL)
    world.changes.cancel_by_attendee(booking.uid, token, "can't make it")

    world.payments.refund_cancelled(booking.uid)

    assert world.fake.refunds == {}
    cancelled = world.get(booking.uid)
    assert cancelled.payment is not None and not cancelled.payment.refunded


@pytest.mark.parametrize(("moved_hours_before", "refunded"), [(30, True), (20, False)])
def test_a_move_sets_a_new_refund_deadline_only_when_made_before_the_old_one(
        moved_hours_before: int, refunded: bool) -> None:
    world = a_world(refund_hours_before=24)
    booking = paid_booking(world)
    world.clock.at = at(START) - timedelta(hours=moved_hours_before)
    token = world.links.token(booking.uid, LinkPurpose.RESCHEDULE)
    world.changes.reschedule(booking.uid, token, at("2026-03-11T10:00:00-05:00"))  # a week on
    world.clock.at = at(START)  # a week before the new start
    world.changes.cancel_by_attendee(booking.uid, world.links.token(booking.uid,
                                                                    LinkPurpose.CANCEL), None)

    world.payments.refund_cancelled(booking.uid)

    assert refund_due(world.get(booking.uid)) is refunded
    assert len(world.fake.refunds) == (1 if refunded else 0)


def test_the_policy_refunds_a_host_cancellation_whenever_it_comes() -> None:
    world = a_world(refund_hours_before=48)
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)

    assert refund_due(world.get(booking.uid))


def test_cancelling_an_unpaid_hold_ends_its_checkout(world: World) -> None:
    held = world.book().booking
    world.changes.cancel_by_host(held.host_id, held.uid, None)

    world.payments.refund_cancelled(held.uid)

    assert held.payment is not None and world.fake.expired == {held.payment.checkout_id}


def test_cancelling_an_unpaid_hold_whose_provider_is_gone_is_done_not_retried(
        world: World) -> None:
    held = world.book().booking
    world.changes.cancel_by_host(held.host_id, held.uid, None)
    world.fake.faults.fail_next("expire_checkout",
                                PaymentNotConnectedError("Razorpay is not connected"))

    cancelled = world.payments.refund_cancelled(held.uid)  # no DLQ for what cannot be done

    assert cancelled is not None and cancelled.status is BookingStatus.CANCELLED


def test_moving_a_paid_booking_keeps_its_payment_and_asks_for_no_other(world: World) -> None:
    booking = paid_booking(world)
    token = world.links.token(booking.uid, LinkPurpose.RESCHEDULE)
    moved = world.changes.reschedule(booking.uid, token, at("2026-03-04T14:00:00-05:00"))

    assert moved.status is BookingStatus.CONFIRMED and moved.payment == booking.payment
    assert len(world.fake.checkouts) == 1


def test_a_lapsed_hold_reads_as_expired_before_its_timer_writes_it(world: World) -> None:
    held = world.book().booking
    token = world.links.token(held.uid, LinkPurpose.CANCEL)
    world.later(16)

    assert world.changes.view(held.uid, token).status is BookingStatus.EXPIRED
    assert world.get(held.uid).status is BookingStatus.PENDING_PAYMENT  # nothing written


def test_a_retry_after_the_checkout_failed_is_a_new_attempt_not_a_replay(world: World) -> None:
    world.fake.faults.fail_next("create_checkout",
                                ProviderUnavailableError("fake-payments", "down"))
    with pytest.raises(PaymentUnavailableError):
        world.book(key="k-1")

    again = world.book(key="k-1")

    assert not again.replayed and again.booking.status is BookingStatus.PENDING_PAYMENT
    assert again.booking.payment is not None


# ---- a refund the provider refuses at every ask --------------------------------------


def test_a_cancellation_refund_refused_at_the_workers_last_try_is_left_to_the_host(
        world: World) -> None:
    # GIVEN a cancelled booking whose refund the provider could not make for an outage
    # (never counted), then refuses (a balance too low)
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    for _ in range(REFUND_ASKS):
        world.fake.faults.fail_next("refund", ProviderUnavailableError("stripe", "down"))
        with pytest.raises(PaymentUnavailableError):
            world.payments.refund_cancelled(booking.uid)
    for _ in range(REFUND_ASKS):
        world.fake.faults.fail_next("refund", ProviderRejectedError("stripe", "balance"))

    # WHEN the payments job runs, and Lambda retries it, each refused
    for _ in range(REFUND_ASKS - 1):
        with pytest.raises(PaymentUnavailableError):   # retried: still owed
            world.payments.refund_cancelled(booking.uid)
        assert payment_summary(world.get(booking.uid))["state"] == "refund_owed"
    world.payments.refund_cancelled(booking.uid)       # the last try: done, not raised

    # THEN the booking says the refund failed and was refused, for the host to make by
    # hand, and a redrive asks the provider nothing more
    given_up = world.get(booking.uid)
    assert not given_up.refund_owed
    summary = payment_summary(given_up)
    assert (summary["state"], summary.get("refund_refused")) == ("refund_failed", True)
    assert summary["refund_refused_reason"] == "refused"
    asked = world.fake.faults.calls.count("refund")
    world.payments.refund_cancelled(booking.uid)
    assert world.fake.faults.calls.count("refund") == asked and world.fake.refunds == {}
    assert kinds_between(booking, given_up) == [EventKind.BOOKING_CANCELLED,
                                                EventKind.PAYMENT_REFUND_FAILED]

    # WHEN the host refunds it by hand at the provider
    world.payments.settle(given_back(booking, "evt_by_hand", 5000, total=5000), "stripe")

    # THEN it shows refunded, by the host
    refunded = world.get(booking.uid)
    assert payment_summary(refunded)["state"] == "refunded"
    assert "refund_refused" not in payment_summary(refunded)
    assert refunded.payment is not None and refunded.payment.refund_reason == "provider"


@pytest.mark.parametrize("gone", [PaymentNotConnectedError("Razorpay is not connected"),
                                  NotConnectedError("no payment platform called razorpay")])
def test_a_refund_the_provider_is_no_longer_connected_for_is_left_to_the_host_saying_so(
        world: World, gone: Exception) -> None:
    # GIVEN a cancelled paid booking, and the host's provider removed from Penny
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)

    # WHEN the payments job runs and Lambda retries it, each time unable to ask
    for attempt in range(REFUND_ASKS):
        world.fake.faults.fail_next("refund", gone)
        if attempt < REFUND_ASKS - 1:
            with pytest.raises(PaymentUnavailableError):   # retried: still owed
                world.payments.refund_cancelled(booking.uid)
            assert payment_summary(world.get(booking.uid))["state"] == "refund_owed"
        else:
            world.payments.refund_cancelled(booking.uid)   # the last try: done

    # THEN it is counted as a refusal: the host refunds by hand, told why
    summary = payment_summary(world.get(booking.uid))
    assert (summary["state"], summary["refund_refused"], summary["refund_refused_reason"]) \
        == ("refund_failed", True, "not_connected")


def kinds_between(old: Booking, new: Booking) -> list[EventKind]:
    return [e.type for e in booking_events(old, new, "change-1", new.created_at)]


def test_a_taken_payments_refund_refused_at_each_telling_is_acknowledged_at_the_last(
        world: World) -> None:
    held = world.book().booking
    world.later(20)
    world.book(email="cy@example.com")   # someone else took the time
    for _ in range(REFUND_ASKS):
        world.fake.faults.fail_next("refund", ConnectionBrokenError("stripe", "refused"))

    for n in range(REFUND_ASKS - 1):     # the webhook answers 503: told again
        with pytest.raises(PaymentUnavailableError):
            world.payments.settle(world.paid(held, f"evt_paid_{n}"), "stripe")
    world.payments.settle(world.paid(held, "evt_paid_last"), "stripe")   # 200: no more

    given_up = world.get(held.uid)
    assert payment_summary(given_up)["state"] == "refund_failed" and not given_up.refund_owed
    assert world.payments.settle(world.paid(held, "evt_paid_later"), "stripe").outcome == \
        "ignored"
    assert world.fake.refunds == {}


def test_a_second_payments_refund_refused_at_each_telling_is_left_to_the_host(
        world: World) -> None:
    held = world.book().booking
    world.payments.settle(world.paid(held, "evt_first"), "stripe")
    for _ in range(REFUND_ASKS):
        world.fake.faults.fail_next("refund", ProviderRejectedError("razorpay", "refused"))

    for n in range(REFUND_ASKS - 1):
        with pytest.raises(PaymentUnavailableError):
            world.payments.settle(replace(world.paid(held, f"evt_second_{n}"),
                                          payment_id="pay_2"), "stripe")
    last = world.payments.settle(replace(world.paid(held, "evt_second_last"),
                                         payment_id="pay_2"), "stripe")

    assert last.outcome == "recorded"
    booking = world.get(held.uid)
    assert payment_summary(booking)["second_payments"] == [
        {"amount_minor": 5000, "refunded": False, "refund_failed": False,
         "refund_refused": True}]
    assert payment_summary(booking)["state"] == "paid"
    again = world.payments.settle(replace(world.paid(held, "evt_second_later"),
                                          payment_id="pay_2"), "stripe")
    assert again.outcome == "ignored" and world.fake.refunds == {}


def test_penny_stops_asking_for_a_refused_refund_when_the_payments_worker_stops_trying(
) -> None:
    # The worker's tries are the fewest of the three paths (webhooks are told for a day or
    # more): giving up at its last one leaves no path asking after the dashboard says so.
    spec = next(s for s in QUEUES if s.name == "payments")
    assert 1 + spec.max_retries == REFUND_ASKS


def test_each_ask_after_a_refusal_has_a_key_of_its_own_and_an_outage_keeps_its_key(
        world: World) -> None:
    # A provider keeps a key's first answer, a refusal too (Stripe, for a day): an ask
    # under the same key would hear it again. An outage may have made the refund: its
    # retry keeps the key, to replay it.
    booking = paid_booking(world)
    world.changes.cancel_by_host(booking.host_id, booking.uid, None)
    world.fake.faults.fail_next("refund", ProviderRejectedError("stripe", "balance"))
    with pytest.raises(PaymentUnavailableError):
        world.payments.refund_cancelled(booking.uid)
    world.fake.faults.fail_next("refund", ProviderUnavailableError("stripe", "timed out"),
                                after_work=True)
    with pytest.raises(PaymentUnavailableError):
        world.payments.refund_cancelled(booking.uid)

    world.payments.refund_cancelled(booking.uid)

    assert list(world.fake.refunds) == [f"{booking.uid}-cancelled-ask-2"]
    assert payment_summary(world.get(booking.uid))["state"] == "refunded"
