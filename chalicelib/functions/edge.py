"""The edge for providers: webhooks and OAuth callbacks, outside the JSON API.

`api_route` speaks JSON to API clients; these routes speak each provider's protocol.
An `edge_route` view gets the body as the exact bytes sent (base64 undone, never parsed
or re-encoded) and the headers without regard to case:

  kind       the handler gets                            and answers
  webhook    a VerifiedEvent: the route's verifier        nothing (the acknowledgement:
             checked the raw bytes; once per event id     `ack_status`, no body) or a Response
             at its URL (`delivery_source`)
  callback   the EdgeRequest (query, headers, body)       a Response: `redirect(...)`

A webhook's `handshake` (`echo_query("validationToken")` for Microsoft Graph) runs first
and may answer alone, running and recording nothing. A webhook is answered 5xx only when
a retry can help (RETRYABLE, another run holding the event, a bug); a bad signature is 400;
anything genuine (processed, already processed, ignored, refused for good) is acknowledged
(services/webhooks.py says why; docs/api.md has the table). Edge routes are not in
/openapi.json: `edge_paths` names them, as PAGE_PATHS names the pages.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from chalice import Blueprint, Chalice, Response

from chalicelib.domain.errors import NotFoundError
from chalicelib.functions.edge_responses import empty
from chalicelib.functions.errors import error_response, from_exception
from chalicelib.functions.http import PATH_PARAMETER, PayloadTooLargeError, request_body
from chalicelib.services.webhooks import (
    LEASE,
    RETRYABLE,
    Deliveries,
    Headers,
    Outcome,
    Receipt,
    WebhookVerifier,
    receive,
)

if TYPE_CHECKING:
    from chalicelib.services.ports import Clock

log = logging.getLogger("penny")

# Edge routes live under these first segments only, so none shadows a host's booking
# page (`/{host}/{event}`): each must be a reserved slug (chalicelib/domain/hosts.py).
EDGE_ROOTS = frozenset({"webhooks", "auth", "oauth"})
RETRY_AFTER = str(int(LEASE.total_seconds()))


@dataclass(frozen=True)
class Edge:
    path: str
    name: str
    kind: Literal["webhook", "callback"]
    methods: tuple[str, ...] = ("POST",)
    provider: str = ""          # webhooks: whose event ids (see `delivery_source`)
    ack_status: int = 200       # Microsoft Graph wants 202; Google, Stripe, Razorpay any 2xx
    handshake: Callable[[EdgeRequest], Response | None] | None = None
    body_limit: int = 1024 * 1024  # Stripe's events run to tens of KB; Lambda allows 6 MB


@dataclass(frozen=True)
class EdgeRequest:
    method: str
    path: Mapping[str, str]
    query: Mapping[str, str]
    headers: Headers
    body: bytes = field(repr=False)


class EdgeContext(Protocol):
    """What the edge needs from the composition root (bootstrap.EdgeServices)."""

    @property
    def deliveries(self) -> Deliveries: ...
    @property
    def clock(self) -> Clock: ...


_EDGE_VIEWS: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()


def edge_paths(app: Chalice) -> set[str]:
    """The app's paths served by edge routes only (kept out of the OpenAPI document)."""
    return {path for path, entries in app.routes.items()
            if all(entry.view_function in _EDGE_VIEWS for entry in entries.values())}


def edge_request(request: Any, path: Mapping[str, str], limit: int) -> EdgeRequest:
    body = request_body(request)
    if len(body) > limit:
        raise PayloadTooLargeError(f"request body exceeds {limit} bytes")
    params = request.query_params or {}
    return EdgeRequest(request.method, dict(path), {k: params[k] for k in params},
                       Headers(dict(request.headers)), body)


def _check(edge: Edge, verifier: Callable[..., WebhookVerifier] | None) -> None:
    root = edge.path.split("/")[1] if edge.path.startswith("/") else ""
    if root not in EDGE_ROOTS:
        raise ValueError(f"{edge.name}: an edge route must start with one of {sorted(EDGE_ROOTS)}")
    if edge.kind == "webhook" and (verifier is None or not edge.provider):
        raise ValueError(f"{edge.name}: a webhook needs a provider and a verifier")
    if edge.kind == "callback" and (verifier is not None or edge.handshake is not None):
        raise ValueError(f"{edge.name}: a callback verifies its own state; no verifier")


def delivery_source(provider: str, path: Mapping[str, str]) -> str:
    """What an event id is remembered under: the provider, and the URL's path values.

    A provider sends one event, under one id, to each URL the account has (Razorpay: one
    per Penny host who connected that account, `/webhooks/razorpay/{host_id}`), and each
    URL's delivery must run on its own: one acted on at another host's URL (ignored
    there, not that host's booking) must not make the right host's a duplicate. So the
    claim is `razorpay#{host_id}`; Stripe's one endpoint has no path values: `stripe`."""
    return "#".join([provider, *(path[name] for name in sorted(path))])


def _ack(edge: Edge, receipt: Receipt[Any]) -> Response:
    if receipt.outcome is Outcome.IN_PROGRESS:
        return error_response(503, "delivery_in_progress", "this event is being processed; "
                              "deliver it again later", headers={"Retry-After": RETRY_AFTER})
    if receipt.outcome is Outcome.PROCESSED and isinstance(receipt.result, Response):
        return receipt.result
    if receipt.refusal is not None and receipt.event is not None:
        log.error("%s event %s refused for good: %s", edge.provider, receipt.event.id,
                  receipt.refusal.code)
    response = empty(edge.ack_status)
    response.headers["Penny-Delivery"] = str(receipt.outcome)
    return response


def edge_route(app: Chalice | Blueprint, edge: Edge,
               context: Callable[[], EdgeContext] | None = None,
               verifier: Callable[..., WebhookVerifier] | None = None,
               ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `edge`. A webhook's `verifier(**path)` and `context()` are called per
    delivery (so settings and tables load on first use); its view is `fn(event, **path)`.
    A callback's view is `fn(request, **path)`."""
    _check(edge, verifier)

    def webhook(fn: Callable[..., Any], incoming: EdgeRequest) -> Response:
        assert verifier is not None and context is not None
        deps = context()
        receipt = receive(delivery_source(edge.provider, incoming.path), incoming.body,
                          incoming.headers,
                          verifier(**incoming.path), deps.deliveries, deps.clock.now(),
                          lambda event: fn(event, **incoming.path))
        return _ack(edge, receipt)

    def answer(fn: Callable[..., Any], request: Any, path: dict[str, str]) -> Response:
        try:
            if any(not PATH_PARAMETER.match(value) for value in path.values()):
                raise NotFoundError("no such resource")
            incoming = edge_request(request, path, edge.body_limit)
            shaken = edge.handshake(incoming) if edge.handshake else None
            if shaken is not None:
                return shaken
            if edge.kind == "callback":
                return fn(incoming, **path)  # type: ignore[no-any-return]
            return webhook(fn, incoming)
        except PayloadTooLargeError as exc:
            return error_response(413, exc.code, exc.message)
        except Exception as exc:  # a PennyError: the one table; anything else: a bug, a 500
            response = from_exception(exc)
            if edge.kind == "webhook" and isinstance(exc, RETRYABLE):
                response.status_code = 503  # whatever the JSON API says: the provider retries
                response.headers["Retry-After"] = RETRY_AFTER
            return response

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        def view(**path: str) -> Response:
            request = app.current_request
            assert request is not None  # Chalice sets it before calling a view
            response = answer(fn, request, path)
            return _no_store(response) if edge.kind == "callback" else response

        view.__name__ = edge.name
        _EDGE_VIEWS.add(view)
        # Any content type: Chalice would refuse all but JSON with a 415 (Graph's
        # handshake is text/plain, Google's notifications have no body at all).
        app.route(edge.path, methods=list(edge.methods), name=edge.name,
                  content_types=["*/*"])(view)
        return fn

    return register


def _no_store(response: Response) -> Response:
    # A callback's URL and answer carry one-time codes: never cached, never a Referer.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
