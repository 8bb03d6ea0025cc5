"""The availability editor's Add hours (web/static/app-hour-ranges.js `freeHour`, run in
node): the range it suggests is where the day has no hours yet, never over them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
RUN = """
const [static_, cases] = process.argv.slice(1);
const { freeHour } = await import(static_ + "/app-hour-ranges.js");
console.log(JSON.stringify(JSON.parse(cases).map((ranges) => freeHour(ranges))));
"""
needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


def suggested(*days: list[tuple[str, str]]) -> list[tuple[str, str]]:
    cases = [[{"start": s, "end": e} for s, e in day] for day in days]
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, STATIC.as_uri(),
                          json.dumps(cases)], capture_output=True, text=True, timeout=30,
                         check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    return [(r["start"], r["end"]) for r in json.loads(out.stdout)]


@needs_node
def test_add_hours_suggests_the_hour_after_the_days_last_range() -> None:
    assert suggested([("09:00", "12:00")], []) == [("12:00", "13:00"), ("09:00", "10:00")]


@needs_node
def test_a_day_whose_hours_run_late_is_offered_what_is_left_not_its_own_morning() -> None:
    # Before: a last range ending at 23:00 or later was followed by 09:00-10:00, over it.
    assert suggested([("09:00", "23:30")], [("18:00", "24:00")], [("08:00", "24:00")],
                     [("00:00", "08:30"), ("08:30", "24:00")]) == [
        ("23:30", "24:00"), ("09:00", "10:00"), ("00:00", "01:00"), ("09:00", "10:00")]


@needs_node
def test_a_full_day_is_offered_the_usual_hour_which_the_check_before_saving_refuses() -> None:
    assert suggested([("00:00", "24:00")]) == [("09:00", "10:00")]
