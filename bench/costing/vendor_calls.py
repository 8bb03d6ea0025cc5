"""The vendor API calls the sandbox counted: each invocation is told the ones made
since the invocation before (calendars, video, Notion, Stripe, Razorpay, Gemini), and the
bytes their requests sent out of AWS to the internet.

A request's bytes are as the sandbox received them (request line, headers, body), plus
TLS_RECORD_BYTES: over HTTPS each request goes in a TLS 1.3 record, which adds a 5-byte
header, the 1-byte inner content type and AES-GCM's 16-byte tag (RFC 8446 5.2). Left
out: the handshake of a new connection (a ClientHello and Finished, about 0.4-0.6 KB, as
often as a client opens a connection: the sandbox cannot tell) and TCP/IP's headers,
so the count is a floor.
"""

from __future__ import annotations

from typing import Any

from bench.costing.briefs import GEMINI_CALL

PAYMENT_VENDORS = ("stripe", "razorpay")
OAUTH_VENDORS = ("google", "microsoft", "zoom", "notion")  # the sandbox's ApiGate counts
TLS_RECORD_BYTES = 5 + 1 + 16  # per request: record header, inner type, AEAD tag


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

    def _vendor_bytes(self) -> int:
        """Every byte sent to the vendors so far (their requests, each in a TLS record)."""
        if self.sandbox is None:
            return 0
        received = self.sandbox.received
        return int(received.total + received.requests * TLS_RECORD_BYTES)
