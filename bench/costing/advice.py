"""One sentence on what would cut the dominant service's share of the bill."""

from __future__ import annotations

from collections import Counter

from bench.costing.assemble import API, MonthUsage, Weighted
from bench.costing.bill import Bill
from bench.costing.cuts import STATIC
from bench.costing.lambdas import VCPU_MEMORY_MB, cpu_scale, modelled_ms
from bench.costing.sample import Sample


def invocation_shares(records: Weighted) -> list[tuple[str, float]]:
    """Share of all Lambda invocations per route or event source, largest first."""
    counts: Counter[str] = Counter()
    for record, n in records:
        counts[record.label] += n  # type: ignore[assignment]
    total = sum(counts.values()) or 1
    return [(label, n / total) for label, n in counts.most_common()]


def units_by_label(records: Weighted, writes: bool) -> dict[str, float]:
    """DynamoDB write (or read) request units per route or event source."""
    units: dict[str, float] = {}
    for record, n in records:
        spent = (record.write_units if writes else record.read_units) * n
        units[record.label] = units.get(record.label, 0.0) + spent
    return units


def api_time_by_route(records: Weighted, memory_mb: int) -> list[tuple[str, float]]:
    """Share of the API function's billed time per route, largest first."""
    spent: Counter[str] = Counter()
    for record, n in records:
        if record.function == API:
            spent[record.label] += modelled_ms(record, cpu_scale(memory_mb)) * n  # type: ignore[assignment]
    total = sum(spent.values()) or 1.0
    return [(label, ms / total) for label, ms in spent.most_common()]


def _lambda(sample: Sample, records: Weighted, month: MonthUsage, requests_usd: float,
            seconds_usd: float) -> str:
    api = month.functions.get(API)
    memory = api.memory_mb if api else 512
    if requests_usd >= seconds_usd:
        (label, share), (second, other) = (invocation_shares(records) + [("", 0.0)] * 2)[:2]
        lead = (f"Requests (${requests_usd:.2f}) more than GB-seconds (${seconds_usd:.2f}): "
                f"{label} is {share:.0%} of all invocations, {second} {other:.0%}.")
        if label == STATIC:
            return (f"{lead} The booking page pulls {sample.booking_assets} static files on "
                    "a cache miss (already one bundled script and one stylesheet); served "
                    "from a CDN (CloudFront's always-free tier covers 10M requests a month), "
                    "they leave Lambda.")
        return f"{lead} Fewer requests per page view cut it."
    top = " and ".join(f"{label} ({share:.0%})"
                       for label, share in api_time_by_route(records, memory)[:2])
    return (f"GB-seconds (${seconds_usd:.2f}) more than requests (${requests_usd:.2f}), led "
            f"by {top}. At {memory} MB a function gets {memory / VCPU_MEMORY_MB:.2f} of a "
            "vCPU, so CPU time is billed about 3.5x over; less CPU per request (cache the "
            "host's config between a page view's requests) cuts it, more memory does not.")


def advice(service: str, sample: Sample, records: Weighted, month: MonthUsage,
           bill: Bill) -> str:
    if service == "AWS Lambda":
        costs = {line.meter: line.before_free_tier for line in bill.lines}
        return _lambda(sample, records, month, costs.get("lambda.requests", 0.0),
                       costs.get("lambda.gb_seconds", 0.0))
    if service == "API Gateway REST":
        return ("REST APIs bill $3.50 per million requests; the Lambda Function URL "
                "(--front-door function-url, the deployed default) bills nothing beyond the "
                "invocation, and an HTTP API $1.00 per million.")
    if service == "API Gateway HTTP API":
        return "The Lambda Function URL bills nothing beyond the invocation."
    if service == "API Gateway WebSocket":
        return (f"Open dashboards: connection minutes, and one unanswered keepalive every "
                f"{sample.keepalive_minutes:g} minutes (the idle timeout is 10). A hidden tab "
                f"already closes its socket after {sample.hidden_close_minutes:g} minutes; "
                "a shorter grace trades minutes for reconnects.")
    if service == "Data transfer":
        return ("Answers leaving AWS: pages, scripts and slots JSON (gzipped), WebSocket "
                "events. Static files from a CDN would move their bytes to CloudFront's "
                "free 1 TB a month.")
    if service == "DynamoDB":
        costs = {line.meter: line.before_free_tier for line in bill.lines}
        writes = costs.get("dynamodb.write_units", 0.0) >= costs.get("dynamodb.read_units", 0.0)
        top = _top(units_by_label(records, writes))
        if writes:
            return (f"Writes, by what makes them: {top}. Transactions bill two units per KB "
                    "per item (prepare and commit); single-item writes where no atomicity "
                    "is needed, and fewer items per request, cut it.")
        return (f"Reads, by what makes them: {top}. Caching the host's config for a few "
                "seconds per container cuts it.")
    if service == "SQS":
        return ("Lambda's pollers long-poll each idle queue around the clock; SNS pushing "
                "to the workers (--worker-delivery sns-push, the deployed default) does not.")
    if service == "CloudWatch Logs":
        return ("Keep the platform's start/report lines out (system log level WARN) and "
                "log only what someone will read.")
    return "It is small in absolute terms; nothing needs cutting."


def _top(shares: dict[str, float], n: int = 3) -> str:
    total = sum(shares.values()) or 1.0
    ranked = sorted(shares.items(), key=lambda item: -item[1])[:n]
    return ", ".join(f"{label} {value / total:.0%}" for label, value in ranked)


def breakdown(service: str, records: Weighted) -> str | None:
    """Where one service's quantity comes from, by route or event source."""
    if service == "AWS Lambda":
        return f"AWS Lambda invocations: {_top(dict(invocation_shares(records)))}"
    if service == "DynamoDB":
        return f"DynamoDB write units: {_top(units_by_label(records, writes=True))}"
    if service == "Data transfer":
        sent: dict[str, float] = {}
        for record, n in records:
            sent[record.label] = sent.get(record.label, 0.0) + record.bytes_out * n
        return f"Data transfer out, by what sent it: {_top(sent)}"
    if service == "API Gateway WebSocket":
        keepalives = sum(n for r, n in records if r.label == "$default")
        messages = sum((r.ws_in_units + r.ws_out_units) * n for r, n in records)
        share = keepalives / messages if messages else 0.0
        return (f"API Gateway WebSocket messages: {share:.1%} are keepalives, "
                "the rest booking events to open dashboards")
    if service == "KMS":
        return ("KMS: one SecureString decrypt each time a Lambda environment starts "
                "(every secret in one parameter, read from SSM once per container)")
    return None
