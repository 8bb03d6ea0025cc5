"""A Penny app with edge routes only, for testing the edge before any vendor lands.

The verifiers speak the vendors' published schemes (Stripe's `t=...,v1=...` HMAC-SHA256
over "{t}.{raw body}", Graph's clientState in each notification, Google's channel token)
with the real algorithms, never a stub that says yes. The production app registers no
edge route yet; this one is served exactly as production is (`Penny.__call__`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import app as app_module
from chalicelib.domain.errors import NotFoundError
from chalicelib.functions.edge import Edge, EdgeRequest, edge_route
from chalicelib.functions.edge_responses import echo_query, empty, redirect
from chalicelib.services.webhooks import Headers, InvalidSignatureError, VerifiedEvent
from chalicelib.store.deliveries import DeliveryRepository
from chalicelib.store.tables import configure
from tests.functional.conftest import TABLE, FixedClock
from tests.functional.test_function_url import url_event

SECRET = "whsec_test_0123456789"
ACCOUNT_SECRETS = {"acct-a": "secret-a", "acct-b": "secret-b"}
CLIENT_STATE = "graph-client-state"
CHANNEL_TOKENS = {"channel-1": "token-1"}
NOT_ACTED_ON = {"customer.created"}  # genuine events of kinds Penny has no use for


@dataclass
class Script:
    """What the handlers saw, and what they are told to raise next (one per delivery)."""

    clock: FixedClock = field(default_factory=FixedClock)
    deliveries: DeliveryRepository = field(default_factory=DeliveryRepository)
    events: list[VerifiedEvent] = field(default_factory=list)
    callbacks: list[EdgeRequest] = field(default_factory=list)
    verified: list[bytes] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    def run(self, event: VerifiedEvent) -> None:
        self.events.append(event)
        if self.failures:
            raise self.failures.pop(0)


SCRIPT = Script()


def context() -> Script:
    return SCRIPT


def fresh_script() -> Script:
    """A new Script for the next test (each test module's `script` fixture, on moto)."""
    global SCRIPT
    configure(TABLE, "us-east-1", None)
    SCRIPT = Script()
    return SCRIPT


def stripe_signature(raw: bytes, timestamp: int, secret: str = SECRET) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + raw, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeSchemeVerifier:
    """Stripe's published scheme: `Stripe-Signature: t=<unix time>,v1=<hex>` (several
    v1 allowed while a secret rolls), HMAC-SHA256 of "{t}." + the raw body, 300 s of
    tolerance. The event id comes in `Acme-Event-Id` (as Razorpay's does), so the body
    can be any bytes at all."""

    def __init__(self, secret: str, tolerance: int = 300) -> None:
        self.secret, self.tolerance = secret.encode(), tolerance

    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent | None:
        SCRIPT.verified.append(raw)
        fields: dict[str, list[str]] = {}
        for part in headers.get("stripe-signature", "").split(","):
            key, equals, value = part.strip().partition("=")
            if equals:
                fields.setdefault(key, []).append(value)
        stamps, signatures = fields.get("t", []), fields.get("v1", [])
        if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
            raise InvalidSignatureError("no usable Stripe-Signature header")
        signed = stamps[0].encode() + b"." + raw
        expected = hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            raise InvalidSignatureError("the signature does not match the body")
        if abs(SCRIPT.clock.now().timestamp() - int(stamps[0])) > self.tolerance:
            raise InvalidSignatureError("the signature is too old")
        kind = headers.get("acme-event-type", "thing.happened")
        if kind in NOT_ACTED_ON:
            return None
        return VerifiedEvent(headers.get("acme-event-id", ""), kind, {"body": raw})


class ClientStateVerifier:
    """Microsoft Graph: no signature, the subscription's clientState in every item of
    `value`. Notifications carry no id: the body's hash stands for one."""

    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent:
        try:
            items = json.loads(raw)["value"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidSignatureError("not a Graph notification") from exc
        if not items or any(not hmac.compare_digest(str(i.get("clientState", "")),
                                                    CLIENT_STATE) for i in items):
            raise InvalidSignatureError("clientState does not match")
        return VerifiedEvent(hashlib.sha256(raw).hexdigest(), "graph.changes", {"value": items})


class ChannelTokenVerifier:
    """Google watch channels: unsigned; the channel's own token in X-Goog-Channel-Token.
    Message numbers count up per channel: channel + number identify a notification."""

    def verify(self, raw: bytes, headers: Headers) -> VerifiedEvent:
        channel = headers.get("x-goog-channel-id", "")
        token = CHANNEL_TOKENS.get(channel)
        if token is None or not hmac.compare_digest(
                headers.get("x-goog-channel-token", ""), token):
            raise InvalidSignatureError("unknown channel or wrong channel token")
        return VerifiedEvent(f"{channel}#{headers.get('x-goog-message-number', '')}",
                             headers.get("x-goog-resource-state", ""),
                             {"resource_id": headers.get("x-goog-resource-id")})


def account_verifier(account: str) -> StripeSchemeVerifier:
    """Each account signs with its own secret; an unknown one has none (never "")."""
    if account not in ACCOUNT_SECRETS:
        raise NotFoundError("no such account")
    return StripeSchemeVerifier(ACCOUNT_SECRETS[account])


edge_app = app_module.Penny(app_name="penny-edge-test")
edge_app.middleware("http")(app_module.json_errors)


@edge_route(edge_app, Edge("/webhooks/acme", "acme_webhook", "webhook", provider="acme"),
            context, lambda: StripeSchemeVerifier(SECRET))
def acme_webhook(event: VerifiedEvent) -> None:
    SCRIPT.run(event)


@edge_route(edge_app, Edge("/webhooks/acme/{account}", "acme_account_webhook", "webhook",
                           provider="acme", body_limit=64),
            context, account_verifier)
def acme_account_webhook(event: VerifiedEvent, account: str) -> None:
    SCRIPT.run(event)


@edge_route(edge_app, Edge("/webhooks/graph", "graph_webhook", "webhook", provider="graph",
                           ack_status=202, handshake=echo_query("validationToken")),
            context, ClientStateVerifier)
def graph_webhook(event: VerifiedEvent) -> None:
    SCRIPT.run(event)


@edge_route(edge_app, Edge("/webhooks/google", "google_webhook", "webhook",
                           provider="google"), context, ChannelTokenVerifier)
def google_webhook(event: VerifiedEvent) -> Any:
    SCRIPT.run(event)
    return empty(200)


@edge_route(edge_app, Edge("/auth/acme/callback", "acme_callback", "callback",
                           methods=("GET", "POST")))
def acme_callback(request: EdgeRequest) -> Any:
    SCRIPT.callbacks.append(request)
    if SCRIPT.failures:
        raise SCRIPT.failures.pop(0)
    return redirect(f"/app/connections?connected=acme&state={request.query.get('state', '')}")


def call(event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = edge_app(event, None)
    return response


def post(path: str, raw: bytes, headers: dict[str, str] | None = None, query: str = "",
         encode: bool = True) -> dict[str, Any]:
    """A Function URL event carrying `raw`: base64 (as Lambda sends a binary body) or
    as text (as it sends a text one; `raw` must then be UTF-8)."""
    event = url_event("POST", path, query, headers=headers)
    if encode:
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode("ascii"), True
    else:
        event["body"] = raw.decode("utf-8")
    return call(event)


def signed(raw: bytes, event_id: str = "evt_1", at: FixedClock | None = None,
           **extra: str) -> dict[str, str]:
    timestamp = int((at or SCRIPT.clock).now().timestamp())
    return {"stripe-signature": stripe_signature(raw, timestamp),
            "acme-event-id": event_id, **extra}
