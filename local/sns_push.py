"""SNS's push to a worker Lambda, for the local stack, with Lambda's async retries and DLQ.

The topic delivers each notification to the consumer's local delivery queue
(local/provision.py); `SnsPushPoller` takes it from there and invokes the worker with an
SNS-shaped event (one record, as SNS does), retries a failure as Lambda's asynchronous
invocation does (`max_retries`), then puts Lambda's failure record on the dead-letter
queue (the `OnFailure` destination infra/ configures).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from local.lambda_events import failure_record, sns_record
from local.lambda_runtime import LambdaHandler
from local.sqs_poller import SqsPoller

log = logging.getLogger(__name__)


class SnsPushPoller(SqsPoller):
    """SNS's push to one subscribed Lambda, with Lambda's async retries and destination."""

    kind = "sns-push"

    def __init__(self, handler: LambdaHandler, *, queue_url: str, queue_arn: str, sqs: Any,
                 dlq_url: str, subscription_arn: str, max_retries: int = 2,
                 retry_delay: float = 0.2, function_name: str = "penny-local-worker",
                 region: str = "us-east-1", timeout_seconds: float = 60.0) -> None:
        super().__init__(handler, queue_url=queue_url, queue_arn=queue_arn, sqs=sqs,
                         function_name=function_name, region=region,
                         timeout_seconds=timeout_seconds)
        self.dlq_url = dlq_url
        self.subscription_arn = subscription_arn
        self.max_retries = max_retries
        self.retry_delay = retry_delay

    def poll_once(self) -> int:
        messages = self._receive()
        for message in messages:
            notification = json.loads(message["Body"])
            event = {"Records": [sns_record(notification,
                                            subscription_arn=self.subscription_arn)]}
            error = self._invoke_with_retries(event)
            if error is not None:
                failure = failure_record(event, error, function_name=self.function_name,
                                         region=self.region, invocations=1 + self.max_retries)
                self._sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(failure))
        self._delete(messages)
        return len(messages)

    def _invoke_with_retries(self, event: dict[str, Any]) -> Exception | None:
        error: Exception | None = None
        for attempt in range(1 + self.max_retries):
            if attempt:
                self._stopping.wait(self.retry_delay * 2 ** (attempt - 1))
            try:
                self.invoke(event)
                return None
            except Exception as exc:
                error = exc
                log.warning("%s failed (attempt %d of %d): %s", self.function_name,
                            attempt + 1, 1 + self.max_retries, exc)
        return error
