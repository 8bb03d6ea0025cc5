"""Schemathesis against /openapi.json on the running local stack.

Bounded (a fixed number of examples per operation, a fixed seed): it must find no 5xx,
no status, content type or body that breaks the document, and no request that
violates the schema yet is accepted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import LocalStack
from tests.e2e.hosts import new_host

pytestmark = pytest.mark.e2e
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,negative_data_rejection")
MAX_EXAMPLES = 15


def fuzz_host(stack: LocalStack) -> tuple[str, str]:
    """A host of the fuzzer's own, so its writes never touch the demo host."""
    return new_host(stack, "fuzz", {"slug": "intro", "title": "Intro", "duration_minutes": 30,
                                    "questions": [{"id": "topic", "label": "Topic",
                                                   "type": "text"}]},
                    timezone="Europe/Berlin", hours=("08:00", "20:00"))


def test_fuzzing_the_openapi_document_finds_no_server_error_or_schema_break(
        stack: LocalStack, tmp_path: Path) -> None:
    slug, authorization = fuzz_host(stack)
    config = tmp_path / "schemathesis.toml"
    # Real path values let the generated requests reach the slot and booking logic.
    config.write_text(f'[parameters]\n"path.host" = "{slug}"\n"path.event" = "intro"\n')
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
         f"{stack.api_url}/openapi.json", "--checks", CHECKS,
         "--max-examples", str(MAX_EXAMPLES), "--seed", "20261124",
         "--generation-database", "none", "--header", f"Authorization: {authorization}",
         "--no-color"],
        capture_output=True, text=True, timeout=900)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "passed" in summary or "No issues found" in summary, summary
