"""`infra.prune` on a small zip laid out like `chalice package`'s: what goes, what stays.

The real google-api-python-client wheel is measured by `bench/package_size.py --google`.
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

import pytest

from infra.prune import GOOGLE_APIS, KeepListError, main, plan, prune

DOCS = "googleapiclient/discovery_cache/documents/"
MODE = 0o100755 << 16
STAMP = (2026, 11, 24, 12, 0, 0)
METADATA = b"Metadata-Version: 2.1\nName: email-validator\nVersion: 2.4.0\n"
ENTRY_POINTS = b"[console_scripts]\nemail_validator = email_validator.__main__:main\n"
KEPT = {
    "app.py": b"import chalicelib\n",
    "chalicelib/__init__.py": b"",
    DOCS + "calendar.v3.json": b'{"name": "calendar"}' * 50,
    DOCS + "docs.v1.json": b'{"name": "docs"}' * 50,
    DOCS + "drive.v3.json": b'{"name": "drive"}' * 50,
    "googleapiclient/discovery.py": b"def build(): ...\n",
    "email_validator/__init__.py": b"",
    "email_validator-2.4.0.dist-info/METADATA": METADATA,
    "email_validator-2.4.0.dist-info/entry_points.txt": ENTRY_POINTS,
    "email_validator-2.4.0.dist-info/licenses/LICENSE": b"Unlicense\n",
    # icalendar's Calendar.example() reads these, so its tests folder is data.
    "icalendar/cal/examples.py": b'examples = here / "tests" / directory\n',
    "icalendar/tests/calendars/example.ics": b"BEGIN:VCALENDAR\n",
    # A top-level folder is not a vendored package's tests.
    "tests/__init__.py": b"",
}
REMOVED = {
    DOCS + "sheets.v4.json": "google discovery documents",
    DOCS + "youtube.v3.json": "google discovery documents",
    "dns/__pycache__/name.cpython-311.pyc": "bytecode",
    "six.pyc": "bytecode",
    "dns/tests/test_name.py": "vendored tests",
    "pyparsing/test/conftest.py": "vendored tests",
    "email_validator-2.4.0.dist-info/RECORD": "dist-info RECORD",
    "pydantic_core/_pydantic_core.pyi": "type stubs",
}


def build_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.external_attr = MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return build_zip(tmp_path / "deployment.zip",
                     {**KEPT, **{name: b"x" * 100 for name in REMOVED}})


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_each_unneeded_file_is_planned_for_removal_under_its_rule(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        assert plan(archive) == REMOVED


def test_pruning_keeps_everything_else_byte_for_byte(package: Path) -> None:
    prune(package)

    assert members(package) == KEPT


def test_only_the_kept_google_apis_discovery_documents_remain(package: Path) -> None:
    prune(package)

    documents = {n.removeprefix(DOCS) for n in members(package) if n.startswith(DOCS)}
    assert documents == {f"{api}.json" for api in GOOGLE_APIS}


def test_a_keep_list_given_on_the_command_line_replaces_the_default(package: Path) -> None:
    prune(package, keep=["sheets.v4", "calendar.v3"])

    documents = {n.removeprefix(DOCS) for n in members(package) if n.startswith(DOCS)}
    assert documents == {"sheets.v4.json", "calendar.v3.json"}


def test_a_kept_api_without_a_document_is_refused_and_the_zip_left_alone(
        package: Path) -> None:
    before = package.read_bytes()

    with pytest.raises(KeepListError, match=r"calender\.v3"):
        prune(package, keep=["calender.v3"])

    assert package.read_bytes() == before


def test_a_zip_without_google_api_client_ignores_the_keep_list(tmp_path: Path) -> None:
    path = build_zip(tmp_path / "deployment.zip", {"app.py": b""})

    report = prune(path, keep=["calendar.v3"])

    assert report.by_rule == {} and members(path) == {"app.py": b""}


def test_version_and_entry_points_still_read_after_record_is_gone(
        package: Path, tmp_path: Path) -> None:
    prune(package)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "site")

    dist = importlib.metadata.PathDistribution(
        tmp_path / "site" / "email_validator-2.4.0.dist-info")
    assert dist.version == "2.4.0"
    assert [ep.name for ep in dist.entry_points] == ["email_validator"]


def test_entries_keep_their_permissions_timestamps_and_order(package: Path) -> None:
    prune(package)

    with zipfile.ZipFile(package) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == list(KEPT)
    assert {(i.external_attr, i.date_time, i.compress_type) for i in infos} == {
        (MODE, STAMP, zipfile.ZIP_DEFLATED)}


def test_the_report_counts_files_and_bytes_removed_per_rule(package: Path) -> None:
    report = prune(package)

    assert report.by_rule["google discovery documents"].files == 2
    assert report.by_rule["bytecode"].unzipped == 200
    assert report.unzipped_before - report.unzipped_after == 100 * len(REMOVED)
    assert report.zip_after == package.stat().st_size < report.zip_before


def test_pruning_twice_changes_nothing_the_second_time(package: Path) -> None:
    prune(package)
    once = package.read_bytes()

    report = prune(package)

    assert report.by_rule == {} and package.read_bytes() == once


def test_a_dry_run_reports_but_leaves_the_zip_alone(package: Path) -> None:
    before = package.read_bytes()

    report = prune(package, dry_run=True)

    assert sum(r.files for r in report.by_rule.values()) == len(REMOVED)
    assert package.read_bytes() == before


def test_the_command_prints_the_bytes_removed(
        package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    size = package.stat().st_size

    main([str(package)])

    out = capsys.readouterr().out
    assert f"({size - package.stat().st_size:,} bytes removed)" in out
    assert "google discovery documents" in out
