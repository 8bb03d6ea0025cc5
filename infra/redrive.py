"""`make redrive`: replay a consumer's dead-letter queue into its worker, then stop.

    python -m infra.redrive --stage prod --consumer notes|summary|stream [--region us-east-1]

A worker's replay mapping (infra/messaging.py) is off, because an SQS mapping that is on
long-polls its queue all month. This turns it on, waits until the queue is empty (what
still fails goes back to the queue: the worker reports it), and turns it off again.
`--consumer stream` replays the table stream's failed batches instead
(infra/stream_replay.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.store.queues import QUEUES
from infra import stream_replay
from infra.messaging import STREAM_FAILURES, dead_letter_queue, worker_function
from infra.stack import DeployError, physical_id, stack_name


def _depth(sqs: Any, queue_url: str) -> int:
    found = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in found["Attributes"].values())


def redrive(session: boto3.Session, stage: str, consumer: str, timeout: float = 900.0,
            sleep: Callable[[float], None] = time.sleep) -> int:
    """Replay; return how many messages are left (ones that failed again)."""
    spec = next((s for s in QUEUES if s.name == consumer), None)
    if spec is None:
        raise DeployError(f"no consumer {consumer!r}; one of {[s.name for s in QUEUES]}")
    cfn, sqs, lambda_client = (session.client(n) for n in ("cloudformation", "sqs", "lambda"))
    stack = stack_name(stage)
    queue_url = physical_id(cfn, stack, dead_letter_queue(spec))
    function = physical_id(cfn, stack, worker_function(spec))
    mappings = lambda_client.list_event_source_mappings(FunctionName=function)
    (mapping,) = [m for m in mappings["EventSourceMappings"]
                  if m["EventSourceArn"].endswith(f":{spec.dlq_name(stack)}")]
    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    try:
        deadline = time.monotonic() + timeout
        before = -1
        while time.monotonic() < deadline:
            left = _depth(sqs, queue_url)
            if left == 0 or left == before:  # empty, or only what keeps failing
                return left
            before = left
            sleep(20.0)
        return _depth(sqs, queue_url)
    finally:
        lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--consumer", required=True,
                        choices=[s.name for s in QUEUES] + [STREAM_FAILURES])
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    try:
        if args.consumer == STREAM_FAILURES:
            left = stream_replay.replay_stack(session, stack_name(args.stage))
        else:
            left = redrive(session, args.stage, args.consumer)
    except (DeployError, ClientError, BotoCoreError) as exc:
        print(f"redrive: {exc}", file=sys.stderr)
        return 1
    print(f"redrive: {args.consumer}: {left} message(s) still failing in the dead-letter queue")
    return 0 if left == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
