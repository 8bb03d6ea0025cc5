"""A Razorpay payment that may be only authorized (an account set to capture manually):
read, captured while the booking can take it, and only then confirming it
(chalicelib/services/payment_capture.py), over the in-memory fakes."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.domain.bookings import Booking, BookingStatus
from chalicelib.domain.errors import (
    PaymentNotConnectedError,
    PaymentUnavailableError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import (
    PaymentEvent,
    PaymentEventKind,
    ProviderPayment,
)
from chalicelib.services.webhooks import RETRYABLE
from tests.unit.fakes import FakeExternalBusy
from tests.unit.test_payments_service import FILLED, World, a_world

INR = Price(150000, "INR")


@dataclass
class FakeRazorpayAccount:
    """The host's Razorpay account: its payments' statuses, and every call made to it."""

    statuses: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    captured: list[tuple[str, Price]] = field(default_factory=list)
    capture_fails: int = 0

    def verify_callback(self, order_id: str, payment_id: str, signature: str) -> bool:
        return signature == "good"

    def payment(self, payment_id: str) -> ProviderPayment:
        self.calls.append(("payment", payment_id))
        return ProviderPayment(payment_id, self.statuses[payment_id], INR)

    def capture(self, payment_id: str, amount: Price) -> None:
        self.calls.append(("capture", payment_id))
        if self.capture_fails:
            self.capture_fails -= 1
            raise ProviderUnavailableError("razorpay", "Razorpay refused (500)")
        self.captured.append((payment_id, amount))
        self.statuses[payment_id] = "captured"


@pytest.fixture
def world() -> World:
    world = a_world(price=INR)
    world.adapters.name = "razorpay"
    world.adapters.razorpay = FakeRazorpayAccount()
    return world


def account(world: World) -> FakeRazorpayAccount:
    assert isinstance(world.adapters.razorpay, FakeRazorpayAccount)
    return world.adapters.razorpay


def authorized(booking: Booking, payment_id: str = "pay_1",
               event_id: str = "evt_auth") -> PaymentEvent:
    assert booking.payment is not None
    return PaymentEvent(event_id, PaymentEventKind.AUTHORIZED, booking.uid,
                        booking.payment.checkout_id, payment_id, INR)


def test_checkouts_handler_for_an_authorized_payment_captures_it_then_confirms(
        world: World) -> None:
    # GIVEN a host on manual capture: the payment Checkout answers for stays authorized
    held = world.book().booking
    assert held.payment is not None
    account(world).statuses["pay_1"] = "authorized"

    # WHEN the pay page sends Checkout's (genuine) handler fields
    booking = world.payments.confirm_callback(held, held.payment.checkout_id, "pay_1", "good")

    # THEN the payment is read, captured for the order's amount, and only then confirms
    assert account(world).calls == [("payment", "pay_1"), ("capture", "pay_1")]
    assert account(world).captured == [("pay_1", INR)]
    assert booking.status is BookingStatus.CONFIRMED
    assert world.get(held.uid).payment.payment_id == "pay_1"  # type: ignore[union-attr]


def test_a_payment_captured_already_confirms_on_one_read_and_no_capture(world: World) -> None:
    held = world.book().booking
    account(world).statuses["pay_1"] = "captured"   # auto-capture, Razorpay's default

    settled = world.payments.settle(authorized(held), "razorpay", "host-alice")

    assert settled.outcome == "confirmed"
    assert account(world).calls == [("payment", "pay_1")]


def test_the_payment_told_again_after_it_confirmed_asks_razorpay_nothing(world: World) -> None:
    held = world.book().booking
    account(world).statuses["pay_1"] = "authorized"
    world.payments.settle(authorized(held), "razorpay", "host-alice")
    calls = list(account(world).calls)

    again = world.payments.settle(authorized(held, event_id="evt_again"), "razorpay",
                                  "host-alice")

    assert again.outcome == "ignored" and account(world).calls == calls
    assert len(account(world).captured) == 1


def test_a_capture_that_fails_for_now_confirms_nothing_and_its_retry_does(
        world: World) -> None:
    held = world.book().booking
    account(world).statuses["pay_1"] = "authorized"
    account(world).capture_fails = 1

    with pytest.raises(PaymentUnavailableError, match="still confirming it"):
        world.payments.settle(authorized(held), "razorpay", "host-alice")

    assert world.get(held.uid).status is BookingStatus.PENDING_PAYMENT
    retried = world.payments.settle(authorized(held, event_id="evt_auth"), "razorpay",
                                    "host-alice")
    assert retried.outcome == "confirmed"
    assert account(world).captured == [("pay_1", INR)]


def test_an_authorized_payment_after_the_host_removed_razorpay_is_refused_not_retried(
        world: World) -> None:
    held = world.book().booking

    def removed(booking: Booking) -> FakeRazorpayAccount:
        raise PaymentNotConnectedError("Razorpay is not connected")

    world.adapters.razorpay_for = removed  # type: ignore[method-assign]

    # A refusal for good (the webhook acknowledged), not a 503 retried for days
    with pytest.raises(PaymentNotConnectedError) as refused:
        world.payments.settle(authorized(held), "razorpay", "host-alice")
    assert not isinstance(refused.value, RETRYABLE)
    assert world.get(held.uid).status is BookingStatus.PENDING_PAYMENT


def test_an_authorized_payment_for_a_time_someone_else_took_is_never_captured(
        world: World) -> None:
    held = world.book().booking
    world.later(20)                                   # the hold lapsed
    rival = world.book(email="cy@example.com").booking
    account(world).statuses.update(pay_1="authorized", pay_rival="captured")
    world.payments.settle(authorized(rival, "pay_rival", "evt_rival"), "razorpay",
                          "host-alice")

    settled = world.payments.settle(authorized(held), "razorpay", "host-alice")

    # THEN it is left to lapse back to the client, recorded; nothing to refund
    assert settled.outcome == "released"
    assert ("capture", "pay_1") not in account(world).calls
    booking = world.get(held.uid)
    assert booking.status is BookingStatus.EXPIRED and booking.payment is not None
    assert not booking.payment.paid and world.fake.refunds == {}
    assert (booking.payment.released_payment_id, booking.payment.released_reason,
            booking.payment.released_minor) == ("pay_1", "taken", 150000)
    assert world.get(rival.uid).status is BookingStatus.CONFIRMED


def test_an_authorized_payment_for_a_time_the_hosts_calendar_now_holds_is_never_captured(
        ) -> None:
    calendar = FakeExternalBusy()
    world = a_world(price=INR, calendar=calendar)
    world.adapters.name, world.adapters.razorpay = "razorpay", FakeRazorpayAccount()
    held = world.book().booking
    world.later(20)                                   # the hold lapsed
    calendar.ranges["host-alice"] = [FILLED]          # and the host filled the time
    account(world).statuses["pay_1"] = "authorized"

    settled = world.payments.settle(authorized(held), "razorpay", "host-alice")

    assert settled.outcome == "released"
    assert ("capture", "pay_1") not in account(world).calls
    booking = world.get(held.uid)
    assert booking.payment is not None and booking.payment.released_reason == "taken"


def test_an_authorized_payment_for_a_cancelled_booking_is_never_captured(
        world: World) -> None:
    held = world.book().booking
    world.changes.cancel_by_host(held.host_id, held.uid, None)
    account(world).statuses["pay_1"] = "authorized"

    settled = world.payments.settle(authorized(held), "razorpay", "host-alice")
    again = world.payments.settle(authorized(held, event_id="evt_again"), "razorpay",
                                  "host-alice")

    assert (settled.outcome, again.outcome) == ("released", "ignored")
    assert account(world).calls == [("payment", "pay_1")]
    booking = world.get(held.uid)
    assert booking.status is BookingStatus.CANCELLED and booking.payment is not None
    assert booking.payment.released_reason == "cancelled" and world.fake.refunds == {}


def test_an_authorized_payment_after_the_hold_lapsed_is_captured_when_the_time_is_free(
        world: World) -> None:
    held = world.book().booking
    world.later(20)
    world.payments.expire_hold(held.uid)
    account(world).statuses["pay_1"] = "authorized"

    settled = world.payments.settle(authorized(held), "razorpay", "host-alice")

    assert settled.outcome == "confirmed" and account(world).captured == [("pay_1", INR)]
    assert world.holds_time(held)


def test_a_second_authorized_payment_for_a_paid_booking_is_left_uncaptured(
        world: World) -> None:
    held = world.book().booking
    account(world).statuses.update(pay_1="captured", pay_2="authorized")
    world.payments.settle(authorized(held), "razorpay", "host-alice")

    settled = world.payments.settle(authorized(held, "pay_2", "evt_second"), "razorpay",
                                    "host-alice")

    assert settled.outcome == "ignored" and account(world).captured == []
    assert world.fake.refunds == {}
