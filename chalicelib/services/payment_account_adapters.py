"""The payment adapter for a booking, a webhook or a Checkout callback, built from the
host's stored connection and its keys (services/payment_ports.py's PaymentAdapters).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.bookings import Booking
from chalicelib.domain.connections import ConnectionStatus, TokenDecryptionError
from chalicelib.domain.currencies import payment_vendor
from chalicelib.domain.errors import NotConnectedError, PaymentNotConnectedError
from chalicelib.domain.event_types import Price
from chalicelib.domain.providers.payments import PaymentProvider
from chalicelib.services.payment_account_keys import (
    RazorpayAccount,
    StoredPaymentAccounts,
    _razorpay_keys,
)
from chalicelib.services.payment_ports import HostPayment

NO_PAYMENTS = ("this host cannot take payments right now, so this paid event cannot be "
               "booked; please contact them")


@dataclass(frozen=True)
class PaymentAccountAdapters(StoredPaymentAccounts):
    """The adapter each caller needs, from the host's stored connection."""

    # ---- the adapters (services/payment_ports.py's PaymentAdapters) ----------------------

    def for_new_booking(self, host_id: str, price: Price) -> HostPayment:
        """One read of the host's payment connections, with their keys."""
        try:
            found = self.connections.with_tokens(host_id, self.available)
        except TokenDecryptionError:
            return self._readable_for(host_id, price)
        ready = {name: stored for name, stored in found.items()
                 if stored[0].status is ConnectionStatus.CONNECTED}
        name = payment_vendor(price.currency, ready)
        if name is None:
            raise PaymentNotConnectedError(NO_PAYMENTS)
        return self._host_payment(name, *ready[name])

    def _readable_for(self, host_id: str, price: Price) -> HostPayment:
        """Some stored keys did not open: the vendor chosen among the connected ones,
        its keys read alone (`_read`: a newer key is a retry). One whose keys cannot be
        read any more is broken now, and the other, if connected, may take the price."""
        ready = {c.provider for c in self.connections.for_host(host_id)
                 if c.provider in self.available and c.status is ConnectionStatus.CONNECTED}
        while (name := payment_vendor(price.currency, ready)) is not None:
            found = self._read(host_id, name)
            if found is not None and found[1] is not None and \
                    found[0].status is ConnectionStatus.CONNECTED:
                return self._host_payment(name, found[0], found[1])
            ready.discard(name)
        raise PaymentNotConnectedError(NO_PAYMENTS)

    def for_booking(self, booking: Booking) -> PaymentProvider:
        """The provider the booking's checkout was made at. A Stripe booking names the
        connected account its money went to, which the platform can still act on (a
        refund) after the host disconnected it from Penny."""
        if booking.payment is None:
            raise NotConnectedError("this booking takes no payment")
        if booking.payment.provider == "stripe" and booking.payment.account:
            self._offered("stripe")
            return self.stripe(booking.payment.account)
        return self._adapter(booking.host_id, booking.payment.provider).provider

    def stripe_webhooks(self) -> PaymentProvider:
        self._offered("stripe")
        return self.stripe(None)

    def razorpay_webhooks(self, host_id: str) -> RazorpayAccount:
        """The host's Razorpay adapter, its webhook secret checking their deliveries."""
        return self.razorpay(_razorpay_keys(*self._stored(host_id, "razorpay",
                                                          NotConnectedError)))

    def razorpay_for(self, booking: Booking) -> RazorpayAccount:
        """The Razorpay account a booking's order was made at (its Checkout callback)."""
        return self.razorpay(_razorpay_keys(*self._stored(booking.host_id, "razorpay",
                                                          PaymentNotConnectedError)))

    def _adapter(self, host_id: str, name: str) -> HostPayment:
        return self._host_payment(name, *self._stored(host_id, name, PaymentNotConnectedError))

