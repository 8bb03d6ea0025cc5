"""One list declares the workers (chalicelib/store/queues.py); app.py's functions, the
jobs, the SNS filters (the local stack's too), the publisher's types and the table
stream's filter follow it."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

import app as app_module
from chalicelib.bootstrap import Core, build_worker
from chalicelib.domain.events import EventKind
from chalicelib.settings import Settings
from chalicelib.store.queues import QUEUES, WORKER_TYPES, QueueSpec
from chalicelib.store.stream import STREAM_FILTERS, passes_filter
from infra.check import problems
from infra.messaging import messaging_resources, worker_function
from infra.template import template
from tests.unit.fakes import FixedClock

SERVICES = Core(Settings(), FixedClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))


def test_the_list_declares_todays_workers_and_what_they_announce() -> None:
    assert [(s.name, s.event_types, s.announces) for s in QUEUES] == [
        ("notes", ("booking.confirmed", "booking.rescheduled", "booking.cancelled",
                   "notes.requested"), "notes.saved"),
        ("summary", ("booking.confirmed",), "summary.ready"),
        ("calendar", ("booking.confirmed", "booking.rescheduled", "booking.cancelled",
                      "calendar.requested", "calendar.watch_requested",
                      "connection.repaired"), None),
        ("payments", ("booking.cancelled", "payment.hold_expired"), None),
    ]


def test_only_the_summary_worker_is_for_premium_hosts_only() -> None:
    assert [s.name for s in QUEUES if s.premium_only] == ["summary"]


def test_only_the_notes_worker_hears_bookings_with_notes_only() -> None:
    assert [s.name for s in QUEUES if s.notes_only] == ["notes"]
    (notes,) = [s for s in QUEUES if s.notes_only]
    assert notes.filter_policy["notes"] == ["true"]


def test_app_has_one_worker_function_per_worker_of_the_list() -> None:
    functions = {f.name: f.handler_string for f in app_module.app.pure_lambda_functions}

    assert functions == {s.function_name: f"app.{s.function_name}" for s in QUEUES}
    for spec in QUEUES:  # the handler string names an attribute Lambda can find
        assert getattr(app_module, spec.function_name) is not None


@pytest.mark.parametrize("spec", QUEUES, ids=lambda s: s.name)
def test_each_worker_of_the_list_builds_the_job_it_declares(spec: QueueSpec) -> None:
    runner = build_worker(SERVICES, spec)

    assert runner.job.name == spec.name
    assert [t.value for t in runner.job.takes] == list(spec.event_types)
    assert runner.job.announces == (None if spec.announces is None
                                    else EventKind(spec.announces))
    assert runner.lease.total_seconds() == 75
    assert runner.premium_only is spec.premium_only
    assert runner.notes_only is spec.notes_only


def test_a_list_entry_its_job_disagrees_with_is_refused() -> None:
    wrong = replace(QUEUES[0], event_types=("booking.cancelled",))

    with pytest.raises(LookupError, match=r"booking\.cancelled"):
        build_worker(SERVICES, wrong)


def test_sns_filters_and_the_published_types_come_from_the_list() -> None:
    resources = messaging_resources()

    for spec in QUEUES:
        (push,) = [e for e in resources[worker_function(spec)]["Properties"]["Events"].values()
                   if e["Type"] == "SNS"]
        assert push["Properties"]["FilterPolicy"] == spec.filter_policy
    assert {t for spec in QUEUES for t in spec.event_types} == WORKER_TYPES


def test_the_summary_and_notes_subscriptions_also_require_their_attribute() -> None:
    policies = {spec.name: spec.filter_policy for spec in QUEUES}

    assert policies == {
        "notes": {"type": ["booking.confirmed", "booking.rescheduled", "booking.cancelled",
                           "notes.requested"], "notes": ["true"]},
        "summary": {"type": ["booking.confirmed"], "premium": ["true"]},
        "calendar": {"type": ["booking.confirmed", "booking.rescheduled",
                              "booking.cancelled", "calendar.requested",
                              "calendar.watch_requested", "connection.repaired"]},
        "payments": {"type": ["booking.cancelled", "payment.hold_expired"]},
    }
    # The merge template (infra/resources.json is its committed copy) subscribes so.
    events = template()["Resources"]["SummaryWorker"]["Properties"]["Events"]
    assert events["SummaryWorkerBookingEvents"]["Properties"]["FilterPolicy"] == {
        "type": ["booking.confirmed"], "premium": ["true"]}


def test_the_template_check_refuses_a_summary_subscription_open_to_every_host() -> None:
    merged = template()
    # What `chalice package` adds to the functions' fragments: their type.
    for resource in merged["Resources"].values():
        resource.setdefault("Type", "AWS::Serverless::Function")
    opened = copy.deepcopy(merged)
    events = opened["Resources"]["SummaryWorker"]["Properties"]["Events"]
    del events["SummaryWorkerBookingEvents"]["Properties"]["FilterPolicy"]["premium"]

    assert set(problems(opened)) - set(problems(merged)) == {
        "summary: not one SNS subscription filtered as the list says (its types; premium "
        "hosts, or bookings with notes, only where it says so)"}


def test_the_stream_filter_lets_through_bookings_jobs_done_and_connections_broken_or_repaired(
        ) -> None:
    source = messaging_resources()["BookingEvents"]["Properties"]["Events"][
        "BookingEventsDynamodbEventSource"]["Properties"]
    patterns = [json.loads(f["Pattern"]) for f in source["FilterCriteria"]["Filters"]]

    assert patterns == [
        {"dynamodb": {"NewImage": {"kind": {"S": ["booking"]}}}},
        {"dynamodb": {"NewImage": {"kind": {"S": ["job"]}, "status": {"S": ["done"]},
                                   "announces": {"S": ["notes.saved", "summary.ready"]}}}},
        {"dynamodb": {"NewImage": {"kind": {"S": ["connection"]}, "status": {"S": ["broken"]}}}},
        {"dynamodb": {
            "OldImage": {"kind": {"S": ["connection"]}, "status": {"S": ["broken"]}},
            "NewImage": {"kind": {"S": ["connection"]},
                         "status": {"S": ["connected", "pending"]}}}},
        {"dynamodb": {"NewImage": {"kind": {"S": ["calendar_removed"]}}}},
    ]
    assert len(STREAM_FILTERS) == len(patterns)


def connection(status: str) -> dict[str, Any]:
    return {"kind": {"S": "connection"}, "status": {"S": status}}


@pytest.mark.parametrize(("image", "old", "passes"), [
    ({"kind": {"S": "booking"}}, None, True),
    ({"kind": {"S": "job"}, "status": {"S": "done"}, "announces": {"S": "notes.saved"}},
     None, True),
    ({"kind": {"S": "job"}, "status": {"S": "in_progress"},
      "announces": {"S": "notes.saved"}}, None, False),
    ({"kind": {"S": "job"}, "status": {"S": "done"}}, None, False),     # announces nothing
    ({"kind": {"S": "profile"}}, None, False),
    (connection("broken"), None, True),
    (connection("broken"), connection("connected"), True),
    (connection("connected"), None, False),                              # a new connection
    (connection("connected"), connection("connected"), False),           # a refresh
    (connection("connected"), connection("broken"), True),               # repaired
    (connection("pending"), connection("broken"), True),                 # Stripe, made again
    (connection("connected"), connection("pending"), False),             # set-up finished
    (None, connection("broken"), False),                                 # disconnected
    (None, None, False),
], ids=["booking", "job done", "job claimed", "job announcing nothing", "profile",
        "new and broken", "broken", "new connection", "refresh", "repaired",
        "repaired to pending", "set-up finished", "disconnected", "nothing"])
def test_what_the_stream_filter_passes(image: dict[str, Any] | None,
                                       old: dict[str, Any] | None, passes: bool) -> None:
    change = {name: value for name, value in (("NewImage", image), ("OldImage", old))
              if value is not None}

    assert passes_filter(change) is passes
