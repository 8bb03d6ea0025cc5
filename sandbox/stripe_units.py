"""The unit of Stripe's amounts in each currency, as the fake reads them
(docs.stripe.com/currencies): most are two-decimal; the zero-decimal ones (JPY, and MGA,
which ISO 4217 gives two decimals) are whole units; ISK and UGX, zero-decimal in fact,
stay two-decimal for backwards compatibility with the decimals always 00, and Stripe
refuses any other amount in them (`invalid_charge_amount_no_decimal_compatible`, the
wording of Stripe's own answer); the three-decimal ones need their last digit 0 (the
wording of that refusal is the sandbox's own). HUF and TWD are two-decimal for charges
and refunds (zero-decimal for payouts only, which the fake does not make). IQD and LYD,
three-decimal in ISO 4217, are no currency of Stripe's: a charge in them is refused as
Stripe refuses any code outside its list, 400 "Invalid currency: ..." with no `code`
(the list in the message is the one Stripe's API gave in October 2024)."""

from __future__ import annotations

ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg",
                          "rwf", "vnd", "vuv", "xaf", "xof", "xpf"})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
WHOLE_IN_HUNDREDTHS = frozenset({"isk", "ugx"})
NOT_STRIPES = frozenset({"iqd", "lyd"})
SUPPORTED_WORDS = (
    "usd, aed, afn, all, amd, ang, aoa, ars, aud, awg, azn, bam, bbd, bdt, bgn, bhd, bif, "
    "bmd, bnd, bob, brl, bsd, bwp, byn, bzd, cad, cdf, chf, clp, cny, cop, crc, cve, czk, "
    "djf, dkk, dop, dzd, egp, etb, eur, fjd, fkp, gbp, gel, gip, gmd, gnf, gtq, gyd, hkd, "
    "hnl, hrk, htg, huf, idr, ils, inr, isk, jmd, jod, jpy, kes, kgs, khr, kmf, krw, kwd, "
    "kyd, kzt, lak, lbp, lkr, lrd, lsl, mad, mdl, mga, mkd, mmk, mnt, mop, mur, mvr, mwk, "
    "mxn, myr, mzn, nad, ngn, nio, nok, npr, nzd, omr, pab, pen, pgk, php, pkr, pln, pyg, "
    "qar, ron, rsd, rub, rwf, sar, sbd, scr, sek, sgd, shp, sle, sos, srd, std, szl, thb, "
    "tjs, tnd, top, try, ttd, twd, tzs, uah, ugx, uyu, uzs, vnd, vuv, wst, xaf, xcd, xof, "
    "xpf, yer, zar, zmw, usdc, btn, ghs, eek, lvl, svc, vef, ltl, sll, mro")


def digits(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def invalid_currency(currency: str) -> str | None:
    """Stripe's refusal of a currency it does not charge in, in its words; None if it does."""
    code = currency.lower()
    if code not in NOT_STRIPES:
        return None
    return f"Invalid currency: {code}. Stripe currently supports these currencies: " \
           f"{SUPPORTED_WORDS}"


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
