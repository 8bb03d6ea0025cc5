"""`make deploy` drives the AWS CLI: parameters first, then package, deploy, public URL.

A stand-in `aws` on PATH records each command and answers as the CLI would.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from infra import deploy, redrive

FAKE_AWS = '''#!{python}
import json, os, sys
state_file = os.environ["FAKE_AWS_STATE"]
state = json.load(open(state_file))
args = sys.argv[1:]
state["calls"].append(args)
service, command = args[0], args[1]
out = ""
if (service, command) == ("ssm", "get-parameters"):
    names = args[args.index("--names") + 1:args.index("--output")]
    out = json.dumps({{"Parameters": [{{"Name": n, "Value": state["ssm"][n]}}
                                    for n in names if n in state["ssm"]],
                      "InvalidParameters": [n for n in names if n not in state["ssm"]]}})
elif (service, command) == ("ssm", "put-parameter"):
    name = args[args.index("--name") + 1]
    if name in state["ssm"] and "--overwrite" not in args:
        sys.exit("ParameterAlreadyExists")
    state["ssm"][name] = args[args.index("--value") + 1]
    state["types"][name] = args[args.index("--type") + 1]
elif (service, command) == ("cloudformation", "deploy") and state.get("fail_deploy"):
    json.dump(state, open(state_file, "w"))
    sys.exit("Waiter StackCreateComplete failed: ROLLBACK_COMPLETE")
elif (service, command) == ("cloudformation", "describe-stacks"):
    out = json.dumps({{"Stacks": [{{"Outputs": [
        {{"OutputKey": "PublicUrl", "OutputValue": "https://abc.lambda-url.us-east-1.on.aws/"}},
        {{"OutputKey": "WebsocketConnectEndpointURL",
          "OutputValue": "wss://ws1.execute-api.us-east-1.amazonaws.com/api/"}}]}}]}})
elif (service, command) == ("cloudformation", "describe-stack-resource"):
    logical = args[args.index("--logical-resource-id") + 1]
    out = json.dumps({{"StackResourceDetail": {{"PhysicalResourceId": "phys-" + logical}}}})
elif (service, command) == ("lambda", "list-event-source-mappings"):
    out = json.dumps({{"EventSourceMappings": [
        {{"UUID": "other", "EventSourceArn": "arn:aws:sqs:us-east-1:1:penny-prod-summary-dlq"}},
        {{"UUID": "m-1", "EventSourceArn": "arn:aws:sqs:us-east-1:1:penny-prod-notes-dlq"}}]}})
elif (service, command) == ("lambda", "update-event-source-mapping"):
    state["enabled"] = "--enabled" in args
elif (service, command) == ("sqs", "get-queue-attributes"):
    depth = state["depths"].pop(0)
    out = json.dumps({{"Attributes": {{"ApproximateNumberOfMessages": str(depth),
                                      "ApproximateNumberOfMessagesNotVisible": "0"}}}})
json.dump(state, open(state_file, "w"))
print(out)
'''


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "aws"
    script.write_text(FAKE_AWS.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"calls": [], "ssm": {}, "types": {}}))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_AWS_STATE", str(state))
    work = tmp_path / "work"
    (work / "build" / "package").mkdir(parents=True)
    (work / "build" / "package" / "sam.json").write_text("{}")
    monkeypatch.chdir(work)
    return state


def commands(state: Path) -> list[str]:
    return [" ".join(call[:2]) for call in json.loads(state.read_text())["calls"]]


def test_a_first_deploy_creates_the_secrets_then_deploys_then_records_the_url(
        fake_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["--stage", "prod", "--bucket", "artifacts"]) == 0

    state = json.loads(fake_aws.read_text())
    assert commands(fake_aws) == [
        "ssm get-parameters", "ssm put-parameter", "ssm put-parameter",
        "cloudformation package", "cloudformation deploy", "cloudformation describe-stacks",
        "ssm put-parameter"]
    assert state["types"] == {"/penny/penny-prod/secrets": "SecureString",
                              "/penny/penny-prod/public-url": "String"}
    fresh = json.loads(state["ssm"]["/penny/penny-prod/secrets"])
    assert len(next(iter(fresh["jwt_keys"].values()))) >= 64
    assert len(fresh["link_secret"]) >= 64
    assert state["ssm"]["/penny/penny-prod/public-url"] == "https://abc.lambda-url.us-east-1.on.aws"
    deploy_call = state["calls"][4]
    assert deploy_call[deploy_call.index("--stack-name") + 1] == "penny-prod"
    assert "CAPABILITY_IAM" in deploy_call and "PointInTimeRecovery=false" in deploy_call
    package_call = state["calls"][3]
    assert package_call[package_call.index("--s3-bucket") + 1] == "artifacts"
    out = capsys.readouterr().out
    assert "https://abc.lambda-url.us-east-1.on.aws/app" in out
    assert "wss://ws1.execute-api.us-east-1.amazonaws.com/api/" in out


def test_a_redeploy_keeps_every_existing_secret(fake_aws: Path) -> None:
    assert deploy.main(["--bucket", "artifacts"]) == 0
    first = json.loads(fake_aws.read_text())["ssm"]

    assert deploy.main(["--bucket", "artifacts", "--pitr",
                        "--public-url", "https://book.example.com/"]) == 0

    state = json.loads(fake_aws.read_text())
    assert state["ssm"]["/penny/penny-prod/secrets"] == first["/penny/penny-prod/secrets"]
    assert state["ssm"]["/penny/penny-prod/public-url"] == "https://book.example.com"
    assert "PointInTimeRecovery=true" in state["calls"][-3]


def test_a_failed_stack_deploy_stops_before_the_url_is_written(
        fake_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = json.loads(fake_aws.read_text())
    fake_aws.write_text(json.dumps({**state, "fail_deploy": True}))

    assert deploy.main(["--bucket", "artifacts"]) == 1

    assert commands(fake_aws)[-1] == "cloudformation deploy"
    assert "ROLLBACK_COMPLETE" in capsys.readouterr().err


def test_without_the_aws_cli_deploy_says_how_to_get_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert deploy.main(["--bucket", "artifacts"]) == 1
    assert "AWS CLI is not installed" in capsys.readouterr().err


def test_redrive_turns_the_replay_on_until_the_queue_drains_then_off(fake_aws: Path) -> None:
    state = json.loads(fake_aws.read_text())
    fake_aws.write_text(json.dumps({**state, "depths": [3, 1, 0]}))

    left = redrive.redrive("prod", "notes", "us-east-1", sleep=lambda seconds: None)

    after = json.loads(fake_aws.read_text())
    assert left == 0
    enable, disable = [c for c in after["calls"] if c[1] == "update-event-source-mapping"]
    assert enable[enable.index("--uuid") + 1] == "m-1" and "--enabled" in enable
    assert "--no-enabled" in disable and after["enabled"] is False
    assert sum(c[1] == "get-queue-attributes" for c in after["calls"]) == 3


def test_redrive_stops_when_only_poison_is_left_and_says_so(
        fake_aws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redrive.time, "sleep", lambda seconds: None)
    state = json.loads(fake_aws.read_text())
    fake_aws.write_text(json.dumps({**state, "depths": [2, 2]}))

    assert redrive.main(["--consumer", "notes"]) == 2
    assert json.loads(fake_aws.read_text())["enabled"] is False
