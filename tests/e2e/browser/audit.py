"""What the accessibility tests check on a page, in the state it is in.

- **axe-core** (WCAG 2.0/2.1 A and AA rules), from axe-playwright-python, which ships
  axe-core's script. The pages' CSP allows only their own scripts, so the tests open
  audited pages in a context with `bypass_csp=True`; nothing in the product relaxes it.
- **Focus is visible**: every control a keyboard user can reach, focused from the
  keyboard, draws a ring (outline or box-shadow), and no ancestor's `overflow` cuts it.
- **Targets are at least 44 by 44 px** (WCAG 2.5.5), the size the README promises, with
  WCAG's own exception: a link inside a sentence of running text.

Each check returns plain findings ("<what> <which element>: <why>"); an empty list passes.
"""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MIN_TARGET_PX = 44
_axe = Axe()

# The page-side checks (focus rings, target sizes): audit.js evaluates to {focusRings, targets}.
_CHECKS = (Path(__file__).parent / "audit.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[str]:
    # label-content-name-mismatch (WCAG 2.5.3, label in name) is axe's "experimental":
    # off unless asked for.
    results = _axe.run(page, options={
        "runOnly": {"type": "tag", "values": WCAG_21_AA},
        "rules": {"label-content-name-mismatch": {"enabled": True}}})
    return [f"axe {v['id']} ({v['impact']}) on {[n['target'] for n in v['nodes']][:5]}: "
            f"{v['help']}" for v in results.response["violations"]]


def unseen_focus(page: Page) -> list[str]:
    page.keyboard.press("Shift")  # the keyboard, not the mouse, was used last
    return [f"focus {f}" for f in page.evaluate(f"({_CHECKS}).focusRings()")]


def small_targets(page: Page, minimum: int = MIN_TARGET_PX) -> list[str]:
    return [f"target {f}" for f in page.evaluate(f"(minimum) => ({_CHECKS}).targets(minimum)",
                                                  minimum)]


# Waits for every animation that ends (a row's arrival flash fades its background over
# 2 s: measured mid-fade, its text's contrast is neither the start's nor the end's).
SETTLED = """() => Promise.all(document.getAnimations()
    .filter(a => Number.isFinite(a.effect?.getComputedTiming().endTime ?? Infinity))
    .map(a => a.finished.catch(() => null)))"""


def audit(page: Page) -> list[str]:
    """Every finding on the page once its animations have ended: axe-core, focus rings,
    target sizes."""
    page.evaluate(SETTLED)
    return axe_violations(page) + unseen_focus(page) + small_targets(page)
