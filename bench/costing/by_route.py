"""What each route or event source costs a month (`make cost COST_ARGS=--by-route`).

The month's invocations grouped by what they served (a route, "sns" for a worker, a
WebSocket route, "stream"), each group priced from its own invocations only: Lambda
requests, handler GB-seconds (cold starts are the function's, not a route's, and are
left out), DynamoDB read and write units, SNS publishes, WebSocket messages and the
bytes sent. Before the free tier. Connection minutes, storage, logs, KMS and the hold
timers belong to no route, so the rows add up to less than the month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.costing.assemble import Weighted
from bench.costing.lambdas import cpu_scale, modelled_ms
from bench.costing.prices import PriceTable

GB = 1024 ** 3


@dataclass
class RouteCost:
    label: str
    function: str
    invocations: float = 0.0
    requests: float = 0.0     # dollars, each line
    seconds: float = 0.0
    reads: float = 0.0
    writes: float = 0.0
    messages: float = 0.0     # SNS publishes and WebSocket messages
    sent: float = 0.0

    @property
    def total(self) -> float:
        return self.requests + self.seconds + self.reads + self.writes + self.messages + self.sent


def by_route(records: Weighted, table: PriceTable, memory: Callable[[str], int],
             compression: bool = True, parts: bool = False) -> list[RouteCost]:
    """Each route's month (or each part's of the month, `parts`), costliest first."""
    price = {name: meter.unit_price for name, meter in table.meters.items()}
    routes: dict[tuple[str, str], RouteCost] = {}
    for record, n in records:
        key = (record.part, "") if parts else (record.label, record.function)
        row = routes.setdefault(key, RouteCost(*key))
        mb = memory(record.function)
        row.invocations += n
        row.requests += n * price["lambda.requests"]
        row.seconds += (n * modelled_ms(record, cpu_scale(mb)) / 1000 * mb / 1024
                        * price["lambda.gb_seconds"])
        row.reads += n * record.read_units * price["dynamodb.read_units"]
        row.writes += n * record.write_units * price["dynamodb.write_units"]
        row.messages += n * (record.sns_units * price["sns.publishes"]
                             + (record.ws_in_units + record.ws_out_units)
                             * price["apigw.ws_messages"])
        sent = record.bytes_out if compression else record.bytes_identity
        row.sent += n * sent / GB * price["data_transfer.out_gb"]
    return sorted(routes.values(), key=lambda r: -r.total)


def lines(rows: list[RouteCost], limit: int = 25, title: str = "route or source"
          ) -> list[str]:
    """The table the report prints: the costliest `limit` rows, the rest summed."""
    head = (f"  {title:42} {'function':16} {'a month':>10} {'requests':>9} "
            f"{'GB-s':>8} {'reads':>8} {'writes':>8} {'msgs':>7} {'sent':>7} {'total':>8}")
    out = [head]
    shown, rest = rows[:limit], rows[limit:]
    for r in shown:
        out.append(f"  {r.label[:42]:42} {r.function[:16]:16} {r.invocations:10,.0f} "
                   f"{r.requests:9.4f} {r.seconds:8.4f} {r.reads:8.4f} {r.writes:8.4f} "
                   f"{r.messages:7.4f} {r.sent:7.4f} {r.total:8.4f}")
    if rest:
        out.append(f"  {f'({len(rest)} others)':42} {'':16} "
                   f"{sum(r.invocations for r in rest):10,.0f} {'':9} {'':8} {'':8} {'':8} "
                   f"{'':7} {'':7} {sum(r.total for r in rest):8.4f}")
    out.append(f"  {'all':42} {'':16} {sum(r.invocations for r in rows):10,.0f} "
               f"{'':9} {'':8} {'':8} {'':8} {'':7} {'':7} {sum(r.total for r in rows):8.4f}")
    return out
