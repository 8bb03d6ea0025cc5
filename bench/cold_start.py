"""Cold starts of Penny's functions: INIT and the first request's lazy work, per kind.

INIT and first use are measured by the cost model's own code (bench/costing/sample.py's
`cold_starts_ms`, one implementation), so the figures printed here are the ones the month
bills: each kind's `FIRST_REQUEST` imports (infra/cold_path.py, which infra/bytecode.py
ships compiled) in a fresh interpreter started as Lambda starts it
(`AWS_LAMBDA_FUNCTION_NAME` set, so `import app` reads the settings from a local
stand-in of Parameter Store at INIT: infra/parameter_stand_in.py), its CPU in reference
ms (calibrated: bench/costing/calibrate.py) plus the parameters' assumed wait; then its
`FIRST_USE` in the same interpreter, in reference ms at one full core (the month bills
it at the function's share of a vCPU). Medians of RUNS each.

Also printed: the import weight of a fresh `python -c "import app"` (no settings read, so
not INIT) against a baseline of `python -c "import chalice, boto3"`, wall time, the two
alternated so both see the same machine state (the README's target of 0.5); and which
vendor SDKs (notion-client, google-genai, google-api-python-client, stripe, razorpay)
`import app` and each worker's first event load, none of which `import app` may.

    python bench/cold_start.py [runs]
    python bench/cold_start.py --bytecode [runs] [kind ...]

`--bytecode` prints instead each kind's INIT and first use (medians of `runs`, the
variants alternated) as the interpreter finds bytecode: nowhere (the standard library
compiled too); only the runtime's standard library (a zip without bytecode: Penny's
before 2026-12-07); the zip as `make package` builds it (infra/bytecode.py: the API's
and event functions' cold-start modules); everything a cold start imports; and the
venv as it is (the model's measure before 2026-12-07).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "import chalice, boto3"
APP = "import app"
# The SDKs only a worker may load (tests/functional/test_composition.py checks the API's
# whole booking path too).
VENDOR_SDKS = ("notion_client", "google.genai", "googleapiclient", "stripe", "razorpay")
LOADED = ("import json, sys; print(json.dumps([m for m in {sdks!r} if m in sys.modules]))")


def with_bytecode() -> dict[str, str]:
    """This environment, with .pyc files written and read: a shell that sets
    PYTHONDONTWRITEBYTECODE made `import app` compile Penny's code on every run (the
    installed packages have their bytecode), a ratio of 0.54 for 0.42; a deployed
    function's zip ships it (infra/bytecode.py)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(code: str) -> float:
    """Seconds a fresh interpreter takes to run `code` (Python's own start included); a
    failing import is an error, never a shorter time."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=with_bytecode())
    return time.perf_counter() - start


def loaded_sdks(code: str) -> list[str]:
    """Which of VENDOR_SDKS a fresh interpreter has loaded after running `code`."""
    out = subprocess.run([sys.executable, "-c", f"{code}; {LOADED.format(sdks=VENDOR_SDKS)}"],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return list(json.loads(out.stdout.splitlines()[-1]))


def bytecode_comparison(runs: int, kinds: list[str]) -> None:
    """See the module's docstring (`--bytecode`)."""
    from contextlib import ExitStack

    from bench.costing.deployed_bytecode import deployed_pycache
    from bench.costing.sample import PARAMETERS_WAIT_MS, cold_start_run, deployed_environment
    from infra.parameter_stand_in import lambda_environment

    with ExitStack() as stack:
        env = stack.enter_context(lambda_environment())
        variants = {
            "none": stack.enter_context(deployed_pycache(env, kinds=(), runtime=False)),
            "stdlib_only": stack.enter_context(deployed_pycache(env, kinds=())),
            "as_built": stack.enter_context(deployed_pycache(env)),
            "everything": stack.enter_context(deployed_pycache(env, kinds=None)),
            "venv": ""}
        envs = {}
        for variant, prefix in variants.items():
            for kind in kinds:
                envs[variant, kind] = deployed_environment(env, kind, prefix)
                if not prefix:  # the venv's own __pycache__ folders
                    del envs[variant, kind]["PYTHONPYCACHEPREFIX"]
        for variant, kind in envs:  # warms the file cache
            cold_start_run(kind, envs[variant, kind])
        measured: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in envs}
        for _ in range(runs):
            for key, kind_env in envs.items():
                measured[key].append(cold_start_run(key[1], kind_env))
    print(f"cold_start.bytecode_runs: {runs}  (INIT with the parameters' wait / first use, "
          "reference ms, medians)")
    for kind in kinds:
        figures = []
        for variant in variants:
            init = statistics.median(i for i, _ in measured[variant, kind]) + PARAMETERS_WAIT_MS
            first = statistics.median(f for _, f in measured[variant, kind])
            figures.append(f"{variant} {init:.0f} / {first:.0f}")
        print(f"cold_start.{kind}_bytecode: {'; '.join(figures)}")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.costing.sample import cold_starts_ms
    from infra.cold_path import FIRST_REQUEST, WORKERS

    if len(sys.argv) > 1 and sys.argv[1] == "--bytecode":
        runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
        bytecode_comparison(runs, sys.argv[3:] or list(FIRST_REQUEST))
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for code in (BASELINE, APP):  # warm the OS file cache and .pyc files
        wall(code)
    times: dict[str, list[float]] = {BASELINE: [], APP: []}
    for _ in range(runs):
        for code in times:
            times[code].append(wall(code))
    base, app = statistics.median(times[BASELINE]), statistics.median(times[APP])
    print(f"cold_start.runs: {runs}")
    print(f"cold_start.baseline_ms: {base * 1000:.0f}  (python -c '{BASELINE}', wall)")
    print(f"cold_start.import_app_ms: {app * 1000:.0f}  (python -c '{APP}', wall; "
          "no settings read, so not INIT)")
    print(f"cold_start.ratio: {app / base:.2f}  (target <= 0.5)")
    in_app = loaded_sdks(APP)
    print(f"cold_start.import_app_vendor_sdks: {', '.join(in_app) or 'none'}  "
          f"(of {', '.join(VENDOR_SDKS)})")
    kinds = ("api", "events", *WORKERS)
    init, first_use = cold_starts_ms(kinds, runs)
    for kind in kinds:
        sdks = f"; {', '.join(loaded_sdks(FIRST_REQUEST[kind])) or 'no vendor SDK'}" \
            if kind in WORKERS else ""
        print(f"cold_start.{kind}_init_ref_ms: {init[kind]:.0f}  (as the cost model bills it: "
              f"import app with the settings read, the first request's imports{sdks})")
        print(f"cold_start.{kind}_first_use_ref_ms: {first_use[kind]:.0f}  (its first "
              "request's lazy work, at one full core)")


if __name__ == "__main__":
    main()
