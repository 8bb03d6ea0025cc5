"""The premium plan: the operator switches it (infra/premium.py, finding the table through
the stage's stack as in AWS), the host cannot, and only a premium host's bookings reach
the summary worker (the filtered subscriptions the local stack provisions, on moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.store.hosts import HostRepository
from chalicelib.store.items import CounterItem, JobRecordItem
from chalicelib.store.tables import table_definition
from infra import premium as operator
from tests.functional import factories as f
from tests.functional.conftest import TABLE, Api
from tests.functional.hosts import make_host
from tests.functional.realtime_wiring import Wiring, deliver_stream, invoke, sns_event


@pytest.fixture
def aws() -> Iterator[None]:
    """The table as a deployed stage has it: made by the stack "penny-prod"."""
    with mock_aws():
        table = {"Type": "AWS::DynamoDB::Table",
                 "Properties": {"TableName": TABLE, **table_definition()}}
        boto3.client("cloudformation", region_name="us-east-1").create_stack(
            StackName="penny-prod", TemplateBody=json.dumps({"Resources": {"PennyTable": table}}))
        yield


def make_premium(slug: str, *switch: str) -> int:
    """`make premium HOST=<slug> ON=1` (or --off): the operator's command."""
    return operator.main(["--stage", "prod", "--host", slug, *(switch or ("--on",))])


def is_premium(slug: str) -> bool:
    return HostRepository().public_config(slug).premium


def delivered(wiring: Wiring) -> dict[str, list[dict[str, Any]]]:
    """What SNS put on each worker's queue: its notifications (the event, attributes)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    return {name: [json.loads(m["Body"]) for m in sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
        for name, url in wiring.queues.items()}


def book(api: Api, wiring: Wiring) -> dict[str, list[dict[str, Any]]]:
    wiring.stream.read()  # skip the setup writes
    assert api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z")).status == 201
    deliver_stream(api, wiring)
    return delivered(wiring)


# ---- the operator's switch -----------------------------------------------------------------


def test_the_operator_command_switches_a_hosts_premium_plan_on_and_off(
        api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    make_host(api)
    assert is_premium("alice") is False

    assert make_premium("alice", "--on") == 0
    assert is_premium("alice") is True
    assert capsys.readouterr().out.startswith("premium: alice (host ")

    assert make_premium("alice", "--off") == 0
    assert is_premium("alice") is False


def test_the_operator_command_says_when_no_host_has_the_slug(
        api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_premium("nobody") == 1
    assert "no host has the slug 'nobody'" in capsys.readouterr().err


def test_a_host_cannot_make_itself_premium_through_the_api(api: Api) -> None:
    token = make_host(api)

    r = api.put("/me/profile", f.profile("alice", premium=True), token=token)

    assert (r.status, r.code) == (400, "validation_error"), r.json
    assert is_premium("alice") is False
    assert "premium" not in api.get("/me/profile", token=token).json


def test_the_hosts_own_profile_update_keeps_the_operators_switch(api: Api) -> None:
    token = make_host(api)
    make_premium("alice")

    r = api.put("/me/profile", f.profile("alice-l", display_name="Alice L"), token=token)

    assert r.status == 200, r.json
    assert is_premium("alice-l") is True


# ---- the fan-out: the summary worker's subscription takes premium hosts only --------------


def test_an_ordinary_hosts_booking_reaches_the_calendar_worker_only(
        api: Api, wiring: Wiring) -> None:
    make_host(api)

    got = book(api, wiring)

    assert {name: [json.loads(n["Message"])["type"] for n in notes]
            for name, notes in got.items()} == {
        "notes": [], "summary": [], "calendar": ["booking.confirmed"], "payments": []}
    # Not premium, and no notes kept: neither the summary nor the notes worker is invoked
    (notification,) = got["calendar"]
    for attribute in ("premium", "notes"):
        assert notification["MessageAttributes"][attribute] == {"Type": "String",
                                                                "Value": "false"}
        assert attribute not in json.loads(notification["Message"])


def test_a_premium_hosts_booking_reaches_summary_too_which_says_when_briefs_are_not_set_up(
        api: Api, wiring: Wiring) -> None:
    make_host(api)
    make_premium("alice")

    got = book(api, wiring)

    assert {name: len(notes) for name, notes in got.items()} == {
        "notes": 0, "summary": 1, "calendar": 1, "payments": 0}
    (notification,) = got["summary"]
    assert notification["MessageAttributes"]["premium"] == {"Type": "String", "Value": "true"}
    event = json.loads(notification["Message"])
    assert (event["type"], event["premium"]) == ("booking.confirmed", True)
    assert invoke(api, "summary_worker", sns_event(notification["Message"])) == {}
    # This Penny has no Gemini entry: the job gives up for good (no retry can set it up)
    # and its record says why; the briefs themselves: tests/functional/test_notes_workers.py.
    (record,) = JobRecordItem.scan()
    assert (record.sk, record.status, record.retryable) == ("summary", "failed", False)
    assert "briefs are not set up on this Penny" in str(record.reason)
    # No model call was made: none of the host's briefs for the month is used.
    assert [c for c in CounterItem.scan() if c.pk.startswith("COUNTER#briefs#")] == []

