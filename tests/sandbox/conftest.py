"""The provider sandbox, proved with the vendors' real client libraries."""

from sandbox.testing import provider_sandbox

__all__ = ["provider_sandbox"]
