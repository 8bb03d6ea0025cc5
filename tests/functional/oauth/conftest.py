"""Each OAuth adapter against the provider sandbox, through the vendor's real SDK."""

from sandbox.testing import provider_sandbox

__all__ = ["provider_sandbox"]
