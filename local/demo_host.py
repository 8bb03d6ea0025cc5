"""The demo host `make run` seeds through the API, paid through the provider sandbox's
Stripe and Razorpay, and made premium when the sandbox's Gemini writes its briefs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from local.seed import SLUG, Demo, PaymentSandbox, seed

if TYPE_CHECKING:
    from sandbox.server import ProviderSandbox


def seed_demo(api_url: str, sandbox: ProviderSandbox,
               sandbox_entries: dict[str, dict[str, str]], provider_entries: str) -> Demo:
    """The demo host, paid through the sandbox's Stripe and Razorpay (each unless your
    own PENNY_PROVIDERS replaced it); its Razorpay webhook then points at this stack, as
    the host sets it in Razorpay's dashboard from Penny's answer."""
    used = json.loads(provider_entries)
    merchant = sandbox.razorpay_merchant()
    razorpay = used.get("razorpay") == sandbox_entries.get("razorpay")
    demo = seed(api_url, payments=PaymentSandbox(
        stripe=used.get("stripe") == sandbox_entries.get("stripe"),
        razorpay_keys={"key_id": merchant.key_id, "key_secret": merchant.key_secret,
                       "webhook_secret": merchant.webhook_secret} if razorpay else None))
    if demo.razorpay_webhook_url is not None:
        sandbox.razorpay_webhook(merchant.key_id, demo.razorpay_webhook_url)
    if used.get("gemini") == sandbox_entries.get("gemini"):
        # The operator's switch (make premium), so the demo shows the brief: its
        # bookings go to the sandbox's Gemini once the host connects Notion.
        from chalicelib import bootstrap
        from chalicelib.store.hosts import HostRepository

        bootstrap.core()  # the table, as the API reads it
        HostRepository().set_premium(SLUG, True)
    return demo
