"""The toast a `payment.dispute_closed` event shows the host (web/static/
app-dispute-closed.js), run in node on the event the server makes of the change
(`booking_events`): how the bank decided the dispute that closed, whichever payment of
the booking it was of."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.bookings import Attendee, Booking, Payment
from chalicelib.domain.events import booking_events
from tests.fakes.bookings import a_booking

SCRIPT = Path(__file__).parents[2] / "chalicelib/web/static/app-dispute-closed.js"
RUN = """
const { disputeClosedToast } = await import(process.argv[1]);
const event = JSON.parse(process.argv[2]);
console.log(JSON.stringify({ type: event.type, ...disputeClosedToast(event.booking) }));
"""

AT = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
DAY = timedelta(days=1)


def paid_twice() -> Booking:
    """A Razorpay order paid twice (two tabs): the booking keeps pay_1, pay_2 goes back."""
    return a_booking(
        start=datetime.fromisoformat("2026-03-20T15:00:00+00:00"),
        attendee=Attendee("Bo Booker", "bo@example.com", "Asia/Kolkata"), created_at=AT,
        price_minor=150000, currency="INR",
        payment=Payment("razorpay", "order_1", payment_id="pay_1", paid_minor=150000,
                        paid_at=AT)).second_payment("pay_2", 150000)


def toast(old: Booking, new: Booking) -> dict[str, Any]:
    (event,) = [e.to_json() for e in booking_events(old, new, "change-1", AT)]
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, SCRIPT.as_uri(),
                          json.dumps(event)], capture_output=True, text=True, timeout=30,
                         check=True)
    told: dict[str, Any] = json.loads(out.stdout)
    return told


def second_disputed(b: Booking, at: datetime) -> Booking:
    return b.disputed("disp_2", "fraud", 150000, at, payment_id="pay_2")


def second_closed(b: Booking, outcome: str, at: datetime) -> Booking:
    return b.dispute_closed("disp_2", outcome, "fraud", 150000, at, payment_id="pay_2")


def own_won(b: Booking, at: datetime) -> Booking:
    opened = b.disputed("disp_1", "general", 150000, at - DAY)
    return opened.dispute_closed("disp_1", "won", "general", 150000, at)


needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


@needs_node
@pytest.mark.parametrize(("outcome", "title", "warning"), [
    ("lost", "Dispute lost", True), ("won", "Dispute won", False),
    ("closed", "Dispute closed", False)])
def test_a_second_payments_dispute_is_told_as_the_bank_decided_it(
        outcome: str, title: str, warning: bool) -> None:
    disputed = second_disputed(paid_twice(), AT)

    told = toast(disputed, second_closed(disputed, outcome, AT + DAY))

    assert (told["type"], told["title"], told["warning"]) == (
        "payment.dispute_closed", title, warning)


@needs_node
def test_a_second_payments_dispute_lost_after_the_bookings_own_was_won_is_told_lost() -> None:
    disputed = second_disputed(own_won(paid_twice(), AT + DAY), AT + 2 * DAY)

    told = toast(disputed, second_closed(disputed, "lost", AT + 3 * DAY))

    assert told == {"type": "payment.dispute_closed", "title": "Dispute lost",
                    "detail": "the bank took the money back", "warning": True}


@needs_node
def test_the_dispute_the_event_names_is_told_though_another_closed_at_a_later_time() -> None:
    # Two closes at once: the second payment's, its time read first, written last.
    disputed = own_won(second_disputed(paid_twice(), AT), AT + 2 * DAY)

    told = toast(disputed, second_closed(disputed, "lost", AT + DAY))

    assert (told["title"], told["warning"]) == ("Dispute lost", True)


@needs_node
def test_the_bookings_own_dispute_won_after_a_second_payments_was_lost_is_told_won() -> None:
    disputed = second_disputed(paid_twice(), AT)
    lost = second_closed(disputed, "lost", AT + DAY)
    opened = lost.disputed("disp_1", "general", 150000, AT + 2 * DAY)

    told = toast(opened, opened.dispute_closed("disp_1", "won", "general", 150000, AT + 3 * DAY))

    assert (told["title"], told["warning"]) == ("Dispute won", False)
