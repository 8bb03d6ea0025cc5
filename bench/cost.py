"""Penny's AWS bill for a month: `make cost` (COST_ARGS="--hosts 5000 --json" etc.).

Drives a simulated month through Penny's real handlers on the embedded AWS (moto,
in-process) for a sample of hosts, counts every AWS request by service and operation
with a botocore hook (DynamoDB units from the items themselves), times every Lambda
invocation, scales the sample to all hosts (hosts are independent), and prices the
month with bench/prices.json, before and after the always-free tier. The model is in
bench/costing/ (see its __init__); the defaults are explained in bench/costing/scenario.py.

    python bench/cost.py [--hosts 1000] [--front-door rest] [--worker-delivery sqs-poll]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.costing import by_route, deployment, prices
from bench.costing.advice import advice, breakdown
from bench.costing.assemble import MonthUsage, Options, month_usage, part_weights, weighted
from bench.costing.bill import Bill, bill
from bench.costing.briefs import briefs_bill, gemini_price
from bench.costing.ceiling import ceiling, reserved_concurrency, ws_rate_limit
from bench.costing.cuts import static_assets_off_lambda
from bench.costing.lambdas import cpu_scale, modelled_ms
from bench.costing.paid_figures import PAID_BOOKINGS, PaidFigures, describe, paid_figures
from bench.costing.report import Report, as_json, text
from bench.costing.sample import PARAMETERS_WAIT_MS, Sample, cold_starts_ms, measure
from bench.costing.scenario import DASHBOARDS, Scenario
from infra.cold_path import WORKERS
from infra.idle import idle_costs


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    d = Scenario()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--hosts", type=int, default=d.hosts, help="active hosts")
    p.add_argument("--bookings-per-host", type=int, default=d.bookings_per_host)
    p.add_argument("--views-per-booking", type=float, default=d.views_per_booking,
                   help="slot-page views per booking")
    p.add_argument("--paid-share", type=float, default=d.paid_share)
    p.add_argument("--abandoned-share", type=float, default=d.abandoned_share,
                   help="share of the checkouts opened that are never paid")
    p.add_argument("--premium-share", type=float, default=d.premium_share)
    p.add_argument("--notes-share", type=float, default=d.notes_share,
                   help="share of hosts who keep client notes (Notion, Google Docs)")
    p.add_argument("--dashboards", default=",".join(f"{k}={v:g}"
                                                    for k, v in d.dashboard_mix.items()),
                   help="share of hosts per dashboard pattern (scenario.DASHBOARDS)")
    p.add_argument("--bot-views-per-host", type=float, default=d.bot_views_per_host)
    p.add_argument("--months-per-view", type=float, default=d.months_per_view,
                   help="months of slots a page view shows (the first comes with the "
                        "page, one request for each after it)")
    p.add_argument("--asset-miss-rate", type=float, default=d.asset_miss_rate,
                   help="share of page views that fetch the static assets")
    p.add_argument("--front-door", choices=("function-url", "rest", "http-api"),
                   default="function-url")
    p.add_argument("--arch", choices=("arm64", "x86_64"), default=None,
                   help="default: what the deployment configures")
    p.add_argument("--worker-delivery", choices=("sns-push", "sqs-poll"), default="sns-push")
    p.add_argument("--system-log-level", choices=("WARN", "INFO"), default=None,
                   help="INFO ingests Lambda's start/report lines; default: the deployment's")
    p.add_argument("--warm-minutes", type=float, default=Options().warm_minutes,
                   help="how long an idle Lambda environment stays warm")
    p.add_argument("--sample-hosts", type=int, default=d.sample_hosts,
                   help="hosts simulated in full; the counts scale to --hosts")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes the sample hosts are split across")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--by-route", action="store_true",
                   help="also print what each route and each part of the month costs")
    return p.parse_args(argv)


def _mix(text: str) -> dict[str, float]:
    mix = {}
    for entry in text.split(","):
        name, _, share = entry.partition("=")
        if name.strip() not in DASHBOARDS:
            raise SystemExit(f"cost: unknown dashboard pattern {name!r} "
                             f"(known: {', '.join(DASHBOARDS)})")
        mix[name.strip()] = float(share)
    if abs(sum(mix.values()) - 1) > 1e-6:
        raise SystemExit(f"cost: dashboard shares add up to {sum(mix.values()):g}, not 1")
    return mix


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    if not 0 <= args.abandoned_share < 1 or not 0 <= args.paid_share <= 1:
        raise SystemExit("cost: --paid-share must be 0-1 and --abandoned-share 0 to under 1")
    scenario = Scenario(
        hosts=args.hosts, bookings_per_host=args.bookings_per_host,
        views_per_booking=args.views_per_booking, paid_share=args.paid_share,
        abandoned_share=args.abandoned_share, premium_share=args.premium_share,
        notes_share=args.notes_share,
        months_per_view=args.months_per_view, asset_miss_rate=args.asset_miss_rate,
        dashboard_mix=_mix(args.dashboards), bot_views_per_host=args.bot_views_per_host,
        sample_hosts=min(args.sample_hosts, args.hosts), seed=args.seed)
    deployed = deployment.load()
    arch = args.arch or deployed.architecture
    options = Options(front_door=args.front_door, worker_delivery=args.worker_delivery,
                      system_log_level=args.system_log_level or deployed.system_log_level,
                      warm_minutes=args.warm_minutes)
    started = time.monotonic()
    print(f"cost: simulating {scenario.sample_hosts} sample hosts' month in {args.jobs} "
          "process(es)...", file=sys.stderr)
    sample = measure(scenario, args.jobs, deployed.app_log_level)
    init, first_use = cold_starts_ms(("api", "events", *WORKERS))
    elapsed = time.monotonic() - started

    def priced(opts: Options, table_arch: str = arch, of: Scenario = scenario,
               measured: Sample = sample, parts: dict[str, float] | None = None
               ) -> tuple[MonthUsage, Bill]:
        month = month_usage(measured, of, deployed.memory, init, opts,
                            deployed.log_retention_days, parts, first_use)
        return month, bill(month.usage, prices.load(table_arch))

    month, the_bill = priced(options)
    paid = paid_figures(scenario, sample, the_bill, priced, options)
    other_arch = "x86_64" if arch == "arm64" else "arm64"
    alternatives = {}
    for name, opts, alt_arch in (
            ("front door API Gateway REST ($3.50/M)", replace(options, front_door="rest"), arch),
            ("front door API Gateway HTTP API ($1.00/M)",
             replace(options, front_door="http-api"), arch),
            ("front door Lambda Function URL", replace(options, front_door="function-url"),
             arch),
            ("workers polling SQS (event source mappings)",
             replace(options, worker_delivery="sqs-poll"), arch),
            ("workers pushed by SNS", replace(options, worker_delivery="sns-push"), arch),
            ("system log level INFO (start/report lines ingested)",
             replace(options, system_log_level="INFO"), arch),
            (f"{other_arch} instead of {arch}", options, other_arch)):
        if opts != options or alt_arch != arch:
            alternatives[name] = priced(opts, alt_arch)[1].before_free_tier
    alternatives["answers never gzipped (before compression)"] = priced(
        replace(options, compression=False))[1].before_free_tier
    alternatives["static assets from a CDN instead of the function"] = priced(
        options, measured=static_assets_off_lambda(sample))[1].before_free_tier
    scenarios = dashboard_lines(scenario, options, priced)
    idle = priced(options, of=replace(scenario, bookings_per_host=0),
                  measured=Sample(hosts=scenario.sample_hosts))[1]
    records = weighted(sample, scenario, part_weights(scenario))
    table = prices.load(arch)
    limit = ceiling(records, table, deployed.memory("api_handler"),
                    deployed.memory("ws_message"), reserved_concurrency(deployed.template),
                    ws_rate_limit(deployed.template))
    halves = [priced(options, measured=sample.of_hosts(_parity(r)))[1] for r in (0, 1)]
    report = build_report(scenario, sample, month, the_bill, deployed, arch, options, init,
                          paid, alternatives, elapsed, first_use)
    report.idle_cost = (idle.before_free_tier, idle.after_free_tier)
    report.scenarios = scenarios
    report.ceiling = limit
    report.spread = ([h.before_free_tier for h in halves], sample.loop_ms)
    report.storage_gb = month.usage["dynamodb.storage_gb_month"]
    report.briefs = briefs_bill(records, sample.briefs, gemini_price())
    report.briefs_note = (
        f"tokens per brief: the mean of the sample's {len(sample.briefs)} briefs, as "
        "each answer's usage metadata reports them; the sample's event types ask no "
        "questions and its clients book once, so a booking with answers and earlier "
        "bookings makes a longer prompt: bench/notes.py")
    report.notes.append(memory_note(records, deployed, table.meters["lambda.gb_seconds"]
                                    .unit_price))
    ranked = sorted(the_bill.by_service().items(), key=lambda item: -item[1])
    report.advice = advice(the_bill.dominant()[0], sample, records, month, the_bill)
    report.breakdown = [line for service, _ in ranked[:4]
                        if (line := breakdown(service, records)) is not None]
    if args.json:
        print(json.dumps(as_json(report, {
            "scenario": scenario.__dict__, "options": options.__dict__, "architecture": arch,
            "prices_taken_on": table.taken_on, "region": table.region,
            "price_sources": table.sources, "init_ms": init, "first_use_ms": first_use,
            "paid_bookings": {**asdict(paid), "per_1000_added_usd": paid.per_thousand},
            "template_resource_types": deployed.resource_types(),
            "sample": {"hosts": scenario.sample_hosts, "bookings": sample.bookings,
                       "invocations": len(sample.invocations), "seconds": elapsed}}),
            indent=2))
    else:
        print(text(report))
    if args.by_route:
        print(route_tables(records, table, deployed.memory, options.compression))


def route_tables(records: list[tuple[Any, float]], table: prices.PriceTable,
                 memory: Callable[[str], int], compression: bool) -> str:
    """What each route, and each part of the month, costs before the free tier (its own
    invocations only: bench/costing/by_route.py)."""
    out = ["", "Each route's own invocations, a month before the free tier (cold starts, "
           "connection minutes, storage, logs and KMS are in no row):"]
    out += by_route.lines(by_route.by_route(records, table, memory, compression))
    out += ["", "The same, by part of the month:"]
    out += by_route.lines(by_route.by_route(records, table, memory, compression, parts=True),
                          title="part")
    return "\n".join(out)


def memory_note(records: list[tuple[Any, float]], deployed: deployment.Deployment,
                gb_second: float) -> str:
    """What each function's handler time would cost at other memory sizes (CPU scales
    with memory; waiting does not)."""
    sizes = (128, 256, 512, 1024)
    spent: dict[str, list[float]] = {}
    for record, n in records:
        costs = spent.setdefault(record.function, [0.0] * len(sizes))
        for k, mb in enumerate(sizes):
            costs[k] += modelled_ms(record, cpu_scale(mb)) / 1000 * n * mb / 1024 * gb_second
    ranked = sorted(spent.items(), key=lambda item: -max(item[1]))[:3]
    return ("Memory, handler time a month at " + "/".join(f"{mb}" for mb in sizes)
            + " MB: " + "; ".join(
                f"{name} " + "/".join(f"${c:.2f}" for c in costs)
                + f" (configured {deployed.memory(name)})" for name, costs in ranked) + ".")


def _parity(remainder: int) -> Callable[[int], bool]:
    return lambda n: n % 2 == remainder


def dashboard_lines(scenario: Scenario, options: Options, priced: Any
                    ) -> list[tuple[str, float, float]]:
    """The month with every host on one dashboard pattern (and the mix), as built and as
    it was before a hidden tab closed its socket: (name, as built, before)."""
    lines = []
    mixes = {"the mix above": scenario.dashboard_mix,
             **{f"every host: {p.description}": {name: 1.0} for name, p in DASHBOARDS.items()}}
    for name, mix in mixes.items():
        of = replace(scenario, dashboard_mix=mix)
        lines.append((name, priced(options, of=of)[1].before_free_tier,
                      priced(options, of=of, parts=part_weights(of, kept_open=True))[1]
                      .before_free_tier))
    return lines


def build_report(scenario: Scenario, sample: Sample, month: MonthUsage, the_bill: Bill,
                 deployed: deployment.Deployment, arch: str, options: Options,
                 init: dict[str, float], paid: PaidFigures, alternatives: dict[str, float],
                 elapsed: float, first_use: dict[str, float] | None = None) -> Report:
    table = prices.load(arch)
    front = {"function-url": "Lambda Function URL", "rest": "API Gateway REST",
             "http-api": "API Gateway HTTP API"}[options.front_door]
    workers = {"sns-push": "pushed by SNS", "sqs-poll": "polling SQS"}[options.worker_delivery]
    memory = sorted({f.memory_mb for f in month.functions.values()})
    mix = ", ".join(f"{share:.0%} {DASHBOARDS[name].description}"
                    for name, share in scenario.dashboard_mix.items())
    title = [
        f"Penny on AWS: a simulated month ({table.region}, prices of {table.taken_on}, "
        "bench/prices.json)",
        f"  {scenario.hosts:,} active hosts x {scenario.bookings_per_host} bookings = "
        f"{scenario.bookings:,} bookings; {scenario.views_per_booking:g} slot-page views per "
        f"booking; {scenario.paid_share:.0%} paid (Stripe, Razorpay for hosts in India; "
        f"{scenario.abandoned_share:.0%} of checkouts never paid); "
        f"{scenario.premium_share:.0%} premium (one sample host, its brief jobs counted for "
        "the share; only premium bookings reach the summary worker); "
        f"{scenario.notes_share:.0%} keep client notes (one sample host, in Notion, its "
        "notes jobs counted for the share; only their bookings reach the notes worker)",
        f"  dashboards: {mix} (a hidden tab closes its socket after "
        f"{sample.hidden_close_minutes:g} min; a keepalive every {sample.keepalive_minutes:g} "
        "min while open)",
        f"  every host's Google Calendar connected ({scenario.calendar_changes_per_host:g} "
        f"changes pushed a month); bots fetch {scenario.bot_views_per_host:g} public pages "
        f"a host a month; static assets fetched on {scenario.asset_miss_rate:.0%} of page "
        "views; answers gzipped where the client accepts it",
        f"  front door: {front}; workers {workers}; {arch}, "
        f"{'/'.join(str(m) for m in memory)} MB; JSON logs, application level "
        f"{deployed.app_log_level}, system level {options.system_log_level}, "
        f"{deployed.log_retention_days or 'unlimited'}-day retention",
        f"  measured: {scenario.sample_hosts} sample hosts ({sample.bookings} bookings, "
        f"{len(sample.invocations):,} distinct invocations standing for "
        f"{sum(r.weight for r in sample.invocations):,.0f}) in {elapsed:.0f} s, scaled x"
        f"{scenario.scale:g}",
    ]
    notes = []
    if paid.paid is not None:
        notes.append(
            f"Paid bookings, measured ({sample.paid_bookings} in the sample, its abandoned "
            f"checkouts standing for {scenario.abandoned_share:.0%} of those opened): each "
            f"makes {describe(paid.paid)}" + ("" if paid.unpaid is None else
                                              f"; an unpaid one {describe(paid.unpaid)}")
            + f". They add ${paid.added[0]:.4f} to the month before the free tier "
            f"(${paid.per_thousand:.4f} per {PAID_BOOKINGS:,} paid bookings).")
    if sample.unpushed_changes:
        notes.append(f"{sample.unpushed_changes} of the sample's calendar changes found no "
                     "live push channel (none renewed it in time): they reached Penny when a "
                     "read found its copy expired.")
    if sample.booking_failures or sample.meter_errors:
        notes.append(f"{sample.booking_failures} booking(s) found no slot; "
                     f"{sample.meter_errors} request(s) could not be priced.")
    notes.append(
        f"Cold starts: an environment is kept about {options.warm_minutes:g} min; traffic "
        f"in {options.active_share:.0%} of the month's minutes; at least "
        f"{options.api_cold_floor:.0%} of the API's invocations (a page load's parallel "
        f"requests) and {options.cold_floor:.0%} of the others'. INIT: {init['api']:.0f} ms "
        f"API, " + ", ".join(f"{init[w]:.0f} ms {w} worker" for w in WORKERS)
        + f", {init['events']:.0f} ms the others (reference CPU of the imports, started as "
        "Lambda starts them, its settings read from Parameter Store at INIT, plus "
        f"{PARAMETERS_WAIT_MS:.0f} ms waiting on SSM and KMS; each worker's with its vendor's "
        "SDK).")
    if first_use:
        notes.append(
            "A cold start's first request also does its lazy work (the DynamoDB client, "
            "validators, the other clients, discovery documents), at the function's share of "
            f"a vCPU: {first_use['api']:.0f} ms API, "
            + ", ".join(f"{first_use[w]:.0f} ms {w} worker" for w in WORKERS)
            + f", {first_use['events']:.0f} ms the others (reference CPU).")
    notes.append(f"Static assets per page view on a miss: {sample.booking_assets} (booking "
                 f"page), {sample.dashboard_assets} (dashboard, once a month per host).")
    report = Report(title, the_bill, scenario.bookings, month.functions,
                    idle_costs(deployed.template),
                    str(deployed.template_path.relative_to(deployment.ROOT)),
                    len(deployed.template.get("Resources", {})), "", notes=notes,
                    alternatives=alternatives)
    if paid.paid is not None:
        report.paid_month = (
            f"a month of {PAID_BOOKINGS:,} paid bookings ({paid.month_hosts:,} hosts as "
            f"above, {paid.month_hosts * scenario.bookings_per_host:,} bookings)",
            *paid.month)
        report.paid_added = paid.per_thousand
    return report


if __name__ == "__main__":
    main()
