"""Amounts as Stripe's API writes them, from Penny's and back.

Penny keeps a price in its currency's ISO 4217 minor unit (domain/currencies.py); Stripe
takes and gives amounts in its own unit, which differs for a few currencies
(docs.stripe.com/currencies, "Zero-decimal" and "Special cases"):

- MGA has two decimals in ISO but none in Stripe: Ar 50,000 is 50000, not 5000000.
- ISK and UGX have none in ISO but Stripe keeps them two-decimal for backwards
  compatibility, the decimals always 00: 5,000 kr is 500000, and an amount that does not
  end in 00 is refused (`invalid_charge_amount_no_decimal_compatible`).
- The three-decimal currencies (BHD, JOD, KWD, OMR, TND) are three-decimal in both, but
  Stripe's card partners need the last digit 0.
- IQD and LYD, three-decimal in ISO, are no currency of Stripe's: its three-decimal
  ones are the five above, and the API refuses the codes ("Invalid currency: iqd. Stripe
  currently supports these currencies: ..."), so nothing in them is sent.
- HUF and TWD are zero-decimal in Stripe for payouts only; charges and refunds are
  two-decimal, as in ISO, so nothing changes for them here.

A price Stripe cannot carry exactly is refused when it is saved (domain/currencies.py's
`vendor_refusal`, whose steps `stripe_step` must agree with: a test holds them to it); a
checkout for one kept from before is rejected here rather than charged another amount.
"""

from __future__ import annotations

from chalicelib.domain.currencies import minor_digits, stripe_takes
from chalicelib.domain.errors import ProviderRejectedError
from chalicelib.domain.event_types import Price

PROVIDER = "stripe"
# Where Stripe's decimals differ from ISO 4217's (the rest are ISO's).
_DIGITS = {"MGA": 0, "ISK": 2, "UGX": 2}
# What every amount Stripe takes in the currency is a multiple of, in Stripe's unit,
# where it is not 1 (and 10 for any three-decimal one).
_MULTIPLE = {"ISK": 100, "UGX": 100}


def stripe_digits(currency: str) -> int:
    return _DIGITS.get(currency.upper(), minor_digits(currency.upper()))


def stripe_step(currency: str) -> int:
    """The least step between two amounts Stripe takes, in Penny's minor unit (100 for
    MGA: whole ariary; 10 for KWD; 1 for most)."""
    code = currency.upper()
    multiple = _MULTIPLE.get(code, 10 if stripe_digits(code) == 3 else 1)
    shift = _shift(code)
    return _tens(-shift) * multiple if shift < 0 else max(1, multiple // _tens(shift))


def to_stripe(price: Price, round_down: bool = False) -> int:
    """The amount Stripe is sent for this price. One it cannot carry is rejected; with
    `round_down` (a refund: Stripe's advice for fractional króna) it gives back the most
    Stripe can, a step below at worst."""
    if not stripe_takes(price.currency):
        raise ProviderRejectedError(
            PROVIDER, f"Stripe takes no payments in {price.currency.upper()}")
    step = stripe_step(price.currency)
    amount = price.amount_minor
    if amount % step:
        if not round_down:
            raise ProviderRejectedError(
                PROVIDER, f"Stripe takes {price.currency} amounts in steps of {step} "
                          f"(Penny's minor unit), not {amount}")
        amount -= amount % step
    shift = _shift(price.currency.upper())
    return amount * _tens(shift) if shift >= 0 else amount // _tens(-shift)


def from_stripe(amount: int, currency: str) -> Price:
    """An amount Stripe gives (a session's total, a refund, a charge's refunded part) as
    Penny's price; a fraction of a Penny unit (ISK from before Stripe refused them) is
    dropped."""
    code = currency.upper()
    shift = _shift(code)
    return Price(amount // _tens(shift) if shift >= 0 else amount * _tens(-shift), code)


def _shift(code: str) -> int:
    """How many more decimals Stripe writes the currency with than ISO (-2 for MGA)."""
    return stripe_digits(code) - minor_digits(code)


def _tens(power: int) -> int:
    return int(10**power)
