"""Ports speak the domain: importing a service or a domain module loads no storage library.

The import contract (`lint-imports`, pyproject.toml) checks the code's import graph;
this checks what Python really loads. A fresh interpreter imports every module of
`chalicelib/domain/` and `chalicelib/services/` one by one and notes, after each, the
libraries of the outer layers that have appeared in `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INNER_LAYERS = ("domain", "services")
# Storage, AWS, the web framework and the vendor libraries the adapters wrap.
OUTER_LIBRARIES = ("pynamodb", "boto3", "botocore", "chalice", "jwt", "argon2", "icalendar",
                   "cryptography", "authlib", "msal", "google", "googleapiclient", "requests",
                   "stripe", "razorpay", "notion_client", "httpx", "httpx2")

PROBE = """
import importlib, json, sys
outer, modules = set(json.loads(sys.argv[1])), json.loads(sys.argv[2])
loaded = {}
for name in modules:
    importlib.import_module(name)
    found = sorted({m.split(".")[0] for m in sys.modules} & outer)
    if found:
        loaded[name] = found
print(json.dumps(loaded))
"""


def inner_modules() -> list[str]:
    return [f"chalicelib.{layer}.{path.stem}"
            for layer in INNER_LAYERS
            for path in sorted((ROOT / "chalicelib" / layer).glob("*.py"))
            if path.stem != "__init__"]


def loaded_by_importing(modules: list[str]) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(OUTER_LIBRARIES), json.dumps(modules)],
        cwd=ROOT, capture_output=True, text=True, check=True)
    loaded: dict[str, list[str]] = json.loads(out.stdout)
    return loaded


def test_every_service_and_domain_module_imports_without_pynamodb_or_a_vendor_sdk() -> None:
    modules = inner_modules()
    assert "chalicelib.services.reservations" in modules  # the glob found the layers

    assert loaded_by_importing(modules) == {}


def test_the_probe_sees_a_storage_module_pull_pynamodb_in() -> None:
    # GIVEN a store module, which must load PynamoDB: the probe is not blind to it.
    loaded = loaded_by_importing(["chalicelib.store.bookings"])

    assert "pynamodb" in loaded["chalicelib.store.bookings"]
