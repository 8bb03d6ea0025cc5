"""Errors of taking a booking's payment: no provider ready, a price it will not take, a
checkout refused or not started (nothing is booked in each case)."""

from __future__ import annotations

from chalicelib.domain.caller_errors import PennyError, ValidationError
from chalicelib.domain.provider_errors import ProviderUnavailableError


class PaymentNotConnectedError(PennyError):
    """A paid event type, and no payment provider ready to take the money."""

    code = "payment_not_connected"


class PriceNotPayableError(ValidationError):
    """The payment vendor that would take this price refuses such an amount (under its
    minimum charge, or more decimals than its card partners carry)."""

    code = "price_not_payable"


class PaymentRefusedError(PennyError):
    """The payment provider refused to start this checkout as it stands (a price under
    its minimum charge, a currency the host's account cannot take): nothing was booked,
    and trying again cannot help until the host changes something."""

    code = "payment_refused"


class PaymentUnavailableError(ProviderUnavailableError):
    """The payment provider could not start a checkout: nothing was booked; try again."""

    code = "payment_unavailable"
