"""Fake Razorpay Checkout: `/v1/checkout.js` (Checkout.js's `window.Razorpay`), the page its
iframe shows for one order, and the pay call that page makes.

The page checks what real Checkout checks before it offers to pay: the key id is a
merchant's and the order is that merchant's, and not paid already. Pay makes a captured
payment (the order becomes `paid`; webhooks `payment.authorized`, `payment.captured`,
`order.paid`), or for a merchant on manual capture an `authorized` one (the order
`attempted`; webhook `payment.authorized` only, the rest once it is captured), and hands
the merchant page's `handler` `razorpay_payment_id`, `razorpay_order_id` and
`razorpay_signature` = hex HMAC-SHA256(key secret, "{order_id}|{payment_id}"); a failure
a test queued makes a failed payment (`payment.failed` webhook and callback) and leaves
the modal open, as Checkout does.
Cancel calls `modal.ondismiss`. The page posts its answers only to the origin the
script said it was opened from.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.razorpay_store import Merchant, RazorpayError, RazorpayStore
from sandbox.razorpay_webhooks import RazorpayWebhooks
from sandbox.razorpay_wire import digits
from sandbox.wire import html_response, json_response

_SCRIPT = resources.files("sandbox").joinpath("razorpay_checkout.js").read_text("utf-8")
_STYLE = ("body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1.5rem}"
          ".banner{background:#fff3cd;border:1px solid #e0c36a;padding:.2rem .5rem;"
          "font-size:.8rem}button{font-size:1rem;padding:.5rem 1.4rem;margin-right:.5rem}"
          "[role=alert]{color:#a4001d}")


def money(amount: int, currency: str) -> str:
    places = digits(currency)
    shown = f"{amount / 10**places:,.{places}f}"
    return f"₹{shown}" if currency == "INR" else f"{currency} {shown}"


class RazorpayCheckout:
    def __init__(self, store: RazorpayStore, webhooks: RazorpayWebhooks) -> None:
        self.store, self.webhooks = store, webhooks

    def rules(self) -> list[Rule]:
        return [Rule("/v1/checkout.js", endpoint=self.script, methods=["GET"]),
                Rule("/v1/checkout/page", endpoint=self.page, methods=["GET"]),
                Rule("/v1/checkout/pay", endpoint=self.pay_call, methods=["POST"])]

    def script(self, request: Request) -> Response:
        return Response(_SCRIPT, mimetype="application/javascript",
                        headers={"Cache-Control": "no-cache"})

    def pay(self, merchant: Merchant, order_id: str, method: str = "upi",
            notes: dict[str, Any] | None = None, email: str = "",
            contact: str = "", opened_before_paid: bool = False) -> dict[str, Any]:
        """What Checkout hands the merchant's page: the handler's three fields, or the
        `payment.failed` callback's `{"error": {...}}`."""
        payment, events = self.store.pay(merchant, order_id, method, notes, email, contact,
                                         opened_before_paid=opened_before_paid)
        self.webhooks.publish(merchant, events)
        if payment["status"] == "failed":
            return {"error": {"code": payment["error_code"],
                              "description": payment["error_description"],
                              "source": payment["error_source"], "step": payment["error_step"],
                              "reason": payment["error_reason"],
                              "metadata": {"order_id": order_id, "payment_id": payment["id"]}}}
        return {"razorpay_payment_id": payment["id"], "razorpay_order_id": order_id,
                "razorpay_signature": merchant.signature(order_id, payment["id"])}

    def _payable(self, key_id: str, order_id: str) -> tuple[Merchant, dict[str, Any]]:
        merchant = self.store.merchants.get(key_id)
        if merchant is None:
            raise RazorpayError("The api key provided is invalid", "key")
        order = self.store.find(merchant, "orders", order_id)  # another's: does not exist
        if order["status"] == "paid":
            raise RazorpayError("This order has already been paid", "order_id")
        return merchant, order

    def page(self, request: Request) -> Response:
        args = request.args
        parts = urlsplit(args.get("origin", ""))
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") \
            and parts.netloc else ""
        try:
            if not origin:
                raise RazorpayError("Checkout was opened without its page's origin")
            merchant, order = self._payable(args.get("key_id", ""), args.get("order_id", ""))
        except RazorpayError as exc:
            return html_response(_page(origin, "Payment cannot be made",
                                       f'<p role="alert">{escape(exc.description)}</p>'), 400)
        amount = money(order["amount"], order["currency"])
        fields = {"key_id": merchant.key_id, "order_id": order["id"],
                  "email": args.get("email", ""), "contact": args.get("contact", ""),
                  "notes": args.get("notes", "{}")}
        who = args.get("customer") or args.get("email")
        body = (f"<h1>{escape(args.get('name') or merchant.name)}</h1>"
                f"<p>{escape(args.get('description', ''))}</p>"
                f"<p>Amount to pay: <strong>{escape(amount)}</strong></p>"
                + (f"<p>Paying as {escape(who)}</p>" if who else "")
                + f'<p role="alert" id="problem"></p><button type="button" id="pay" disabled>Pay'
                  f'</button><script id="fields" type="application/json">'
                  f"{_json_for_html(fields)}</script>")
        return html_response(_page(origin, f"Pay {amount}", body))

    def pay_call(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return json_response({"error": {"code": "BAD_REQUEST_ERROR", "description":
                                            "The request body should be a JSON object"}}, 400)
        try:
            merchant, _ = self._payable(str(body.get("key_id", "")),
                                        str(body.get("order_id", "")))
            notes = json.loads(str(body.get("notes") or "{}"))
            answer = self.pay(merchant, str(body["order_id"]), notes=notes if isinstance(
                notes, dict) else None, email=str(body.get("email", "")),
                contact=str(body.get("contact", "")))
        except (RazorpayError, ValueError) as exc:
            description = exc.description if isinstance(exc, RazorpayError) else str(exc)
            return json_response({"error": {"code": "BAD_REQUEST_ERROR",
                                            "description": description}}, 400)
        return json_response(answer, 400 if "error" in answer else 200)


def _json_for_html(value: Any) -> str:
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


_PAGE_SCRIPT = """
const parentOrigin = document.body.dataset.origin;
const tell = (type, response) => {
  if (parentOrigin) { parent.postMessage({type, response}, parentOrigin); }
};
// The buttons come disabled and are enabled here, once they do something: a click the
// parser let through before this script ran was lost (a test's, under load).
const cancelButton = document.getElementById("cancel");
cancelButton.addEventListener("click", () => tell("dismiss"));
cancelButton.disabled = false;
const payButton = document.getElementById("pay");
if (payButton) {
  const fields = JSON.parse(document.getElementById("fields").textContent);
  const problem = document.getElementById("problem");
  payButton.addEventListener("click", async () => {
    payButton.disabled = true;
    problem.textContent = "";
    try {
      const answer = await fetch("pay", {method: "POST", body: JSON.stringify(fields),
                                         headers: {"Content-Type": "application/json"}});
      const response = await answer.json();
      if (answer.ok) {
        tell("success", response);
        return;
      }
      problem.textContent = response.error.description;
      if (response.error.metadata) { tell("failed", response); }
    } catch (error) {
      problem.textContent = "The payment could not be sent: " + error;
    }
    payButton.disabled = false;
  });
  payButton.disabled = false;
}
"""


def _page(origin: str, title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f"{escape(title)}</title><style>{_STYLE}</style></head>"
            f'<body data-origin="{escape(origin)}"><main>'
            f'<p class="banner">Provider sandbox: a fake Razorpay Checkout; no money moves.</p>'
            f'{body}<button type="button" id="cancel" disabled>Cancel</button></main>'
            f"<script>{_PAGE_SCRIPT}</script></body></html>")
