"""What google-api-python-client adds to the Lambda zip, before and after pruning.

Penny's calendar and Docs integrations call Google through google-api-python-client,
whose wheel carries a discovery document for every Google API (~600); `make package`
already prunes all but three, so today this adds nothing and checks the pruned client
(it was written to measure the client before Penny depended on it). This downloads the
real wheels (the pinned version and its dependencies, for the functions' CPU, with
requirements.txt as constraints), adds them to a copy of build/package/deployment.zip,
runs `infra.prune` on the copy, and imports it on its own: `build()` must work for each
kept API and fail for a pruned one. Runs `make package` first if build/package is
missing; needs the network (says so and stops when offline).

    python bench/google_discovery.py
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.package_size import PACKAGE, functions, packaged_template  # noqa: E402
from infra.prune import DISCOVERY_DOCUMENTS, GOOGLE_APIS, prune  # noqa: E402
from infra.zip_imports import check  # noqa: E402

CLIENT = "google-api-python-client==2.202.0"
MB = 1_000_000
MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}
BUILD_EACH_API = f"""
from googleapiclient.discovery import build
from googleapiclient.errors import UnknownApiNameOrVersion
for api in {GOOGLE_APIS!r}:
    build(*api.split("."), developerKey="bench", static_discovery=True)
try:
    build("sheets", "v4", developerKey="bench", static_discovery=True)
except UnknownApiNameOrVersion:
    print("google: build() works for {', '.join(GOOGLE_APIS)}; sheets.v4 (pruned) "
          "raises UnknownApiNameOrVersion")
else:
    raise SystemExit("sheets.v4 was built without its discovery document")
"""


def download(machine: str, into: Path) -> list[Path]:
    # The platforms chalice's packager asks pip for on python3.11 (glibc 2.26).
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(17, 27)]
    platforms.append(f"manylinux2014_{machine}")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--retries", "1",
                    "--timeout", "20", CLIENT,
                    "-c", str(ROOT / "requirements.txt"), "--only-binary=:all:",
                    "--python-version", "3.11", "--implementation", "cp",
                    *(arg for p in platforms for arg in ("--platform", p)),
                    "-d", str(into)], check=True, capture_output=True, timeout=300)
    return sorted(into.glob("*.whl"))


def with_wheels(base: Path, wheels: list[Path], out: Path) -> list[str]:
    """Copy `base` to `out` plus each wheel's files not already there; names added."""
    shutil.copy2(base, out)
    added = []
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        files = set(archive.namelist())
        # By distribution, not top-level folder: google-auth, google-api-core and protobuf
        # all install under the one `google/` namespace.
        bundled = {name.split("/")[0].split("-")[0].lower() for name in files
                   if name.split("/")[0].endswith(".dist-info")}
        for wheel in wheels:
            dist = wheel.name.split("-")[0]
            if dist.lower() in bundled:
                continue  # already bundled, at the version requirements.txt pins
            added.append(dist)
            with zipfile.ZipFile(wheel) as source:
                for info in source.infolist():
                    if info.filename not in files:
                        archive.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
                        files.add(info.filename)
    return added


def sizes(path: Path) -> tuple[int, int, int]:
    """(zipped, unzipped, discovery documents) bytes."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    return (path.stat().st_size, sum(i.file_size for i in infos),
            sum(i.file_size for i in infos if i.filename.startswith(DISCOVERY_DOCUMENTS)))


def main() -> None:
    lambdas = functions(packaged_template())
    arch = {p.get("Architectures", ["x86_64"])[0] for p in lambdas.values()}.pop()
    base = PACKAGE / {str(p["CodeUri"]) for p in lambdas.values()}.pop()
    with tempfile.TemporaryDirectory(prefix="penny-google-") as tmp:
        wheels_dir, what_if = Path(tmp) / arch, Path(tmp) / f"with-google-{arch}.zip"
        wheels_dir.mkdir()
        try:
            wheels = download(MACHINES[arch], wheels_dir)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            why = (exc.stderr or b"").decode().strip().splitlines()[-1:] or [str(exc)]
            print(f"google: skipped, pip could not download {CLIENT}: {why[0]}")
            return
        added = with_wheels(base, wheels, what_if)
        print(f"google: {CLIENT} for {arch} adds {len(added)} distributions: "
              f"{', '.join(added)}")
        rows = [("deployment.zip today", sizes(base)), (f"+ {CLIENT}", sizes(what_if))]
        prune(what_if)
        rows.append(("+ it, pruned", sizes(what_if)))
        print(f"{'':<42} {'zipped MB':>10} {'unzipped MB':>12} {'discovery MB':>13}")
        for label, (zipped, unzipped, documents) in rows:
            print(f"{label:<42} {zipped / MB:>10.2f} {unzipped / MB:>12.2f} "
                  f"{documents / MB:>13.2f}")
        if sys.platform != "linux":
            print("google: import check skipped (the zip's native libraries need Linux)")
            return
        if MACHINES[arch] != platform.machine():
            # Native libraries the venv lacks (protobuf's) come from this machine's wheels.
            native_dir, what_if = Path(tmp) / "native", Path(tmp) / "with-google-native.zip"
            native_dir.mkdir()
            with_wheels(base, download(platform.machine(), native_dir), what_if)
            prune(what_if)
        ok, output = check(what_if, then=BUILD_EACH_API)
        print(output)
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
