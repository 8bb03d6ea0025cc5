"""The unit of Stripe's amounts in each currency, as the fake reads them
(docs.stripe.com/currencies): most are two-decimal; the zero-decimal ones (JPY, and MGA,
which ISO 4217 gives two decimals) are whole units; ISK and UGX, zero-decimal in fact,
stay two-decimal for backwards compatibility with the decimals always 00, and Stripe
refuses any other amount in them (`invalid_charge_amount_no_decimal_compatible`, the
wording of Stripe's own answer); the three-decimal ones need their last digit 0 (the
wording of that refusal is the sandbox's own). HUF and TWD are two-decimal for charges
and refunds (zero-decimal for payouts only, which the fake does not make)."""

from __future__ import annotations

ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg",
                          "rwf", "vnd", "vuv", "xaf", "xof", "xpf"})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
WHOLE_IN_HUNDREDTHS = frozenset({"isk", "ugx"})


def digits(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def refusal(amount: int, currency: str) -> tuple[str, str] | None:
    """Stripe's refusal of a charge or refund of this amount: its message and code."""
    code = currency.lower()
    if code in WHOLE_IN_HUNDREDTHS and amount % 100:
        return (f"Invalid amount. Currency {code.upper()} has become effectively "
                "zero-decimal and charged amounts must be evenly divisible by 100. See "
                "https://stripe.com/docs/currencies#special-cases for more information.",
                "invalid_charge_amount_no_decimal_compatible")
    if code in THREE_DECIMAL and amount % 10:
        return (f"Invalid amount. {code.upper()} amounts must end in 0 (three-decimal "
                "currencies are rounded to the nearest ten).", "invalid_charge_amount")
    return None


def money(amount: int, currency: str) -> str:
    """An amount as Stripe's messages show it ("25.00 USD", "1500 JPY", "5.120 KWD")."""
    places = digits(currency)
    return f"{amount / 10**places:.{places}f} {currency.upper()}"
