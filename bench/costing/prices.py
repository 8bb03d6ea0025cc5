"""The one dated price table (bench/prices.json), read into the meters the bill uses.

A meter is one line of an AWS bill: a quantity, a price per unit of it, and the free
tier that covers part of it. Free-tier allowances shared by several meters (CloudWatch
Logs' 5 GB covers ingestion and storage together) are named pools.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).resolve().parents[1] / "prices.json"


@dataclass(frozen=True)
class Meter:
    service: str        # as the bill groups it
    name: str           # what is counted
    unit_price: float   # dollars per one unit of quantity
    free_pool: str | None = None  # the free-tier allowance it draws on


@dataclass(frozen=True)
class PriceTable:
    taken_on: str
    region: str
    meters: dict[str, Meter]
    free_pools: dict[str, float]  # pool -> free quantity a month (always free only)
    sources: dict[str, str]       # service -> pricing page


def load(arch: str, path: Path = PRICES_FILE) -> PriceTable:
    return from_document(json.loads(path.read_text()), arch)


def message_units(path: Path = PRICES_FILE) -> dict[str, int]:
    """Bytes per billed request of the meters that bill a message in chunks."""
    return _message_units(json.loads(path.read_text())["services"])


def _message_units(s: dict[str, Any]) -> dict[str, int]:
    return {"apigw.ws_messages": int(s["api_gateway"]["websocket_message_unit_bytes"]),
            "sqs.requests": int(s["sqs"]["request_unit_bytes"]),
            "sns.publishes": int(s["sns"]["publish_unit_bytes"])}


def from_document(doc: dict[str, Any], arch: str) -> PriceTable:
    s = doc["services"]
    lam, apigw, ddb = s["lambda"], s["api_gateway"], s["dynamodb"]
    logs = s["cloudwatch_logs"]
    per_m = 1e-6
    kb = {meter: f"{size // 1024} KB units" for meter, size in _message_units(s).items()}
    meters = {
        "lambda.requests": Meter("AWS Lambda", "requests",
                                 lam["requests_per_million"] * per_m, "lambda.requests"),
        "lambda.gb_seconds": Meter("AWS Lambda", f"GB-seconds ({arch})",
                                   lam["gb_second"][arch], "lambda.gb_seconds"),
        "function_url.requests": Meter("Lambda Function URL", "requests",
                                       s["function_url"]["requests_per_million"] * per_m),
        "apigw.rest_requests": Meter("API Gateway REST", "requests",
                                     apigw["rest_requests_per_million"] * per_m),
        "apigw.http_requests": Meter("API Gateway HTTP API", "requests",
                                     apigw["http_requests_per_million"] * per_m),
        "apigw.ws_messages": Meter("API Gateway WebSocket", f"messages ({kb['apigw.ws_messages']})",
                                   apigw["websocket_messages_per_million"] * per_m),
        "apigw.ws_connection_minutes": Meter(
            "API Gateway WebSocket", "connection minutes",
            apigw["websocket_connection_minutes_per_million"] * per_m),
        "dynamodb.read_units": Meter("DynamoDB", "read request units",
                                     ddb["read_request_units_per_million"] * per_m),
        "dynamodb.write_units": Meter("DynamoDB", "write request units",
                                      ddb["write_request_units_per_million"] * per_m),
        "dynamodb.storage_gb_month": Meter("DynamoDB", "storage GB-month",
                                           ddb["storage_gb_month"], "dynamodb.storage"),
        "dynamodb.stream_reads": Meter("DynamoDB Streams", "records to the Lambda trigger",
                                       ddb["lambda_trigger_stream_reads_per_million"] * per_m),
        "sqs.requests": Meter("SQS", f"requests ({kb['sqs.requests']})",
                              s["sqs"]["requests_per_million"] * per_m, "sqs.requests"),
        "sns.publishes": Meter("SNS", f"publishes ({kb['sns.publishes']})",
                               s["sns"]["publishes_per_million"] * per_m, "sns.publishes"),
        "sns.deliveries": Meter("SNS", "deliveries to Lambda / SQS",
                                max(s["sns"]["lambda_deliveries_per_million"],
                                    s["sns"]["sqs_deliveries_per_million"]) * per_m),
        "scheduler.invocations": Meter(
            "EventBridge Scheduler", "scheduled invocations",
            s["eventbridge_scheduler"]["invocations_per_million"] * per_m,
            "scheduler.invocations"),
        "logs.ingested_gb": Meter("CloudWatch Logs", "ingested GB", logs["ingestion_gb"],
                                  "logs.data"),
        "logs.stored_gb_month": Meter("CloudWatch Logs", "stored GB-month",
                                      logs["storage_gb_month"], "logs.data"),
        "ssm.parameter_reads": Meter("SSM Parameter Store",
                                     "GetParameters, standard throughput",
                                     s["ssm"]["standard_throughput_per_10k"] / 1e4),
        "data_transfer.out_gb": Meter("Data transfer", "out to the internet, GB",
                                      s["data_transfer"]["internet_out_gb"],
                                      "data_transfer.out"),
        "kms.requests": Meter("KMS", "decrypts (SecureString parameters)",
                              s["kms"]["requests_per_10k"] / 1e4, "kms.requests"),
    }
    free_pools = {
        "lambda.requests": float(lam["free_tier"]["requests"]),
        "lambda.gb_seconds": float(lam["free_tier"]["gb_seconds"]),
        "dynamodb.storage": float(ddb["free_tier"]["storage_gb"]),
        "sqs.requests": float(s["sqs"]["free_tier"]["requests"]),
        "sns.publishes": float(s["sns"]["free_tier"]["publishes"]),
        "logs.data": float(logs["free_tier"]["data_gb"]),
        "kms.requests": float(s["kms"]["free_tier"]["requests"]),
        "scheduler.invocations": float(s["eventbridge_scheduler"]["free_tier"]["invocations"]),
        "data_transfer.out": float(s["data_transfer"]["free_tier"]["gb"]),
    }
    return PriceTable(doc["taken_on"], doc["region"], meters, free_pools,
                      {name: service["source"] for name, service in s.items()})
