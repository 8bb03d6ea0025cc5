"""The cost model's arithmetic (bench/costing): prices x quantities, the free tier,
DynamoDB units from item sizes, Lambda billing, paid bookings and their hold timers,
Gemini's briefs (a vendor's bill, apart from AWS's), and the idle-month check
(infra.check)."""

from __future__ import annotations

import json
import random
import socket
import sysconfig
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bench.cold_start import ROOT
from bench.costing import calibrate, deployment, prices
from bench.costing.assemble import (
    FunctionMonth,
    Options,
    booking_shares,
    cold_starts,
    month_usage,
    part_weights,
    storage_gb,
    weighted,
)
from bench.costing.bill import bill, per_thousand
from bench.costing.briefs import GEMINI_CALL, BriefTokens, TokenPrice, briefs_bill, gemini_price
from bench.costing.by_route import by_route
from bench.costing.ceiling import ceiling, reserved_concurrency
from bench.costing.cuts import static_assets_off_lambda
from bench.costing.deployed_bytecode import deployed_pycache
from bench.costing.holds import ScheduleRun
from bench.costing.lambdas import Invocation, Invocations, cpu_scale, modelled_ms
from bench.costing.meter import AwsMeter
from bench.costing.month import hidden_close_minutes, keepalive_minutes
from bench.costing.paid_figures import booking_requests
from bench.costing.report import Report, text
from bench.costing.sample import Sample, child_cpu_ms, deployed_environment
from bench.costing.scenario import (
    DASHBOARDS,
    MONTH_MINUTES,
    PAID,
    UNPAID,
    Scenario,
    Spread,
    dashboard_counts,
)
from bench.costing.stored_items import StoredItems
from bench.costing.units import (
    billed_ms,
    chunks,
    cold_start_share,
    index_writes,
    item_size,
    read_units,
    storage_bytes,
    write_units,
)
from chalicelib.store.queues import QUEUES
from infra.check import problems
from infra.idle import idle_costs
from infra.parameter_stand_in import VALUES, lambda_environment
from local.metering import ApiCall
from sandbox.server import start_sandbox

TABLE = prices.load("arm64")


def cost(usage: dict[str, float]) -> tuple[float, float]:
    priced = bill(usage, TABLE)
    return priced.before_free_tier, priced.after_free_tier


# ---- the price table ------------------------------------------------------------------

def test_price_table_is_dated_and_names_a_source_for_every_service() -> None:
    doc = json.loads(prices.PRICES_FILE.read_text())
    assert date.fromisoformat(doc["taken_on"])
    assert doc["region"] == "us-east-1"
    assert all(s["source"].startswith("https://") for s in doc["services"].values())


def test_dynamodb_on_demand_prices_are_the_november_2024_ones() -> None:
    assert TABLE.meters["dynamodb.read_units"].unit_price * 1e6 == pytest.approx(0.125)
    assert TABLE.meters["dynamodb.write_units"].unit_price * 1e6 == pytest.approx(0.625)


def test_arm64_seconds_cost_a_fifth_less_than_x86() -> None:
    arm = TABLE.meters["lambda.gb_seconds"].unit_price
    x86 = prices.load("x86_64").meters["lambda.gb_seconds"].unit_price
    assert arm == pytest.approx(x86 * 0.8, rel=1e-4)


# ---- the bill and the free tier -------------------------------------------------------

def test_free_tier_absorbs_lambda_requests_below_one_million() -> None:
    before, after = cost({"lambda.requests": 999_999})
    assert before == pytest.approx(0.2, abs=1e-6)
    assert after == 0.0


def test_lambda_requests_above_one_million_bill_only_the_excess() -> None:
    before, after = cost({"lambda.requests": 3_000_000})
    assert before == pytest.approx(0.60)
    assert after == pytest.approx(0.40)


def test_free_tier_absorbs_400000_gb_seconds() -> None:
    before, after = cost({"lambda.gb_seconds": 500_000})
    assert before == pytest.approx(500_000 * 0.0000133334)
    assert after == pytest.approx(100_000 * 0.0000133334)


def test_rest_api_requests_get_no_free_tier_because_it_lasts_twelve_months_only() -> None:
    before, after = cost({"apigw.rest_requests": 1_000_000})
    assert before == after == pytest.approx(3.5)


def test_function_url_requests_cost_nothing() -> None:
    assert cost({"function_url.requests": 10_000_000}) == (0.0, 0.0)


def test_dynamodb_request_units_are_never_free() -> None:
    assert cost({"dynamodb.write_units": 1_000_000})[1] == pytest.approx(0.625)


def test_logs_free_tier_is_shared_by_ingestion_and_storage() -> None:
    priced = bill({"logs.ingested_gb": 4.0, "logs.stored_gb_month": 4.0}, TABLE)
    ingested, stored = priced.lines
    assert ingested.after_free_tier == 0.0
    assert stored.after_free_tier == pytest.approx(3.0 * 0.03)


def test_a_meter_without_a_price_is_an_error_not_a_free_line() -> None:
    with pytest.raises(KeyError):
        bill({"ec2.hours": 1.0}, TABLE)


def test_dominant_service_is_the_largest_before_the_free_tier() -> None:
    priced = bill({"lambda.requests": 900_000, "apigw.rest_requests": 100_000}, TABLE)
    service, share = priced.dominant()
    assert service == "API Gateway REST"
    assert share == pytest.approx(0.35 / (0.35 + 0.18))


def test_cost_per_thousand_bookings() -> None:
    assert per_thousand(0.5, 20_000) == pytest.approx(0.025)


def test_scheduler_bills_a_dollar_a_million_invocations_after_14_million_free() -> None:
    doc = json.loads(prices.PRICES_FILE.read_text())["services"]["eventbridge_scheduler"]
    assert date.fromisoformat(doc["read_on"])

    assert cost({"scheduler.invocations": 14_000_000}) == (pytest.approx(14.0), 0.0)
    assert cost({"scheduler.invocations": 15_000_000})[1] == pytest.approx(1.0)


# ---- DynamoDB units from what was sent and returned -----------------------------------

def test_item_size_counts_attribute_names_and_utf8_bytes() -> None:
    assert item_size({"pk": {"S": "é"}}) == 2 + 2


def test_number_takes_a_byte_per_two_significant_digits_plus_one() -> None:
    assert item_size({"n": {"N": "12345"}}) == 1 + 3 + 1
    assert item_size({"n": {"N": "1000"}}) == 1 + 1 + 1


def test_map_and_list_take_three_bytes_plus_one_per_element() -> None:
    assert item_size({"m": {"M": {"a": {"S": "x"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"l": {"L": [{"BOOL": True}, {"NULL": True}]}}) == 1 + 3 + 2 * (1 + 1)


def test_eventually_consistent_read_up_to_4_kb_is_half_a_unit() -> None:
    assert read_units(4096, consistent=False) == 0.5
    assert read_units(0, consistent=False) == 0.5  # nothing found still costs


def test_strongly_consistent_read_rounds_up_to_4_kb_units() -> None:
    assert read_units(4097, consistent=True) == 2.0


def test_write_rounds_up_to_1_kb_and_a_transaction_costs_twice() -> None:
    assert write_units(1025) == 2
    assert write_units(1025, transactional=True) == 4


def test_index_entry_moving_to_new_keys_is_a_delete_and_a_put() -> None:
    old = {"g": {"S": "a"}, "x": {"S": "1"}}
    new = {"g": {"S": "b"}, "x": {"S": "1"}}
    assert index_writes(old, new, ("g",)) == [item_size(old), item_size(new)]
    assert index_writes(old, dict(old), ("g",)) == [item_size(old)]


def test_item_without_the_index_keys_writes_nothing_to_the_index() -> None:
    assert index_writes(None, {"x": {"S": "1"}}, ("g",)) == []


def test_storage_adds_100_bytes_per_item_and_per_index_entry() -> None:
    item = {"pk": {"S": "a"}, "g": {"S": "b"}}
    assert storage_bytes([item], {"gsi": ("g",)}) == 2 * (item_size(item) + 100)


def test_meter_prices_a_transaction_from_item_sizes_and_updates_indexes_once() -> None:
    stored: dict[str, dict[str, dict[str, str]]] = {}
    meter = AwsMeter(lambda key: stored.get(key["pk"]["S"]), ("pk",), {"gsi": ("g",)})
    meter.enabled = True
    big = {"pk": {"S": "b"}, "g": {"S": "x"}, "blob": {"S": "z" * 1500}}
    params = {"TransactItems": [{"Put": {"Item": big}},
                                {"ConditionCheck": {"Key": {"pk": {"S": "c"}}}}]}
    meter.before("dynamodb", "TransactWriteItems", params)
    meter.after(ApiCall("dynamodb", "TransactWriteItems", params, {}, 200))
    assert meter.usage.write_units == {"TransactWriteItems": 2 * 2 + 2 * 1,
                                       "TransactWriteItems -> gsi": 2}


def test_failed_conditional_put_still_costs_a_unit_and_touches_no_index() -> None:
    meter = AwsMeter(lambda key: None, ("pk",), {"gsi": ("g",)})
    meter.enabled = True
    params = {"Item": {"pk": {"S": "a"}, "g": {"S": "x"}}}
    meter.before("dynamodb", "PutItem", params)
    meter.after(ApiCall("dynamodb", "PutItem", params, {"Error": {}}, 400))
    assert meter.usage.write_units == {"PutItem": 1}


def test_a_filtered_query_is_billed_on_the_items_it_read_not_those_it_returned() -> None:
    day = {"pk": {"S": "LEDGER#h"}, "sk": {"S": "DAY#1"}, "blob": {"S": "d" * 3000}}
    kept = {"pk": {"S": "LEDGER#h"}, "sk": {"S": "CAL#1"}, "n": {"S": "x"}}
    meter = AwsMeter(lambda key: None, ("pk", "sk"), {},
                     unfiltered=lambda op, params: [kept, day, day, day, day])
    meter.enabled = True
    params = {"KeyConditionExpression": "#pk = :pk", "FilterExpression": "#c = :c"}

    meter.after(ApiCall("dynamodb", "Query", params,
                        {"Items": [kept], "Count": 1, "ScannedCount": 5}, 200))

    assert meter.usage.read_units == {"Query": 1.5}  # 12 KB read: 3 units, halved


def test_the_harness_reads_a_filtered_query_again_without_its_filter_or_its_names() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])
        for n in range(5):
            client.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": str(n)},
                                                 "k": {"S": "x" if n == 0 else "y"}})
        stored = StoredItems()
        stored._reader = client

        read = stored._read_unfiltered("Query", {
            "TableName": "t", "KeyConditionExpression": "#p = :p",
            "FilterExpression": "#k = :k", "ExpressionAttributeNames": {"#p": "pk", "#k": "k"},
            "ExpressionAttributeValues": {":p": {"S": "a"}, ":k": {"S": "x"}}})

    assert sorted(item["sk"]["S"] for item in read) == ["0", "1", "2", "3", "4"]


def test_a_refused_conditional_put_is_billed_on_the_larger_attempted_item() -> None:
    small = {"pk": {"S": "a"}, "n": {"N": "1"}}
    meter = AwsMeter(lambda key: small, ("pk",), {"gsi": ("g",)})
    meter.enabled = True
    params = {"Item": {"pk": {"S": "a"}, "g": {"S": "x"}, "blob": {"S": "z" * 2900}}}
    meter.before("dynamodb", "PutItem", params)
    meter.after(ApiCall("dynamodb", "PutItem", params, {"Error": {}}, 400))
    assert meter.usage.write_units == {"PutItem": 3}


def test_a_refused_conditional_update_is_billed_on_at_least_the_values_it_sets() -> None:
    meter = AwsMeter(lambda key: None, ("pk",), {})
    meter.enabled = True
    params = {"Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET #b = :b",
              "ExpressionAttributeValues": {":b": {"S": "z" * 2000}}}
    meter.before("dynamodb", "UpdateItem", params)
    meter.after(ApiCall("dynamodb", "UpdateItem", params, {"Error": {}}, 400))
    assert meter.usage.write_units == {"UpdateItem": 2}


# ---- messages and Lambda --------------------------------------------------------------

def _burn(seconds: float) -> None:
    """Spend `seconds` of this thread's CPU (CPU time: the same on a busy machine)."""
    ends = time.thread_time() + seconds
    while time.thread_time() < ends:
        pass


def test_an_invocations_vendor_requests_go_out_with_its_answer_in_bytes_out() -> None:
    invocations = Invocations(AwsMeter(lambda key: None, ("pk",), {}))
    invocations.enabled = True
    sent = [500]  # sent before it: not this invocation's
    invocations.vendor_bytes = lambda: sent[0]

    def handler(event: Any, context: Any) -> None:
        sent[0] += 1200  # its requests to Google

    invocations.invoke("calendar_worker", "sns", handler, {}, None)
    invocations.amend(bytes_out=300, bytes_identity=900)

    record = invocations.records[-1]
    assert (record.bytes_out, record.bytes_identity, record.vendor_bytes) == (1500, 2100, 1200)


def test_the_sandbox_counts_each_request_as_its_client_sent_it() -> None:
    raw = (b"POST /stripe/v1/checkout/sessions?expand=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Authorization: Bearer sk_test_abc\r\nContent-Type: application/x-www-form-urlencoded"
           b"\r\nContent-Length: 11\r\nConnection: close\r\n\r\nmode=pay&a=")
    with start_sandbox() as sandbox:
        host, port = sandbox.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as conn:
            conn.sendall(raw)
            while conn.recv(65536):
                pass
        assert (sandbox.received.total, sandbox.received.requests) == (len(raw), 1)


def test_a_handlers_thread_pool_work_is_in_its_cpu_and_its_aws_time_is_not() -> None:
    meter = AwsMeter(lambda key: None, ("pk",), {})
    invocations = Invocations(meter)
    invocations.enabled = True

    def handler(event: Any, context: Any) -> str:
        def task() -> None:  # a parallel provider call: its client's work, then moto's
            _burn(0.03)
            meter.aws_begins()
            _burn(0.05)
            meter.aws_answered()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda _: task(), range(2)))
        return "done"

    assert invocations.invoke("api_handler", "GET /x", handler, {}, None) == "done"

    cpu = invocations.records[-1].cpu_ms
    assert 60 <= cpu < 100  # both tasks' 30 ms, neither's 50 ms in the embedded AWS
    assert ThreadPoolExecutor.submit is ThreadPoolExecutor.__dict__["submit"]


def test_concurrent_writes_on_two_threads_each_price_their_own_item() -> None:
    stored = {"big": {"pk": {"S": "big"}, "blob": {"S": "z" * 3000}}}
    meter = AwsMeter(lambda key: stored.get(key["pk"]["S"]), ("pk",), {})
    meter.enabled = True
    small = {"Item": {"pk": {"S": "small"}}}
    big = {"Item": {"pk": {"S": "big"}}}
    gate = threading.Barrier(2)

    def put(params: dict[str, Any]) -> None:
        meter.before("dynamodb", "PutItem", params)
        gate.wait()  # both have read their item before either answers
        meter.after(ApiCall("dynamodb", "PutItem", params, {}, 200))

    threads = [threading.Thread(target=put, args=(p,)) for p in (big, small)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert meter.usage.write_units == {"PutItem": 3 + 1}  # the big one's old image; 1 KB



def _sns_publish_units(params: dict[str, object]) -> int:
    meter = AwsMeter(lambda key: None, ("pk",), {})
    meter.enabled = True
    meter.after(ApiCall("sns", "Publish", params, {}, 200))
    return meter.usage.sns_publish_units


def test_a_publish_over_64_kb_is_billed_as_two_requests() -> None:
    assert _sns_publish_units({"Message": "x" * 65536}) == 1
    assert _sns_publish_units({"Message": "x" * 65537}) == 2
    assert _sns_publish_units({"Message": ""}) == 1
    assert chunks(65537, 65536) == 2


def test_message_attributes_count_towards_a_publishes_64_kb() -> None:
    attribute = {"type": {"DataType": "String", "StringValue": "booking.confirmed"}}
    assert _sns_publish_units({"Message": "x" * 65530, "MessageAttributes": attribute}) == 2


def test_lambda_bills_each_invocation_rounded_up_to_the_millisecond() -> None:
    assert billed_ms(0.2) == 1
    assert billed_ms(10.01) == 11


def test_cpu_at_512_mb_runs_at_under_a_third_of_a_vcpu() -> None:
    assert cpu_scale(512) == pytest.approx(1769 / 512)
    assert cpu_scale(3008) == 1.0


def test_billed_duration_is_scaled_cpu_plus_a_round_trip_per_request() -> None:
    invocation = Invocation("api_handler", "GET /x", ("dynamodb.Query", "dynamodb.Query"),
                            cpu_ms=2.0, log_bytes=0)
    assert modelled_ms(invocation, 3.0) == 1 + 6 + 5 + 5  # runtime, CPU x 3, two queries


def test_busy_functions_stay_at_the_cold_start_floor() -> None:
    assert cold_start_share(1_000_000, MONTH_MINUTES, 10, 0.01) == 0.01


def test_a_function_invoked_every_hour_is_cold_almost_every_time() -> None:
    assert cold_start_share(720, MONTH_MINUTES, 10, 0.01) > 0.8


def test_a_workers_cold_start_is_billed_at_its_own_init_with_its_vendors_sdk() -> None:
    months = {name: FunctionMonth(name, 512, invocations=720.0)
              for name in ("summary_worker", "payments_worker", "booking_events")}
    init = {"api": 500.0, "events": 400.0, "summary": 1000.0}

    cold_starts(months, init, Options())

    cold = months["summary_worker"].cold_starts
    assert months["summary_worker"].init_seconds == pytest.approx(cold * 1.0)
    assert months["payments_worker"].init_seconds == pytest.approx(cold * 0.4)  # unmeasured
    assert months["booking_events"].init_seconds == pytest.approx(cold * 0.4)


def test_a_cold_starts_first_request_work_is_billed_at_the_functions_cpu_share() -> None:
    months = {name: FunctionMonth(name, 256, invocations=720.0)
              for name in ("api_handler", "calendar_worker")}

    cold_starts(months, {"api": 300.0, "events": 300.0},
                Options(), first_use_ms={"api": 50.0, "events": 20.0, "calendar": 80.0})

    api, calendar = months["api_handler"], months["calendar_worker"]
    assert api.first_use_seconds == pytest.approx(api.cold_starts * 0.05 * 1769 / 256)
    assert calendar.first_use_seconds == pytest.approx(
        calendar.cold_starts * 0.08 * 1769 / 256)
    assert api.gb_seconds == pytest.approx(
        (api.billed_seconds + api.init_seconds + api.first_use_seconds) / 4)


def test_a_cold_start_is_measured_with_its_settings_read_from_parameter_store() -> None:
    code = ("import app; from chalicelib.bootstrap import container; "
            "print(container._settings.public_base_url)")
    with lambda_environment() as env:
        _, printed = child_cpu_ms(code, env)
    assert printed.split() == [VALUES["public-url"]]


def test_a_cold_starts_dynamodb_client_comes_from_the_session_that_read_the_settings() -> None:
    # One botocore session a container: a second parses botocore's data again (~50 ms).
    code = ("import sys, app; from chalicelib.integrations import aws_session; "
            "made = aws_session._session; boto3 = 'boto3' in sys.modules; "
            "from chalicelib import bootstrap; from chalicelib.store.tables import PennyItem; "
            "bootstrap.core(); "
            "print(made is not None, PennyItem._get_connection().connection.session is made, "
            "boto3)")
    with lambda_environment() as env:
        _, printed = child_cpu_ms(code, env)
    assert printed.split() == ["True", "True", "False"]


def test_a_cold_start_finds_bytecode_only_where_the_zip_ships_it() -> None:
    # The runtime's standard library and the shipped kinds' cold-start modules come
    # compiled (infra/bytecode.py); anything else is compiled on every cold start.
    code = ("import importlib._bootstrap_external as e; compiled = []; "
            "original = e.SourceLoader.source_to_code\n"
            "def counted(self, data, path, **kw):\n"
            "    compiled.append(path); return original(self, data, path, **kw)\n"
            "e.SourceLoader.source_to_code = counted\n"
            "import app, chalicelib.store.stream, chalicelib.integrations.gemini_brief_prompt, "
            "decimal, json, sys\n"
            "print(json.dumps(compiled))")
    with lambda_environment() as env, deployed_pycache(env, kinds=("events",)) as pycache:
        _, printed = child_cpu_ms(code, deployed_environment(env, "events", pycache))
    compiled = [Path(p) for p in json.loads(printed)]
    assert Path(sysconfig.get_paths()["stdlib"], "decimal.py") not in compiled
    assert not {Path(ROOT, "app.py"), Path(ROOT, "chalicelib/store/stream.py")} & set(compiled)
    assert Path(ROOT, "chalicelib/integrations/gemini_brief_prompt.py") in compiled


def test_spread_turns_one_and_a_half_into_alternating_ones_and_twos() -> None:
    spread = Spread(1.5)
    assert [spread.next() for _ in range(4)] == [1, 2, 1, 2]


# ---- whole months and the idle month --------------------------------------------------

def _empty_month(options: Options) -> dict[str, float]:
    return month_usage(Sample(), Scenario(bookings_per_host=0, sample_hosts=1),
                       lambda function: 512, {"api": 200.0, "events": 200.0}, options,
                       14).usage


def test_sqs_event_sources_poll_648000_times_a_month_per_idle_queue() -> None:
    usage = _empty_month(Options(worker_delivery="sqs-poll", queues=1))
    assert usage["sqs.requests"] == 648_000


def test_workers_pushed_by_sns_make_no_sqs_requests_when_idle() -> None:
    polled = _empty_month(Options(worker_delivery="sqs-poll"))
    pushed = _empty_month(Options(worker_delivery="sns-push"))
    assert polled["sqs.requests"] == 648_000 * len(QUEUES)  # the same month, polled
    assert pushed["sqs.requests"] == 0
    assert cost(pushed) == (0.0, 0.0)


def test_a_nat_gateway_or_an_enabled_sqs_mapping_would_bill_an_idle_month() -> None:
    template = {"Resources": {
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
        "Worker": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
            "Poll": {"Type": "SQS", "Properties": {"Queue": "q"}},
            "Replay": {"Type": "SQS", "Properties": {"Queue": "q", "Enabled": False}}}}}}}
    assert [f.resource for f in idle_costs(template)] == ["Nat", "Worker.Poll"]


def test_a_queue_named_by_getatt_provisioned_capacity_an_alarm_or_a_schedule_bill_idle(
        ) -> None:
    queue_arn = {"Fn::GetAtt": ["Dlq", "Arn"]}
    template = {"Resources": {
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Replay": {"Type": "AWS::Lambda::EventSourceMapping",
                   "Properties": {"EventSourceArn": queue_arn}},
        "Off": {"Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {"EventSourceArn": queue_arn, "Enabled": False}},
        "Stream": {"Type": "AWS::Lambda::EventSourceMapping",
                   "Properties": {"EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]}}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PROVISIONED"}},
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}},
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
        "Secret": {"Type": "AWS::SSM::Parameter", "Properties": {"Tier": "Advanced"}},
        "Nightly": {"Type": "AWS::Events::Rule",
                    "Properties": {"ScheduleExpression": "rate(1 day)"}},
    }}
    assert [f.resource for f in idle_costs(template)] == [
        "Replay", "Table", "Vpc", "Alarm", "Secret", "Nightly"]


def test_infra_check_fails_a_template_with_a_vpc_or_provisioned_capacity() -> None:
    found = problems({"Resources": {
        "PennyTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}}}})
    assert "billed by the hour or month even when idle: ['PennyTable', 'Vpc']" in found


def test_the_deployed_template_has_nothing_billed_while_idle() -> None:
    assert idle_costs(deployment.load().template) == []


# ---- what-ifs -------------------------------------------------------------------------

def _call(label: str, *requests: str) -> Invocation:
    return Invocation("api_handler", label, requests, 1.0, 0)


def _usage(sample: Sample, **options: Any) -> dict[str, float]:
    return month_usage(sample, Scenario(hosts=10, sample_hosts=1, paid_share=0.0),
                       lambda _: 512,
                       {"api": 100.0, "events": 100.0}, Options(**options), 14).usage


def test_static_assets_on_a_cdn_leave_the_function_and_the_front_door() -> None:
    sample = Sample(invocations=[_call("GET /static/{name}"), _call("GET /{host}/{event}")],
                    hosts=1)
    cut = static_assets_off_lambda(sample)
    assert [r.label for r in cut.invocations] == ["GET /{host}/{event}"]
    assert _usage(sample)["function_url.requests"] == 20
    assert _usage(cut)["function_url.requests"] == 10


def test_an_invocation_counts_as_many_times_as_its_weight_and_its_parts_share() -> None:
    page = replace(_call("GET /app"), part="dashboard:visits", weight=20.0, write_units=2.0)
    kept = replace(page, part="dashboard:visits:kept-open", weight=1000.0)
    booking = replace(_call("POST /hosts/{host}/{event}/bookings"), weight=1.0)
    sample = Sample(invocations=[page, kept, booking], hosts=1)
    scenario = Scenario(hosts=10, sample_hosts=1, paid_share=0.0,
                        dashboard_mix={"visits": 0.5})

    as_built = month_usage(sample, scenario, lambda _: 512, {"api": 1.0, "events": 1.0},
                           Options(), 14, part_weights(scenario)).usage
    before = month_usage(sample, scenario, lambda _: 512, {"api": 1.0, "events": 1.0},
                         Options(), 14, part_weights(scenario, kept_open=True)).usage

    assert as_built["function_url.requests"] == 10 * (20 * 0.5 + 1)
    assert as_built["dynamodb.write_units"] == 10 * 20 * 0.5 * 2.0
    assert before["function_url.requests"] == 10 * (1000 * 0.5 + 1)


def test_data_transfer_is_priced_as_sent_or_as_if_never_compressed() -> None:
    page = replace(_call("GET /{host}/{event}"), bytes_out=2**20, bytes_identity=3 * 2**20)
    sample = Sample(invocations=[page], hosts=1)

    assert _usage(sample)["data_transfer.out_gb"] == 10 * 2**20 / 2**30
    assert _usage(sample, compression=False)["data_transfer.out_gb"] == 30 * 2**20 / 2**30


def test_the_first_100_gb_out_a_month_are_free() -> None:
    priced = bill({"data_transfer.out_gb": 150.0}, prices.load("arm64")).lines[0]
    assert priced.before_free_tier == pytest.approx(150 * 0.09)
    assert priced.after_free_tier == pytest.approx(50 * 0.09)


def test_storage_after_a_year_keeps_twelve_months_of_growth_and_one_of_expiring_items() -> None:
    sample = Sample(hosts=2, stored_setup=2_000, stored_kept=4_000, stored_expiring=1_000)
    scenario = Scenario(hosts=2**30 // 1000, sample_hosts=2)

    assert storage_gb(sample, scenario) == pytest.approx(
        (2_000 + 12 * 2_000 + 1_000) / 2 * scenario.hosts / 2**30)


def test_a_hidden_tab_holds_its_socket_for_each_look_plus_the_grace() -> None:
    pattern = DASHBOARDS["working-day"]  # 22 days, 8 looks of 5 minutes a day

    counts = dashboard_counts(pattern, keepalive_minutes=9.0, hidden_close_minutes=5.0)

    assert counts.connection_minutes == 22 * 8 * (5 + 5)
    assert (counts.page_loads, counts.returns, counts.connections) == (22, 22 * 7, 22 * 8)
    assert counts.keepalives == 22 * 8  # one at minute 9 of each 10-minute connection
    assert counts.reconnects == 0


def test_a_tab_that_kept_its_socket_pays_every_minute_and_reconnects_every_two_hours() -> None:
    pattern = DASHBOARDS["around-the-clock"]

    counts = dashboard_counts(pattern, keepalive_minutes=9.0, hidden_close_minutes=None)

    assert counts.connection_minutes == MONTH_MINUTES
    assert counts.reconnects == MONTH_MINUTES / 120 - 1
    assert counts.keepalives == MONTH_MINUTES / 120 * 13  # 13 in each 2-hour connection


def test_the_abuse_ceiling_is_the_costliest_request_per_second_times_the_concurrency() -> None:
    cheap = replace(_call("GET /static/{name}"), bytes_out=0)
    costly = replace(_call("POST /hosts/{host}/{event}/bookings"), write_units=10.0)
    table = prices.load("arm64")

    found = ceiling([(cheap, 1.0), (costly, 1.0)], table, 512, 512, concurrency=10,
                    ws_rate=0.0)

    assert found.route == "POST /hosts/{host}/{event}/bookings"
    assert found.day == pytest.approx(found.per_second * 10 * 86_400)
    assert found.month == pytest.approx(found.day * 30)


def test_the_deployed_template_reserves_concurrency_for_the_api() -> None:
    from infra.template import PARAMETERS

    template = {"Parameters": PARAMETERS}
    assert reserved_concurrency(template) == int(PARAMETERS["ApiConcurrency"]["Default"]) > 0


def test_cpu_is_scaled_to_the_reference_core_by_the_calibration_loop() -> None:
    assert calibrate.factor(calibrate.REFERENCE_LOOP_MS * 2) == pytest.approx(0.5)
    assert calibrate.workload(rounds=2) == calibrate.workload(rounds=2)  # deterministic


def test_a_vendor_call_waits_as_long_as_the_vendor_takes() -> None:
    insert = replace(_call("sns"), provider_calls=("google.events.insert",))
    checkout = replace(_call("sns"), provider_calls=("stripe.checkout.sessions.create",))
    brief = replace(_call("sns"), provider_calls=(GEMINI_CALL,))
    assert modelled_ms(insert, 1.0) - modelled_ms(_call("sns"), 1.0) == 450
    assert modelled_ms(checkout, 1.0) - modelled_ms(_call("sns"), 1.0) == 400
    assert modelled_ms(brief, 1.0) - modelled_ms(_call("sns"), 1.0) == 2000


# ---- paid bookings --------------------------------------------------------------------

def _bookings_sample() -> Sample:
    """One host's 10 bookings, 2 of them paid: each booking's own requests in its part,
    the page views apart; one hold timer fired per paid booking."""
    view = replace(_call("GET /{host}/{event}"), weight=100.0)
    unpaid = replace(_call("POST /hosts/{host}/{event}/bookings"), part=UNPAID, weight=8.0,
                     write_units=5.0)
    held = replace(_call("POST /hosts/{host}/{event}/bookings"), part=PAID, weight=2.0,
                   write_units=7.0, provider_calls=("stripe.checkout.sessions.create",))
    hook = replace(_call("POST /webhooks/stripe"), part=PAID, weight=4.0, write_units=3.0)
    timer = ScheduleRun(sns_units=1, part=PAID, weight=2.0, host=0)
    return Sample(invocations=[view, unpaid, held, hook], schedules=[timer], hosts=1,
                  bookings=10, paid_bookings=2)


def test_the_month_unpaid_drops_the_paid_requests_and_scales_the_unpaid_to_all_bookings(
        ) -> None:
    sample = _bookings_sample()
    unpaid = Scenario(hosts=1, sample_hosts=1, paid_share=0.0)

    assert booking_shares(sample, Scenario(hosts=1, sample_hosts=1)) == {
        PAID: pytest.approx(1.0), UNPAID: pytest.approx(1.0)}
    assert booking_shares(sample, unpaid) == {PAID: 0.0, UNPAID: pytest.approx(1.25)}
    usage = month_usage(sample, unpaid, lambda _: 512, {"api": 1.0, "events": 1.0},
                        Options(), 14).usage
    assert usage["function_url.requests"] == pytest.approx(100 + 10)  # views + 10 bookings
    assert usage["dynamodb.write_units"] == pytest.approx(10 * 5.0)
    assert usage["scheduler.invocations"] == 0


def test_a_sample_with_one_kind_of_booking_is_priced_as_it_ran() -> None:
    sample = replace(_bookings_sample(), paid_bookings=0)
    assert booking_shares(sample, Scenario(paid_share=0.5)) == {}


def test_each_hold_timer_is_a_scheduled_invocation_and_an_sns_publish() -> None:
    usage = month_usage(_bookings_sample(), Scenario(hosts=10, sample_hosts=1,
                                                     paid_share=0.2),
                        lambda _: 512, {"api": 1.0, "events": 1.0}, Options(), 14).usage
    assert usage["scheduler.invocations"] == 10 * 2
    assert usage["sns.publishes"] == 10 * 2
    assert usage["function_url.requests"] == 10 * (100 + 8 + 2 + 4)


def test_a_paid_bookings_own_requests_are_counted_per_paid_booking() -> None:
    scenario = Scenario(hosts=1, sample_hosts=1, paid_share=0.2)
    sample = _bookings_sample()
    records = weighted(sample, scenario, part_weights(scenario))

    paid = booking_requests(records, runs=2.0, part=PAID, bookings=2)

    assert paid is not None
    assert (paid.api, paid.webhooks, paid.schedules, paid.payment_calls) == (3.0, 2.0, 1.0, 1.0)
    assert paid.write_units == (2 * 7.0 + 4 * 3.0) / 2
    assert booking_requests(records, 0.0, "booking:none", 8) is None


def test_the_month_sends_keepalives_as_often_as_the_dashboard_script() -> None:
    assert keepalive_minutes() == 9.0  # app-live.js: KEEPALIVE_MS = 9 * 60 * 1000
    assert hidden_close_minutes() == 3.0  # app-live.js: HIDDEN_CLOSE_MS = 3 * 60 * 1000


# ---- Gemini's briefs: a vendor's bill -------------------------------------------------

PRICE = TokenPrice("gemini-test", input=0.30e-6, output=2.50e-6, source="https://example")


def _brief_run(weight: float) -> Invocation:
    return replace(_call("sns"), function="summary_worker", weight=weight,
                   provider_calls=(GEMINI_CALL,))


def test_geminis_price_is_a_dated_vendor_entry_outside_the_aws_services() -> None:
    doc = json.loads(prices.PRICES_FILE.read_text())
    entry = doc["vendors"]["gemini"]
    assert "gemini" not in doc["services"]  # never a line of the AWS bill
    assert entry["source"].startswith("https://") and date.fromisoformat(entry["recorded_on"])
    price = gemini_price()
    assert price.model == "gemini-3.5-flash-lite"  # the model gemini_briefs.py pins
    assert (price.input * 1e6, price.output * 1e6) == pytest.approx((0.30, 2.50))


def test_a_brief_bills_its_prompt_as_input_and_its_answer_and_thinking_as_output() -> None:
    tokens = BriefTokens(input=400, answer=150, thinking=50)
    assert tokens.output == 200
    assert PRICE.of(tokens) == pytest.approx(400 * 0.30e-6 + 200 * 2.50e-6)


def test_the_months_briefs_are_the_weighted_gemini_calls_at_the_mean_tokens() -> None:
    records = [(_brief_run(1.0), 1500.0), (_brief_run(1.0), 500.0), (_call("sns"), 9e6)]
    measured = [BriefTokens(300, 100, 40), BriefTokens(500, 200, 60)]

    briefs = briefs_bill(records, measured, PRICE)

    assert briefs is not None and briefs.briefs == 2000
    assert briefs.tokens == BriefTokens(400, 150, 50)
    assert briefs.month == pytest.approx(2000 * PRICE.of(BriefTokens(400, 150, 50)))
    assert briefs.per(1000) == pytest.approx(briefs.month / 2)
    assert briefs_bill(records, [], PRICE) is None


def test_the_report_prints_the_briefs_below_the_aws_total_and_leaves_it_out_of_it() -> None:
    aws = bill({"lambda.requests": 3_000_000}, TABLE)
    briefs = briefs_bill([(_brief_run(1.0), 2000.0)], [BriefTokens(400, 150, 50)], PRICE)
    assert briefs is not None
    report = Report(["title"], aws, 20_000, {}, [], "template.json", 0, "", briefs=briefs)

    lines = text(report).splitlines()

    total = next(n for n, line in enumerate(lines) if line.startswith("total a month"))
    assert lines[total].split()[-2:] == ["$0.60", "$0.40"]  # AWS alone
    gemini = next(n for n, line in enumerate(lines) if line.startswith("Gemini briefs:"))
    assert gemini > total
    assert lines[gemini].startswith("Gemini briefs: 2,000 premium bookings x (400 input + "
                                    "200 output tokens)")
    assert lines[gemini].endswith(f"${briefs.month:.4f}")
    assert lines[gemini + 1].startswith("Gemini: 1,000 premium briefs a month")
    assert lines[gemini + 1].endswith(f"${briefs.per(1000):.4f}")


def test_the_routes_rows_price_the_same_requests_units_and_bytes_as_the_month() -> None:
    page = replace(_call("GET /{host}/{event}", "dynamodb.Query"), weight=10.0,
                   read_units=1.5, bytes_out=3000, bytes_identity=9000)
    booking = replace(_call("POST /hosts/{host}/{event}/bookings",
                            "dynamodb.TransactWriteItems"), write_units=9.5)
    job = replace(_call("sns", "dynamodb.PutItem"), function="calendar_worker",
                  write_units=6.0, provider_calls=("google.events.insert",))
    sample = Sample(invocations=[page, booking, job], hosts=1)
    scenario = Scenario(hosts=10, sample_hosts=1, paid_share=0.0)
    records = weighted(sample, scenario, part_weights(scenario))
    table = prices.load("arm64")
    month = bill(month_usage(sample, scenario, lambda _: 512, {"api": 0.0, "events": 0.0},
                             Options(), 14).usage, table)
    line = {priced.meter: priced.before_free_tier for priced in month.lines}

    rows = by_route(records, table, lambda _: 512)

    assert {(r.function, r.label) for r in rows} == {
        ("api_handler", "GET /{host}/{event}"),
        ("api_handler", "POST /hosts/{host}/{event}/bookings"), ("calendar_worker", "sns")}
    assert [r.total for r in rows] == sorted((r.total for r in rows), reverse=True)
    assert sum(r.invocations for r in rows) == 10 * (10 + 1 + 1)
    assert sum(r.requests for r in rows) == pytest.approx(line["lambda.requests"])
    assert sum(r.reads for r in rows) == pytest.approx(line["dynamodb.read_units"])
    assert sum(r.writes for r in rows) == pytest.approx(line["dynamodb.write_units"])
    assert sum(r.sent for r in rows) == pytest.approx(line["data_transfer.out_gb"])
    assert sum(r.seconds for r in rows) == pytest.approx(line["lambda.gb_seconds"])
    by_part = by_route(records, table, lambda _: 512, parts=True)
    assert sum(r.total for r in by_part) == pytest.approx(sum(r.total for r in rows))


@pytest.mark.parametrize("secure", [True, False])
def test_the_harness_sends_back_the_oauth_binding_cookie_a_connect_sets(secure: bool) -> None:
    from bench.costing.function_url import binding_from
    from chalicelib.functions.connections import binding_cookie

    set_cookies = ["__Host-penny_session=abc; Path=/; HttpOnly",
                   binding_cookie("bound", secure, 600, "s" * 20)]

    assert binding_from(set_cookies) == f"{'__Host-' if secure else ''}penny_oauth_{'s' * 16}=bound"


def test_a_booking_the_api_refuses_stops_the_month_rather_than_pricing_it_unmade() -> None:
    # GIVEN a sample whose booking request the API refuses (400: the model's own request
    # fault, as a client address the API stopped taking was): priced, the month read
    # $1.46 with no booking, worker or stream in it
    from types import SimpleNamespace

    from bench.costing.month_bookings import MonthBookings
    from bench.costing.sample_host import Host

    months = MonthBookings.__new__(MonthBookings)
    refused = {"error": {"code": "validation_error", "field": "attendee.email"}}
    months.harness = SimpleNamespace(  # type: ignore[assignment]
        http_json=lambda *args, **kwargs: (400, refused))
    host = Host.__new__(Host)
    host.slug = "sample-1"

    # THEN the run stops, naming the refusal; a time taken meanwhile is tried again
    with pytest.raises(RuntimeError, match="validation_error"):
        months._hold(host, "intro", "UTC", ["2026-12-14T15:00:00Z"], random.Random(1))
    months.harness = SimpleNamespace(  # type: ignore[assignment]
        http_json=lambda *args, **kwargs: (409, {"error": {"code": "slot_taken"}}))
    assert months._hold(host, "intro", "UTC", ["2026-12-14T15:00:00Z"] * 3,
                        random.Random(1)) is None
