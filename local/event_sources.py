"""The app's event sources, for the local stack: which pollers stand in for Lambda's.

`chalice local` runs neither SQS nor DynamoDB Streams handlers, so `pollers_for_app` gives
each source an app registers the poller that does what AWS would: a `StreamPoller`
(local/stream_poller.py) per `@app.on_dynamodb_record` handler, and an `SnsPushPoller`
(local/sns_push.py) per messaging consumer, pushing to its `@app.lambda_function` worker;
and, given the hold timers' schedule group, a `SchedulePoller` (local/schedule_poller.py)
running what EventBridge Scheduler would (its SNS publish reaches the payments worker
through that worker's push). Each is a daemon thread (local/polling.py) with a clean
`stop()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from chalice import Chalice
from chalice.app import DynamoDBEventConfig

from local.polling import Poller
from local.provision import LOCAL_CREDENTIALS, Messaging
from local.schedule_poller import SchedulePoller
from local.sns_push import SnsPushPoller
from local.stream_poller import StreamPoller

log = logging.getLogger(__name__)


def pollers_for_app(
    app: Chalice,
    *,
    aws_url: str,
    region: str,
    messaging: Messaging,
    stream_arn: str | None,
    embedded: bool = True,
    schedule_group: str | None = None,
    stream_filter: Callable[[Mapping[str, Any]], bool] | None = None,
) -> list[Poller]:
    """A poller per DynamoDB Streams handler the app registers, an SNS push per
    consumer to its `@app.lambda_function` worker, and Scheduler's runs of the schedules
    in `schedule_group` when given (none started).

    `embedded` says the AWS at `aws_url` is moto in this process (local.aws.EmbeddedAWS),
    whose memory the stream poller then keeps in check. `stream_filter` is the event
    source's filter (the stream's `passes_filter`): records it refuses invoke nothing.
    """
    session = boto3.session.Session(region_name=region, **LOCAL_CREDENTIALS)
    pollers: list[Poller] = []
    for config in app.event_sources:
        handler = app.handler_map[config.name]
        function_name = f"{app.app_name}-local-{config.name}"
        if isinstance(config, DynamoDBEventConfig):
            if stream_arn is None:
                raise LookupError(
                    f"{config.handler_string} reads a DynamoDB stream, but the local table "
                    "has none (is StreamSpecification in table_definition()?)"
                )
            pollers.append(
                StreamPoller(
                    handler,
                    # The local table's stream, whatever ARN the decorator names.
                    stream_arn=stream_arn,
                    streams=session.client("dynamodbstreams", endpoint_url=aws_url),
                    batch_size=config.batch_size,
                    function_name=function_name,
                    region=region,
                    forget_embedded_iterators=embedded,
                    record_filter=stream_filter,
                )
            )
        else:
            log.warning("%s: no local poller for %s handlers", config.handler_string,
                        type(config).__name__)
    functions = {function.name: function for function in app.pure_lambda_functions}
    sqs = session.client("sqs", endpoint_url=aws_url)
    for consumer in messaging.queues.values():
        worker = functions.get(consumer.spec.function_name)
        if worker is None:
            raise LookupError(f"no @app.lambda_function named {consumer.spec.function_name!r} "
                              f"for the {consumer.spec.name!r} consumer")
        pollers.append(SnsPushPoller(
            worker, queue_url=consumer.url, queue_arn=consumer.arn,
            sqs=sqs, dlq_url=consumer.dlq_url,
            subscription_arn=consumer.subscription_arn, max_retries=consumer.spec.max_retries,
            function_name=f"{app.app_name}-local-{worker.name}", region=region))
    if schedule_group is not None:
        pollers.append(SchedulePoller(
            scheduler=session.client("scheduler", endpoint_url=aws_url),
            sns=session.client("sns", endpoint_url=aws_url), group=schedule_group,
            region=region))
    return pollers
