"""Drop from the Lambda zip the files no function reads at run time.

    python -m infra.prune build/package/deployment.zip [--keep calendar.v3 ...] [--dry-run]

`chalice package` bundles every file of every wheel. What goes, and why it is safe:

- google-api-python-client's discovery documents, except the APIs Penny calls
  (`GOOGLE_APIS`): ~600 JSON files, 114 MB unzipped in 2.202.0. `build(api, version)`
  reads only its own document, and an API not kept fails loudly
  (`UnknownApiNameOrVersion`) rather than being fetched over the network.
- bytecode (`__pycache__/`, `*.pyc`) but `infra.bytecode`'s: Chalice adds none; stray
  files (a `vendor/` copy) may be for another interpreter or another source. The step
  after this one adds, beside the `.py` that the API's and event functions' cold starts
  import, bytecode compiled for the runtime's Python (unchecked-hash, of that very
  source), which stays: /var/task is read-only, so Python cannot cache what it compiles
  and without it compiles every module it imports on every cold start.
- `tests/` and `test/` folders inside a vendored package, unless that package's own code
  names the folder (icalendar reads its `.example()` calendars from `icalendar/tests`).
- `*.dist-info/RECORD`: pip's list of installed files, for uninstalling.
  `importlib.metadata.version()` and entry points (pydantic, email-validator, urllib3,
  dnspython look these up) read `METADATA` and `entry_points.txt`, which stay.
- type stubs (`*.pyi`): only type checkers read them.

boto3 and botocore stay: the runtime has its own, but Penny pins the versions it tests.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import ZipFile

from infra.bytecode import is_shipped

# The Google APIs the calendar and Docs integrations call: the one list to extend.
GOOGLE_APIS = ("calendar.v3", "docs.v1", "drive.v3")
DISCOVERY_DOCUMENTS = "googleapiclient/discovery_cache/documents/"
TEST_FOLDERS = {"tests", "test"}
# An import of, or a path through, a test folder: `from .tests import x`, `"tests"`.
NAMES_TEST_FOLDER = re.compile(r"(?:from|import)\s+[\w.]*\btests?\b|[\"'/]tests?[\"'/]")


class KeepListError(ValueError):
    """A Google API on the keep-list has no discovery document: a typo would prune it."""


@dataclass
class Removed:
    files: int = 0
    unzipped: int = 0
    zipped: int = 0


@dataclass
class Report:
    zip_before: int
    zip_after: int
    unzipped_before: int
    by_rule: dict[str, Removed] = field(default_factory=dict)

    @property
    def unzipped_after(self) -> int:
        return self.unzipped_before - sum(r.unzipped for r in self.by_rule.values())


def _test_folder(name: str) -> str | None:
    """`pkg/sub/tests/x.py` -> `pkg/sub/tests/`; top-level folders are not a package's."""
    parts = name.split("/")
    for depth, part in enumerate(parts[1:-1], start=1):
        if part in TEST_FOLDERS:
            return "/".join(parts[: depth + 1]) + "/"
    return None


def _named_test_folders(archive: ZipFile, folders: set[str]) -> set[str]:
    """The test folders whose package's own (non-test) code refers to a test folder."""
    packages = {folder.split("/")[0] for folder in folders}
    referring = {
        name.split("/")[0] for name in archive.namelist()
        if name.endswith(".py") and name.split("/")[0] in packages
        and _test_folder(name) is None
        and NAMES_TEST_FOLDER.search(archive.read(name).decode("utf-8", "replace"))}
    return {folder for folder in folders if folder.split("/")[0] in referring}


def plan(archive: ZipFile, keep: Collection[str] = GOOGLE_APIS) -> dict[str, str]:
    """Each member to remove -> the rule that removes it."""
    names = archive.namelist()
    known = set(names)
    documents = {n: n[len(DISCOVERY_DOCUMENTS):-len(".json")] for n in names
                 if n.startswith(DISCOVERY_DOCUMENTS) and n.endswith(".json")}
    if documents and (missing := sorted(set(keep) - set(documents.values()))):
        raise KeepListError(f"no discovery document for {missing} in {archive.filename}")
    folders = {f for n in names if (f := _test_folder(n))}
    kept_folders = _named_test_folders(archive, folders)
    doomed: dict[str, str] = {}
    for name in names:
        folder = _test_folder(name)
        if name in documents and documents[name] not in keep:
            doomed[name] = "google discovery documents"
        elif (name.endswith(".pyc") or "/__pycache__/" in f"/{name}") \
                and not is_shipped(archive, name, known):
            doomed[name] = "bytecode"
        elif folder and folder not in kept_folders:
            doomed[name] = "vendored tests"
        elif name.endswith(".dist-info/RECORD"):
            doomed[name] = "dist-info RECORD"
        elif name.endswith(".pyi"):
            doomed[name] = "type stubs"
    return doomed


def prune(path: Path, keep: Collection[str] = GOOGLE_APIS, dry_run: bool = False) -> Report:
    """Rewrite the zip at `path` without the planned members (in place, atomically)."""
    before = path.stat().st_size
    with ZipFile(path) as archive:
        doomed = plan(archive, keep)
        report = Report(before, before, sum(i.file_size for i in archive.infolist()))
        for info in archive.infolist():
            if info.filename in doomed:
                removed = report.by_rule.setdefault(doomed[info.filename], Removed())
                removed.files += 1
                removed.unzipped += info.file_size
                removed.zipped += info.compress_size
        if dry_run or not doomed:
            return report
        partial = path.with_name(path.name + ".prune.tmp")
        try:
            # Same entries, order, timestamps and permissions, minus the doomed ones.
            with ZipFile(partial, "w") as out:
                for info in archive.infolist():
                    if info.filename not in doomed:
                        out.writestr(info, archive.read(info))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, path)
    report.zip_after = path.stat().st_size
    return report


def describe(path: Path, report: Report) -> str:
    mb = 1e6
    lines = [f"prune: {path}: zipped {report.zip_before / mb:.2f} -> "
             f"{report.zip_after / mb:.2f} MB ({report.zip_before - report.zip_after:,} "
             f"bytes removed); unzipped {report.unzipped_before / mb:.2f} -> "
             f"{report.unzipped_after / mb:.2f} MB"]
    for rule, removed in sorted(report.by_rule.items()):
        lines.append(f"  {rule:<28} {removed.files:>5} files  "
                     f"{removed.unzipped:>12,} bytes unzipped  {removed.zipped:>11,} zipped")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path)
    parser.add_argument("--keep", nargs="+", default=list(GOOGLE_APIS),
                        help=f"discovery documents to keep (default: {' '.join(GOOGLE_APIS)})")
    parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
    args = parser.parse_args(argv)
    print(describe(args.zip, prune(args.zip, args.keep, args.dry_run)))


if __name__ == "__main__":
    main()
