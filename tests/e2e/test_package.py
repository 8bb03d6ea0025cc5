"""`chalice package --merge-template infra/resources.json` yields one template cfn-lint accepts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_packaged_template_merges_the_infra_resources_and_passes_cfn_lint(
        tmp_path: Path) -> None:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", "prod", "--merge-template",
                    "infra/resources.json", str(tmp_path)], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    template = json.loads((tmp_path / "sam.json").read_text())
    resources = template["Resources"]
    assert {"PennyTable", "EventsTopic", "NotesQueue", "NotesDeadLetterQueue", "SummaryQueue",
            "SummaryDeadLetterQueue", "WebsocketAPI", "BookingEvents"} <= set(resources)
    for worker in ("NotesWorker", "SummaryWorker"):
        source = next(iter(resources[worker]["Properties"]["Events"].values()))["Properties"]
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert list(source["Queue"]) == ["Fn::Sub"]
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")),
                           str(tmp_path / "sam.json")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
