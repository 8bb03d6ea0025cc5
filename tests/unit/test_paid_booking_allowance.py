"""A paid booking whose checkout never opened was never a booking: the attendee's daily
allowance (services/reservations.py) gets its count back. A hold that lapsed unpaid held
the time, and keeps its count (docs/bookings.md, "One address cannot hoard a host's
week")."""

from __future__ import annotations

import pytest

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.errors import (
    PaymentRefusedError,
    PaymentUnavailableError,
    ProviderRejectedError,
    ProviderUnavailableError,
    TooManyBookingsError,
)
from tests.unit.test_payments_service import World, world  # noqa: F401

# Five times inside Alice's hours on one day: the allowance is 5 bookings a day.
STARTS = [f"2026-03-04T{hour:02d}:00:00-05:00" for hour in range(9, 15)]


@pytest.mark.parametrize(("fault", "refusal"), [
    (ProviderUnavailableError("fake-payments", "down"), PaymentUnavailableError),
    (ProviderRejectedError("fake-payments", "amount_too_small"), PaymentRefusedError),
], ids=["provider down", "provider refused"])
def test_a_checkout_that_could_not_open_does_not_use_up_the_allowance(
        world: World, fault: Exception, refusal: type[Exception]) -> None:  # noqa: F811
    # GIVEN a client who pressed Book five times while Stripe was down (or refused)
    for _ in range(5):
        world.fake.faults.fail_next("create_checkout", fault)
        with pytest.raises(refusal):
            world.book()

    # WHEN Stripe takes it, THEN their booking is taken: nothing was ever booked
    assert world.book().booking.status is BookingStatus.PENDING_PAYMENT


def test_letting_a_hold_go_again_gives_its_count_back_only_once(
        world: World) -> None:  # noqa: F811
    # GIVEN one booking made, and one whose checkout could not open (given back)
    world.book(STARTS[0])
    world.fake.faults.fail_next("create_checkout",
                                ProviderUnavailableError("fake-payments", "down"))
    with pytest.raises(PaymentUnavailableError):
        world.book(STARTS[1])
    (failed,) = [b for b in world.bookings.bookings.values()
                 if b.status is BookingStatus.EXPIRED]
    (counted,) = world.bookings.quotas.values()
    assert counted == 1

    # WHEN the release is run again (a retry)
    world.payments.reservations.let_go(lambda: world.get(failed.uid))

    # THEN the booking made still counts
    assert list(world.bookings.quotas.values()) == [1]


def test_a_hold_that_lapsed_unpaid_still_counts(world: World) -> None:  # noqa: F811
    # GIVEN five holds the client let lapse without paying
    for start in STARTS[:5]:
        held = world.book(start).booking
        world.later(15)
        world.payments.expire_hold(held.uid)
        assert world.get(held.uid).status is BookingStatus.EXPIRED

    # THEN a sixth is refused: each held a time others could not book
    with pytest.raises(TooManyBookingsError):
        world.book(STARTS[5])
