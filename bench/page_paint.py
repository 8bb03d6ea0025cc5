"""How fast the booking page paints, in headless Chromium against the local stack.

Starts the stack as `make run` does, opens the seeded demo host's booking page
(/demo/intro) N times (default 9), each in a fresh browser context (a first-time
visitor: empty cache), then N times again as a returning visitor (same context: the
hashed assets come from the cache), and prints the medians of

- first contentful paint (the Performance API's 'first-contentful-paint'), and
- calendar ready: the month drawn with its free days marked (from the slots the page
  is sent with: no request), which is the first *meaningful* paint of this page,

plus the bytes a first visit transfers. Needs Chromium at /usr/bin/chromium.

    python bench/page_paint.py [loads]
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"PENNY_STACK_READY api=(\S+)")
CHROMIUM = os.environ.get("PENNY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Resolves with performance.now() once a free day is drawn (polled every frame).
CALENDAR_READY = "() => document.querySelector('#days button.free') && performance.now()"
FCP = """new Promise(resolve => {
    // The entry may not be recorded yet when the page is ready: wait for it.
    new PerformanceObserver((list, observer) => {
        const entry = list.getEntriesByName('first-contentful-paint')[0];
        if (entry) { observer.disconnect(); resolve(entry.startTime); }
    }).observe({type: 'paint', buffered: true});
})"""
BYTES = """[performance.getEntriesByType('navigation')[0],
            ...performance.getEntriesByType('resource')].reduce((n, e) => n + e.transferSize, 0)"""


def start_stack() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "local.stack", "--api-port", "0",
                             "--aws-port", "0", "--ws-port", "0"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    for line in proc.stdout:
        match = READY.search(line)
        if match:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining
            return proc, match[1]
    raise SystemExit("the local stack did not start")


def load(context: BrowserContext, url: str) -> dict[str, float]:
    page = context.new_page()
    page.goto(url)
    calendar = float(page.wait_for_function(CALENDAR_READY).json_value())
    timing = {"fcp": float(page.evaluate(FCP)), "calendar": calendar,
              "bytes": float(page.evaluate(BYTES))}
    page.close()
    return timing


def summary(name: str, runs: list[dict[str, float]]) -> str:
    fcp = statistics.median(r["fcp"] for r in runs)
    cal = statistics.median(r["calendar"] for r in runs)
    worst = max(r["calendar"] for r in runs)
    kib = statistics.median(r["bytes"] for r in runs) / 1024
    return (f"{name:<17} first contentful paint {fcp:6.0f} ms   calendar ready {cal:6.0f} ms"
            f" (max {worst:.0f})   transferred {kib:5.1f} KiB")


def main(loads: int) -> None:
    proc, api = start_stack()
    url = f"{api}/demo/intro"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            options: dict[str, Any] = {"viewport": {"width": 1280, "height": 800},
                                       "timezone_id": "Europe/London"}
            with browser.new_context(**options) as warm_up:
                load(warm_up, url)  # the stack's first request imports the page modules
            cold: list[dict[str, float]] = []
            for _ in range(loads):
                with browser.new_context(**options) as context:
                    cold.append(load(context, url))
            with browser.new_context(**options) as context:
                load(context, url)
                returning = [load(context, url) for _ in range(loads)]
            browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    print(f"booking page /demo/intro on the local stack, median of {loads} loads:")
    print(summary("first visit", cold))
    print(summary("returning visit", returning))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
