"""Lambda's Python runtime, for the local stack: a handler called with an event and a context.

Every local caller of the app's Lambda entry points (the pollers, SNS's push, the
WebSocket gateway) goes through `invoke_lambda`, so each handler sees what it would in
AWS: its own JSON copy of the event, a context object, and a result that must be JSON.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LambdaHandler = Callable[[dict[str, Any], Any], Any]
"""A Lambda entry point as AWS calls it: `handler(event, context)`."""

ACCOUNT = "123456789012"  # moto's default account, which every local ARN carries


@dataclass
class LambdaContext:
    """The context object Lambda's Python runtime passes, with the attributes code reads."""

    function_name: str
    timeout_seconds: float = 60.0
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    region: str = "us-east-1"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{time.strftime('%Y/%m/%d')}/[{self.function_version}]local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LambdaResultError(RuntimeError):
    """The handler returned something Lambda could not serialize as JSON."""


def invoke_lambda(
    handler: LambdaHandler,
    event: dict[str, Any],
    *,
    function_name: str = "penny-local",
    timeout_seconds: float = 60.0,
    region: str = "us-east-1",
) -> Any:
    """Call `handler(event, context)` as Lambda would; exceptions propagate.

    The event and the result cross a JSON boundary, as they do in AWS: the handler gets
    its own copy of plain JSON types, and a result Lambda could not marshal fails here.
    The timeout is reported by `get_remaining_time_in_millis` but not enforced.
    """
    context = LambdaContext(function_name, timeout_seconds, region=region)
    result = handler(json.loads(json.dumps(event)), context)
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as exc:
        raise LambdaResultError(f"{function_name} returned a non-JSON result: {exc}") from exc
