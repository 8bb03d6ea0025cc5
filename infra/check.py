"""Does the packaged template hold what the code uses, and nothing it does not?

    python -m infra.check build/package/sam.json

Checks, against the code's own lists (not a copy of them): the one table every function
is pointed at; the topic and, per consumer in `chalicelib.store.queues`, its worker,
filter, dead-letter queue, retries and replay mapping; the stream's on-failure queue;
every Lambda the app defines having a least-privilege role and a log group with
retention, and no role, log group or queue for a function or consumer that does not
exist; the Parameter Store path the code reads its `PARAMETERS` from; nothing billed
while idle (`idle_costs`, which the cost model's idle month reads too).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.settings import DEVELOPMENT_SECRETS
from chalicelib.store.queues import QUEUES
from infra.functions import FUNCTION_ACCESS, SECRETS_PATH
from infra.idle import idle_costs
from infra.messaging import STREAM_DEAD_LETTER_QUEUE, dead_letter_queue, worker_function


def problems(template: dict[str, Any]) -> list[str]:
    resources: dict[str, Any] = template["Resources"]
    found: list[str] = []

    def of_type(kind: str) -> set[str]:
        return {name for name, r in resources.items() if r["Type"] == kind}

    functions = of_type("AWS::Serverless::Function")
    if functions != set(FUNCTION_ACCESS):
        found.append(f"functions {sorted(functions)} != infra access list "
                     f"{sorted(FUNCTION_ACCESS)}")
    if of_type("AWS::DynamoDB::Table") != {"PennyTable"}:
        found.append("expected exactly one table, PennyTable")
    if of_type("AWS::SNS::Topic") != {"EventsTopic"}:
        found.append("expected exactly one topic, EventsTopic")
    queues = of_type("AWS::SQS::Queue")
    wanted = {dead_letter_queue(spec) for spec in QUEUES} | {STREAM_DEAD_LETTER_QUEUE}
    if queues != wanted:
        found.append(f"queues {sorted(queues)} != one dead-letter queue per consumer and "
                     f"one for the stream {sorted(wanted)}")
    stream_sources = [e["Properties"] for e in resources.get("BookingEvents", {}).get(
        "Properties", {}).get("Events", {}).values() if e.get("Type") == "DynamoDB"]
    if [source.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            for source in stream_sources] != [{"Fn::GetAtt": [STREAM_DEAD_LETTER_QUEUE, "Arn"]}]:
        found.append("BookingEvents: a stream batch that keeps failing would be dropped "
                     "(no on-failure queue)")
    for name in sorted(functions & set(FUNCTION_ACCESS)):
        props = resources[name]["Properties"]
        variables = props.get("Environment", {}).get("Variables", {})
        if variables.get("PENNY_TABLE") != {"Ref": "PennyTable"}:
            found.append(f"{name}: PENNY_TABLE is not the stack's table")
        if variables.get("PENNY_SECRETS_PATH") != {"Fn::Sub": SECRETS_PATH}:
            found.append(f"{name}: PENNY_SECRETS_PATH is not {SECRETS_PATH}")
        if DEVELOPMENT_SECRETS in variables:  # the function would refuse to start anyway
            found.append(f"{name}: sets {DEVELOPMENT_SECRETS}, for `make run` and tests only")
        group = resources.get(f"{name}LogGroup", {}).get("Properties", {})
        if not group.get("RetentionInDays"):
            found.append(f"{name}: no log group with a retention")
        if props.get("LoggingConfig", {}).get("SystemLogLevel") != "WARN":
            found.append(f"{name}: platform START/END/REPORT lines would be ingested")
        role = props.get("Role", {}).get("Fn::GetAtt", [""])[0]
        policy = json.dumps(resources.get(role, {}).get("Properties", {}).get("Policies"))
        if "arn:*" in policy or '"*"' in policy:
            found.append(f"{name}: its role {role!r} grants a wildcard resource")
    for spec in QUEUES:
        worker = resources.get(worker_function(spec), {}).get("Properties", {})
        events = worker.get("Events", {})
        pushes = [e for e in events.values() if e["Type"] == "SNS"]
        replays = [e for e in events.values() if e["Type"] == "SQS"]
        dlq = {"Fn::GetAtt": [dead_letter_queue(spec), "Arn"]}
        if len(pushes) != 1 \
                or pushes[0]["Properties"].get("FilterPolicy") != spec.filter_policy:
            found.append(f"{spec.name}: not one SNS subscription filtered as the list says "
                         "(its types; premium hosts, or bookings with notes, only where "
                         "it says so)")
        if len(replays) != 1 or replays[0]["Properties"].get("Enabled") is not False \
                or replays[0]["Properties"].get("Queue") != dlq:
            found.append(f"{spec.name}: the dead-letter replay must exist and be off")
        destination = worker.get("EventInvokeConfig", {}).get("DestinationConfig", {})
        if destination.get("OnFailure", {}).get("Destination") != dlq:
            found.append(f"{spec.name}: failed events do not go to its dead-letter queue")
    for name in sorted(of_type("AWS::Logs::LogGroup")):
        if name.removesuffix("LogGroup") not in functions:
            found.append(f"{name}: a log group for no function")
    idle = sorted(finding.resource for finding in idle_costs(template))
    if idle:
        found.append(f"billed by the hour or month even when idle: {idle}")
    return found


def main(path: str) -> int:
    found = problems(json.loads(Path(path).read_text()))
    for problem in found:
        print(f"infra.check: {problem}", file=sys.stderr)
    print(f"infra.check: {path}: {'FAILED' if found else 'ok'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
