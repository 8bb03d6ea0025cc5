"""Size of each Lambda function's code, against Lambda's limits, from `make package`.

Reads build/package (sam.json and the zip its functions point at), running `make
package` first when it is missing or with --build (a minute or two the first time, while
Chalice downloads the wheels; cached in .chalice/deployments after that).

    python bench/package_size.py [--build]

Prints per function the zip and unzipped size (every Chalice function shares the one
CodeUri, deployment.zip), the ten largest top-level entries in the zip, anything
`infra.prune` would still remove, and any requirement missing from the zip (`chalice
package` only warns when it finds no wheel for Lambda's platform).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.prune import prune  # noqa: E402

PACKAGE = ROOT / "build" / "package"
MB = 1_000_000
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: a zip uploaded
# directly; and the function with its layers, unzipped (S3 uploads, as `make deploy`
# does, are bound by the second only).
ZIPPED_LIMIT = 50 * 2**20
UNZIPPED_LIMIT = 250 * 2**20


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources: dict[str, Any] = template["Resources"]
    return {name: r["Properties"] for name, r in sorted(resources.items())
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}


def unzipped_sizes(path: Path) -> Counter[str]:
    """Unzipped bytes per top-level entry (package, module or dist-info folder)."""
    sizes: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            sizes[info.filename.split("/")[0]] += info.file_size
    return sizes


def missing_requirements(path: Path) -> list[str]:
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==", (ROOT / "requirements.txt").read_text(),
                        re.MULTILINE)
    with zipfile.ZipFile(path) as archive:
        folders = {n.split("/")[0] for n in archive.namelist() if ".dist-info/" in n}
    present = {re.sub(r"[-_.]+", "-", f.rsplit("-", 1)[0]).lower()
               for f in (folder.removesuffix(".dist-info") for folder in folders)}
    return [name for name in pinned if re.sub(r"[-_.]+", "-", name).lower() not in present]


def packaged_template(build: bool = False) -> dict[str, Any]:
    """build/package/sam.json, running `make package` first if asked or missing."""
    if build or not (PACKAGE / "sam.json").exists():
        subprocess.run(["make", "--no-print-directory", "package"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    template: dict[str, Any] = json.loads((PACKAGE / "sam.json").read_text())
    return template


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="run `make package` first")
    template = packaged_template(parser.parse_args().build)
    rows = []
    for name, props in functions(template).items():
        code = PACKAGE / str(props["CodeUri"])
        rows.append((name, str(props["CodeUri"]), ",".join(props.get("Architectures", [])),
                     code.stat().st_size, sum(unzipped_sizes(code).values())))
    print(f"{'function':<22} {'code':<18} {'arch':<7} {'zipped MB':>10} {'unzipped MB':>12}")
    for name, uri, arch, zipped, unzipped in rows:
        print(f"{name:<22} {uri:<18} {arch:<7} {zipped / MB:>10.2f} {unzipped / MB:>12.2f}")
    shared = {uri for _, uri, *_ in rows}
    if len(shared) == 1:
        print(f"package.functions: {len(rows)}, all sharing the one CodeUri {shared.pop()}")
    zipped = max(r[3] for r in rows)
    unzipped = max(r[4] for r in rows)
    print(f"package.zipped_mb: {zipped / MB:.2f}  (limit 50 MiB = {ZIPPED_LIMIT / MB:.1f} MB "
          f"for a direct upload: {zipped / ZIPPED_LIMIT:.0%} used)")
    print(f"package.unzipped_mb: {unzipped / MB:.2f}  (limit 250 MiB = "
          f"{UNZIPPED_LIMIT / MB:.1f} MB with layers: {unzipped / UNZIPPED_LIMIT:.0%} used)")

    zip_path = PACKAGE / str(rows[0][1])
    print("largest top-level entries (unzipped MB):")
    for entry, size in unzipped_sizes(zip_path).most_common(10):
        print(f"  {entry:<48} {size / MB:>7.2f}")
    left = prune(zip_path, dry_run=True)
    print(f"package.prunable_bytes_left: "
          f"{left.unzipped_before - left.unzipped_after:,}  (0 once `make package` ran)")
    missing = missing_requirements(zip_path)
    print(f"package.requirements_missing: {missing or 'none'}")


if __name__ == "__main__":
    main()
