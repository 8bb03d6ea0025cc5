"""The edge for providers (functions/edge.py): payment webhooks, calendar push
notifications and the OAuth callback. None is in /openapi.json; each speaks its provider's
protocol, not the JSON API's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.routes.routing import services

bp = Blueprint(__name__)


# ---- payment webhooks (chalicelib/services/payment_settlement.py) ----------------------

def _payment_webhook(path: str, name: str, provider: str,
                     verifier: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    from chalicelib.functions.edge import Edge, edge_route

    return edge_route(bp, Edge(path, name, "webhook", provider=provider),
                      lambda: services().edge, verifier)


def _stripe_verifier() -> Any:
    from chalicelib.services.webhooks import PaymentWebhooks

    return PaymentWebhooks(services().payment_accounts.stripe_webhooks())


def _razorpay_verifier(host_id: str) -> Any:
    from chalicelib.services.webhooks import PaymentWebhooks

    return PaymentWebhooks(services().payment_accounts.razorpay_webhooks(host_id))


@_payment_webhook("/webhooks/stripe", "stripe_webhook", "stripe", _stripe_verifier)
def stripe_webhook(event: Any) -> None:
    services().payments.settle(event.payload, "stripe")


@_payment_webhook("/webhooks/razorpay/{host_id}", "razorpay_webhook", "razorpay",
                  _razorpay_verifier)
def razorpay_webhook(event: Any, host_id: str) -> None:
    services().payments.settle(event.payload, "razorpay", host_id)


# ---- calendar push notifications (functions/calendar_push.py) ---------------------------

def _calendar_push(provider: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from chalicelib.functions.edge import Edge, edge_route

    return edge_route(bp, Edge(f"/webhooks/calendar/{provider}", f"{provider}_calendar_push",
                                "callback", methods=("POST",), body_limit=256 * 1024))


@_calendar_push("google")
def google_calendar_push(incoming: Any) -> Response:
    from chalicelib.functions import calendar_push

    return calendar_push.google(services().calendars, incoming)


@_calendar_push("microsoft")
def microsoft_calendar_push(incoming: Any) -> Response:
    from chalicelib.functions import calendar_push

    return calendar_push.microsoft(services().calendars, incoming)


# ---- the OAuth callback (functions/connections.py) ---------------------------------------

def _oauth_callback() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from chalicelib.functions.edge import Edge, edge_route

    return edge_route(bp, Edge("/oauth/{provider}/callback", "oauth_callback", "callback",
                                methods=("GET",)))


@_oauth_callback()
def oauth_callback(incoming: Any, provider: str) -> Response:
    from chalicelib.functions.connections import callback
    from chalicelib.functions.http import base_path, source_ip

    request = bp.current_request
    return callback(services().callback, incoming, provider, base_path(request),
                    source_ip(request))
