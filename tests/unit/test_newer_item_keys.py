"""Items a newer version wrote, read by this one (a deploy under way, or rolled back): the
keys it does not know are no error, change nothing it reads, and the payment document
writes them back as they were (chalicelib/store/newer_keys.py, payment_codec.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.bookings import Attendee, Booking, BookingStatus, Dispute, Payment
from chalicelib.domain.calendar_cache import CalendarRef, CalendarSetup, SyncState
from chalicelib.domain.event_types import EventType, LocationKind
from chalicelib.domain.payment_disputes import closed
from chalicelib.store import codecs
from chalicelib.store.calendar_cache import setup_from_json, setup_to_json
from chalicelib.store.payment_codec import payment_from_json, payment_to_json

PAID = datetime.fromisoformat("2026-03-02T12:00:00+00:00")
OPENED = datetime.fromisoformat("2026-03-10T09:00:00+00:00")
DECIDED = datetime.fromisoformat("2026-03-20T09:00:00+00:00")
GOOGLE = CalendarRef("google", "primary")


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


def a_booking(payment: Payment | None) -> Booking:
    return Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=datetime.fromisoformat("2026-03-04T15:00:00+00:00"),
        end=datetime.fromisoformat("2026-03-04T15:30:00+00:00"),
        buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"), answers={},
        status=BookingStatus.CONFIRMED, created_at=PAID, location_kind="zoom",
        price_minor=5000, currency="USD", payment=payment)


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


def test_a_booking_whose_document_and_payment_have_newer_keys_reads_as_without_them(
) -> None:
    stored = codecs.booking_to_json(a_booking(a_disputed_payment()))
    newer = {**stored, "reminder_sent_at": DECIDED.isoformat(),
             "payment": written_by_a_newer_version()}

    read = codecs.booking_from_json("b-1", "host-alice", "confirmed", 3, newer)

    assert read == codecs.booking_from_json("b-1", "host-alice", "confirmed", 3, stored)


def test_an_event_type_with_a_key_this_version_does_not_know_reads_as_without_it() -> None:
    event = EventType(id="alice-intro", host_id="host-alice", slug="intro",
                      title="Intro call", duration_minutes=30, location_kind=LocationKind.ZOOM)
    stored = codecs.event_type_to_json(event)

    read = codecs.event_type_from_json("alice-intro", "host-alice",
                                       {**stored, "color": "#3366ff"})

    assert read == event


def test_a_calendar_setup_with_keys_this_version_does_not_know_reads_as_without_them(
) -> None:
    setup = CalendarSetup((SyncState(GOOGLE, cursor="c-1"),), GOOGLE)
    stored = json.loads(setup_to_json(setup))
    stored["conflicts"][0]["sync_window_days"] = 90
    newer = json.dumps({**stored, "reminders": True})

    assert setup_from_json(newer) == setup


# ---- writing back ------------------------------------------------------------------------


def test_keys_a_newer_version_wrote_are_written_back_after_this_version_changes_the_payment(
) -> None:
    newer = written_by_a_newer_version()
    read = payment_from_json(newer)
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
