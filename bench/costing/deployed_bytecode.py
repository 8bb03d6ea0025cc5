"""Where a deployed function finds bytecode, for the cold starts' measure.

On Lambda the runtime's standard library comes compiled, the zip holds bytecode only for
the API's and event functions' cold-start modules (infra/bytecode.py) and /var/task is
read-only, so every other module is compiled from source on every cold start. This
venv has bytecode for every library and none for Penny's own code (this machine sets
PYTHONDONTWRITEBYTECODE), so an interpreter started as is measures neither. The INIT
measure (sample.py) therefore points its interpreters at a pycache prefix
(PYTHONPYCACHEPREFIX) that holds exactly what a deployed function has: the standard
library's bytecode (and the venv's start-up's, which Lambda's bootstrap does not pay),
plus the shipped modules compiled as `make package` compiles them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.cold_start import ROOT
from infra.bytecode import CACHE_TAG, SHIPPED_KINDS, cold_start_files, compile_unchecked
from infra.cold_path import FIRST_REQUEST

_STARTUP = ("import json, sys; print(json.dumps(sorted({m.__file__ for m in "
            "list(sys.modules.values()) if (getattr(m, '__file__', None) or '')"
            ".endswith('.py')})))")


def _cached(prefix: Path, source: str) -> Path:
    """Where an interpreter with this pycache prefix looks for `source`'s bytecode."""
    folder, name = os.path.split(source)
    return prefix / folder.lstrip(os.sep) / f"{name[:-3]}.{CACHE_TAG}.pyc"


def _in_stdlib(source: str) -> bool:
    stdlib = sysconfig.get_paths()["stdlib"]
    return source.startswith(stdlib + os.sep) and "site-packages" not in Path(source).parts


def _link_stdlib(prefix: Path) -> None:
    """The standard library's own bytecode (the runtime ships it), linked in place."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for pyc in stdlib.rglob(f"__pycache__/*.{CACHE_TAG}.pyc"):
        if "site-packages" in pyc.parts:
            continue
        target = _cached(prefix, str(pyc.parent.parent / pyc.name.split(".")[0]) + ".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to(pyc)


def _compile(prefix: Path, sources: Collection[str]) -> None:
    for source in sources:
        target = _cached(prefix, source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # never write through a link to the stdlib's
        target.write_bytes(compile_unchecked(Path(source).read_bytes(), source))


@contextmanager
def deployed_pycache(env: dict[str, str], kinds: Collection[str] | None = SHIPPED_KINDS,
                     runtime: bool = True) -> Iterator[str]:
    """A pycache prefix with the bytecode a deployed function finds: the runtime's
    (`runtime`), and that of the `kinds`' cold-start modules in the project and its
    site-packages (infra/bytecode.py ships those; None: every module, none at all: ())."""
    with tempfile.TemporaryDirectory(prefix="penny-pycache-") as tmp:
        prefix = Path(tmp)
        if runtime:
            _link_stdlib(prefix)
            started = subprocess.run([sys.executable, "-c", _STARTUP], cwd=ROOT, env=env,
                                     check=True, capture_output=True, text=True)
            _compile(prefix, [f for f in json.loads(started.stdout) if not _in_stdlib(f)])
        if kinds is None or kinds:
            files = cold_start_files(FIRST_REQUEST if kinds is None else kinds, env)
            _compile(prefix, [f for f in files if not _in_stdlib(f)])
        yield str(prefix)
