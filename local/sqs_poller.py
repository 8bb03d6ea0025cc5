"""Lambda's SQS event source mapping, for the local stack.

`SqsPoller` receives from a queue, invokes a handler with an SQS-shaped event and deletes
what succeeded (as the replay of a dead-letter queue does). With ReportBatchItemFailures
(which infra/ switches on) a `{"batchItemFailures": [...]}` result deletes all but
those; a handler that raises deletes nothing. What is not deleted comes back after the
queue's visibility timeout, and the queue's redrive policy (moto applies it on receive)
moves a message to its DLQ after `maxReceiveCount` receives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from local.lambda_events import sqs_record
from local.lambda_runtime import LambdaHandler
from local.polling import Poller

log = logging.getLogger(__name__)


class SqsPoller(Poller):
    """Lambda's SQS event source mapping for one queue and one handler.

    Short polling: a long poll (WaitTimeSeconds > 0) would wait inside the embedded AWS,
    which serves one request at a time (local/aws.py), and stall every other request.
    """

    kind = "sqs-poller"

    def __init__(
        self,
        handler: LambdaHandler,
        *,
        queue_url: str,
        queue_arn: str,
        sqs: Any,
        batch_size: int = 10,
        function_name: str = "penny-local-worker",
        region: str = "us-east-1",
        report_batch_item_failures: bool = True,
        timeout_seconds: float = 60.0,
    ) -> None:
        super().__init__(handler, function_name=function_name, region=region,
                         timeout_seconds=timeout_seconds)
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.batch_size = batch_size
        self.report_batch_item_failures = report_batch_item_failures
        self._sqs = sqs

    def poll_once(self) -> int:
        messages = self._receive()
        if not messages:
            return 0
        event = {"Records": [
            sqs_record(message, queue_arn=self.queue_arn, region=self.region)
            for message in messages
        ]}
        try:
            result = self.invoke(event)
        except Exception:
            log.exception(
                "%s failed; its %d message(s) return after the visibility timeout",
                self.function_name,
                len(messages),
            )
            return len(messages)
        failed = self._failed_ids(result, [m["MessageId"] for m in messages])
        if failed:
            log.warning("%s: %d of %d message(s) failed", self.function_name, len(failed),
                        len(messages))
        self._delete(m for m in messages if m["MessageId"] not in failed)
        return len(messages)

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < self.batch_size and not self.stopping:
            want = min(10, self.batch_size - len(messages))
            response = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=want,
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            got = response.get("Messages", [])
            messages.extend(got)
            if len(got) < want:
                break
        return messages

    def _failed_ids(self, result: Any, ids: list[str]) -> set[str]:
        """Which messages to keep, from the handler's result (Lambda's rules)."""
        if not self.report_batch_item_failures:
            return set()  # without the setting Lambda ignores the result: all succeeded
        if not isinstance(result, dict) or result.get("batchItemFailures") is None:
            return set()
        failures = result["batchItemFailures"]
        try:
            failed = {str(item["itemIdentifier"]) for item in failures}
        except (TypeError, KeyError):
            failed = set()
        else:
            if failed <= set(ids) and "" not in failed:
                return failed
        # An unreadable response or an unknown or empty id fails the whole batch.
        log.error("%s: invalid batchItemFailures %r; the whole batch fails",
                  self.function_name, failures)
        return set(ids)

    def _delete(self, messages: Iterable[dict[str, Any]]) -> None:
        entries = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
        ]
        for start in range(0, len(entries), 10):
            response = self._sqs.delete_message_batch(
                QueueUrl=self.queue_url, Entries=entries[start : start + 10]
            )
            for failure in response.get("Failed", []):
                log.warning("%s: could not delete a message: %s", self.function_name, failure)
