"""The vendor API calls the sandbox counted: each invocation is told the ones made
since the invocation before (calendars, video, Notion, Stripe, Razorpay, Gemini)."""

from __future__ import annotations

from typing import Any

from bench.costing.briefs import GEMINI_CALL

PAYMENT_VENDORS = ("stripe", "razorpay")
OAUTH_VENDORS = ("google", "microsoft", "zoom", "notion")  # the sandbox's ApiGate counts


class VendorCalls:
    """The sandbox's counts, read as the calls made since the last time it was asked."""

    sandbox: Any
    _vendor_seen: dict[str, int]

    def _provider_calls(self) -> tuple[str, ...]:
        """The vendor API calls made since the last time this was asked."""
        if self.sandbox is None:
            return ()
        now: dict[str, int] = {}
        for provider in OAUTH_VENDORS:
            for operation, n in self.sandbox.api_call_counts(provider).items():
                now[f"{provider}.{operation}"] = n
            now[f"{provider}.token"] = self.sandbox.token_requests(provider)
        for vendor in PAYMENT_VENDORS:
            for endpoint, n in getattr(self.sandbox, f"{vendor}_api_call_counts")().items():
                now[f"{vendor}.{endpoint}"] = n
        # Every request that reached generateContent (an answer, a 429, a refusal).
        now[GEMINI_CALL] = self.sandbox.gemini_calls()
        made = tuple(call for call, n in now.items()
                     for _ in range(n - self._vendor_seen.get(call, 0)))
        self._vendor_seen = now
        return made
