"""The month's bill as a table (and as JSON): per service, totals, per 1,000 bookings,
the dominant service and what would cut it, and the idle month; below the AWS total, the
vendors' bills for the same month (Gemini's briefs), each on a line of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.costing.assemble import FunctionMonth
from bench.costing.bill import Bill, per_thousand
from bench.costing.briefs import BriefsBill
from bench.costing.ceiling import Ceiling
from infra.idle import Finding


@dataclass
class Report:
    title: list[str]
    bill: Bill
    bookings: float
    functions: dict[str, FunctionMonth]
    idle: list[Finding]
    idle_source: str
    idle_resources: int
    advice: str
    idle_cost: tuple[float, float] = (0.0, 0.0)  # a month without traffic: before, after
    breakdown: list[str] = field(default_factory=list)  # where the top services' money goes
    notes: list[str] = field(default_factory=list)
    alternatives: dict[str, float] = field(default_factory=dict)  # name -> $ before free
    scenarios: list[tuple[str, float, float]] = field(default_factory=list)  # as built, before
    ceiling: Ceiling | None = None
    spread: tuple[list[float], list[float]] = ([], [])  # halves' totals, calibration loops
    storage_gb: float = 0.0
    paid_month: tuple[str, float, float] | None = None  # a month of 1,000 paid bookings
    paid_added: float | None = None  # what 1,000 paid bookings add, before the free tier
    briefs: BriefsBill | None = None  # Gemini's bill for the premium bookings' briefs
    briefs_note: str = ""             # what the sample's briefs were written from

    def per_thousand(self) -> tuple[float, float]:
        return (per_thousand(self.bill.before_free_tier, self.bookings),
                per_thousand(self.bill.after_free_tier, self.bookings))


def _qty(value: float) -> str:
    if value == 0:
        return "0"
    if value < 10:
        return f"{value:,.3f}"
    return f"{value:,.0f}"


def text(report: Report) -> str:
    out = [*report.title, ""]
    head = f"{'service':<24} {'meter':<36} {'quantity':>14} {'before free':>12} {'after free':>11}"
    out += [head, "-" * len(head)]
    last = ""
    for line in report.bill.lines:
        service = line.service if line.service != last else ""
        last = line.service
        out.append(f"{service:<24} {line.name:<36} {_qty(line.quantity):>14} "
                   f"{'$' + format(line.before_free_tier, '.4f'):>12} "
                   f"{'$' + format(line.after_free_tier, '.4f'):>11}")
    out.append("-" * len(head))
    out.append(f"{'total a month':<76} {'$' + format(report.bill.before_free_tier, '.2f'):>12}"
               f" {'$' + format(report.bill.after_free_tier, '.2f'):>11}")
    before, after = report.per_thousand()
    out.append(f"{'per 1,000 bookings':<76} {'$' + format(before, '.4f'):>12} "
               f"{'$' + format(after, '.4f'):>11}")
    if report.paid_month is not None:
        name, before, after = report.paid_month
        out.append(f"{name:<76} {'$' + format(before, '.4f'):>12} "
                   f"{'$' + format(after, '.4f'):>11}")
    if report.paid_added is not None:
        out.append(f"{'what 1,000 paid bookings add (over the same bookings unpaid)':<76} "
                   f"{'$' + format(report.paid_added, '.4f'):>12}")
    out += vendor_lines(report)
    out += ["", "Lambda functions (billed ms: CPU at the function's share of a vCPU + AWS "
                "round trips; GB-s include cold starts):"]
    out.append(f"  {'function':<16} {'MB':>5} {'invocations':>12} {'CPU ms':>7} "
               f"{'billed ms':>9} {'cold starts':>11} {'GB-s':>10}")
    for f in sorted(report.functions.values(), key=lambda f: -f.gb_seconds):
        out.append(f"  {f.name:<16} {f.memory_mb:>5} {f.invocations:>12,.0f} "
                   f"{f.mean_cpu_ms:>7.2f} {f.mean_billed_ms:>9.1f} {f.cold_starts:>11,.0f} "
                   f"{f.gb_seconds:>10,.0f}")
    service, share = report.bill.dominant()
    out += ["", f"Dominant: {service}, {share:.0%} of the bill before the free tier. "
                f"{report.advice}"]
    if report.breakdown:
        out += ["Where it goes:"] + [f"  {line}" for line in report.breakdown]
    before_idle, after_idle = report.idle_cost
    template = ("nothing in it is billed by the hour or works while idle"
                if not report.idle else
                "billed while idle: " + "; ".join(f"{f.resource} ({f.why})"
                                                   for f in report.idle))
    out.append(f"Idle month (no traffic at all): ${before_idle:.2f} before the free tier, "
               f"${after_idle:.2f} after. The template ({report.idle_resources} resources in "
               f"{report.idle_source}): {template}. Storage left behind (table, logs) stays "
               "under the free 25 GB / 5 GB.")
    if report.scenarios:
        out += ["", "Dashboards, the month before the free tier (as built: a hidden tab closes "
                    "its socket | before: it kept it open):"]
        out += [f"  {name}: ${built:.2f} | ${before:.2f}"
                for name, built, before in report.scenarios]
    if report.ceiling is not None:
        c = report.ceiling
        out += ["", f"Abuse ceiling: {c.concurrency} API environments busy around the clock "
                    f"on the costliest request ({c.route}, ${c.per_second * 1e6:.1f} per "
                    f"million environment-seconds) and {c.ws_rate:g} WebSocket messages a "
                    f"second: ${c.day:.2f} a day, ${c.month:.2f} a month at most."]
    out += [f"Storage: the table after 12 months of this month, {report.storage_gb:.3f} GB "
            "(priced above as the 12th month's)."]
    totals, loops = report.spread
    if totals:
        lo, hi = min(loops), max(loops)
        mid = sum(totals) / len(totals)
        out += ["Spread: each half of the sample hosts alone gives "
                + " and ".join(f"${t:.2f}" for t in totals)
                + f" ({(max(totals) - min(totals)) / mid / 2:.1%} either side); CPU is in "
                f"reference ms (calibration loop {lo:.2f}-{hi:.2f} ms here over "
                f"{len(loops)} timings, bench/costing/calibrate.py)."]
    if report.alternatives:
        out += ["", "The same month, before the free tier:"]
        out += [f"  {name}: ${cost:.2f}" for name, cost in report.alternatives.items()]
    if report.notes:
        out += ["", "Notes:"] + [f"  - {note}" for note in report.notes]
    return "\n".join(out)


def vendor_lines(report: Report) -> list[str]:
    """Gemini's bill, apart from AWS's: the month's briefs, and 1,000 of them."""
    b = report.briefs
    if b is None:
        return []
    t, p = b.tokens, b.price
    month = (f"Gemini briefs: {b.briefs:,.0f} premium bookings x ({t.input} input + "
             f"{t.output} output tokens)")
    return [
        "",
        f"Vendors, billed apart (not in the AWS total above; no free tier): {p.model} at "
        f"${p.input * 1e6:.2f} / ${p.output * 1e6:.2f} per million input / output tokens "
        "(bench/prices.json)",
        f"{month:<76} {'$' + format(b.month, '.4f'):>12}",
        f"{'Gemini: 1,000 premium briefs a month':<76} {'$' + format(b.per(1000), '.4f'):>12}",
        *([f"  ({report.briefs_note})"] if report.briefs_note else []),
    ]


def as_json(report: Report, extra: dict[str, Any]) -> dict[str, Any]:
    before, after = report.per_thousand()
    service, share = report.bill.dominant()
    return {
        **extra,
        "lines": [{"meter": line.meter, "service": line.service, "name": line.name,
                   "quantity": line.quantity, "usd_before_free_tier": line.before_free_tier,
                   "usd_after_free_tier": line.after_free_tier}
                  for line in report.bill.lines],
        "total_usd_before_free_tier": report.bill.before_free_tier,
        "total_usd_after_free_tier": report.bill.after_free_tier,
        "bookings": report.bookings,
        "usd_per_1000_bookings": {"before_free_tier": before, "after_free_tier": after},
        "by_service_usd_before_free_tier": report.bill.by_service(),
        "dominant": {"service": service, "share": share, "advice": report.advice},
        "functions": [{"name": f.name, "memory_mb": f.memory_mb,
                       "invocations": f.invocations, "mean_cpu_ms": f.mean_cpu_ms,
                       "mean_billed_ms": f.mean_billed_ms, "cold_starts": f.cold_starts,
                       "gb_seconds": f.gb_seconds} for f in report.functions.values()],
        "idle": {"usd_before_free_tier": report.idle_cost[0],
                 "usd_after_free_tier": report.idle_cost[1], "template": report.idle_source,
                 "resources": report.idle_resources,
                 "billed_while_idle": [f.__dict__ for f in report.idle]},
        "alternatives_usd_before_free_tier": report.alternatives,
        "dashboards_usd_before_free_tier": [
            {"scenario": name, "as_built": built, "socket_kept_while_hidden": before}
            for name, built, before in report.scenarios],
        "abuse_ceiling_usd": (None if report.ceiling is None else
                              {"day": report.ceiling.day, "month": report.ceiling.month,
                               "concurrency": report.ceiling.concurrency,
                               "costliest_route": report.ceiling.route}),
        "storage_gb_after_12_months": report.storage_gb,
        "spread": {"halves_usd_before_free_tier": report.spread[0],
                   "calibration_loop_ms": report.spread[1]},
        "notes": report.notes,
        "vendors": {} if report.briefs is None else {"gemini_briefs": {
            "model": report.briefs.price.model, "briefs": report.briefs.briefs,
            "input_tokens_per_brief": report.briefs.tokens.input,
            "output_tokens_per_brief": report.briefs.tokens.output,
            "thinking_tokens_per_brief": report.briefs.tokens.thinking,
            "usd_per_brief": report.briefs.per_brief, "usd_month": report.briefs.month,
            "usd_per_1000_briefs": report.briefs.per(1000),
            "price_source": report.briefs.price.source}},
    }
