"""Cold-start import cost of the API Lambda.

Wall time of a fresh `python -c "import app"` against a baseline of
`python -c "import chalice, boto3"`, alternated in the same run so both see the same
machine state; medians over RUNS each. Also shown: importing everything the first
booking request loads (the lazy path), which the first request pays instead.

    python bench/cold_start.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "import chalice, boto3"
APP = "import app"
FIRST_REQUEST = ("import app; from chalicelib import bootstrap; "
                 "import chalicelib.functions.schemas, chalicelib.functions.views, "
                 "chalicelib.functions.openapi, chalicelib.services.booking, "
                 "chalicelib.store.bookings, chalicelib.services.public")


def wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    for code in (BASELINE, APP, FIRST_REQUEST):  # warm the OS file cache and .pyc files
        wall(code)
    times: dict[str, list[float]] = {BASELINE: [], APP: [], FIRST_REQUEST: []}
    for _ in range(runs):
        for code in times:
            times[code].append(wall(code))
    base, app = statistics.median(times[BASELINE]), statistics.median(times[APP])
    full = statistics.median(times[FIRST_REQUEST])
    print(f"cold_start.runs: {runs}")
    print(f"cold_start.baseline_ms: {base * 1000:.0f}  (python -c '{BASELINE}')")
    print(f"cold_start.import_app_ms: {app * 1000:.0f}  (python -c '{APP}')")
    print(f"cold_start.ratio: {app / base:.2f}  (target <= 1.5)")
    print(f"cold_start.first_request_imports_ms: {full * 1000:.0f}  "
          f"(app + everything a booking request loads; ratio {full / base:.2f})")


if __name__ == "__main__":
    main()
