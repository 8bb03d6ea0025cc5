"""`POST /v1/checkout/sessions` read as Stripe reads it: mode=payment, `line_items` with
inline `price_data`, the URLs, metadata, and `expires_at` no sooner than 30 minutes and no
later than 24 hours after the session is made (Stripe refuses anything else, which is why
a hold shorter than 30 minutes must expire its session itself)."""

from __future__ import annotations

from typing import Any

from sandbox import stripe_objects as objects
from sandbox import stripe_units as units
from sandbox.stripe_wire import StripeFailure, integer, metadata, new_id, text, unknown

# Stripe's minimum charge for the currencies the demo and the tests use, in minor units
# (docs.stripe.com/currencies; an account settling in the same currency).
MINIMUM_CHARGE = {"usd": (50, "$0.50"), "eur": (50, "€0.50"), "gbp": (30, "£0.30"),
                  "jpy": (50, "¥50"), "inr": (50, "₹0.50")}
MIN_LIFETIME = 30 * 60
MAX_LIFETIME = 24 * 60 * 60

_PARAMS = ("mode", "line_items", "customer_email", "client_reference_id", "metadata",
           "payment_intent_data", "success_url", "cancel_url", "expires_at", "locale",
           "payment_method_types", "submit_type", "billing_address_collection",
           "customer_creation", "ui_mode")
_INTENT_PARAMS = ("metadata", "description", "receipt_email", "statement_descriptor",
                  "statement_descriptor_suffix")


def new_session(params: dict[str, Any], base_url: str
                ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """The session, its line items and the metadata its PaymentIntent will carry."""
    unknown(params, _PARAMS)
    mode = text(params, "mode", required=True)
    if mode != "payment":
        raise StripeFailure(400, f"The sandbox makes mode=payment sessions only, not {mode}.",
                            param="mode")
    text(params, "ui_mode", choices=("hosted",))
    created = objects.now()
    expires_at = integer(params, "expires_at")
    if expires_at is not None and expires_at < created + MIN_LIFETIME:
        raise StripeFailure(400, "The `expires_at` timestamp must be at least 30 minutes from "
                            "Checkout Session creation.", param="expires_at")
    if expires_at is not None and expires_at > created + MAX_LIFETIME:
        raise StripeFailure(400, "The `expires_at` timestamp must be less than 24 hours from "
                            "Checkout Session creation.", param="expires_at")
    items = _line_items(params.get("line_items"))
    currencies = {item["currency"] for item in items}
    if len(currencies) > 1:
        raise StripeFailure(400, "All line items must have the same currency.",
                            param="line_items")
    intent = params.get("payment_intent_data", {})
    if not isinstance(intent, dict):
        raise StripeFailure(400, "Invalid object", code="parameter_invalid_hash",
                            param="payment_intent_data")
    unknown(intent, _INTENT_PARAMS)
    reference = text(params, "client_reference_id")
    if reference is not None and len(reference) > 200:
        raise StripeFailure(400, "client_reference_id must be at most 200 characters.",
                            param="client_reference_id")
    total = sum(item["amount_total"] for item in items)
    currency = next(iter(currencies))
    least, words = MINIMUM_CHARGE.get(currency, (0, ""))
    if total < least:
        raise StripeFailure(400, "The Checkout Session's total amount due must add up to at "
                            f"least {words} {currency}", code="amount_too_small")
    session_id = new_id("cs_test_a1", 56)
    session = objects.checkout_session(session_id, {
        "amount_subtotal": total, "amount_total": total, "currency": currency,
        "customer_email": text(params, "customer_email"),
        "client_reference_id": reference, "metadata": metadata(params),
        "success_url": _url(params, "success_url"), "cancel_url": _url(params, "cancel_url"),
        "expires_at": created + MAX_LIFETIME if expires_at is None else expires_at,
        "url": f"{base_url}/pay/{session_id}"})
    session["created"] = created
    return session, items, metadata(intent)


def _line_items(raw: Any) -> list[dict[str, Any]]:
    if not raw:
        raise StripeFailure(400, "Missing required param: line_items.",
                            code="parameter_missing", param="line_items")
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise StripeFailure(400, "Invalid array", code="parameter_invalid_array",
                            param="line_items")
    return [_line_item(item, f"line_items[{i}]") for i, item in enumerate(raw)]


def _line_item(item: dict[str, Any], where: str) -> dict[str, Any]:
    unknown(item, ("price_data", "quantity", "price"))
    if "price" in item:
        raise StripeFailure(404, f"No such price: '{item['price']}'", code="resource_missing",
                            param=f"{where}[price]")
    price = item.get("price_data")
    if not isinstance(price, dict):
        raise StripeFailure(400, f"Missing required param: {where}[price_data].",
                            code="parameter_missing", param=f"{where}[price_data]")
    at = f"{where}[price_data]"
    unknown(price, ("currency", "unit_amount", "product_data", "tax_behavior"))
    currency = (text(price, "currency", f"{at}[currency]", required=True) or "").lower()
    if len(currency) != 3 or not currency.isalpha():
        raise StripeFailure(400, f"Invalid currency: {currency}.",
                            code="parameter_invalid_string", param=f"{at}[currency]")
    invalid = units.invalid_currency(currency)
    if invalid:
        raise StripeFailure(400, invalid, param=f"{at}[currency]")
    unit = integer(price, "unit_amount", f"{at}[unit_amount]", required=True) or 0
    refused = units.refusal(unit, currency)
    if refused:
        raise StripeFailure(400, refused[0], code=refused[1], param=f"{at}[unit_amount]")
    product = price.get("product_data")
    name = text(product if isinstance(product, dict) else {}, "name",
                f"{at}[product_data][name]", required=True)
    quantity = integer(item, "quantity", f"{where}[quantity]", minimum=1, required=True) or 1
    return {"id": new_id("li_"), "object": "item", "amount_subtotal": unit * quantity,
            "amount_total": unit * quantity, "currency": currency, "description": name,
            "price": {"id": new_id("price_"), "object": "price", "currency": currency,
                      "unit_amount": unit, "product": new_id("prod_", 14),
                      "type": "one_time"},
            "quantity": quantity}


def _url(params: dict[str, Any], name: str) -> str | None:
    url = text(params, name)
    if url is not None and not url.startswith(("https://", "http://")):
        raise StripeFailure(400, "Not a valid URL", code="url_invalid", param=name)
    return url
