"""Counting the AWS requests Penny makes, with a botocore event hook.

Used by the round-trip tests and bench/ scripts, and by the cost model (`make cost`),
which sees each request with its parameters and parsed answer (`observe_calls`): it sees
every request a client sends, whatever endpoint it goes to (moto in-process, the
embedded AWS, or real AWS).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


class CallCounter:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)


@contextmanager
def dynamodb_calls() -> Iterator[CallCounter]:
    """Count DynamoDB operations made by the Penny table's PynamoDB client meanwhile."""
    from chalicelib.store.tables import PennyItem

    events = PennyItem._get_connection().connection.client.meta.events
    counter = CallCounter()
    events.register("before-call.dynamodb", counter, unique_id="penny-metering")
    try:
        yield counter
    finally:
        events.unregister("before-call.dynamodb", unique_id="penny-metering")


@dataclass(frozen=True)
class ApiCall:
    """One AWS request as the caller made it, and the answer it got."""

    service: str                # botocore's service name: "dynamodb", "sns"
    operation: str              # "Query", "Publish"
    params: dict[str, Any]      # the operation's parameters, as passed
    response: dict[str, Any]    # parsed answer (an "Error" entry when it failed)
    status: int                 # HTTP status


_PARAMS = "penny_metering_params"


@contextmanager
def observe_calls(
    clients: Iterable[Any],
    after: Callable[[ApiCall], None],
    before: Callable[[str, str, dict[str, Any]], None] | None = None,
) -> Iterator[None]:
    """Call `before(service, operation, params)` ahead of each request the clients send,
    and `after(call)` once it is answered; both run on the caller's thread."""
    uid = f"penny-observe-{id(after)}"

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = dict(params)

    def on_before(model: Any, context: dict[str, Any], **_: Any) -> None:
        if before is not None:
            before(model.service_model.service_name, model.name, context.get(_PARAMS, {}))

    def on_after(http_response: Any, parsed: dict[str, Any], model: Any,
                 context: dict[str, Any], **_: Any) -> None:
        after(ApiCall(model.service_model.service_name, model.name,
                      context.get(_PARAMS, {}), parsed, int(http_response.status_code)))

    hooks = (("before-parameter-build", keep_params), ("before-call", on_before),
             ("after-call", on_after))
    registered = [client.meta.events for client in clients]
    for events in registered:
        for event, hook in hooks:
            events.register(event, hook, unique_id=f"{uid}-{event}")
    try:
        yield
    finally:
        for events in registered:
            for event, _hook in hooks:
                events.unregister(event, unique_id=f"{uid}-{event}")
