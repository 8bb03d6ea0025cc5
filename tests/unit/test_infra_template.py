import json
import re
from pathlib import Path

from chalicelib.store.tables import table_definition
from infra.functions import FUNCTION_ACCESS, function_resources
from infra.messaging import STREAM_DEAD_LETTER_QUEUE
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
