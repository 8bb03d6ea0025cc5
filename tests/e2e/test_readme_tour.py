"""The README's tour, run as written (bash, curl, python3, GNU date) against a fresh stack.

Only the first line changes: `API=` points at this test's stack instead of port 8000.
Every answer is JSON (or the .ics); the one error it may print is the 409 the tour
provokes on purpose.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO_ROOT, LocalStack

pytestmark = pytest.mark.e2e
FENCE = re.compile(r"```sh\n(.*?)```", re.S)


def tour_blocks() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it", 1)[1].split("\n## ", 1)[0]
    return FENCE.findall(section)


def test_the_readme_tour_works_as_written(stack: LocalStack, tmp_path: Path) -> None:
    blocks = tour_blocks()
    assert len(blocks) == 2 and blocks[0].startswith("API=http://127.0.0.1:8000\n")
    script = "set -euo pipefail\n" + "\n".join(blocks).replace(
        "API=http://127.0.0.1:8000\n", f"API={stack.api_url}\n", 1)

    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)

    assert run.returncode == 0, run.stdout + run.stderr
    errors = re.findall(r'"code":\s*"(\w+)"', run.stdout)
    assert errors == ["slot_taken"], run.stdout
    booking = json.loads((tmp_path / "booking.json").read_text())
    assert booking["status"] == "confirmed"
    assert '"status": "cancelled"' in run.stdout or '"status":"cancelled"' in run.stdout
    assert json.loads((tmp_path / "kim.json").read_text())["access_token"]
    assert "Coaching session" in run.stdout
