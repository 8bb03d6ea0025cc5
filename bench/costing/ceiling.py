"""The worst a flood can cost: the API function's reserved concurrency and the WebSocket
stage's throttle, kept busy around the clock with the request that costs most per second.

The Function URL has no throttle of its own; the API function's reserved concurrency
(infra/template.py's ApiConcurrency, default 10) caps how many requests run at once, so
the most a flood can spend is that many environments busy all day on the request that
costs most per second of an environment (its Lambda time and request fee, the DynamoDB
units it spends and the bytes it sends). Beyond that, requests are throttled (429) and
cost nothing. The WebSocket stage's route throttle (20 a second, burst 40) caps messages
the same way: each a billed message and an invocation of `ws_message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.costing.assemble import API, GB, Weighted
from bench.costing.lambdas import cpu_scale, modelled_ms
from bench.costing.prices import PriceTable

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Ceiling:
    concurrency: int
    route: str            # the API request that costs most per second of an environment
    per_second: float     # dollars per busy environment-second on that request
    ws_rate: float        # WebSocket messages a second the stage lets through
    ws_per_message: float
    day: float
    month: float


def reserved_concurrency(template: dict[str, Any]) -> int:
    """The API function's reserved concurrency as deployed by default (0: no ceiling)."""
    parameter = template.get("Parameters", {}).get("ApiConcurrency", {})
    return int(parameter.get("Default", 0))


def ws_rate_limit(template: dict[str, Any]) -> float:
    stage = template.get("Resources", {}).get("WebsocketAPIStage", {}).get("Properties", {})
    return float(stage.get("DefaultRouteSettings", {}).get("ThrottlingRateLimit", 0.0))


def ceiling(records: Weighted, prices: PriceTable, memory_mb: int, ws_memory_mb: int,
            concurrency: int, ws_rate: float) -> Ceiling:
    meters = prices.meters

    def cost(record: Any, mb: int) -> tuple[float, float]:
        ms = modelled_ms(record, cpu_scale(mb))
        dollars = (ms / 1000 * mb / 1024 * meters["lambda.gb_seconds"].unit_price
                   + meters["lambda.requests"].unit_price
                   + record.read_units * meters["dynamodb.read_units"].unit_price
                   + record.write_units * meters["dynamodb.write_units"].unit_price
                   + record.bytes_out / GB * meters["data_transfer.out_gb"].unit_price)
        return dollars, ms / 1000

    best_route, best = "", 0.0
    for record, _ in records:
        if record.function != API:
            continue
        dollars, seconds = cost(record, memory_mb)
        if dollars / seconds > best:
            best_route, best = record.label, dollars / seconds
    messages = [cost(r, ws_memory_mb)[0] for r, _ in records if r.label == "$default"]
    ws_each = (max(messages) if messages else 0.0) + meters["apigw.ws_messages"].unit_price
    day = (best * concurrency + ws_each * ws_rate) * DAY_SECONDS
    return Ceiling(concurrency, best_route, best, ws_rate, ws_each, day, day * 30)
