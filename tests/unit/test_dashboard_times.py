"""The dashboard's booking times (web/static/app-formats.js `formatRange`, run in node):
on the day the host's clocks go back, a time they show twice says which it is, as the
booking page's do (clock.js `timeLabel`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
RUN = """
const [static_, cases] = process.argv.slice(1);
const { formatRange } = await import(static_ + "/app-formats.js");
console.log(JSON.stringify(JSON.parse(cases).map(([s, e, zone]) => formatRange(s, e, zone))));
"""
DASH = "\u2013"  # the en dash between a range's times
needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


def format_ranges(*cases: tuple[str, str, str]) -> list[dict[str, str]]:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, STATIC.as_uri(),
                          json.dumps(cases)], capture_output=True, text=True, timeout=30,
                         check=True, env={"TZ": "UTC", "LANG": "en_US.UTF-8",
                                          "PATH": "/usr/bin:/bin:/usr/local/bin"})
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@needs_node
def test_two_bookings_at_the_half_hour_the_clocks_repeat_read_differently() -> None:
    # New York, 2026-11-01: 01:30 EDT is 05:30Z, 01:30 EST an hour later, 06:30Z.
    first, second, across = format_ranges(
        ("2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z", "America/New_York"),
        ("2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "America/New_York"),
        ("2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "America/New_York"))
    assert first["time"] == f"1:30 AM EST {DASH} 2:00 AM", first
    assert second["time"] == f"1:30 AM EDT {DASH} 1:00 AM EST", second
    assert across["time"] == f"1:30 AM EDT {DASH} 1:30 AM EST", across
    assert first["day"] == second["day"] == "Sun, Nov 1, 2026", first


@needs_node
def test_an_ordinary_time_says_no_zone() -> None:
    # The day after, and a zone whose clocks never go back.
    (ny, kolkata) = format_ranges(
        ("2026-11-02T14:00:00Z", "2026-11-02T14:30:00Z", "America/New_York"),
        ("2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z", "Asia/Kolkata"))
    assert ny["time"] == f"9:00 AM {DASH} 9:30 AM", ny
    assert kolkata["time"] == f"12:00 PM {DASH} 12:30 PM", kolkata
