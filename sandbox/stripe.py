"""A fake Stripe under `/stripe`: the platform side of Connect with Standard accounts, as
Penny uses it. The API under `/v1/` (accounts, account links, Checkout Sessions, refunds,
PaymentIntents), the hosted Checkout page, the onboarding page an Account Link opens, and
the webhooks: this module is the door every API call goes through; the endpoints are
sandbox/stripe_api.py's, the pages sandbox/stripe_hosted.py's, the state
sandbox/stripe_ledger.py's, the deliveries sandbox/stripe_webhooks.py's.

Every API call passes, in Stripe's order: the secret key (`Authorization: Bearer sk_...`;
401), the `Stripe-Account` header (a connected account of this platform, else 403), the
gate (counters, injected 429/5xx, delay), then `Idempotency-Key` on a POST: the same key
with the same parameters replays the first answer (`Idempotent-Replayed: true`), with other
parameters or on another endpoint it is a 400 `idempotency_error`. Keys are per account.
Every answer the endpoint gave is kept, its errors too (a refund refused for a balance too
low is refused again for a day under its key, however the balance changed since), as
Stripe keeps "the status code and body of the first request ... after endpoint execution
begins"; none is kept for a request that failed before it ran (the key, the account, the
gate's injected 429s and 502/503/504). An injected 500 is an error inside the endpoint,
where Stripe's own 500s come from: it is kept under the key and replayed ("Retries with
the same key return the saved response, including 500 errors",
docs.stripe.com/api/idempotent_requests), with `Stripe-Should-Retry: false`, so the SDK
does not retry it (stripe-python's _should_retry: "we expect the stripe-should-retry
header to be false in most cases when a 500 is returned, since our idempotency framework
would typically replay it anyway").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import stripe_objects as objects
from sandbox.api_gate import ApiGate
from sandbox.stripe_api import Call, StripeApi, no_access
from sandbox.stripe_hosted import StripeHosted
from sandbox.stripe_ledger import StripeLedger
from sandbox.stripe_webhooks import StripeWebhooks
from sandbox.stripe_wire import StripeFailure, masked, new_id, parse_params, stripe_json

# Public, fixed sandbox settings: they open nothing but this fake.
SECRET_KEY = "sk_test_51PennySandboxPlatformOpensNothingButTheFake00"
WEBHOOK_SECRET = "whsec_PennySandboxWebhookSigningSecretForTheFake00"

_NO_KEY = ("You did not provide an API key. You need to provide your API key in the "
           "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
           "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
           "or we can help at https://support.stripe.com/.")


@dataclass(frozen=True)
class _Saved:
    path: str
    params: dict[str, Any]
    status: int
    body: dict[str, Any]
    request_id: str
    headers: dict[str, str]


Handler = Callable[..., tuple[int, dict[str, Any]]]


class FakeStripe:
    def __init__(self, base_url: str, secret_key: str = SECRET_KEY,
                 webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.base_url, self.secret_key = base_url, secret_key
        self.gate = ApiGate()
        self.webhooks = StripeWebhooks(webhook_secret)
        self.ledger = StripeLedger(self.webhooks.publish)
        self.hosted = StripeHosted(base_url, self.ledger, self.webhooks, self.gate)
        self.api = StripeApi(base_url, secret_key, self.ledger, self.hosted)
        self._saved: dict[tuple[str | None, str], _Saved] = {}

    def rules(self) -> list[Rule]:
        api = self.api
        routes: list[tuple[str, str, str, Handler]] = [
            ("/v1/accounts", "POST", "accounts.create", api.create_account),
            ("/v1/accounts/<account_id>", "GET", "accounts.retrieve", api.account),
            ("/v1/account_links", "POST", "account_links.create", api.create_link),
            ("/v1/checkout/sessions", "POST", "checkout.sessions.create", api.create_session),
            ("/v1/checkout/sessions/<session_id>", "GET", "checkout.sessions.retrieve",
             api.session),
            ("/v1/checkout/sessions/<session_id>/expire", "POST", "checkout.sessions.expire",
             api.expire),
            ("/v1/refunds", "POST", "refunds.create", api.create_refund),
            ("/v1/refunds/<refund_id>", "GET", "refunds.retrieve", api.refund),
            ("/v1/payment_intents/<intent_id>", "GET", "payment_intents.retrieve",
             api.intent)]
        return [*(Rule(path, endpoint=self._endpoint(name, handler), methods=[method])
                  for path, method, name, handler in routes),
                Rule("/v1/<path:rest>", endpoint=self._unknown_path),
                *self.hosted.rules()]

    # -- the pipeline every API call goes through ----------------------------------------

    def _endpoint(self, name: str, handler: Handler) -> Callable[..., Response]:
        def serve(request: Request, **values: str) -> Response:
            return self._serve(request, name, handler, values)
        return serve

    def _serve(self, request: Request, name: str, handler: Handler,
               values: dict[str, str]) -> Response:
        request_id = new_id("req_", 14)
        headers = {"Request-Id": request_id,
                   "Stripe-Version": request.headers.get("Stripe-Version", objects.API_VERSION)}
        try:
            account, inside = self._admit(request, name)
            post = request.method == "POST"
            params = parse_params((request.form if post else request.args).items(multi=True))
            key = request.headers.get("Idempotency-Key") if post else None
            with self.ledger.lock:
                saved = self._saved.get((account, key)) if key else None
                if saved is not None:
                    return self._replay(saved, request.path, params, key or "", headers)
                try:
                    if inside is not None:
                        raise inside  # the endpoint failed before it changed anything
                    status, live = handler(Call(account, request_id, key, params), **values)
                except StripeFailure as refused:
                    if key:  # the endpoint ran: its refusal is the key's answer too
                        self._saved[(account, key)] = _Saved(
                            request.path, params, refused.status, refused.body(), request_id,
                            refused.headers)
                    raise
                body = copy.deepcopy(live)  # the answer as it is now, replayed as it was
                if key:
                    self._saved[(account, key)] = _Saved(request.path, params, status, body,
                                                         request_id, {})
        except StripeFailure as failure:
            return stripe_json(failure.body(), failure.status, {**headers, **failure.headers})
        return stripe_json(body, status, {**headers, **({"Idempotency-Key": key} if key else {})})

    def _admit(self, request: Request, name: str) -> tuple[str | None, StripeFailure | None]:
        """The key, then the account, then the gate; the account the call acts on, and the
        failure the endpoint itself is to answer (an injected 500)."""
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        key = credential.strip() if scheme.lower() == "bearer" else (
            request.authorization.username or "" if request.authorization else "")
        if key != self.secret_key:
            self.gate.enter(f"{name} (refused)")
            raise StripeFailure(401, f"Invalid API Key provided: {masked(key)}" if key
                                else _NO_KEY)
        account = request.headers.get("Stripe-Account") or None
        if account is not None and not self.ledger.connected(account):
            self.gate.enter(f"{name} (refused)")
            raise no_access(self.secret_key, account)
        fault = self.gate.enter(name)
        if fault is None:
            return account, None
        after = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
        if fault.status == 429:
            raise StripeFailure(429, "Request rate limit exceeded. Learn more about rate limits "
                                "here https://stripe.com/docs/rate-limits.", code="rate_limit",
                                headers=after)
        failure = StripeFailure(fault.status, "An unknown error occurred", kind="api_error",
                                headers=after)
        if fault.status != 500:
            raise failure
        failure.headers["Stripe-Should-Retry"] = "false"
        return account, failure

    def _replay(self, saved: _Saved, path: str, params: dict[str, Any], key: str,
                headers: dict[str, str]) -> Response:
        if saved.path != path:
            raise StripeFailure(400, "Keys for idempotent requests can only be used for the "
                                f"same endpoint they were first used for ('{saved.path}' vs "
                                f"'{path}'). Try using a key other than '{key}' if you meant "
                                "to execute a different request.", kind="idempotency_error")
        if saved.params != params:
            raise StripeFailure(400, "Keys for idempotent requests can only be used with the "
                                "same parameters they were first used with. Try using a key "
                                f"other than '{key}' if you meant to execute a different "
                                "request.", kind="idempotency_error")
        return stripe_json(saved.body, saved.status,
                           {**headers, **saved.headers, "Idempotency-Key": key,
                            "Idempotent-Replayed": "true",
                            "Original-Request": saved.request_id})

    def _unknown_path(self, request: Request, rest: str) -> Response:
        return stripe_json(StripeFailure(404, f"Unrecognized request URL ({request.method}: "
                                         f"/v1/{rest}). Please see https://stripe.com/docs or "
                                         "we can help at https://support.stripe.com/.").body(),
                           404)
