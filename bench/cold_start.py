"""Cold-start import cost of the API Lambda.

Wall time of a fresh `python -c "import app"` against a baseline of
`python -c "import chalice, boto3"`, alternated in the same run so both see the same
machine state; medians over RUNS each. Also shown: importing everything the first
booking request loads (the lazy path), which the first request pays instead. The cost
model (bench/costing/sample.py) bills cold starts from the same `FIRST_REQUEST` imports.

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
# What each kind of function imports before its first request is answered: `import app`
# (the INIT phase of a cold start) plus the lazy imports of the first request. For the
# API that is a booking's path: the Function URL adapter, the booking page, its slots
# and the booking POST.
FIRST_REQUEST = {
    "api": ("import app; from chalicelib import bootstrap; "
            "import chalicelib.functions.function_url, chalicelib.functions.schemas, "
            "chalicelib.functions.views, chalicelib.functions.requests, "
            "chalicelib.services.booking, chalicelib.store.bookings, "
            "chalicelib.services.public, chalicelib.web.booking_pages"),
    "events": ("import app; from chalicelib import bootstrap; "
               "import chalicelib.functions.realtime, chalicelib.services.fanout, "
               "chalicelib.store.stream, chalicelib.store.sockets, "
               "aws_lambda_powertools.utilities.batch"),
}


def wall(code: str) -> float:
    """Seconds a fresh interpreter takes to run `code` (Python's own start included); a
    failing import is an error, never a shorter time."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    first_request = FIRST_REQUEST["api"]
    codes = (BASELINE, APP, first_request)
    for code in codes:  # warm the OS file cache and .pyc files
        wall(code)
    times: dict[str, list[float]] = {code: [] for code in codes}
    for _ in range(runs):
        for code in times:
            times[code].append(wall(code))
    base, app = statistics.median(times[BASELINE]), statistics.median(times[APP])
    full = statistics.median(times[first_request])
    print(f"cold_start.runs: {runs}")
    print(f"cold_start.baseline_ms: {base * 1000:.0f}  (python -c '{BASELINE}')")
    print(f"cold_start.import_app_ms: {app * 1000:.0f}  (python -c '{APP}')")
    print(f"cold_start.ratio: {app / base:.2f}  (target <= 1.5)")
    print(f"cold_start.first_request_imports_ms: {full * 1000:.0f}  "
          f"(app + everything a booking request loads; ratio {full / base:.2f})")


if __name__ == "__main__":
    main()
