"""The dashboard's money (web/static/app-formats.js, app-event-type-price.js and
app-event-type-fields.js), run in node with the decimals the page is served with
(web/dashboard.py currency_digits): a price is shown, refilled and read back as the API
counts its minor units (domain/currencies.py minor_digits), not as the browser's Intl
does, which differs for 16 currencies (HUF, IDR, PKR, IQD, ...)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.currencies import CURRENCIES, minor_digits
from chalicelib.domain.event_types import Price
from chalicelib.web.dashboard import currency_digits
from chalicelib.web.labels import price_label

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
# What the dashboard does with each (currency, typed amount, saved minor units): its
# decimals, the minor units the typed amount is sent as, the editor's price field and
# the list card's words for the saved price, and what it says about the typed amount.
RUN = """
globalThis.document = { createElement: () => ({ setAttribute() {}, append() {} }) };
const [static_, table, cases] = process.argv.slice(1);
const formats = await import(static_ + "/app-formats.js");
const price = await import(static_ + "/app-event-type-price.js");
const fields = await import(static_ + "/app-event-type-fields.js");
formats.useCurrencyDigits(JSON.parse(table));
const out = {};
for (const [code, typed, saved] of JSON.parse(cases)) {
  const f = { price_currency: { value: "", append() {} }, price_amount: { value: "" } };
  fields.fillPrice(f, { currency: code, amount_minor: saved });
  out[code] = { digits: formats.fractionDigits(code), sent: price.toMinor(typed, code),
                refilled: f.price_amount.value,
                card: formats.formatMoney({ currency: code, amount_minor: saved }),
                problem: price.amountProblem(typed, code) };
}
console.log(JSON.stringify(out));
"""


def dashboard(cases: list[tuple[str, str, int]]) -> dict[str, dict[str, Any]]:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, STATIC.as_uri(),
                          json.dumps(currency_digits()), json.dumps(cases)],
                         capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the scripts")


@needs_node
def test_the_dashboard_counts_every_currencys_decimals_as_the_api_does() -> None:
    seen = dashboard([(code, "1", 100) for code in sorted(CURRENCIES)])

    assert {code: v["digits"] for code, v in seen.items()} == {
        code: minor_digits(code) for code in sorted(CURRENCIES)}
    # a code the API knows no more (a price saved before it was withdrawn): 2, as the API
    assert dashboard([("HRK", "1", 100)])["HRK"]["digits"] == minor_digits("HRK") == 2


@needs_node
def test_a_forint_price_is_shown_and_read_back_in_the_units_clients_pay() -> None:
    saved = Price(2_000_000, "HUF")  # Ft 20,000.00, as the pages and the checkout say it
    huf = dashboard([("HUF", "20000", saved.amount_minor)])["HUF"]

    assert price_label(saved) == "20,000.00 HUF"
    assert huf["refilled"] == "20000"           # the editor's price field
    assert "20,000.00" in huf["card"]           # the list's card
    assert huf["sent"] == 2_000_000             # saved again unchanged, not as Ft 200
    assert huf["problem"] == ""


@needs_node
@pytest.mark.parametrize(("code", "typed", "minor"), [
    ("HUF", "20000.50", 2_000_050), ("IDR", "150000", 15_000_000),
    ("PKR", "2500,75", 250_075), ("IQD", "25.125", 25_125), ("JPY", "2500", 2500)])
def test_a_typed_amount_is_sent_in_the_apis_minor_units(code: str, typed: str,
                                                        minor: int) -> None:
    seen = dashboard([(code, typed, minor)])[code]

    assert seen["problem"] == ""
    assert seen["sent"] == minor
    assert typed.replace(",", ".") in price_label(Price(seen["sent"], code)).replace(",", "")


@needs_node
def test_an_amount_with_more_decimals_than_the_api_counts_is_refused_in_words() -> None:
    seen = dashboard([("HUF", "20000.505", 0), ("IQD", "1.0005", 0), ("JPY", "1.5", 0)])

    assert seen["HUF"]["problem"] == (
        "HUF has at most 2 decimals: enter an amount like 25 or 25.50.")
    assert seen["IQD"]["problem"] == (
        "IQD has at most 3 decimals: enter an amount like 25 or 25.500.")
    assert seen["JPY"]["problem"] == "JPY has no smaller unit: enter a whole amount, like 2500."
