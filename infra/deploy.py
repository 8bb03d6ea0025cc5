"""`make deploy`: the packaged template to a CloudFormation stack, with the AWS CLI.

    python -m infra.deploy --stage prod --bucket my-artifacts [--region us-east-1]
                           [--pitr] [--public-url https://book.example.com]

1. Creates the stage's parameters under /penny/<stack> when missing: random secrets in
   one SecureString (the AWS-managed aws/ssm key: no key fee; one KMS decrypt per cold
   start), and the public URL.
   Existing values are never overwritten, so redeploying keeps every session valid.
2. `aws cloudformation package` uploads deployment.zip to the bucket;
   `aws cloudformation deploy` creates or updates the stack "penny-<stage>".
3. Writes the stack's Function URL (or --public-url) as the public URL, and prints the
   links to open and the URLs to give vendors.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.settings import PARAMETERS, SECRET_VARIABLES, SECURE_PARAMETERS

PACKAGE = Path("build/package")
PENDING_URL = "https://pending.invalid"


class DeployError(RuntimeError):
    """The AWS CLI is missing or one of its commands failed."""


def aws(*args: str, region: str) -> str:
    result = subprocess.run(["aws", *args, "--region", region], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise DeployError(f"aws {' '.join(args[:2])} failed:\n{result.stderr.strip()}")
    return result.stdout


def stack_name(stage: str) -> str:
    return f"penny-{stage}"


def new_value(name: str) -> tuple[str, str]:
    """A fresh value for a missing parameter, and its SSM type."""
    if name in SECURE_PARAMETERS:
        kid = datetime.now(UTC).strftime("k%Y%m%d")
        fresh = {"jwt_keys": {kid: secrets.token_urlsafe(48)},
                 "link_secret": secrets.token_urlsafe(48)}
        assert set(fresh) == set(SECRET_VARIABLES)
        return json.dumps(fresh), "SecureString"
    return PENDING_URL, "String"


def ensure_parameters(path: str, region: str) -> list[str]:
    """Create the missing parameters; return the names created."""
    names = [f"{path}/{name}" for name in PARAMETERS]
    found = json.loads(aws("ssm", "get-parameters", "--names", *names, "--output", "json",
                           region=region))
    created = []
    for full in found.get("InvalidParameters", []):
        value, kind = new_value(full.rsplit("/", 1)[1])
        aws("ssm", "put-parameter", "--name", full, "--type", kind, "--value", value,
            region=region)
        created.append(full)
    return created


def deploy(stage: str, bucket: str, region: str, pitr: bool, public_url: str | None) -> dict[
        str, str]:
    if shutil.which("aws") is None:
        raise DeployError("the AWS CLI is not installed: https://aws.amazon.com/cli/")
    if not (PACKAGE / "sam.json").exists():
        raise DeployError("no build/package/sam.json: run `make package` first")
    stack = stack_name(stage)
    path = f"/penny/{stack}"
    for name in ensure_parameters(path, region):
        print(f"deploy: created parameter {name}")
    aws("cloudformation", "package", "--template-file", str(PACKAGE / "sam.json"),
        "--s3-bucket", bucket, "--s3-prefix", stack, "--use-json",
        "--output-template-file", str(PACKAGE / "packaged.json"), region=region)
    aws("cloudformation", "deploy", "--template-file", str(PACKAGE / "packaged.json"),
        "--stack-name", stack, "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND",
        "--parameter-overrides", f"PointInTimeRecovery={'true' if pitr else 'false'}",
        "--no-fail-on-empty-changeset", region=region)
    described = json.loads(aws("cloudformation", "describe-stacks", "--stack-name", stack,
                               "--output", "json", region=region))
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0]["Outputs"]}
    url = (public_url or outputs["PublicUrl"]).rstrip("/")
    aws("ssm", "put-parameter", "--name", f"{path}/public-url", "--type", "String",
        "--value", url, "--overwrite", region=region)
    return {**outputs, "PublicUrl": url}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--bucket", required=True, help="an S3 bucket for the code zip")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--pitr", action="store_true", help="point-in-time recovery")
    parser.add_argument("--public-url", help="your own domain, if it fronts the stack")
    args = parser.parse_args(argv)
    try:
        outputs = deploy(args.stage, args.bucket, args.region, args.pitr, args.public_url)
    except DeployError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    url = outputs["PublicUrl"]
    print(f"deploy: stack {stack_name(args.stage)} is up\n"
          f"  dashboard (sign up here):  {url}/app\n"
          f"  your booking page:         {url}/<your-slug>\n"
          f"  API:                       {url}/openapi.json\n"
          f"  WebSocket:                 {outputs.get('WebsocketConnectEndpointURL', '-')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
