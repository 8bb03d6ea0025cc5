"""`make redrive`: replay a consumer's dead-letter queue into its worker, then stop.

    python -m infra.redrive --stage prod --consumer notes [--region us-east-1]

The replay mapping (infra/messaging.py) is off, because an SQS mapping that is on
long-polls its queue all month. This turns it on, waits until the queue is empty (what
still fails goes back to the queue: the worker reports it), and turns it off again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence

from chalicelib.store.queues import QUEUES
from infra.deploy import DeployError, aws, stack_name
from infra.messaging import dead_letter_queue, worker_function


def _physical_id(stack: str, logical: str, region: str) -> str:
    found = json.loads(aws("cloudformation", "describe-stack-resource", "--stack-name", stack,
                           "--logical-resource-id", logical, "--output", "json",
                           region=region))
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def _depth(queue_url: str, region: str) -> int:
    found = json.loads(aws("sqs", "get-queue-attributes", "--queue-url", queue_url,
                           "--attribute-names", "ApproximateNumberOfMessages",
                           "ApproximateNumberOfMessagesNotVisible", "--output", "json",
                           region=region))
    return sum(int(v) for v in found["Attributes"].values())


def redrive(stage: str, consumer: str, region: str, timeout: float = 900.0,
            sleep: Callable[[float], None] | None = None) -> int:
    """Replay; return how many messages are left (ones that failed again)."""
    spec = next((s for s in QUEUES if s.name == consumer), None)
    if spec is None:
        raise DeployError(f"no consumer {consumer!r}; one of {[s.name for s in QUEUES]}")
    stack = stack_name(stage)
    queue_url = _physical_id(stack, dead_letter_queue(spec), region)
    function = _physical_id(stack, worker_function(spec), region)
    mappings = json.loads(aws("lambda", "list-event-source-mappings", "--function-name",
                              function, "--output", "json", region=region))
    (mapping,) = [m for m in mappings["EventSourceMappings"]
                  if m["EventSourceArn"].endswith(f":{spec.dlq_name(stack)}")]
    aws("lambda", "update-event-source-mapping", "--uuid", mapping["UUID"], "--enabled",
        region=region)
    try:
        deadline = time.monotonic() + timeout
        before = -1
        while time.monotonic() < deadline:
            left = _depth(queue_url, region)
            if left == 0 or left == before:  # empty, or only what keeps failing
                return left
            before = left
            (sleep or time.sleep)(20.0)
        return _depth(queue_url, region)
    finally:
        aws("lambda", "update-event-source-mapping", "--uuid", mapping["UUID"],
            "--no-enabled", region=region)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--consumer", required=True, choices=[s.name for s in QUEUES])
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    try:
        left = redrive(args.stage, args.consumer, args.region)
    except DeployError as exc:
        print(f"redrive: {exc}", file=sys.stderr)
        return 1
    print(f"redrive: {args.consumer}: {left} message(s) still failing in the dead-letter queue")
    return 0 if left == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
