"""`infra.bytecode` on a small zip laid out like `chalice package`'s: the bytecode it adds,
where, for which Python, and that Python really uses it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import infra.bytecode
from infra.bytecode import (
    RuntimeMismatchError,
    add_bytecode,
    cache_name,
    check_runtime,
    main,
    shipped_sources,
)
from infra.prune import plan

MODE = 0o100644 << 16
STAMP = (1980, 1, 1, 0, 0, 0)
TAG = sys.implementation.cache_tag
SOURCES = {
    "app.py": b"import chalicelib\n",
    "chalicelib/__init__.py": b"KINDS = {'api', 'events', 'notes'}\n",
    "botocore/session.py": b"def session(): return 'made'\n",
    "stripe/__init__.py": b"api_key = None\n",  # not imported by a shipped cold start
    "botocore-1.35.0.dist-info/METADATA": b"Name: botocore\n",
}
SHIPPED = {"app.py", "chalicelib/__init__.py", "botocore/session.py", "_distutils_hack/x.py"}
PYC = {cache_name(name) for name in SHIPPED if name in SOURCES}


def build_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.external_attr, info.compress_type = MODE, zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return build_zip(tmp_path / "deployment.zip", SOURCES)


def test_each_shipped_source_gets_its_bytecode_right_after_it(package: Path) -> None:
    add_bytecode(package, SHIPPED)

    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    assert names == ["app.py", f"__pycache__/app.{TAG}.pyc",
                     "chalicelib/__init__.py", f"chalicelib/__pycache__/__init__.{TAG}.pyc",
                     "botocore/session.py", f"botocore/__pycache__/session.{TAG}.pyc",
                     "stripe/__init__.py", "botocore-1.35.0.dist-info/METADATA"]


def test_bytecode_is_for_this_python_and_unchecked_hash_of_its_source(package: Path) -> None:
    add_bytecode(package, SHIPPED)

    with zipfile.ZipFile(package) as archive:
        for name in PYC:
            pyc = archive.read(name)
            source = archive.read(name.replace("__pycache__/", "").replace(f".{TAG}.pyc", ".py"))
            assert pyc[:4] == importlib.util.MAGIC_NUMBER
            assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, not checked
            assert pyc[8:16] == importlib.util.source_hash(source)


def test_bytecode_entries_keep_their_sources_timestamp_and_permissions(package: Path) -> None:
    add_bytecode(package, SHIPPED)

    with zipfile.ZipFile(package) as archive:
        infos = archive.infolist()
    assert {(i.date_time, i.external_attr, i.compress_type) for i in infos} == {
        (STAMP, MODE, zipfile.ZIP_DEFLATED)}


def test_the_same_zip_comes_out_byte_for_byte_and_a_second_run_changes_nothing(
        package: Path, tmp_path: Path) -> None:
    other = build_zip(tmp_path / "other.zip", SOURCES)
    add_bytecode(package, SHIPPED)
    add_bytecode(other, SHIPPED)
    once = package.read_bytes()

    added, _, _ = add_bytecode(package, SHIPPED)

    assert other.read_bytes() == once == package.read_bytes() and added == 3


def test_python_runs_the_shipped_bytecode_without_reading_its_source(
        package: Path, tmp_path: Path) -> None:
    add_bytecode(package, SHIPPED)
    root = tmp_path / "task"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root)
    # A source edited after packaging (or a zip timestamp) is not looked at: only the
    # bytecode is run, as on Lambda's read-only /var/task.
    (root / "botocore" / "session.py").write_text("def session(): return 'compiled'\n")

    run = subprocess.run([sys.executable, "-S", "-c",
                          "from botocore.session import session; print(session())"],
                         cwd=root, capture_output=True, text=True, check=True,
                         env={"PYTHONDONTWRITEBYTECODE": "1"})

    assert run.stdout.split() == ["made"]


def test_pruning_keeps_the_shipped_bytecode_and_drops_any_other(package: Path,
                                                                tmp_path: Path) -> None:
    add_bytecode(package, SHIPPED)
    with zipfile.ZipFile(package) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    stale = f"stripe/__pycache__/__init__.{TAG}.pyc"  # of another source
    foreign = "chalicelib/__pycache__/__init__.cpython-39.pyc"
    members.update({stale: members[cache_name("botocore/session.py")], foreign: b"x" * 20})

    with zipfile.ZipFile(build_zip(tmp_path / "mixed.zip", members)) as archive:
        doomed = plan(archive)

    assert doomed == {stale: "bytecode", foreign: "bytecode"}


def template(path: Path, *runtimes: str) -> Path:
    resources = {f"F{n}": {"Type": "AWS::Serverless::Function",
                           "Properties": {"Runtime": runtime, "Handler": "app.app"}}
                 for n, runtime in enumerate(runtimes)}
    path.write_text(json.dumps({"Resources": {**resources, "T": {"Type": "AWS::SQS::Queue"}}}))
    return path


def test_functions_on_this_pythons_version_pass_the_runtime_check(tmp_path: Path) -> None:
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert check_runtime(template(tmp_path / "sam.json", here, here)) == here


def test_a_function_on_another_python_is_refused_and_the_zip_left_alone(
        package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    template(package.with_name("sam.json"), here, "python3.10")
    monkeypatch.setattr(infra.bytecode, "shipped_sources", lambda kinds: SHIPPED)
    before = package.read_bytes()

    with pytest.raises(RuntimeMismatchError, match=r"python3\.10"):
        main([str(package)])

    assert package.read_bytes() == before


def test_the_command_compiles_the_cold_starts_sources_and_says_so(
        package: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    template(package.with_name("sam.json"), here)
    asked = []
    monkeypatch.setattr(infra.bytecode, "shipped_sources",
                        lambda kinds: asked.append(kinds) or SHIPPED)

    main([str(package), "--kinds", "api"])

    assert asked == [["api"]]
    assert (f"3 modules that the api cold starts import, compiled for {here}"
            in capsys.readouterr().out)
    with zipfile.ZipFile(package) as archive:
        assert set(archive.namelist()) >= PYC


def test_cold_start_files_become_zip_members_relative_to_site_packages_or_the_project(
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = sysconfig.get_paths()["purelib"]
    stdlib = sysconfig.get_paths()["stdlib"]
    files = {os.path.join(infra.bytecode.ROOT, "chalicelib", "settings.py"),
             os.path.join(site, "botocore", "client.py"),
             os.path.join(stdlib, "json", "__init__.py")}
    monkeypatch.setattr(infra.bytecode, "cold_start_files", lambda kinds, env: files)

    assert shipped_sources(("api",)) == {"chalicelib/settings.py", "botocore/client.py"}
