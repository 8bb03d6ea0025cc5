"""Does the deployment zip import and run on its own, as Lambda would load it?

    python -m infra.zip_imports build/package/deployment.zip

Extracts the zip and runs, with `python -S` (no site-packages: only the zip's files and
the standard library), `import app`, every `chalicelib` module, an Argon2 hash, an email
validation through pydantic, an `.ics` render and every distribution's version and entry
points. This is what catches a pruned file someone needs, or a dependency `chalice
package` skipped with only a warning (it does so when it finds no wheel for Lambda).

The zip is built for Lambda (Linux, arm64); on any other kind of machine each native
library is swapped for this venv's build of the same distribution version (a different
version is reported), so every other byte checked is the zip's own.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

ELF_MACHINES = {"x86_64": 62, "aarch64": 183, "arm64": 183}
SMOKE = """
import importlib, importlib.metadata, pkgutil
import app, chalicelib
modules = [importlib.import_module(m.name)
           for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
import argon2, icalendar, pydantic
argon2.PasswordHasher(time_cost=1, memory_cost=1024).hash("penny")
class Contact(pydantic.BaseModel):
    email: pydantic.EmailStr
Contact(email="ada@example.com")
icalendar.Calendar().to_ical()
dists = list(importlib.metadata.distributions())
for dist in dists:
    assert dist.version, dist.metadata["Name"]
    list(dist.entry_points)
print(f"zip imports: app and {len(modules)} chalicelib modules; "
      f"{len(dists)} distributions' metadata: ok")
"""


def _elf_machine(path: Path) -> int:
    with path.open("rb") as library:
        return int.from_bytes(library.read(20)[18:20], "little")  # ELF e_machine


def _swap_native_libraries(root: Path) -> list[str]:
    """Replace foreign-CPU `.so` files by this venv's; returns the problems found."""
    # Anything but Linux (a Mac's arm64 is Mach-O, not ELF) swaps every library.
    here = ELF_MACHINES.get(platform.machine()) if sys.platform == "linux" else None
    site = Path(sysconfig.get_paths()["platlib"])
    owners = importlib.metadata.packages_distributions()
    problems = []
    for library in sorted(root.rglob("*.so")):
        if _elf_machine(library) == here:
            continue
        relative = library.relative_to(root)
        module = relative.name.split(".")[0]
        local = sorted((site / relative.parent).glob(f"{module}.*so"))
        top = relative.parts[0].split(".")[0]
        for dist in owners.get(top, []):
            zipped = list(root.glob(f"{dist.replace('-', '_')}-*.dist-info"))
            ours = importlib.metadata.version(dist)
            if zipped and not zipped[0].name.startswith(f"{dist.replace('-', '_')}-{ours}."):
                problems.append(f"{relative}: this venv has {dist} {ours}, the zip "
                                f"{zipped[0].name}")
        if not local:
            problems.append(f"{relative}: no build for {platform.machine()} in {site}")
            continue
        library.unlink()
        shutil.copy2(local[0], library.parent / local[0].name)
    return problems


def check(zip_path: Path, then: str = "") -> tuple[bool, str]:
    """(imports fine?, what the run printed); `then` is more code to run after SMOKE."""
    with tempfile.TemporaryDirectory(prefix="penny-zip-") as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(root)
        problems = _swap_native_libraries(root)
        env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1",
               "PYTHONDONTWRITEBYTECODE": "1"}
        run = subprocess.run([sys.executable, "-S", "-c", SMOKE + then], cwd=root, env=env,
                             capture_output=True, text=True, timeout=300)
        output = "\n".join([*problems, run.stdout.strip(), run.stderr.strip()]).strip()
        return run.returncode == 0 and not problems, output


def main() -> None:
    ok, output = check(Path(sys.argv[1]))
    print(output)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
