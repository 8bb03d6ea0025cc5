"""The attendee's daily allowance on moto: a paid booking whose checkout could not be
opened gives its count back in the write that lets its hold go, once.

The counter is the item the booking's own transaction counts on (store/counters.py,
`BOOKER#{host}#{hashed e-mail}#{UTC day}`); these read it as stored.
"""

from __future__ import annotations

import hashlib

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.bookings import BookingStatus
from chalicelib.services.ports import BookingWrite, NoExternalBusy
from chalicelib.services.reservations import Reservations
from chalicelib.store.bookings import BookingRepository
from chalicelib.store.counters import counter_keys
from chalicelib.store.items import CounterItem
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional import test_payments as paid
from tests.functional.conftest import Api, FixedClock
from tests.functional.test_payments import as_it_is, book, host_id, slot

# The payments module's fixtures: the sandbox, a host connected to Stripe.
sandbox, host, stripe_host = paid.sandbox, paid.host, paid.stripe_host


def counted(api: Api, token: str, clock: FixedClock, email: str = "bo@example.com") -> int | None:
    """The attendee's count with the host today, as stored (None: no counter item)."""
    who = hashlib.sha256(email.encode()).hexdigest()[:32]
    key = f"BOOKER#{host_id(api, token)}#{who}#{clock.now().date().isoformat()}"
    try:
        return int(CounterItem.get(*counter_keys(key), consistent_read=True).hits)
    except DoesNotExist:
        return None


def failed_checkout(api: Api, stripe: ProviderSandbox, clock: FixedClock, owner: str,
                    hour: int) -> str:
    """A booking attempt while Stripe is down: the uid of the hold Penny let go."""
    before = {b.uid for b in BookingRepository().for_host(owner, limit=100)}
    stripe.stripe_fail_next_api_calls(status=500)  # Stripe-Should-Retry: false: one call
    body = f.booking(slot(clock, hour))
    body["attendee"]["email"] = "bo@example.com"
    r = api.post("/hosts/alice/intro/bookings", body)
    assert (r.status, r.code) == (503, "payment_unavailable"), r.body
    (uid,) = {b.uid for b in BookingRepository().for_host(owner, limit=100)} - before
    return uid


def test_a_checkout_that_could_not_open_gives_the_count_back_in_the_release(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN one paid booking held with its checkout: the attendee has made 1 today
    book(api, clock, hour=10)
    assert counted(api, stripe_host, clock) == 1

    # WHEN the next attempt finds Stripe down
    uid = failed_checkout(api, sandbox, clock, host_id(api, stripe_host), 11)

    # THEN its hold is let go and its count given back: still 1
    assert as_it_is(uid).status is BookingStatus.EXPIRED
    assert counted(api, stripe_host, clock) == 1


def test_a_retried_release_gives_nothing_back_a_second_time(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    book(api, clock, hour=10)
    uid = failed_checkout(api, sandbox, clock, host_id(api, stripe_host), 11)
    released = as_it_is(uid)

    # WHEN the release runs again (a retried Lambda)
    reservations = Reservations(BookingRepository(), NoExternalBusy(), clock)
    again = reservations.let_go(lambda: as_it_is(uid))

    # THEN nothing is written and the booking still made still counts
    assert again.version == released.version
    assert counted(api, stripe_host, clock) == 1


def test_a_release_whose_counter_is_gone_is_still_written_and_brings_none_back(
        api: Api, stripe_host: str, sandbox: ProviderSandbox, clock: FixedClock) -> None:
    # GIVEN a hold whose count is gone (DynamoDB's TTL deleted the day's counter)
    held = as_it_is(book(api, clock, hour=10)["uid"])
    CounterItem(*counter_keys("BOOKER#gone")).delete()

    # WHEN a write gives a count back to it
    clock.advance(minutes=1)
    BookingRepository().commit(BookingWrite(held, False, [], uncounted="BOOKER#gone"),
                               clock.now())

    # THEN the booking is written, and no counter is made (never below 0)
    assert as_it_is(held.uid).version == (held.version or 0) + 1
    try:
        CounterItem.get(*counter_keys("BOOKER#gone"), consistent_read=True)
    except DoesNotExist:
        return
    raise AssertionError("a counter was made by a give-back")
