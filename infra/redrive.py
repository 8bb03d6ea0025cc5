"""`make redrive`: replay a consumer's dead-letter queue into its worker, then stop.

    python -m infra.redrive --stage prod [--region us-east-1]
        --consumer notes|summary|calendar|payments|stream

A worker's replay mapping (infra/messaging.py) is off, because an SQS mapping that is on
long-polls its queue all month. This turns it on, waits until the queue is empty or what
is left has all failed again (it goes back to the queue: the worker reports it), and
turns it off again.
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

POLL = 20.0            # seconds between looks at the queue
ENABLING = 2.0         # seconds between looks at a mapping being switched on
# Visibility timeouts without the queue's count moving before what is left counts as
# failing again: after one, a message may only have been out of sight after a delivery
# that never ran its job (a throttled or killed invocation), not refused; after two,
# each has come back and been tried since.
STALLED = 2


def _depth(sqs: Any, queue_url: str) -> tuple[int, int]:
    """(messages in the queue, visible or in flight; its visibility timeout in seconds)."""
    found = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "VisibilityTimeout"])["Attributes"]
    return (int(found["ApproximateNumberOfMessages"])
            + int(found["ApproximateNumberOfMessagesNotVisible"]),
            int(found["VisibilityTimeout"]))


def redrive(session: boto3.Session, stage: str, consumer: str, timeout: float = 1800.0,
            sleep: Callable[[float], None] = time.sleep) -> int:
    """Replay; return how many messages are left (ones that failed again).

    Switching a mapping on takes a while (its state goes through `Enabling`), the
    queue's counts are approximate and a minute late, and a message that fails again is
    out of sight for the queue's visibility timeout before it counts as waiting again.
    So the replay ends when the queue is empty, or when its count has not moved for
    STALLED whole visibility timeouts and a look more: by then each message left has
    come back and been tried again, and failed, since the last one went through.
    """
    spec = next((s for s in QUEUES if s.name == consumer), None)
    if spec is None:
        raise DeployError(f"no consumer {consumer!r}; one of {[s.name for s in QUEUES]}")
    cfn, sqs, lambda_client = (session.client(n) for n in ("cloudformation", "sqs", "lambda"))
    stack = stack_name(stage)
    queue_url = physical_id(cfn, stack, dead_letter_queue(spec))
    function = physical_id(cfn, stack, worker_function(spec))
    mappings = lambda_client.list_event_source_mappings(FunctionName=function)
    found = [m for m in mappings["EventSourceMappings"]
             if m["EventSourceArn"].endswith(f":{spec.dlq_name(stack)}")]
    if len(found) != 1:
        raise DeployError(f"{function} has {len(found)} mappings from {spec.dlq_name(stack)}, "
                          "not its one replay mapping: was the stack deployed by `make deploy`?")
    uuid = found[0]["UUID"]
    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=True)
    waited = 0.0
    try:
        while lambda_client.get_event_source_mapping(UUID=uuid)["State"] != "Enabled":
            if waited >= timeout:
                raise DeployError(f"the replay mapping of {function} did not switch on "
                                  f"in {timeout:.0f} s")
            sleep(ENABLING)
            waited += ENABLING
        before, still = -1, 0.0
        while True:
            left, visibility = _depth(sqs, queue_url)
            still = still + POLL if left == before else 0.0
            if left == 0 or still > STALLED * visibility or waited >= timeout:
                return left
            before = left
            sleep(POLL)
            waited += POLL
    finally:
        _switch_off(lambda_client, uuid, function, sleep)


def _switch_off(lambda_client: Any, uuid: str, function: str,
                sleep: Callable[[float], None], tries: int = 30) -> None:
    """Switch the replay mapping off, waiting out a change still under way (AWS refuses
    an update while the mapping is Enabling: ResourceInUseException)."""
    for _ in range(tries):
        try:
            lambda_client.update_event_source_mapping(UUID=uuid, Enabled=False)
            return
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
            sleep(ENABLING)
    raise DeployError(f"the replay mapping of {function} ({uuid}) could not be switched off: "
                      "it polls its queue until it is; switch it off in the Lambda console")


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
