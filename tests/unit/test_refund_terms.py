"""The pay note's refund terms for a chosen time (web/static/refund.js `refundTerms`, run
in node): a time nearer than the policy's hours can't be refunded from the moment it is
booked, and a later one is told its deadline; at the deadline itself it still refunds,
as the server judges it (`refund_policy.refund_deadline`: cancelled at or before it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
RUN = """
const [static_, cases] = process.argv.slice(1);
const { refundTerms } = await import(static_ + "/refund.js");
console.log(JSON.stringify(JSON.parse(cases).map(([start, hours, zone, now]) =>
  refundTerms(start, hours, { zone, hour12: true, now: Date.parse(now) }))));
"""
pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


def terms(*cases: tuple[str, int | None, str, str]) -> list[str | None]:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, STATIC.as_uri(),
                          json.dumps(cases)], capture_output=True, text=True, timeout=30,
                         check=True, env={"TZ": "UTC", "LANG": "en_US.UTF-8",
                                          "PATH": "/usr/bin:/bin:/usr/local/bin"})
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_a_time_inside_the_refund_window_cannot_be_refunded() -> None:
    (day, hour) = terms(
        ("2026-12-08T09:00:00-05:00", 24, "America/New_York", "2026-12-07T15:20:00Z"),
        ("2026-12-07T16:00:00Z", 1, "UTC", "2026-12-07T15:20:00Z"))

    assert day == "This time is less than 24 hours away, so it can't be refunded if you cancel."
    assert hour == "This time is less than 1 hour away, so it can't be refunded if you cancel."


def test_a_later_time_is_told_its_deadline_in_the_visitors_zone() -> None:
    (london,) = terms(("2026-12-10T15:00:00Z", 24, "Europe/London", "2026-12-07T15:20:00Z"))

    assert london == ("Full refund if you cancel by Wednesday, December 9, 3:00\u00a0PM "
                      "(Europe/London); no refund after that.")


def test_the_deadline_itself_still_refunds_and_a_minute_past_it_does_not() -> None:
    at, past = terms(("2026-12-08T15:20:00Z", 24, "UTC", "2026-12-07T15:20:00Z"),
                     ("2026-12-08T15:20:00Z", 24, "UTC", "2026-12-07T15:21:00Z"))

    assert at is not None and at.startswith("Full refund if you cancel by Monday, December 7")
    assert past is not None and past.startswith("This time is less than 24 hours away")


def test_a_policy_of_no_hours_before_leaves_the_rule_as_it_is() -> None:
    assert terms(("2026-12-07T15:30:00Z", 0, "UTC", "2026-12-07T15:20:00Z"),
                 ("2026-12-07T15:30:00Z", None, "UTC", "2026-12-07T15:20:00Z")) == [None, None]
