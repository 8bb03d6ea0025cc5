import json
import re
from pathlib import Path
from typing import Any

from chalicelib.store.queues import QUEUES, WORKER_TIMEOUT
from chalicelib.store.tables import table_definition
from infra.functions import FUNCTION_ACCESS, function_resources
from infra.messaging import STREAM_DEAD_LETTER_QUEUE, worker_function
from infra.template import render, template

ROOT = Path(__file__).resolve().parents[2]


def test_committed_merge_template_is_generated_from_the_table_definition() -> None:
    committed = json.loads((ROOT / "infra" / "resources.json").read_text())
    assert committed == template(), "run: python -m infra.template > infra/resources.json"


def test_regenerating_the_merge_template_leaves_the_tree_clean() -> None:
    # `make package` rewrites infra/resources.json: same content in another key order
    # would still show as a change in git.
    assert (ROOT / "infra" / "resources.json").read_text() == render(), (
        "run: python -m infra.template > infra/resources.json")


def test_template_table_has_the_same_keys_and_indexes_as_the_models() -> None:
    props = template()["Resources"]["PennyTable"]["Properties"]
    definition = table_definition()
    assert props["KeySchema"] == definition["KeySchema"]
    assert props["GlobalSecondaryIndexes"] == definition["GlobalSecondaryIndexes"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_a_failed_first_create_takes_the_table_with_it_but_a_deleted_stack_keeps_it() -> None:
    table = template()["Resources"]["PennyTable"]
    assert table["DeletionPolicy"] == "RetainExceptOnCreate"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_rest_gateway_answers_keep_their_status_except_an_unknown_route() -> None:
    responses = template()["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    rewritten = {kind: r["StatusCode"] for kind, r in responses.items() if "StatusCode" in r}
    assert rewritten == {"MISSING_AUTHENTICATION_TOKEN": "404"}
    assert {"DEFAULT_4XX", "THROTTLED"} <= set(responses)
    assert responses["THROTTLED"]["ResponseParameters"] == {"Headers": {"Retry-After": "'1'"}}
    assert '"code": "too_many_requests"' in responses["THROTTLED"]["ResponseTemplates"][
        "application/json"]


def test_gateway_responses_are_part_of_the_api_definition_not_standalone() -> None:
    resources = template()["Resources"]
    assert [name for name, r in resources.items()
            if r.get("Type") == "AWS::ApiGateway::GatewayResponse"] == []


def test_the_rest_api_has_only_its_own_throttled_stage() -> None:
    # SAM adds a second stage, "Stage", to an API without OpenApiVersion; a 3.x version
    # would also rewrite Chalice's Swagger 2.0 definition.
    version = template()["Resources"]["RestAPI"]["Properties"]["OpenApiVersion"]
    assert re.match(r"\A[2-3](\.\d)(\.\d)?$", version) and not version.startswith("3")


def test_a_stream_batch_that_keeps_failing_is_noted_in_a_queue_the_function_may_write() -> None:
    resources = template()["Resources"]
    (source,) = resources["BookingEvents"]["Properties"]["Events"].values()
    destination = {"Fn::GetAtt": [STREAM_DEAD_LETTER_QUEUE, "Arn"]}
    assert source["Properties"]["DestinationConfig"] == {"OnFailure": {"Destination": destination}}
    assert resources[STREAM_DEAD_LETTER_QUEUE]["Type"] == "AWS::SQS::Queue"
    statements = function_resources()["BookingEventsRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]
    assert {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [destination]} in (
        statements)
    assert FUNCTION_ACCESS["BookingEvents"]["stream_failures"] == ("SendMessage",)


def test_the_api_function_has_a_concurrency_ceiling_unless_it_is_set_to_zero() -> None:
    document = template()
    ceiling = document["Resources"]["APIHandler"]["Properties"]["ReservedConcurrentExecutions"]
    assert ceiling == {"Fn::If": ["WithConcurrencyCeiling", {"Ref": "ApiConcurrency"},
                                  {"Ref": "AWS::NoValue"}]}
    assert document["Parameters"]["ApiConcurrency"]["Default"] == "10"
    assert document["Conditions"]["WithConcurrencyCeiling"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ApiConcurrency"}, "0"]}]}


def _statements(role: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = function_resources()[role]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]
    return statements


def test_hold_timers_run_as_a_scheduler_role_of_this_account_that_only_publishes() -> None:
    resources = template()["Resources"]
    assert resources["HoldScheduleGroup"]["Type"] == "AWS::Scheduler::ScheduleGroup"
    role = resources["HoldSchedulerRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [{"Ref": "EventsTopic"}]}]


def test_only_the_api_function_schedules_holds_in_their_group_and_passes_their_role() -> None:
    api = _statements("ApiHandlerRole")
    assert {"Effect": "Allow", "Action": ["scheduler:CreateSchedule"], "Resource": [
        {"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:"
                    "schedule/${HoldScheduleGroup}/*"}]} in api
    assert {"Effect": "Allow", "Action": ["iam:PassRole"],
            "Resource": [{"Fn::GetAtt": ["HoldSchedulerRole", "Arn"]}],
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
            } in api
    others = [a for f in FUNCTION_ACCESS if f != "APIHandler"
              for s in _statements(f"{f}Role") for a in s["Action"]]
    assert not [a for a in others if a.startswith(("scheduler:", "iam:"))]


def test_where_a_payment_service_is_built_the_hold_timer_settings_are_set() -> None:
    resources = template()["Resources"]
    wanted = {"PENNY_HOLD_SCHEDULER_ROLE_ARN": {"Fn::GetAtt": ["HoldSchedulerRole", "Arn"]},
              "PENNY_HOLD_SCHEDULE_GROUP": {"Ref": "HoldScheduleGroup"}}
    for function in ("APIHandler", "PaymentsWorker"):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert wanted.items() <= variables.items(), function


def test_a_replay_invocation_carries_one_job_so_no_job_runs_past_the_workers_timeout() -> None:
    # The worker's timeout is one job's budget (the job's lease is cut from it, a brief
    # is bounded below it): a replay batch of several, run one after another, would be
    # killed part way and come back whole, the jobs it finished included.
    resources = template()["Resources"]
    for spec in QUEUES:
        worker = worker_function(spec)
        replay = resources[worker]["Properties"]["Events"][f"{worker}Replay"]["Properties"]
        assert replay["BatchSize"] == 1, worker
        assert replay["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert resources[worker]["Properties"]["Timeout"] == WORKER_TIMEOUT


def test_a_function_may_read_only_the_parameters_penny_keeps_its_settings_in() -> None:
    # GIVEN the parameters every function reads at cold start (chalicelib/secret_parameters.py)
    from chalicelib.secret_parameters import PARAMETERS

    wanted = sorted(f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:"
                     f"parameter/penny/${{AWS::StackName}}/{name}" for name in PARAMETERS)
    roles = {name: r for name, r in function_resources().items() if name.endswith("Role")}
    assert len(roles) == len(FUNCTION_ACCESS)
    for name, role in roles.items():
        statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        reads = [s for s in statements if "ssm:GetParameters" in s.get("Action", [])]
        # THEN its role names those two, not the whole path: nothing else an operator
        # keeps under /penny/<stack>/ is in any function's reach
        assert len(reads) == 1, name
        assert sorted(r["Fn::Sub"] for r in reads[0]["Resource"]) == wanted, name


def test_only_the_api_function_may_send_email_and_only_from_the_configured_sender() -> None:
    # GIVEN the sender the operator sets (`make deploy DEPLOY_ARGS="--email-sender ..."`)
    document = template()
    assert document["Parameters"]["EmailSender"]["Default"] == ""
    assert document["Conditions"]["SendsEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "EmailSender"}, ""]}]}
    variables = document["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]

    # THEN the API function is told it, and may send (SES v2 SendEmail) only from that
    # address, under its own identity or its domain's, and nothing at all without one
    assert variables["PENNY_EMAIL_SENDER"] == {"Ref": "EmailSender"}
    sends = [s for s in _statements("ApiHandlerRole") if "Fn::If" in s]
    identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
    assert sends == [{"Fn::If": ["SendsEmail", {
        "Effect": "Allow", "Action": ["ses:SendEmail"],
        "Resource": [{"Fn::Sub": [identity + "${Sender}", {"Sender": {"Ref": "EmailSender"}}]},
                     {"Fn::Sub": [identity + "${Domain}", {"Domain": {"Fn::Select": [
                         1, {"Fn::Split": ["@", {"Ref": "EmailSender"}]}]}}]}],
        "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "EmailSender"}}}},
        {"Ref": "AWS::NoValue"}]}]
    others = [json.dumps(s) for f in FUNCTION_ACCESS if f != "APIHandler"
              for s in _statements(f"{f}Role")]
    assert not [s for s in others if "ses:" in s]
    assert "PENNY_EMAIL_SENDER" not in json.dumps(
        {f: document["Resources"][f]["Properties"]["Environment"] for f in FUNCTION_ACCESS
         if f != "APIHandler"})

