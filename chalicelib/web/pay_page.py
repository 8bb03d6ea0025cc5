"""Penny's own pay page for Razorpay (/booking/{uid}/pay?token=), which has no hosted page.

The page loads Razorpay's Checkout script and opens it on the booking's order (pay.js);
Checkout's handler sends its signed answer to POST /bookings/{uid}/payment/razorpay,
then the visitor goes on to the booking's page, which waits for the verified payment.
Only this page lets another site in: Checkout's script and its frame, each from its own
origin (the provider sandbox's, when the razorpay settings entry has a `base_url`).

A booking that is not waiting for a Razorpay payment (paid, expired, cancelled, a Stripe
one) has nothing to pay here: the page sends the visitor to the booking's own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from chalice import Response

from chalicelib.domain.event_types import Price
from chalicelib.functions.http import PATH_PARAMETER
from chalicelib.web import labels
from chalicelib.web.pages import Markup, base_path, html_page, not_found_page
from chalicelib.web.payment_status import PaymentState, payment_state

if TYPE_CHECKING:
    from chalicelib.provider_settings import RazorpayPlatform
    from chalicelib.web.booking_pages import PageServices

CHECKOUT_SCRIPT = "https://checkout.razorpay.com/v1/checkout.js"
CHECKOUT_FRAMES = "https://api.razorpay.com"  # where Checkout's frame is served from


@dataclass(frozen=True)
class CheckoutSource:
    """Where Razorpay Checkout comes from: its script, and the origins the CSP lets in."""

    script: str
    script_origin: str
    frame_origin: str

    @classmethod
    def of(cls, platform: RazorpayPlatform | None) -> CheckoutSource:
        base = platform.base_url.rstrip("/") if platform and platform.base_url else None
        if base is None:
            return cls(CHECKOUT_SCRIPT, _origin(CHECKOUT_SCRIPT), CHECKOUT_FRAMES)
        return cls(f"{base}/v1/checkout.js", _origin(base), _origin(base))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _redirect(location: str) -> Response:
    return Response(body="", status_code=303, headers={
        "Location": location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def pay_page(services: PageServices, request: Any, uid: str) -> Response:
    from chalicelib.domain.errors import NotFoundError

    base = base_path(request)
    token = str((request.query_params or {}).get("token") or "")
    if not PATH_PARAMETER.match(uid):
        return not_found_page(base)
    try:
        booking = services.changes.view(uid, token)
    except NotFoundError:
        return not_found_page(base, "Not found",
                              "This booking page or link does not exist, or is no longer valid.")
    view = f"{base}/booking/{quote(uid)}?token={quote(token)}"
    payment = booking.payment
    now = services.clock.now()
    if payment is None or payment.provider != "razorpay" or \
            payment_state(booking, now) is not PaymentState.AWAITING or \
            booking.hold_until is None or booking.price_minor is None or not booking.currency:
        return _redirect(view)
    config = services.changes.host_config(booking)
    zone = booking.attendee.timezone
    amount = labels.price_label(Price(booking.price_minor, booking.currency))
    when = labels.when_label(booking.start, booking.end, zone)
    source = CheckoutSource.of(services.providers.razorpay)
    data = {"uid": uid, "key": payment.public_key, "order_id": payment.checkout_id,
            "amount": booking.price_minor, "currency": booking.currency,
            "name": config.profile.display_name,
            "description": f"{booking.event_title}, {when}",
            "prefill": {"name": booking.attendee.name, "email": booking.attendee.email},
            "script": source.script, "view": view}
    return html_page("pay.html", {
        "host_name": config.profile.display_name, "host_url": f"{base}/{config.profile.slug}",
        "event_title": booking.event_title, "amount": amount,
        "when": Markup(labels.time_element(when, booking.start, zone, booking.end)),
        "until": Markup(labels.time_element(
            labels.clock_label(booking.hold_until, zone), booking.hold_until, zone,
            clock=True)),
        "policy": labels.refund_policy(payment.refund_hours_before), "view_url": view},
        title=f"Pay for {booking.event_title} · Penny",
        description=f"Pay {amount} for {booking.event_title} with "
                    f"{config.profile.display_name}.",
        base=base, data={"penny-pay": data}, scripts=("pay.js",),
        styles=("base.css", "booking.css"), script_src=(source.script_origin,),
        frame_src=(source.frame_origin,), cache="no-store",
        # Checkout may open a window of its own (a bank's page, a UPI app's).
        headers={"X-Robots-Tag": "noindex",
                 "Cross-Origin-Opener-Policy": "same-origin-allow-popups"})
