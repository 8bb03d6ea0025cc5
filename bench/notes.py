"""Client notes and the pre-meeting brief: what a confirmed booking costs in Notion and
Gemini calls and in AWS requests, for a first booking, a redelivered or replayed event,
a reschedule and a cancellation; Gemini's tokens per brief and their price.

Runs through the cost model's harness (bench/costing/harness.py), as bench/payments.py
does: Penny's real handlers as Lambda runs them (the Function URL's events, the table's
stream, SNS's push to the workers) on moto in-process, with notion-client and google-genai
talking to the provider sandbox's fake Notion and Gemini. Every AWS request the Lambda
code makes is counted with a botocore hook (DynamoDB units from the items themselves),
every vendor call by the sandbox, and each brief's tokens are its answer's usage metadata
(bench/costing/briefs.py; the fake counts a token per four characters). The host is
premium, has Notion connected and no calendar (the calendar worker makes no calls here:
bench/calendars.py has those); its event type asks two questions, and the client has
booked it twice before.

    python bench/notes.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.costing.briefs import GEMINI_CALL, BriefTokens, gemini_price, mean
from bench.costing.harness import Harness
from bench.costing.lambdas import Invocation

SLUG = "noteshost"
PASSWORD = "a long notes-bench passphrase"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
QUESTIONS = [{"id": "goal", "label": "What do you want to cover?", "type": "long_text"},
             {"id": "team", "label": "How big is your team?", "type": "text"}]
ANSWERS = {"goal": "Pricing for three seats, and how onboarding works for a small team.",
           "team": "Four people, two of them part-time",
           "phone": "+1 415 555 0100"}  # a phone call asks the number to call
CLIENT = {"name": "Bo Booker", "email": "bo@example.com", "timezone": "Europe/London"}
WORKERS = ("notes_worker", "summary_worker")
PREMIUM_BRIEFS = 1000  # the question: what do 1,000 premium briefs a month cost?


@dataclass
class Flow:
    """What one flow made AWS and the vendors do, per function."""

    name: str
    invocations: list[Invocation] = field(default_factory=list)
    briefs: list[BriefTokens] = field(default_factory=list)

    def of(self, function: str) -> list[Invocation]:
        return [r for r in self.invocations if r.function == function]


def _kind(function: str) -> str:
    return {"api_handler": "API", "booking_events": "stream"}.get(
        function, function.removesuffix("_worker"))


def _ops(counts: Counter[str]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items())) or "none"


class Bench:
    def __init__(self) -> None:
        self.h = Harness().start()
        self.flows: list[Flow] = []
        self.pushed: dict[str, list[dict[str, Any]]] = {name: [] for name in WORKERS}
        for name in WORKERS:  # keep each SNS event the workers get, to deliver it again
            self._keep_events(name)

    def _keep_events(self, name: str) -> None:
        handler = getattr(self.h.app_module, name)

        def keeping(event: dict[str, Any], context: Any) -> Any:
            self.pushed[name].append(event)
            return handler(event, context)

        setattr(self.h.app_module, name, keeping)

    def measure(self, name: str) -> _Measuring:
        return _Measuring(self, name)

    def host(self) -> str:
        h = self.h
        with h.unmetered():
            signup = h.json("POST", "/auth/signup", body={
                "email": f"{SLUG}@example.com", "password": PASSWORD, "slug": SLUG,
                "display_name": "Host Notes", "timezone": "America/New_York"})
            token = str(signup["access_token"])
            h.json("PUT", "/me/schedule", token=token, body={"weekly": {
                day: [{"start": "09:00", "end": "17:00"}] for day in WEEKDAYS}})
            h.json("POST", "/me/event-types", token=token, body={
                "slug": "intro", "title": "Intro call", "duration_minutes": 30,
                "location": {"kind": "phone", "details": "+1 555 0100"},
                "questions": QUESTIONS})
            self.h.connect("notion", token, ["notes"])
            from chalicelib.store.hosts import HostRepository

            HostRepository().set_premium(SLUG, True)  # as `make premium` does
        return token

    def slots(self) -> list[str]:
        h = self.h
        first = h.clock.current.date() + timedelta(days=7)
        with h.unmetered():
            _, body = h.http_json("GET", f"/hosts/{SLUG}/intro/slots?start={first}"
                                         f"&end={first + timedelta(days=7)}&timeZone=UTC")
        return [slot["start"] for slots in body["slots"].values() for slot in slots]

    def book(self, start: str) -> dict[str, Any]:
        booking = self.h.json("POST", f"/hosts/{SLUG}/intro/bookings", body={
            "start": start, "attendee": CLIENT, "answers": ANSWERS})
        self.h.pump()
        return dict(booking)

    def deliver_again(self, name: str, new_id: bool) -> None:
        """The worker's last SNS event again: as SNS redelivers it (the same message), or
        replayed from the DLQ after its job record expired (a new event id)."""
        from local.lambda_runtime import LambdaContext

        event = json.loads(json.dumps(self.pushed[name][-1]))
        if new_id:
            sns = event["Records"][0]["Sns"]
            message = json.loads(sns["Message"])
            message["id"] += "-replayed"
            sns["Message"] = json.dumps(message)
        self.h.invocations.invoke(name, "sns", getattr(self.h.app_module, name), event,
                                  LambdaContext(name))


@dataclass
class _Measuring:
    bench: Bench
    name: str

    def __enter__(self) -> None:
        h = self.bench.h
        self._from = len(h.invocations.records), len(h.briefs)

    def __exit__(self, *_: Any) -> None:
        h = self.bench.h
        self.bench.flows.append(Flow(self.name, h.invocations.records[self._from[0]:],
                                     h.briefs[self._from[1]:]))


def run(bench: Bench) -> None:
    h = bench.h
    bench.host()
    starts = bench.slots()
    with h.unmetered():  # the client's two earlier bookings with this host
        for start in starts[:2]:
            bench.book(start)
    if len(h.sandbox.notion_pages()) != 2 or len(h.sandbox.gemini_requests()) != 2:
        raise RuntimeError("the earlier bookings got no notes page or no brief: Notion "
                           "is not the host's notes destination, or the host not premium")
    with bench.measure("a first booking (its notes page, its brief)"):
        booking = bench.book(starts[6])
    for name in WORKERS:
        with bench.measure(f"the {_kind(name)} event redelivered by SNS (same message)"):
            bench.deliver_again(name, new_id=False)
        with bench.measure(f"the {_kind(name)} event replayed after its record expired"):
            bench.deliver_again(name, new_id=True)
    links = booking["links"]
    with bench.measure("rescheduled by the client"):
        moved = h.json("POST", f"/bookings/{booking['uid']}/reschedule",
                       body={"token": links["reschedule_token"], "start": starts[9]})
        h.pump()
    with bench.measure("cancelled by the client"):
        h.json("POST", f"/bookings/{moved['uid']}/cancel",
               body={"token": links["cancel_token"], "reason": "bench"})
        h.pump()


def report(flows: list[Flow]) -> str:
    head = (f"{'flow':<58} {'function':<9} {'runs':>4} {'Notion':>6} {'Gemini':>6} "
            f"{'DynamoDB':>8} {'RCU':>5} {'WCU':>5}")
    out = ["Notes and briefs through Penny's handlers on moto and the sandbox's fake Notion "
           "and Gemini (python bench/notes.py)", "", head, "-" * len(head)]
    detail = []
    for flow in flows:
        shown = ""
        for function in dict.fromkeys(r.function for r in flow.invocations):
            runs = flow.of(function)
            calls = Counter(c for r in runs for c in r.provider_calls)
            ddb = Counter(c.removeprefix("dynamodb.") for r in runs for c in r.requests
                          if c.startswith("dynamodb."))
            notion = sum(n for c, n in calls.items() if c.startswith("notion."))
            gemini = sum(n for c, n in calls.items() if c.startswith("gemini."))
            out.append(f"{flow.name if shown != flow.name else '':<58} {_kind(function):<9} "
                       f"{len(runs):>4} {notion:>6} {gemini:>6} {sum(ddb.values()):>8} "
                       f"{sum(r.read_units for r in runs):>5g} "
                       f"{sum(r.write_units for r in runs):>5g}")
            shown = flow.name
            if function in WORKERS:
                detail.append(f"  {flow.name}, {_kind(function)}: vendor {_ops(calls)}; "
                              f"DynamoDB {_ops(ddb)}")
    out += ["", "runs: invocations; Notion, Gemini: API calls (a Notion token refresh "
                "counts as notion.token); DynamoDB: round trips; RCU / WCU: read / write "
                "request units", "", "The workers' calls by name:", *detail]
    return "\n".join(out)


def tokens(flows: list[Flow]) -> str:
    from chalicelib.integrations.gemini_briefs import MAX_OUTPUT_TOKENS

    briefs = [b for f in flows for b in f.briefs]
    if not briefs:
        return "No brief was written: no Gemini figures."
    price = gemini_price()
    typical = mean(briefs)
    per_brief = price.of(typical)
    calls = [sum(r.provider_calls.count(GEMINI_CALL) for r in f.invocations) for f in flows]
    bound = price.of(BriefTokens(typical.input, MAX_OUTPUT_TOKENS, 0))
    return "\n".join([
        f"Gemini calls: {calls[0]} for the first booking's {len(flows[0].briefs)} brief; "
        f"{sum(calls[1:])} in the {len(flows) - 1} flows after it (redeliveries, replays, "
        "reschedule, cancellation)",
        f"Gemini ({price.model}) per brief, as the answer's usage metadata reports it "
        f"({len(ANSWERS)} answers, 2 earlier bookings): {typical.input} input tokens "
        f"(system instruction + booking), {typical.answer} answer + {typical.thinking} "
        f"thinking = {typical.output} output tokens",
        f"  at ${price.input * 1e6:.2f} / ${price.output * 1e6:.2f} per million input / output "
        f"tokens ({price.source}, bench/prices.json): ${per_brief:.6f} a brief, "
        f"${per_brief * PREMIUM_BRIEFS:.4f} for {PREMIUM_BRIEFS:,} premium briefs a month",
        f"  at most ${bound:.6f} a brief, ${bound * PREMIUM_BRIEFS:.2f} for {PREMIUM_BRIEFS:,}, "
        f"if answer and thinking used all of max_output_tokens ({MAX_OUTPUT_TOKENS:,})",
        "  (the sandbox counts a token per four characters and thinks an eighth of the "
        "prompt at thinking level LOW: Google's tokenizer and thinking will differ)"])


def main() -> None:
    bench = Bench()
    try:
        run(bench)
    finally:
        bench.h.close()
    print(report(bench.flows))
    print()
    print(tokens(bench.flows))


if __name__ == "__main__":
    main()
