"""The fake Checkout.js works in a real browser: headless Chromium (Debian's) opens a
merchant page on another origin that loads the sandbox's checkout.js, and Checkout's
callbacks reach it as they would from Razorpay's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import razorpay
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_httpserver import HTTPServer

from sandbox import ProviderSandbox

CHROMIUM = Path(os.environ.get("PENNY_CHROMIUM", "/usr/bin/chromium"))
WAIT_MS = 30_000  # bounds a failure on a busy machine; a passing run never waits it

_MERCHANT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Pay for your booking</title><script src="%(script)s"></script></head><body><main>
<button type="button" id="pay">Pay for the booking</button></main><script>
window.seen = [];
document.getElementById("pay").addEventListener("click", () => {
  const checkout = new Razorpay(Object.assign(%(options)s, {
    handler: (response) => window.seen.push(["paid", response]),
    modal: {ondismiss: () => window.seen.push(["dismissed"])}}));
  checkout.on("payment.failed", (response) => window.seen.push(["failed", response]));
  checkout.open();
});
</script></body></html>"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"this test needs Chromium at {CHROMIUM}: install Debian's `chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def _open_checkout(sandbox: ProviderSandbox, httpserver: HTTPServer,
                   browser: Browser) -> tuple[Page, str, Any]:
    merchant = sandbox.razorpay_merchant()
    client = razorpay.Client(auth=(merchant.key_id, merchant.key_secret),
                             base_url=sandbox.razorpay.base_url)
    order = client.order.create(data={"amount": 50000, "currency": "INR"})
    options = {"key": merchant.key_id, "order_id": order["id"], "amount": 50000,
               "currency": "INR", "name": "Ada's Studio", "description": "Intro call",
               "prefill": {"name": "Grace Hopper", "email": "grace@example.test"},
               "notes": {"booking_uid": "bk_1"}}
    httpserver.expect_request("/pay").respond_with_data(
        _MERCHANT_PAGE % {"script": f"{sandbox.razorpay.base_url}/v1/checkout.js",
                          "options": json.dumps(options)}, content_type="text/html")
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(httpserver.url_for("/pay"))
    page.get_by_role("button", name="Pay for the booking").click()
    return page, order["id"], client


def test_pay_in_checkout_hands_the_handler_a_signature_the_merchant_can_verify(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer, browser: Browser) -> None:
    provider_sandbox.razorpay_fail_next_payments()
    page, order_id, client = _open_checkout(provider_sandbox, httpserver, browser)
    checkout = page.frame_locator('iframe[title="Razorpay Checkout"]')
    assert checkout.get_by_role("heading").inner_text() == "Ada's Studio"
    assert "₹500.00" in checkout.locator("main").inner_text()

    checkout.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_function("window.seen.length >= 1")
    checkout.get_by_role("button", name="Pay", exact=True).click()  # a second try, as people do
    page.wait_for_function("window.seen.length >= 2")

    (failed, failure), (paid, response) = page.evaluate("window.seen")
    assert (failed, failure["error"]["metadata"]["order_id"]) == ("failed", order_id)
    assert paid == "paid" and response["razorpay_order_id"] == order_id
    assert client.utility.verify_payment_signature(response) is True
    assert client.payment.fetch(response["razorpay_payment_id"])["notes"] == {
        "booking_uid": "bk_1"}
    assert page.get_by_role("dialog").count() == 0
    page.close()


def test_cancel_in_checkout_calls_ondismiss_and_pays_nothing(
        provider_sandbox: ProviderSandbox, httpserver: HTTPServer, browser: Browser) -> None:
    page, order_id, client = _open_checkout(provider_sandbox, httpserver, browser)

    page.frame_locator('iframe[title="Razorpay Checkout"]').get_by_role(
        "button", name="Cancel").click()
    page.wait_for_function("window.seen.length >= 1")

    assert page.evaluate("window.seen") == [["dismissed"]]
    assert client.order.fetch(order_id)["status"] == "created"
    assert page.get_by_role("dialog").count() == 0
    page.close()
