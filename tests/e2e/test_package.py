"""`chalice package --merge-template infra/resources.json`: one template, cfn-lint clean,
holding every resource the code uses and none it does not (infra/check.py)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.bytecode import add_bytecode, check_runtime, is_shipped, shipped_sources
from infra.check import problems
from infra.functions import FUNCTION_ACCESS
from infra.prune import prune
from infra.zip_imports import check

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", "prod", "--merge-template",
                    "infra/resources.json", str(out)], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    prune(out / "deployment.zip")  # as `make package` does
    check_runtime(out / "sam.json")
    add_bytecode(out / "deployment.zip", shipped_sources())
    return out


def test_the_pruned_zip_imports_and_runs_on_its_own(packaged: Path) -> None:
    ok, output = check(packaged / "deployment.zip")
    assert ok, output


def test_the_api_cold_start_ships_as_bytecode_for_the_templates_runtime(
        packaged: Path) -> None:
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        names = archive.namelist()
        bytecode = [n for n in names if n.endswith(".pyc")]
        assert all(is_shipped(archive, n, set(names)) for n in bytecode)
    assert f"chalicelib/__pycache__/settings.{sys.implementation.cache_tag}.pyc" in bytecode
    assert not any(n.startswith("stripe/") for n in bytecode)  # a worker's SDK only


def test_packaged_template_passes_cfn_lint(packaged: Path) -> None:
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")),
                           str(packaged / "sam.json")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_packaged_template_holds_what_the_code_uses_and_nothing_else(packaged: Path) -> None:
    template = json.loads((packaged / "sam.json").read_text())
    assert problems(template) == []
    resources = template["Resources"]
    assert resources["ApiFunctionUrl"]["Properties"]["AuthType"] == "NONE"
    assert all(resources[f]["Properties"]["Architectures"] == ["arm64"]
               for f in FUNCTION_ACCESS)


def test_the_check_catches_a_missing_an_unused_and_a_wildcard_resource(
        packaged: Path) -> None:
    template = json.loads((packaged / "sam.json").read_text())
    broken = copy.deepcopy(template)
    del broken["Resources"]["SummaryDeadLetterQueue"]
    broken["Resources"]["BillingQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    broken["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"].append({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"})
    broken["Resources"]["NotesWorker"]["Properties"]["Events"]["NotesWorkerReplay"][
        "Properties"]["Enabled"] = True
    broken["Resources"]["Nat"] = {"Type": "AWS::EC2::NatGateway", "Properties": {}}
    del broken["Resources"]["BookingEvents"]["Properties"]["Events"][
        "BookingEventsDynamodbEventSource"]["Properties"]["DestinationConfig"]

    found = "\n".join(problems(broken))

    assert "BillingQueue" in found and "SummaryDeadLetterQueue" in found
    assert "APIHandler: its role 'ApiHandlerRole' grants a wildcard" in found
    assert "notes: the dead-letter replay must exist and be off" in found
    assert "BookingEvents: a stream batch that keeps failing would be dropped" in found
    # The replay turned on also polls its queue all month.
    assert ("billed by the hour or month even when idle: "
            "['Nat', 'NotesWorker.NotesWorkerReplay']") in found


def test_the_template_must_travel_through_s3_and_its_api_keeps_one_swagger_2_stage(
        packaged: Path) -> None:
    # CloudFormation takes at most 51,200 bytes inline: `make deploy` uploads it.
    assert (packaged / "sam.json").stat().st_size > 51_200
    api = json.loads((packaged / "sam.json").read_text())["Resources"]["RestAPI"]
    # OpenApiVersion "2.0" (no extra "Stage" stage) must match what Chalice generates.
    assert api["Type"] == "AWS::Serverless::Api" and api["Properties"]["StageName"] == "api"
    assert api["Properties"]["DefinitionBody"]["swagger"] == "2.0"
    assert api["Properties"]["OpenApiVersion"] == "2.0"
    assert "THROTTLED" in api["Properties"]["GatewayResponses"]


def test_every_native_library_in_the_zip_is_built_for_arm64(packaged: Path) -> None:
    aarch64 = 183  # ELF e_machine
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        libraries = [n for n in archive.namelist() if n.endswith(".so")]
        machines = {n: int.from_bytes(archive.read(n)[18:20], "little") for n in libraries}
    assert libraries, "no native library at all: is argon2-cffi still a dependency?"
    assert {n: m for n, m in machines.items() if m != aarch64} == {}
