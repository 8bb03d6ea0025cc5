"""Which telling of a booking's money the dashboard's row keeps (web/static/
app-payment-news.js), run in node: the live events the server makes of each change
(`booking_events`), heard as app-booking-news.js hears them (`heardNews`, then laid over the
row), then the bookings list read again (`host_booking_out`), as the row says it."""

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
from chalicelib.domain.events import booking_events
from chalicelib.functions.views import host_booking_out
from tests.fakes.bookings import a_booking

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
# `heard`: what was heard before the events; `listed`: the list read after them, or null.
RUN = """
globalThis.document = { body: { dataset: {} }, createElement: (tag) => ({
  tag, append(...children) { this.text = children.join(""); }, setAttribute() {} }) };
const { paymentLine } = await import(process.argv[1]);
const { heardNews, withPaymentNews } = await import(process.argv[2]);
let [row, heard, events, listed] = JSON.parse(process.argv[3]);
for (const event of events) {
  if (!event.booking.payment) continue;
  const refunded = event.type === "payment.refunded";
  const news = heardNews(heard, event.booking, refunded);
  if (!news) continue;
  heard = news;
  row = withPaymentNews(row, heard, { live: true, refunded });
}
if (listed) row = withPaymentNews(listed, heard);
console.log(paymentLine(row, "UTC").text);
"""

AT = datetime.fromisoformat("2026-03-04T15:05:00+00:00")
HOLD = Payment("stripe", "cs_1", "https://pay.test/cs_1")
HELD_WORDS = ("Owed back (paid after the meeting's start): no refund while the bank's "
              "dispute is open.")


def a_hold() -> Booking:
    return a_booking(status=BookingStatus.PENDING_PAYMENT, created_at=AT, price_minor=5000,
                     currency="USD", payment=HOLD, version=1,
                     hold_until=datetime.fromisoformat("2026-03-04T15:15:00+00:00"))


# Each write as the table counts it (its version one up): the payment came after the
# meeting's start (owed back, the hold ended in the same write), then Stripe refused its
# refund as disputed (the refund held by the dispute, the payment paid again).
WAITING = a_hold()
OWED = replace(WAITING, version=2, payment=replace(
    HOLD, payment_id="pi_1", paid_minor=5000, paid_at=AT, refund_reason="late")).expired()
HELD = replace(OWED.refund_disputed(None, AT), version=3)


def events(old: Booking, new: Booking) -> list[dict[str, Any]]:
    return [e.to_json() for e in booking_events(old, new, f"change-{new.version}", AT)]


def listed(b: Booking) -> dict[str, Any]:
    return host_booking_out(b).model_dump()


def row_says(row: Booking, told: list[dict[str, Any]], list_read: Booking | None = None,
             heard: dict[str, Any] | None = None) -> str:
    out = subprocess.run(
        ["node", "--input-type=module", "-e", RUN, (STATIC / "app-booking-payments.js").as_uri(),
         (STATIC / "app-payment-news.js").as_uri(),
         json.dumps([listed(row), heard, told, list_read and listed(list_read)])],
        capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip()


def unversioned(told: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "booking": {k: v for k, v in e["booking"].items() if k != "version"}}
            for e in told]


needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


@needs_node
def test_a_late_payments_refund_a_dispute_holds_is_told_live_and_kept_by_the_next_list_read(
) -> None:
    told = events(WAITING, OWED) + events(OWED, HELD)

    live = row_says(WAITING, told)
    reread = row_says(WAITING, told, list_read=HELD)

    assert [e["type"] for e in told] == ["booking.expired", "payment.disputed"]
    assert HELD_WORDS in live and "Penny tries again" not in live
    assert reread == live


@needs_node
def test_a_list_read_after_an_event_the_socket_missed_is_not_overridden_by_older_news(
) -> None:
    # The socket dropped before payment.disputed; its reopening reads the list again.
    told = events(WAITING, OWED)

    reread = row_says(WAITING, told, list_read=HELD)

    assert HELD_WORDS in reread and "Penny tries again" not in reread


@needs_node
def test_news_later_than_a_list_read_begun_before_it_still_stands_over_it() -> None:
    told = events(WAITING, OWED)

    reread = row_says(WAITING, told, list_read=WAITING)

    assert "To be refunded (paid after the meeting's start)" in reread


@needs_node
def test_an_event_delivered_after_a_later_one_changes_nothing() -> None:
    told = events(OWED, HELD) + events(WAITING, OWED)

    live = row_says(WAITING, told)

    assert HELD_WORDS in live and "Penny tries again" not in live


@needs_node
def test_without_versions_a_refund_held_by_a_dispute_is_later_than_the_refund_owed() -> None:
    # Events sent before they carried the booking's version: the state's rank decides.
    told = unversioned(events(WAITING, OWED) + events(OWED, HELD))

    live = row_says(replace(WAITING, version=None), told)

    assert HELD_WORDS in live and "Penny tries again" not in live
