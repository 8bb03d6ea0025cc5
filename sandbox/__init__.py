"""Fake vendors on loopback: OAuth / OpenID Connect servers for Google, Microsoft, Zoom and
Notion with their APIs, and Stripe, Razorpay and Gemini.

No machine here reaches a real provider: the tests and the local stack point each
provider's `base_url` at this sandbox instead. `start_sandbox()` runs it;
`sandbox.testing` has the pytest fixture and the consent-page helper.
"""

from sandbox.server import ProviderSandbox, start_sandbox

__all__ = ["ProviderSandbox", "start_sandbox"]
