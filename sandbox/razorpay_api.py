"""Fake Razorpay REST API under `/v1/`: orders (create, list, fetch, their payments),
payments (fetch, capture, refund, their refunds) and refunds (fetch), in Razorpay's wire.

Every call authenticates with HTTP Basic `key_id:key_secret` (401 "Authentication
failed" otherwise) and then passes the ApiGate: counters per call, queued 429/5xx,
a delay. Errors are `{"error": {"code", "description", "source", "step", "reason",
"metadata", "field"}}`; note the status does not follow the code: a 401 and a 429 both
say BAD_REQUEST_ERROR, so a client must read the status (the Python SDK does not).
Validation follows Razorpay's documented limits: an order of at least 100 minor units
(in KWD, BHD and OMR, thousandths whose last digit is 0: razorpay_wire.py),
a receipt of at most 40 characters, at most 15 notes of 256 characters each, and
unknown fields refused ("... is/are not required and should not be sent"). A refund
may carry an `X-Refund-Idempotency` key: asked again with it, the first refund answers
(sandbox/razorpay_refunds.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.api_gate import ApiGate, Fault
from sandbox.razorpay_store import Entity, Merchant, RazorpayError, RazorpayStore
from sandbox.razorpay_webhooks import RazorpayWebhooks
from sandbox.razorpay_wire import THREE_DECIMAL, check_subunits
from sandbox.wire import basic_credentials, json_response

CURRENCIES = frozenset({"INR", "USD", "EUR", "GBP", "SGD", "AED", "AUD", "CAD", "MYR",
                        *THREE_DECIMAL})
ORDER_FIELDS = frozenset({"amount", "currency", "receipt", "notes", "partial_payment",
                          "first_payment_min_amount", "payment_capture"})
REFUND_FIELDS = frozenset({"amount", "speed", "notes", "receipt"})
CAPTURE_FIELDS = frozenset({"amount", "currency"})
MAX_RECEIPT, MAX_NOTES, MAX_NOTE, MIN_AMOUNT = 40, 15, 256, 100
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")


def error_body(exc: RazorpayError) -> dict[str, Any]:
    step, source = ("payment_initiation", "business") if exc.status == 400 else ("NA", "NA")
    reason = exc.reason if exc.status == 400 else "NA"
    return {"error": {"code": exc.code, "description": exc.description, "source": source,
                      "step": step, "reason": reason, "metadata": exc.metadata,
                      "field": exc.field}}


def error_response(exc: RazorpayError, headers: dict[str, str] | None = None) -> Response:
    return json_response(error_body(exc), exc.status, headers)


def _fault(fault: Fault) -> Response:
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
    if fault.status == 429:
        return error_response(RazorpayError("Too many requests", status=429), headers)
    if fault.status == 409:
        # Razorpay documents the status only ("a prior request is still being processed");
        # the code and wording here are the sandbox's own.
        return error_response(RazorpayError(
            "A request with the same idempotency key is still being processed", status=409),
            headers)
    if fault.status in (502, 504):
        return error_response(RazorpayError("Gateway error", status=fault.status,
                                            code="GATEWAY_ERROR"), headers)
    return error_response(RazorpayError(
        "The server encountered an error. The incident has been reported to admins.",
        status=fault.status, code="SERVER_ERROR"), headers)


class RazorpayApi:
    def __init__(self, store: RazorpayStore, webhooks: RazorpayWebhooks, gate: ApiGate) -> None:
        self.store, self.webhooks, self.gate = store, webhooks, gate

    def rules(self) -> list[Rule]:
        return [Rule("/v1/orders", endpoint=self.orders, methods=["GET", "POST"]),
                Rule("/v1/orders/<order_id>", endpoint=self.order, methods=["GET"]),
                Rule("/v1/orders/<order_id>/payments", endpoint=self.order_payments,
                     methods=["GET"]),
                Rule("/v1/payments/<payment_id>", endpoint=self.payment, methods=["GET"]),
                Rule("/v1/payments/<payment_id>/capture", endpoint=self.capture,
                     methods=["POST"]),
                Rule("/v1/payments/<payment_id>/refund", endpoint=self.refund,
                     methods=["POST"]),
                Rule("/v1/payments/<payment_id>/refunds", endpoint=self.payment_refunds,
                     methods=["GET"]),
                Rule("/v1/refunds/<refund_id>", endpoint=self.refund_one, methods=["GET"])]

    def _serve(self, request: Request, call: str,
               work: Callable[[Merchant], Entity]) -> Response:
        credentials = basic_credentials(request)
        merchant = self.store.authenticate(*credentials) if credentials else None
        if merchant is None:
            self.gate.enter(f"{call} (refused)")
            return error_response(RazorpayError("Authentication failed", status=401))
        fault = self.gate.enter(call)
        if fault is not None:
            return _fault(fault)
        try:
            return json_response(work(merchant))
        except RazorpayError as exc:
            return error_response(exc)

    def orders(self, request: Request) -> Response:
        if request.method == "GET":
            return self._serve(request, "orders.all", lambda m: _page(
                self.store.listed(m, "orders", **_filters(request)), request))
        return self._serve(request, "orders.create", lambda m: self._create_order(m, request))

    def order(self, request: Request, order_id: str) -> Response:
        return self._serve(request, "orders.fetch",
                           lambda m: self.store.find(m, "orders", order_id))

    def order_payments(self, request: Request, order_id: str) -> Response:
        def work(merchant: Merchant) -> Entity:
            self.store.find(merchant, "orders", order_id)
            return _page(self.store.listed(merchant, "payments", order_id=order_id), request)
        return self._serve(request, "orders.payments", work)

    def payment(self, request: Request, payment_id: str) -> Response:
        return self._serve(request, "payments.fetch",
                           lambda m: self.store.find(m, "payments", payment_id))

    def payment_refunds(self, request: Request, payment_id: str) -> Response:
        def work(merchant: Merchant) -> Entity:
            self.store.find(merchant, "payments", payment_id)
            return _page(self.store.listed(merchant, "refunds", payment_id=payment_id),
                         request)
        return self._serve(request, "payments.refunds", work)

    def refund_one(self, request: Request, refund_id: str) -> Response:
        return self._serve(request, "refunds.fetch",
                           lambda m: self.store.find(m, "refunds", refund_id))

    def capture(self, request: Request, payment_id: str) -> Response:
        def work(merchant: Merchant) -> Entity:
            body = _body(request, CAPTURE_FIELDS)
            amount = _amount(body, required=True)
            assert amount is not None
            currency = body.get("currency")
            payment, events = self.store.capture(merchant, payment_id, amount,
                                                 None if currency is None else str(currency))
            self.webhooks.publish(merchant, events)
            return payment
        return self._serve(request, "payments.capture", work)

    def refund(self, request: Request, payment_id: str) -> Response:
        def work(merchant: Merchant) -> Entity:
            body = _body(request, REFUND_FIELDS)
            amount = _amount(body, required=False)
            speed = body.get("speed", "normal")
            if speed not in ("normal", "optimum"):
                raise RazorpayError("The selected speed is invalid.", "speed")
            refund, events = self.store.refund(merchant, payment_id, amount, speed,
                                               _notes(body), _receipt(body),
                                               _idempotency(request, body))
            self.webhooks.publish(merchant, events)
            return refund
        return self._serve(request, "payments.refund", work)

    def _create_order(self, merchant: Merchant, request: Request) -> Entity:
        body = _body(request, ORDER_FIELDS)
        amount = _amount(body, required=True)
        currency = body.get("currency")
        if not currency:
            raise RazorpayError("The currency field is required.", "currency")
        if currency not in CURRENCIES:
            raise RazorpayError("Currency is not supported", "currency")
        assert amount is not None
        check_subunits(amount, str(currency))
        return self.store.create_order(merchant, amount, str(currency), _receipt(body),
                                       _notes(body))


def _body(request: Request, accepted: frozenset[str]) -> dict[str, Any]:
    body = request.get_json(silent=True) if request.is_json else dict(request.form.items())
    if not isinstance(body, dict):
        raise RazorpayError("The request body should be a JSON object")
    extra = sorted(set(body) - accepted)
    if extra:
        raise RazorpayError(f"{', '.join(extra)} is/are not required and should not be sent")
    return body


def _amount(body: dict[str, Any], required: bool) -> int | None:
    if "amount" not in body:
        if required:
            raise RazorpayError("The amount field is required.", "amount")
        return None
    amount = body["amount"]
    if isinstance(amount, str) and amount.isdigit():
        amount = int(amount)
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise RazorpayError("The amount must be an integer.", "amount")
    if amount < MIN_AMOUNT:
        raise RazorpayError("The amount must be atleast INR 1.00", "amount")
    return amount


def _receipt(body: dict[str, Any]) -> str | None:
    receipt = body.get("receipt")
    if receipt is not None and len(str(receipt)) > MAX_RECEIPT:
        raise RazorpayError(f"The receipt may not be greater than {MAX_RECEIPT} characters.",
                            "receipt")
    return None if receipt is None else str(receipt)


def _notes(body: dict[str, Any]) -> dict[str, Any] | None:
    notes = body.get("notes")
    if notes in (None, [], ""):
        return None
    if not isinstance(notes, dict):
        raise RazorpayError("The notes field must be an object.", "notes")
    if len(notes) > MAX_NOTES:
        raise RazorpayError(f"The notes may not have more than {MAX_NOTES} items.", "notes")
    for key, value in notes.items():
        if not isinstance(value, str | int | float) or len(str(value)) > MAX_NOTE:
            raise RazorpayError(f"The notes.{key} may not be greater than {MAX_NOTE} "
                                "characters.", "notes")
    return notes


def _idempotency(request: Request, body: dict[str, Any]) -> tuple[str, str] | None:
    """A refund's X-Refund-Idempotency key (at least 10 letters, digits, hyphens and
    underscores, as Razorpay documents) and the request it came with; None without one."""
    key = request.headers.get("X-Refund-Idempotency")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise RazorpayError("The idempotency key must be at least 10 characters of letters, "
                            "digits, hyphens and underscores.")
    return key, json.dumps(body, sort_keys=True)


def _number(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise RazorpayError(f"The {name} must be between {low} and {high}.", name)
    return int(raw)


def _filters(request: Request) -> dict[str, Any]:
    receipt = request.args.get("receipt")
    return {} if receipt is None else {"receipt": receipt}


def _page(items: list[Entity], request: Request) -> Entity:
    """Razorpay's collection, `count` items after `skip` (newest first)."""
    count = _number(request, "count", 10, 1, 100)
    skip = _number(request, "skip", 0, 0, 10**9)
    chosen = items[skip:skip + count]
    return {"entity": "collection", "count": len(chosen), "items": chosen}
