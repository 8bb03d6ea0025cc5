"""What the public pages use: the services they read through, the clock, and the
providers set up on this Penny (built by bootstrap/api.py, which sits above web/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.provider_settings import Providers

if TYPE_CHECKING:
    from chalicelib.services.booking_changes import BookingChanges
    from chalicelib.services.ports import Clock
    from chalicelib.services.public import PublicService


@dataclass(frozen=True)
class PageServices:
    """What the booking pages use (built by bootstrap/api.py, which sits above web/)."""

    public: PublicService
    changes: BookingChanges
    clock: Clock
    # The providers set up on this Penny: the pay page loads Razorpay Checkout from the
    # razorpay entry's `base_url` when it has one (the provider sandbox).
    providers: Providers = field(default_factory=Providers)
