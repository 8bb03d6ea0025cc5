"""Penny's prices in Stripe's unit and back (chalicelib/integrations/stripe_amounts.py),
for the currencies whose unit at Stripe is not ISO 4217's (docs.stripe.com/currencies)."""

from __future__ import annotations

import pytest

from chalicelib.domain.currencies import (
    CURRENCIES,
    stripe_price_step,
    stripe_takes,
    vendor_refusal,
)
from chalicelib.domain.errors import ProviderRejectedError
from chalicelib.domain.event_types import Price
from chalicelib.integrations.stripe_amounts import from_stripe, stripe_step, to_stripe

# Penny's price (ISO minor units) and what Stripe is sent for it.
SENT = [
    (Price(15000, "USD"), 15000),       # $150.00: two decimals in both
    (Price(5000, "JPY"), 5000),         # ¥5,000: zero-decimal in both
    (Price(5_000_000, "MGA"), 50_000),  # Ar 50,000: two decimals in ISO, none at Stripe
    (Price(5000, "ISK"), 500_000),      # 5,000 kr: none in ISO, two (always 00) at Stripe
    (Price(5000, "UGX"), 500_000),      # USh 5,000: likewise
    (Price(17500, "HUF"), 17500),       # Ft 175.00: two-decimal for charges at Stripe
    (Price(15000, "TWD"), 15000),       # NT$150.00: likewise
    (Price(5120, "KWD"), 5120),         # 5.120 KD: three decimals in both
]


@pytest.mark.parametrize(("price", "sent"), SENT)
def test_a_price_is_sent_in_stripes_unit(price: Price, sent: int) -> None:
    assert to_stripe(price) == sent


@pytest.mark.parametrize(("price", "sent"), SENT)
def test_an_amount_stripe_gives_is_read_back_as_pennys_price(price: Price, sent: int) -> None:
    assert from_stripe(sent, price.currency.lower()) == price


@pytest.mark.parametrize("price", [Price(5_000_050, "MGA"), Price(5124, "KWD")])
def test_a_price_stripe_cannot_carry_is_rejected_rather_than_charged_otherwise(
        price: Price) -> None:
    with pytest.raises(ProviderRejectedError) as rejected:
        to_stripe(price)

    assert rejected.value.provider == "stripe"


@pytest.mark.parametrize(("price", "sent"), [
    (Price(5_000_050, "MGA"), 50_000), (Price(5124, "KWD"), 5120)])
def test_a_refund_stripe_cannot_carry_gives_back_the_most_it_can(
        price: Price, sent: int) -> None:
    assert to_stripe(price, round_down=True) == sent


@pytest.mark.parametrize("currency", ["IQD", "LYD"])
def test_a_three_decimal_currency_stripe_does_not_take_is_refused_whatever_the_amount(
        currency: str) -> None:
    # Three-decimal in ISO, but not among Stripe's currencies (its three-decimal ones are
    # BHD, JOD, KWD, OMR and TND): no amount is payable, a round one neither.
    assert vendor_refusal("stripe", 25_000, currency) == (
        f"Stripe takes no payments in {currency} (it is not one of Stripe's currencies); "
        "choose another currency or make the event type free")
    with pytest.raises(ProviderRejectedError, match=f"no payments in {currency}"):
        to_stripe(Price(25_000, currency))
    with pytest.raises(ProviderRejectedError):
        to_stripe(Price(25_000, currency), round_down=True)


def test_the_five_three_decimal_currencies_stripe_names_are_still_taken() -> None:
    for currency in ("BHD", "JOD", "KWD", "OMR", "TND"):
        assert vendor_refusal("stripe", 25_000, currency) is None, currency
        assert to_stripe(Price(25_000, currency)) == 25_000


def test_a_fraction_of_a_krona_stripe_gives_is_dropped() -> None:
    # From before April 2023, when Stripe still took fractional króna.
    assert from_stripe(500_050, "isk") == Price(5000, "ISK")


def test_every_price_the_domain_lets_a_host_save_for_stripe_converts() -> None:
    # The refusal when a price is saved (domain/currencies.py) and the adapter's
    # conversion name the same steps, for every currency a price may be in.
    for currency in sorted(c for c in CURRENCIES if stripe_takes(c)):
        step = stripe_step(currency)
        assert stripe_price_step(currency) == step, currency
        assert vendor_refusal("stripe", 1_000_000 + step, currency) is None, currency
        to_stripe(Price(1_000_000 + step, currency))
        if step > 1:
            assert vendor_refusal("stripe", 1_000_001, currency), currency
