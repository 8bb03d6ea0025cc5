"""Headless Chromium against the local stack: Playwright (sync API) driving the system browser.

The browser is Debian's `chromium` at /usr/bin/chromium (`.ci/run` installs it); the
Playwright browser download cannot work on machines without internet, so it is never
used. A missing browser fails the run with a clear message rather than skipping.

Fixtures: `browser` (one for this folder's tests: Playwright's sync API keeps an event
loop running on the main thread while it is started, which the other e2e tests'
`asyncio.run` cannot share), `new_context(timezone_id=..., viewport=...)`
(closed after the test), `screenshot(page, name)` (docs/screenshots/<name>.png, the
files the README shows), `console_errors(page)` (console errors, CSP violations and
uncaught exceptions seen by the page). `stack` comes from tests/e2e/conftest.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.conftest import LocalStack

# A paid booking holds its time this long (seconds) on the stack these tests start: long
# enough to pay on a loaded machine, short enough that a test can watch a hold end
# (test_paid_bookings.py). The session's stack reads it from this environment.
os.environ.setdefault("PENNY_PAYMENT_HOLD_SECONDS", "60")
CHROMIUM = Path(os.environ.get("PENNY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
# Deadlines only bound a failure: on a busy 2-core machine (CI with the suite beside it)
# a page can take seconds to answer, so they are generous; a passing run never waits them.
WAIT_MS = 90_000
expect.set_options(timeout=WAIT_MS)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: install Debian's "
                    "`chromium` package (.ci/run does), or set PENNY_CHROMIUM to its path")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


NewContext = Callable[..., BrowserContext]


@pytest.fixture(scope="module")
def stack_table(stack: LocalStack) -> Iterator[None]:
    """This process's repositories on the stack's table, as the operator's `--local`
    commands reach it (its embedded AWS takes any credentials)."""
    from chalicelib.store import tables
    from local.stack import REGION, TABLE

    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        tables.configure(TABLE, REGION, stack.aws_url)
        yield


@pytest.fixture
def new_context(browser: Browser) -> Iterator[NewContext]:
    """Open a fresh context (own cookies and storage); extra kwargs go to Playwright."""
    opened: list[BrowserContext] = []

    def make(timezone_id: str = "UTC", viewport: dict[str, int] | None = None,
             locale: str = "en-US", **kwargs: Any) -> BrowserContext:
        context = browser.new_context(timezone_id=timezone_id, locale=locale,
                                      viewport=viewport or DESKTOP, **kwargs)
        context.set_default_timeout(WAIT_MS)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


def take_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.mouse.move(0, 0)  # no hover state left over from the last click
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    return take_screenshot


def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait until `check()` holds (the stack catching up: a stream event, a socket closed
    at the gateway); a bound, not a measure."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"still not {what} after {WAIT_MS} ms")
        time.sleep(0.1)


def watch_console(page: Page) -> list[str]:
    """Start collecting the page's console errors (CSP violations are among them)."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen.append(f"uncaught: {exc}"))
    return seen


@pytest.fixture
def console_errors() -> Callable[[Page], list[str]]:
    return watch_console
