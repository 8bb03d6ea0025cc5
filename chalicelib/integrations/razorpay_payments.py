"""Razorpay payments with the host's own keys (the PaymentProvider port), through the
razorpay SDK: Orders + Checkout.js, refunds, and the webhook's verification.

The host's key id, key secret and webhook secret come from the credential store; money
goes straight to the host's Razorpay account. A payment is confirmed only from verified
data: a webhook whose `X-Razorpay-Signature` matches the raw body, or Checkout's handler
fields whose `razorpay_signature` matches "{order_id}|{payment_id}" (verify_callback).

Orders take no idempotency key. A create whose answer was lost (a timeout, which the SDK
retries once) leaves an unpaid order at Razorpay: it charges nobody and nobody sees it,
because Penny's pay page opens only the order id the caller stored right after
create_checkout; its receipt, derived from the hold's key, tells a person whose it was.
Orders cannot be ended either (expire_checkout does nothing): a payment after the hold
ran out arrives as a webhook like any other and is handled as a late payment. Refunds
carry a receipt derived from Penny's key, so a retried refund finds the first one.

The SDK's own traps, handled here: it sets no HTTP timeout (a session adapter adds one);
it raises BadRequestError for a 401, a 400 and a 429 alike (a response hook keeps the
status, which decides the domain error); its resource methods share a mutable default
`data` (every call gets a fresh dict); verify_webhook_signature raises, never returns
False, and needs the exact bytes as text. Checkout passes `notes` to the payment and
the order keeps its own: the booking uid is read from whichever carries it.

A dispute's webhooks (`payment.dispute.created`, then `.won`, `.lost` or `.closed`) carry
the payment, with Checkout's notes, beside the dispute: the booking is read off the
payment, the dispute's id, reason code, amount and end off the dispute.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import razorpay  # type: ignore[import-untyped]
import requests
from razorpay.errors import (  # type: ignore[import-untyped]
    BadRequestError,
    GatewayError,
    ServerError,
    SignatureVerificationError,
)
from requests.adapters import HTTPAdapter

from chalicelib.domain.errors import (
    AuthenticationError,
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import (
    Checkout,
    CheckoutRequest,
    PaymentAccount,
    PaymentEvent,
    PaymentEventKind,
    ProviderPayment,
    Refund,
)
from chalicelib.provider_settings import RazorpayPlatform

PROVIDER = "razorpay"
RAZORPAY_API = "https://api.razorpay.com"
ATTEMPTS = 2            # the SDK retries connection errors and timeouts only
RETRY_DELAY = 0.2       # seconds before the retry (jittered by the SDK)
RECEIPT_LENGTH = 40     # Razorpay's limit on an order's or refund's receipt
PAYMENT_ID = re.compile(r"pay_[A-Za-z0-9]{1,40}")
REFUNDS_PAGE = 100      # Razorpay's largest page: a payment has a few refunds at most
ALREADY_CAPTURED = "already been captured"  # Razorpay's 400 for a second capture
KINDS = {"payment.authorized": PaymentEventKind.AUTHORIZED,
         "payment.captured": PaymentEventKind.PAID, "order.paid": PaymentEventKind.PAID,
         "payment.failed": PaymentEventKind.FAILED,
         "refund.processed": PaymentEventKind.REFUNDED,
         "refund.failed": PaymentEventKind.REFUND_FAILED,
         "payment.dispute.created": PaymentEventKind.DISPUTED,
         "payment.dispute.won": PaymentEventKind.DISPUTE_CLOSED,
         "payment.dispute.lost": PaymentEventKind.DISPUTE_CLOSED,
         "payment.dispute.closed": PaymentEventKind.DISPUTE_CLOSED}
# A dispute's end, as Penny records it: `closed` is a retrieval request (an inquiry)
# closed without a chargeback. (under_review and action_required change nothing Penny
# shows: the host answers the dispute at Razorpay either way.)
DISPUTE_OUTCOMES = {"payment.dispute.won": "won", "payment.dispute.lost": "lost",
                    "payment.dispute.closed": "closed"}
_SDK_ERRORS = (BadRequestError, GatewayError, ServerError)


@dataclass(frozen=True)
class RazorpayKeys:
    """One host's Razorpay credentials (Dashboard → API keys, and its webhook's secret)."""

    key_id: str
    key_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout, since the SDK passes none."""

    def __init__(self, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        return super().send(request, stream, self.timeout if timeout is None else timeout,
                            verify, cert, proxies)


class RazorpayPayments:
    """The host's Razorpay account, acting with the host's own keys."""

    def __init__(self, entry: RazorpayPlatform, keys: RazorpayKeys,
                 timeout: float = 5.0, attempts: int = ATTEMPTS) -> None:
        self.keys = keys
        self.timeout = timeout
        self._answer = threading.local()  # the status of this thread's last answer
        session = requests.Session()
        adapter = _TimeoutAdapter(timeout)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.hooks["response"].append(self._seen)
        self._client = razorpay.Client(session=session, auth=(keys.key_id, keys.key_secret),
                                       base_url=entry.base_url or RAZORPAY_API,
                                       max_retries=attempts, initial_delay=RETRY_DELAY,
                                       max_delay=RETRY_DELAY * 2)
        self._client.enable_retry(True)
        self._client.set_app_details({"title": "Penny"})

    # -- the port --------------------------------------------------------------------

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        order = self._call("create an order", lambda: self._client.order.create(data={
            "amount": request.price.amount_minor, "currency": request.price.currency.upper(),
            "receipt": receipt(request.key), "notes": {"booking_uid": request.booking_uid}}))
        if not order.get("id"):
            raise ProviderUnavailableError(PROVIDER, "Razorpay answered without an order id")
        return Checkout(id=str(order["id"]), url=None, expires_at=None,
                        public_key=self.keys.key_id)

    def expire_checkout(self, checkout_id: str) -> None:
        """Razorpay orders cannot be ended: nothing to do (see the module's docstring)."""

    def refund(self, payment_id: str, amount: Price, key: str) -> Refund:
        _check_payment_id(payment_id)
        mark = receipt(key)
        listed = self._call("list refunds", lambda: self._client.payment.fetch_multiple_refund(
            payment_id, {"count": REFUNDS_PAGE}))
        for item in listed.get("items") or []:
            if isinstance(item, dict) and (item.get("receipt") == mark
                                           or _note(item, "penny_refund_key") == key):
                return _refund(item)
        notes = {"penny_refund_key": key} if len(key) <= 256 else {}
        made = self._call("refund a payment", lambda: self._client.payment.refund(payment_id, {
            "amount": amount.amount_minor, "speed": "normal", "receipt": mark,
            "notes": notes}))
        return _refund(made)

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
        named = {name.lower(): value for name, value in headers.items()}
        signature = named.get("x-razorpay-signature", "")
        if not self.keys.webhook_secret:
            raise AuthenticationError("No webhook secret is kept for this Razorpay account")
        if not signature:
            raise AuthenticationError("A Razorpay webhook came without X-Razorpay-Signature")
        try:
            # The SDK signs text: decoding the exact bytes as UTF-8 gives them back exactly.
            self._client.utility.verify_webhook_signature(body.decode("utf-8"), signature,
                                                          self.keys.webhook_secret)
        except (SignatureVerificationError, UnicodeDecodeError, TypeError) as exc:
            raise AuthenticationError("A Razorpay webhook's signature does not match") from exc
        event_id = named.get("x-razorpay-event-id", "")
        if not event_id:
            # Signed, but without its id Penny could not tell a redelivery from a new event.
            raise AuthenticationError("A Razorpay webhook came without x-razorpay-event-id")
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise ProviderRejectedError(PROVIDER, "A signed Razorpay webhook is not JSON") \
                from exc
        return _event(event_id, event) if isinstance(event, dict) else None

    # -- beyond the port: Checkout's handler, and connecting -------------------------

    def verify_callback(self, order_id: str, payment_id: str, signature: str) -> bool:
        """Checkout handler's fields are genuine: `signature` is the key secret's HMAC of
        "{order_id}|{payment_id}". False on any mismatch."""
        if not (order_id and payment_id and signature):
            return False
        try:
            return bool(self._client.utility.verify_payment_signature({
                "razorpay_order_id": order_id, "razorpay_payment_id": payment_id,
                "razorpay_signature": signature}))
        except (SignatureVerificationError, TypeError):
            return False

    def payment(self, payment_id: str) -> ProviderPayment:
        """The payment as Razorpay has it now: `authorized` on an account set to capture
        manually, until it is captured (or lapses back to the client after some days)."""
        _check_payment_id(payment_id)
        found = self._call("read a payment", lambda: self._client.payment.fetch(payment_id, {}))
        amount = None
        if isinstance(found.get("amount"), int) and found.get("currency"):
            amount = Price(int(found["amount"]), str(found["currency"]).upper())
        return ProviderPayment(id=str(found.get("id") or payment_id),
                               status=str(found.get("status") or ""), amount=amount)

    def capture(self, payment_id: str, amount: Price) -> None:
        """Capture an authorized payment for the order's amount. Captures take no key: a
        retry after a lost answer is told "already been captured" (a 400), which is the
        capture done."""
        _check_payment_id(payment_id)
        try:
            self._call("capture a payment", lambda: self._client.payment.capture(
                payment_id, amount.amount_minor, {"currency": amount.currency.upper()}))
        except ProviderRejectedError as exc:
            if ALREADY_CAPTURED not in exc.message:
                raise

    def check_keys(self) -> PaymentAccount:
        """One cheap authenticated call, before Penny keeps the keys."""
        try:
            self._call("check the keys", lambda: self._client.order.all({"count": 1}))
        except ConnectionBrokenError as exc:
            raise ProviderRejectedError(PROVIDER, "Razorpay did not accept this key id and "
                                        "key secret: copy both again from Razorpay's "
                                        "Dashboard (Account & Settings → API keys)") from exc
        return PaymentAccount(id=self.keys.key_id, name=self.keys.key_id, ready=True)

    # -- the wire --------------------------------------------------------------------

    def _seen(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._answer.status = response.status_code
        self._answer.retry_after = response.headers.get("Retry-After")

    def _call(self, what: str, call: Callable[[], Any]) -> dict[str, Any]:
        self._answer.status, self._answer.retry_after = None, None
        try:
            found = call()
        except requests.Timeout as exc:
            raise ProviderUnavailableError(PROVIDER, f"Razorpay did not answer ({what}) "
                                           f"within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            status = getattr(self._answer, "status", None)
            if status is None:
                raise ProviderUnavailableError(PROVIDER, f"Razorpay could not be reached "
                                               f"({what}: {type(exc).__name__})") from exc
            # It answered, but not in JSON (a proxy's error page, say): the status decides.
            _raise_for(what, status if status >= 400 else 502,
                       getattr(self._answer, "retry_after", None), "not JSON", exc)
        except _SDK_ERRORS as exc:
            _raise_for(what, getattr(self._answer, "status", None),
                       getattr(self._answer, "retry_after", None), str(exc), exc)
        if not isinstance(found, dict):
            raise ProviderUnavailableError(PROVIDER, f"Razorpay answered ({what}) with "
                                           "something other than a JSON object")
        return found


def _raise_for(what: str, status: int | None, retry_after: str | None, message: str,
               exc: Exception) -> NoReturn:
    said = f"Razorpay refused to {what} ({status}): {message}"
    if status is None or status == 429 or status >= 500:
        raise ProviderUnavailableError(PROVIDER, f"{said} (Retry-After: {retry_after} s)"
                                       if retry_after else said) from exc
    if status == 401:
        raise ConnectionBrokenError(PROVIDER, "Razorpay no longer accepts the host's key id "
                                    "and key secret: enter new keys") from exc
    raise ProviderRejectedError(PROVIDER, said) from exc


def _check_payment_id(payment_id: str) -> None:
    if not PAYMENT_ID.fullmatch(payment_id):  # it goes into the URL's path
        raise ProviderRejectedError(PROVIDER, f"{payment_id!r} is not a Razorpay payment id")


def receipt(key: str) -> str:
    """The receipt for what `key` makes: the key itself when it fits, else its hash."""
    if 0 < len(key) <= RECEIPT_LENGTH and key.isascii() and key.isprintable():
        return key
    return "penny_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:RECEIPT_LENGTH - 6]


def _note(entity: Any, name: str) -> str | None:
    notes = entity.get("notes") if isinstance(entity, dict) else None
    value = notes.get(name) if isinstance(notes, dict) else None  # empty notes come as []
    return str(value) if value not in (None, "") else None


def _refund(found: Mapping[str, Any]) -> Refund:
    try:
        return Refund(id=str(found["id"]), payment_id=str(found["payment_id"]),
                      amount=Price(int(found["amount"]), str(found["currency"]).upper()))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderUnavailableError(PROVIDER, "Razorpay answered a refund without its "
                                       "id, payment or amount") from exc


def _entity(event: Mapping[str, Any], name: str) -> dict[str, Any]:
    payload = event.get("payload")
    wrapper = payload.get(name) if isinstance(payload, dict) else None
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


def _event(event_id: str, event: Mapping[str, Any]) -> PaymentEvent | None:
    kind = KINDS.get(str(event.get("event")))
    if kind is None:
        return None
    payment, order, refund, dispute = (_entity(event, name) for name in (
        "payment", "order", "refund", "dispute"))
    booking_uid = _note(order, "booking_uid") or _note(payment, "booking_uid")
    order_id = order.get("id") or payment.get("order_id")
    refunding = kind in (PaymentEventKind.REFUNDED, PaymentEventKind.REFUND_FAILED)
    disputing = kind in (PaymentEventKind.DISPUTED, PaymentEventKind.DISPUTE_CLOSED)
    money = refund if refunding else dispute if disputing else payment
    if not booking_uid or not order_id or not payment.get("id"):
        return None  # not a payment for one of Penny's orders
    amount = None
    if isinstance(money.get("amount"), int) and money.get("currency"):
        amount = Price(int(money["amount"]), str(money["currency"]).upper())
    # The payment's own running total (all its refunds, the host's among them), which a
    # refund's events carry beside the refund: what the booking records.
    total = payment.get("amount_refunded") if refunding else None
    return PaymentEvent(id=event_id, kind=kind, booking_uid=booking_uid,
                        checkout_id=str(order_id), payment_id=str(payment["id"]),
                        amount=amount, refund_id=str(refund["id"]) if refund.get("id") else None,
                        refunded_minor=total if isinstance(total, int) else None,
                        dispute_id=str(dispute["id"]) if disputing and dispute.get("id")
                        else None,
                        reason=str(dispute["reason_code"]) if disputing
                        and dispute.get("reason_code") else None,
                        outcome=DISPUTE_OUTCOMES.get(str(event.get("event"))))
