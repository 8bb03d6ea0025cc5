"""From stream records to events: workers hear only what they subscribe to, dashboards all.

Records are built the way Lambda delivers them: the item's images in DynamoDB JSON,
stamped 2026-03-02T12:00:00Z. Alice's dashboard socket is open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.bookings import Attendee, Booking, BookingBrief, BookingStatus
from chalicelib.domain.events import EventKind
from chalicelib.domain.jobs import JobStatus
from chalicelib.integrations.jwt_tokens import JwtAccessTokens
from chalicelib.integrations.sns import SnsEventBus
from chalicelib.services.access_tokens import AccessClaims
from chalicelib.services.fanout import EventBus, Fanout
from chalicelib.services.realtime import Realtime
from chalicelib.services.tickets import RealtimeTickets
from chalicelib.store import codecs
from chalicelib.store.items import BookingItem, JobRecordItem
from chalicelib.store.queues import WORKER_TYPES
from chalicelib.store.stream import events_of
from tests.unit.fakes import (
    FakeEventBus,
    FakeLogins,
    FakeSender,
    FakeSockets,
    FixedClock,
)

NOW = datetime.fromisoformat("2026-03-02T12:00:00+00:00")


def a_booking(status: BookingStatus = BookingStatus.CONFIRMED) -> Booking:
    return Booking(
        uid="b-1", host_id="host-alice", event_type_id="alice-intro", event_title="Intro call",
        start=datetime.fromisoformat("2026-03-04T15:00:00+00:00"),
        end=datetime.fromisoformat("2026-03-04T15:30:00+00:00"),
        buffer_before=timedelta(0), buffer_after=timedelta(0),
        attendee=Attendee("Bo Booker", "bo@example.com", "Europe/London"),
        answers={}, status=status, created_at=NOW, location_kind="zoom")


def booking_image(b: Booking) -> dict[str, Any]:
    """As store/bookings.py writes it: the uid and the host only in the keys."""
    item = BookingItem(f"BOOKING#{b.uid}", "BOOKING", status=b.status.value,
                       data=codecs.booking_to_json(b), gsi2pk=f"HOSTBOOKINGS#{b.host_id}",
                       gsi2sk=f"{b.start.isoformat()}#{b.uid}")
    return dict(item.serialize())


def earlier_booking_image(b: Booking) -> dict[str, Any]:
    """As bookings were written before: the uid and the host as attributes too."""
    return {**booking_image(b), "uid": {"S": b.uid}, "host_id": {"S": b.host_id}}


def record(change_id: str, new: dict[str, Any], old: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    change: dict[str, Any] = {"ApproximateCreationDateTime": NOW.timestamp(), "NewImage": new}
    if old is not None:
        change["OldImage"] = old
    return {"eventID": change_id, "dynamodb": change}


class Dashboard:
    def __init__(self) -> None:
        clock = FixedClock(NOW)
        self.sockets, self.sender = FakeSockets(), FakeSender()
        logins = FakeLogins({"alice-token": AccessClaims("host-alice", "login-a")})
        ticket_tokens = JwtAccessTokens({"k1": "unit-test-key-0123456789abcdef"}, "k1",
                                        "penny", "penny-realtime", timedelta(seconds=60))
        tickets = RealtimeTickets(ticket_tokens, clock)
        self.realtime = Realtime(self.sockets, self.sender, logins, clock, tickets)
        self.realtime.connect("a-1", "alice-token")

    def types(self) -> list[str]:
        return [json.loads(m)["type"] for m in self.sender.sent.get("a-1", [])]


@pytest.fixture
def dashboard() -> Dashboard:
    return Dashboard()


def fanout(bus: EventBus, realtime: Realtime) -> Fanout:
    """Wired as bootstrap/realtime.py wires it: the store reads the records, the worker
    list filters."""
    return Fanout(bus, realtime, events_of, WORKER_TYPES)


def test_only_the_booking_changes_some_worker_takes_are_published() -> None:
    # notes and summary take confirmations; the calendar and notes jobs every change of
    # time; the payments job cancellations (refunds) and the hold timer's end; the notes
    # job the requests to write a page again (a video link, a brief, a reconnection);
    # the calendar job the push channels a short sync asks of it (published by that
    # sync, never read off the stream); and the calendar job a connection working again
    # without a reconnect (its catch-up of what was moved while it was broken).
    assert sorted(WORKER_TYPES) == ["booking.cancelled", "booking.confirmed",
                                    "booking.rescheduled", "calendar.requested",
                                    "calendar.watch_requested", "connection.repaired",
                                    "notes.requested", "payment.hold_expired"]


def test_a_new_booking_is_published_once_and_pushed_as_both_its_events(
        dashboard: Dashboard) -> None:
    bus = FakeEventBus()

    events = fanout(bus, dashboard.realtime).handle([record("c-1", booking_image(a_booking()))])

    assert [e.type for e in events] == [EventKind.BOOKING_CREATED, EventKind.BOOKING_CONFIRMED]
    assert bus.published == [events[1]]
    assert dashboard.types() == ["booking.created", "booking.confirmed"]


def test_a_booking_named_only_by_its_keys_makes_events_for_its_uid_and_host() -> None:
    image = booking_image(a_booking())
    assert "uid" not in image and "host_id" not in image

    (created, confirmed) = events_of(record("c-1", image))

    assert (created.host_id, created.booking["uid"]) == ("host-alice", "b-1")
    assert (confirmed.host_id, confirmed.booking["uid"]) == ("host-alice", "b-1")


def test_a_booking_written_before_reads_as_one_written_now() -> None:
    before = replace(a_booking(), status=BookingStatus.PENDING_PAYMENT)

    now = events_of(record("c-1", booking_image(a_booking()), booking_image(before)))
    earlier = events_of(record("c-1", earlier_booking_image(a_booking()),
                               earlier_booking_image(before)))

    assert [e.type for e in now] == [EventKind.BOOKING_CONFIRMED]
    assert now == earlier


def test_a_premium_hosts_booking_is_published_as_premium(dashboard: Dashboard) -> None:
    bus = FakeEventBus()

    fanout(bus, dashboard.realtime).handle(
        [record("c-1", booking_image(replace(a_booking(), premium=True)))])

    (confirmed,) = bus.published
    assert confirmed.premium is True


@dataclass
class SnsClient:
    """boto3's SNS client, as far as the bus uses it: what was published."""

    published: list[dict[str, Any]] = field(default_factory=list)

    def publish(self, **request: Any) -> None:
        self.published.append(request)


@pytest.mark.parametrize(("premium", "notes", "booking"), [
    ("false", "false", {}),
    ("true", "false", {"premium": True}),
    ("false", "true", {"keeps_notes": True}),
    ("false", "true", {"notes_url": "https://notion.so/page"}),
], ids=["ordinary", "premium", "keeps notes", "has a notes page"])
def test_the_sns_bus_sends_the_attributes_the_subscriptions_filter_on(
        premium: str, notes: str, booking: dict[str, Any]) -> None:
    client = SnsClient()
    (_, confirmed) = events_of(record("c-1", booking_image(replace(a_booking(), **booking))))

    SnsEventBus(client, "arn:aws:sns:us-east-1:123456789012:events").publish(confirmed)

    (request,) = client.published
    assert request["MessageAttributes"] == {
        "type": {"DataType": "String", "StringValue": "booking.confirmed"},
        "premium": {"DataType": "String", "StringValue": premium},
        "notes": {"DataType": "String", "StringValue": notes},
        "version": {"DataType": "Number", "StringValue": "1"}}
    assert json.loads(request["Message"]) == confirmed.to_json()


def test_a_cancellation_reaches_the_dashboard_and_the_calendar_worker(
        dashboard: Dashboard) -> None:
    bus = FakeEventBus()
    before = a_booking()
    after = replace(before, status=BookingStatus.CANCELLED)

    events = fanout(bus, dashboard.realtime).handle(
        [record("c-2", booking_image(after), booking_image(before))])

    assert [e.type for e in events] == [EventKind.BOOKING_CANCELLED]
    assert bus.published == events
    assert dashboard.types() == ["booking.cancelled"]


def test_a_video_link_written_on_a_booking_reaches_the_dashboard_but_no_worker(
        dashboard: Dashboard) -> None:
    bus = FakeEventBus()
    before = a_booking()
    after = replace(before, video_url="https://video.test/j/mtg-1", version=2)

    events = fanout(bus, dashboard.realtime).handle(
        [record("c-4", booking_image(after), booking_image(before))])

    assert [e.type for e in events] == [EventKind.BOOKING_UPDATED]
    assert events[0].booking["video_url"] == "https://video.test/j/mtg-1"
    assert bus.published == []
    assert dashboard.types() == ["booking.updated"]


def test_a_hosts_request_for_parked_notes_reaches_the_notes_worker_and_no_dashboard(
        dashboard: Dashboard) -> None:
    bus = FakeEventBus()
    before = a_booking()
    after = replace(before, notes_requested_at=before.created_at, version=2)

    events = fanout(bus, dashboard.realtime).handle(
        [record("c-5", booking_image(after), booking_image(before))])

    assert [e.type for e in events] == [EventKind.NOTES_REQUESTED]
    assert bus.published == events
    assert dashboard.types() == []


def test_notes_and_a_brief_written_on_a_booking_make_no_event(dashboard: Dashboard) -> None:
    # The job's own record announces them (notes.saved, summary.ready), once.
    bus = FakeEventBus()
    before = a_booking()
    after = replace(before, notes_url="https://notion.test/p-1",
                    brief=BookingBrief("Bo", "Pricing"), version=2)

    assert fanout(bus, dashboard.realtime).handle(
        [record("c-6", booking_image(after), booking_image(before))]) == []


def job_image(status: JobStatus, announces: str | None = "notes.saved") -> dict[str, Any]:
    item = JobRecordItem("JOB#e-1", "notes", event_type="booking.confirmed",
                         host_id="host-alice", booking={"uid": "b-1"}, announces=announces,
                         status=status.value, claim="c-1", lease_until=NOW, started_at=NOW,
                         expires_at=NOW + timedelta(days=30))
    return dict(item.serialize())


def test_a_finished_worker_job_is_pushed_but_not_published(dashboard: Dashboard) -> None:
    bus = FakeEventBus()

    events = fanout(bus, dashboard.realtime).handle([record(
        "c-3", job_image(JobStatus.DONE), job_image(JobStatus.IN_PROGRESS))])

    assert [e.type for e in events] == [EventKind.NOTES_SAVED]
    assert bus.published == []
    assert dashboard.types() == ["notes.saved"]


@pytest.mark.parametrize(("new", "old", "announces"), [
    (JobStatus.IN_PROGRESS, None, "notes.saved"),          # the claim: nothing is done yet
    (JobStatus.FAILED, JobStatus.IN_PROGRESS, "notes.saved"),
    (JobStatus.IN_PROGRESS, JobStatus.FAILED, "notes.saved"),  # a retry's claim
    (JobStatus.DONE, JobStatus.IN_PROGRESS, None),        # a job that announces nothing
])
def test_a_job_record_announces_nothing_until_it_is_done(
        dashboard: Dashboard, new: JobStatus, old: JobStatus | None,
        announces: str | None) -> None:
    change = record("c-4", job_image(new, announces),
                    None if old is None else job_image(old, announces))

    assert fanout(FakeEventBus(), dashboard.realtime).handle([change]) == []
    assert dashboard.types() == []


def test_every_record_of_a_batch_is_published_before_any_push(dashboard: Dashboard) -> None:
    order: list[str] = []

    class Bus:
        def publish(self, event: Any) -> None:
            order.append(f"publish {event.booking['uid']}")

    class Pushes(FakeSender):
        def send(self, socket_id: str, message: str) -> None:
            order.append(f"push {json.loads(message)['type']}")

    dashboard.realtime = replace(dashboard.realtime, sender=Pushes())
    second = replace(a_booking(), uid="b-2")

    events = fanout(Bus(), dashboard.realtime).handle(
        [record("c-1", booking_image(a_booking())), record("c-2", booking_image(second))])

    assert len(events) == 4
    assert order == ["publish b-1", "publish b-2", "push booking.created",
                     "push booking.confirmed", "push booking.created", "push booking.confirmed"]


def test_a_push_the_table_fails_does_not_fail_the_batch_nor_the_other_pushes(
        dashboard: Dashboard) -> None:
    # GIVEN the table refuses the first push's read of the host's sockets (throttled)
    reads: list[str] = []

    class Throttled(FakeSockets):
        def for_host(self, host_id: str, now: datetime) -> list[Any]:
            reads.append(host_id)
            if len(reads) == 1:
                raise RuntimeError("ProvisionedThroughputExceededException")
            return super().for_host(host_id, now)

    sockets = Throttled(records=dashboard.sockets.records)
    dashboard.realtime = replace(dashboard.realtime, sockets=sockets)
    bus = FakeEventBus()

    # WHEN a batch with a new booking (created + confirmed) is handled
    events = fanout(bus, dashboard.realtime).handle([record("c-1", booking_image(a_booking()))])

    # THEN the batch succeeds (a retry would publish its events to the workers again, and
    # hold up the stream's later records): the workers have theirs, the dashboard the rest
    assert [e.type for e in events] == [EventKind.BOOKING_CREATED, EventKind.BOOKING_CONFIRMED]
    assert len(bus.published) == 1
    assert dashboard.types() == ["booking.confirmed"]


def test_a_batch_without_bookings_or_jobs_makes_no_events(dashboard: Dashboard) -> None:
    bus = FakeEventBus()
    other = {"pk": {"S": "HOST#host-alice"}, "sk": {"S": "PROFILE"}, "kind": {"S": "profile"}}

    assert fanout(bus, dashboard.realtime).handle([record("c-9", other)]) == []
    assert bus.published == [] and dashboard.sender.sent == {}
