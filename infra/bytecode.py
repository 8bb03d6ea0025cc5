"""Ship in the Lambda zip the bytecode of what a cold start imports.

    PYTHONHASHSEED=0 python -m infra.bytecode build/package/deployment.zip [--kinds api events]

Lambda's /var/task is read-only: Python cannot write its `__pycache__` there, so without
bytecode in the zip every cold start compiles from source each module it imports (its
stdlib comes compiled with the runtime). This step adds, beside each `.py` that the
named function kinds' cold starts import (infra/cold_path.py's FIRST_REQUEST and
FIRST_USE, run in a fresh interpreter started as Lambda starts it, its settings read
from a stand-in of Parameter Store: infra/parameter_stand_in.py; `sys.modules` read
after them), `__pycache__/<name>.<cache tag>.pyc`:

- compiled by this interpreter, which must be the version the template's functions run
  (Chalice sets `Runtime` to the packaging interpreter's `python3.X`:
  chalice/config.py's `lambda_python_version`); any other is refused;
- unchecked-hash (PEP 552): used without looking at the source, since the zip's
  timestamps (1980-01-01, as Chalice writes them) say nothing; the `.py` stays beside it
  for tracebacks;
- written after its source with the source's timestamp and permissions, so the listing
  is the same on every run; marshal writes a set constant in hash order, so run this
  with PYTHONHASHSEED=0 (as `make package` does) for the same bytes too.

Only the kinds named (`SHIPPED_KINDS`): bytecode for every module in the zip (+17 MB
zipped) or for every kind's cold start (+5.1 MB) would break the package's < 40 MB
zipped / 100 MB unzipped; the API's and the event functions' (the API, the WebSocket
routes, the stream fan-out: 95% of the month's cold starts) adds about 2.5 MB.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import marshal
import os
import subprocess
import sys
import sysconfig
from collections.abc import Collection, Iterable
from pathlib import Path
from zipfile import ZipFile, ZipInfo

from infra.cold_path import FIRST_REQUEST, FIRST_USE
from infra.parameter_stand_in import lambda_environment

ROOT = Path(__file__).resolve().parents[1]
# The function kinds whose cold starts ship compiled (infra/cold_path.py's names).
SHIPPED_KINDS = ("api", "events")
CACHE_TAG = sys.implementation.cache_tag  # "cpython-311"
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked
_FILES = ("\nimport json, sys\n"
          "print(json.dumps(sorted({m.__file__ for m in list(sys.modules.values())\n"
          "                         if (getattr(m, '__file__', None) or '').endswith('.py')})))")


class RuntimeMismatchError(RuntimeError):
    """A function runs another Python than the one compiling: its bytecode would be unused."""


def cache_name(source: str) -> str:
    """`pkg/mod.py` -> `pkg/__pycache__/mod.cpython-311.pyc`, as the import system looks."""
    folder, _, name = source.rpartition("/")
    return f"{folder}/__pycache__/{name[:-3]}.{CACHE_TAG}.pyc".lstrip("/")


def compile_unchecked(source: bytes, name: str) -> bytes:
    """An unchecked-hash .pyc of `source`; `name` is the code's file name (the import
    system puts the real path in its place when it loads it)."""
    code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    return (importlib.util.MAGIC_NUMBER + UNCHECKED_HASH.to_bytes(4, "little")
            + importlib.util.source_hash(source) + marshal.dumps(code))


def source_of(name: str) -> str | None:
    """`pkg/__pycache__/mod.cpython-311.pyc` -> `pkg/mod.py`; None for any other name."""
    folder, _, file = name.rpartition("/")
    suffix = f".{CACHE_TAG}.pyc"
    if not (folder == "__pycache__" or folder.endswith("/__pycache__")) \
            or not file.endswith(suffix):
        return None
    return f"{folder.removesuffix('__pycache__')}{file.removesuffix(suffix)}.py"


def is_shipped(archive: ZipFile, name: str, names: Collection[str]) -> bool:
    """Is `name` bytecode this step made: beside its source, for this interpreter,
    unchecked-hash, of the source as it is?"""
    source = source_of(name)
    if source is None or source not in names:
        return False
    with archive.open(name) as pyc:
        header = pyc.read(16)
    return header == (importlib.util.MAGIC_NUMBER + UNCHECKED_HASH.to_bytes(4, "little")
                      + importlib.util.source_hash(archive.read(source)))


def check_runtime(template: Path) -> str:
    """The template's one Python runtime, if it is this interpreter's version."""
    resources = json.loads(template.read_text())["Resources"]
    runtimes = {r["Properties"].get("Runtime") for r in resources.values()
                if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtimes != {here} or sys.implementation.name != "cpython":
        raise RuntimeMismatchError(f"{template}: functions run {sorted(map(str, runtimes))}, "
                                   f"this is {sys.implementation.name} {here}: no bytecode")
    return here


def cold_start_files(kinds: Iterable[str], env: dict[str, str]) -> set[str]:
    """The `.py` files (absolute paths) each kind's cold start imports, each kind in a
    fresh interpreter with `env` (parameter_stand_in.lambda_environment)."""
    files: set[str] = set()
    for kind in kinds:
        code = f"{FIRST_REQUEST[kind]}\n{FIRST_USE[kind]}{_FILES}"
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                             text=True, env={**env, "AWS_LAMBDA_FUNCTION_NAME": f"penny-{kind}"})
        if run.returncode != 0:
            raise RuntimeError(f"importing {kind}'s cold start failed:\n{run.stderr[-2000:]}")
        files.update(json.loads(run.stdout.splitlines()[-1]))
    return files


def shipped_sources(kinds: Collection[str] = SHIPPED_KINDS) -> set[str]:
    """The kinds' cold-start files as zip members: relative to the project or to
    site-packages, where `chalice package` puts them."""
    with lambda_environment() as env:
        files = cold_start_files(kinds, env)
    # The longest first: site-packages may lie inside the project (.venv).
    bases = sorted({str(ROOT), *(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))},
                   key=len, reverse=True)
    sources = set()
    for file in files:
        base = next((b for b in bases if file.startswith(b + os.sep)), None)
        if base is not None:
            sources.add(file[len(base) + 1:])
    return sources


def add_bytecode(path: Path, sources: Collection[str]) -> tuple[int, int, int]:
    """Rewrite the zip at `path` with a .pyc after each of `sources` it holds (in place,
    atomically; bytecode already there for them is made again). Returns (files added,
    bytes zipped before, after)."""
    before = path.stat().st_size
    with ZipFile(path) as archive:
        chosen = {i.filename for i in archive.infolist() if i.filename in sources}
        made = {cache_name(name) for name in chosen}
        partial = path.with_name(path.name + ".bytecode.tmp")
        try:
            with ZipFile(partial, "w") as out:
                for info in archive.infolist():
                    if info.filename in made:
                        continue
                    data = archive.read(info)
                    out.writestr(info, data)
                    if info.filename in chosen:
                        pyc = ZipInfo(cache_name(info.filename), info.date_time)
                        pyc.external_attr = info.external_attr
                        pyc.compress_type = info.compress_type
                        out.writestr(pyc, compile_unchecked(data, info.filename))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, path)
    return len(chosen), before, path.stat().st_size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path)
    parser.add_argument("--template", type=Path, help="default: sam.json beside the zip")
    parser.add_argument("--kinds", nargs="+", default=list(SHIPPED_KINDS),
                        help=f"whose cold starts (default: {' '.join(SHIPPED_KINDS)})")
    args = parser.parse_args(argv)
    runtime = check_runtime(args.template or args.zip.with_name("sam.json"))
    if sys.flags.hash_randomization:
        print("bytecode: PYTHONHASHSEED is not 0, so set constants may differ run to run")
    added, before, after = add_bytecode(args.zip, shipped_sources(args.kinds))
    print(f"bytecode: {args.zip}: {added} modules that the {' and '.join(args.kinds)} cold "
          f"starts import, compiled for {runtime} (unchecked-hash); zipped {before / 1e6:.2f} -> "
          f"{after / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
