"""The currencies a price may be in: ISO 4217's current codes, each one's minor unit, and
the least each payment vendor takes in it.

A price is an integer in its currency's ISO minor unit (cents, paise; whole yen), as
Razorpay takes it (Stripe's unit differs for a few currencies), so the number of
decimals a currency has is what turns an amount into words and a typed amount into
minor units. A code that names no current currency (`XYZ`, or one withdrawn, like HRK)
is refused when an event type is saved: no vendor
would take a payment in it, and the booking would fail at the checkout instead.

So is a price a vendor would refuse: under Stripe's minimum charge in its currency (€0.50,
£0.30, ¥50; Stripe's table of minimum charge amounts), under Razorpay's order minimum of
100 subunits (₹1.00, $1.00), a three-decimal amount (KWD, BHD) whose last digit is not 0,
which neither vendor's card partners carry, a fraction of an ariary (MGA), which Stripe
has without decimals (the Stripe adapter converts to Stripe's unit,
integrations/stripe_amounts.py), or, for Stripe, any amount in IQD or LYD, three-decimal
in ISO and no currency of Stripe's. Stripe's minimum is in the account's
settlement currency; for a currency outside its table the equivalent is a rate Penny
does not know, so nothing is checked and Stripe's own refusal at the checkout is the
fallback.
"""

from __future__ import annotations

from collections.abc import Collection

# ISO 4217 (list one, as of 2026): the codes of current currencies, without funds,
# precious metals and testing codes. ANG gave way to XCG in 2025, ZWL to ZWG in 2024,
# BGN to EUR in 2026.
CURRENCIES = frozenset((
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK",
    "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
    "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD",
    "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND",
    "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG"))
# The currencies whose minor unit is not a hundredth: none at all, or a thousandth.
_DIGITS = {**dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                            "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
           **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3)}


# Stripe's minimum charge amounts, in minor units (docs.stripe.com/currencies).
_STRIPE_MINIMUM = {
    "AED": 200, "AUD": 50, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500, "DKK": 250,
    "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000,
    "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50,
    "THB": 1000, "USD": 50}
# Stripe has MGA zero-decimal (ISO: two decimals), so it takes whole ariary only
# (integrations/stripe_amounts.py, whose `stripe_step` a test holds this one to).
_STRIPE_WHOLE = frozenset({"MGA"})
# The two three-decimal currencies of ISO 4217 that are no currency of Stripe's at all:
# its currencies page names BHD, JOD, KWD, OMR and TND as its three-decimal ones, and the
# API refuses any other code ("Invalid currency: iqd. Stripe currently supports these
# currencies: ...", a list without iqd or lyd).
_STRIPE_REFUSED = frozenset({"IQD", "LYD"})
# Razorpay: an order of at least 100 of the currency's subunit, ₹1.00 or $1.00
# (razorpay.com/docs/api/orders/create).
_RAZORPAY_MINIMUM = 100


def minor_digits(currency: str) -> int:
    """How many decimals the currency has (2 for a code it does not know)."""
    return _DIGITS.get(currency, 2)


def payment_vendor(currency: str, ready: Collection[str]) -> str | None:
    """Which of the host's ready payment vendors takes a price in this currency: Razorpay
    for rupees (or when it is the only one), Stripe for the rest; None when neither is."""
    if "razorpay" in ready and (currency == "INR" or "stripe" not in ready):
        return "razorpay"
    return "stripe" if "stripe" in ready else None


def vendor_refusal(vendor: str, amount_minor: int, currency: str) -> str | None:
    """Why the vendor would refuse a payment of this amount, in words; None if it would
    not (as far as Penny can tell: see the module's docstring)."""
    if vendor == "stripe" and not stripe_takes(currency):
        return (f"Stripe takes no payments in {currency} (it is not one of Stripe's "
                "currencies); choose another currency or make the event type free")
    least = _STRIPE_MINIMUM.get(currency, 0) if vendor == "stripe" else _RAZORPAY_MINIMUM
    if amount_minor < least:
        return (f"{vendor.title()} takes payments of at least {_amount(least, currency)} "
                f"{currency}; raise the price or make the event type free")
    # Razorpay asks for the third decimal 0 too (razorpay.com/docs/api/orders/entity).
    step = stripe_price_step(currency) if vendor == "stripe" else \
        10 if minor_digits(currency) == 3 else 1
    if amount_minor % step:
        below = amount_minor - amount_minor % step
        kept = ("in whole units only" if step == 10**minor_digits(currency)
                else "to two decimals (the third one 0)")
        return (f"{vendor.title()} takes {currency} amounts {kept}: "
                f"{_amount(below, currency)} or {_amount(below + step, currency)}, say")
    return None


def stripe_takes(currency: str) -> bool:
    """Whether Stripe charges in this currency at all (IQD and LYD it does not)."""
    return currency.upper() not in _STRIPE_REFUSED


def stripe_price_step(currency: str) -> int:
    """The step between two amounts Stripe takes, in minor units: a whole unit for MGA,
    10 for a three-decimal currency (its last digit 0), else 1."""
    if currency in _STRIPE_WHOLE:
        return int(10 ** minor_digits(currency))
    return 10 if minor_digits(currency) == 3 else 1


def least_amounts() -> dict[str, dict[str, int]]:
    """The least each vendor takes, in minor units by currency (`*`: any other), for the
    dashboard to check a price against before it is sent: the rule `vendor_refusal`
    applies when it is saved."""
    return {"stripe": dict(_STRIPE_MINIMUM), "razorpay": {"*": _RAZORPAY_MINIMUM}}


def _amount(amount_minor: int, currency: str) -> str:
    digits = minor_digits(currency)
    return f"{amount_minor / 10**digits:.{digits}f}"
