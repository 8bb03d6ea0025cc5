"""`make deploy`: the packaged template to a CloudFormation stack, with boto3.

    python -m infra.deploy --stage prod --bucket my-artifacts [--region us-east-1]
        [--pitr on|off] [--api-concurrency N] [--public-url https://book.example.com]
        [--email-sender no-reply@book.example.com]

1. Creates the stage's parameters under /penny/<stack> when missing: random secrets in
   one SecureString (the AWS-managed aws/ssm key: no key fee; one KMS decrypt per cold
   start), and the public URL. Existing values are never overwritten, so redeploying
   keeps every session valid (and every stored provider token readable); a secret that
   a newer Penny needs and the stage lacks (`token_keys`, say) is added beside them.
   Values go through the SSM API, never a command line.
2. Uploads the code zip and the template to the bucket (infra/stack.py), then creates or
   updates the stack "penny-<stage>" through a change set and waits for it. A redeploy
   keeps every stack parameter the last deploy set unless a flag sets it again.
3. Points the public URL at the stack's Function URL, unless it names your own domain
   (set with --public-url, kept until you set another), and prints the links.
No AWS CLI is involved: boto3 does every step, so no CLI version can change them.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.settings import PARAMETERS, SECRET_VARIABLES, SECURE_PARAMETERS
from infra import stack as stacks
from infra.preflight import check_bucket, check_concurrency, reserved_now
from infra.stack import DeployError, stack_name

PACKAGE = Path("build/package")
PENDING_URL = "https://pending.invalid"
WAIT = {"Delay": 10, "MaxAttempts": 180}  # up to 30 minutes per step

__all__ = ["DeployError", "Options", "deploy", "main", "stack_name"]


@dataclass(frozen=True)
class Options:
    stage: str
    bucket: str
    region: str
    pitr: bool | None = None            # None: as the last deploy set it
    api_concurrency: int | None = None  # None: as the last deploy set it
    public_url: str | None = None       # None: your domain if set, else the Function URL
    email_sender: str | None = None     # None: as the last deploy set it; "": no e-mail

    def stack_parameters(self) -> dict[str, str]:
        given = {"PointInTimeRecovery": None if self.pitr is None else str(self.pitr).lower(),
                 "ApiConcurrency": None if self.api_concurrency is None
                 else str(self.api_concurrency),
                 "EmailSender": self.email_sender}
        return {name: value for name, value in given.items() if value is not None}


def fresh_secrets() -> dict[str, Any]:
    """Every secret, random: the value of a new stage's secrets parameter."""
    kid = datetime.now(UTC).strftime("k%Y%m%d")
    # No provider until the operator adds its entry (docs/deploy.md, Providers).
    fresh = {"jwt_keys": {kid: secrets.token_urlsafe(48)},
             "link_secret": secrets.token_urlsafe(48),
             # AES-256-GCM for providers' tokens at rest: 32 random bytes, base64.
             "token_keys": {kid: base64.b64encode(secrets.token_bytes(32)).decode()},
             "providers": {}}
    assert set(fresh) == set(SECRET_VARIABLES)
    return fresh


def new_value(name: str) -> tuple[str, str]:
    """A fresh value for a missing parameter, and its SSM type."""
    if name in SECURE_PARAMETERS:
        return json.dumps(fresh_secrets()), "SecureString"
    return PENDING_URL, "String"


def ensure_parameters(ssm: Any, path: str) -> list[str]:
    """Create the missing parameters, and the missing secrets inside an existing secrets
    parameter (never changing one it has); return what was created."""
    names = [f"{path}/{name}" for name in PARAMETERS]
    created = []
    missing = ssm.get_parameters(Names=names)["InvalidParameters"]
    for full in missing:
        value, kind = new_value(full.rsplit("/", 1)[1])
        ssm.put_parameter(Name=full, Value=value, Type=kind)
        created.append(full)
    for name in SECURE_PARAMETERS:
        full = f"{path}/{name}"
        if full not in missing:
            created += [f"{full} ({secret})" for secret in add_missing_secrets(ssm, full)]
    return created


def add_missing_secrets(ssm: Any, name: str) -> list[str]:
    """Add the secrets a stage made by an older Penny lacks; the names added."""
    stored = json.loads(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    added = {key: value for key, value in fresh_secrets().items() if key not in stored}
    if added:
        ssm.put_parameter(Name=name, Value=json.dumps({**stored, **added}),
                          Type="SecureString", Overwrite=True)
    return sorted(added)


def parameter_values(declared: dict[str, Any], previous: set[str],
                     given: dict[str, str]) -> list[dict[str, Any]]:
    """What the change set passes: each given value, else the last deploy's value, else
    (a new stack, or a new parameter) the template's default."""
    values: list[dict[str, Any]] = []
    for name, declaration in declared.items():
        if name in given or name not in previous:
            value = given.get(name, declaration.get("Default"))
            if value is not None:
                values.append({"ParameterKey": name, "ParameterValue": str(value)})
        else:
            values.append({"ParameterKey": name, "UsePreviousValue": True})
    return values


def is_function_url(url: str) -> bool:
    return ".lambda-url." in url and url.rstrip("/").endswith(".on.aws")


def record_public_url(ssm: Any, name: str, function_url: str, requested: str | None) -> str:
    """Set the public URL; a domain set before stays until another is requested."""
    now = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    keep = now != PENDING_URL and not is_function_url(now)
    url = (requested or (now if keep else function_url)).rstrip("/")
    if url != now:
        ssm.put_parameter(Name=name, Value=url, Type="String", Overwrite=True)
    return url


def deploy(session: boto3.Session, options: Options, package: Path = PACKAGE,
           wait: dict[str, int] = WAIT) -> dict[str, str]:
    for name in ("sam.json", "deployment.zip"):
        if not (package / name).exists():
            raise DeployError(f"no {package / name}: run `make package` first")
    s3, ssm, cfn = (session.client(name) for name in ("s3", "ssm", "cloudformation"))
    stack = stack_name(options.stage)
    path = f"/penny/{stack}"
    check_bucket(s3, options.bucket, options.region)
    declared = json.loads((package / "sam.json").read_text()).get("Parameters", {})
    given = options.stack_parameters()
    existing = stacks.current(cfn, stack, wait)
    if "ApiConcurrency" in declared and (existing is None or "ApiConcurrency" in given):
        # A first deploy reserves the default or the figure given; a redeploy only a
        # figure given (it keeps the one it has otherwise).
        functions = session.client("lambda")
        check_concurrency(functions, int(given.get(
            "ApiConcurrency", declared["ApiConcurrency"]["Default"])),
            held=0 if existing is None else reserved_now(cfn, functions, stack))
    for name in ensure_parameters(ssm, path):
        print(f"deploy: created parameter {name}")
    template_url = stacks.upload(s3, options.bucket, stack, options.region, package)
    previous = {p["ParameterKey"] for p in (existing or {}).get("Parameters", [])}
    changed = stacks.change(cfn, stack, existing is None, template_url,
                            parameter_values(declared, previous, given), wait)
    print(f"deploy: stack {stack} {'updated' if changed else 'unchanged'}")
    outputs = stacks.outputs(cfn, stack)
    url = record_public_url(ssm, f"{path}/public-url", outputs["PublicUrl"],
                            options.public_url)
    return {**outputs, "PublicUrl": url}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--bucket", required=True, help="an S3 bucket for the code zip")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--pitr", nargs="?", const="on", choices=["on", "off"],
                        help="point-in-time recovery (default: as the last deploy set it)")
    parser.add_argument("--api-concurrency", type=int, metavar="N",
                        help="most API requests served at once; 0: no ceiling")
    parser.add_argument("--public-url", help="your own domain, if it fronts the stack")
    parser.add_argument("--email-sender", metavar="ADDRESS",
                        help="send password reset e-mail from this address, verified in "
                             "Amazon SES (docs/deploy.md); \"\" turns e-mail off")
    args = parser.parse_args(argv)
    options = Options(args.stage, args.bucket, args.region,
                      None if args.pitr is None else args.pitr == "on",
                      args.api_concurrency, args.public_url, args.email_sender)
    try:
        outputs = deploy(boto3.Session(region_name=args.region), options)
    except (DeployError, ClientError, BotoCoreError) as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    url = outputs["PublicUrl"]
    print(f"deploy: stack {stack_name(args.stage)} is up\n"
          f"  dashboard (sign up here):  {url}/app\n"
          f"  your booking page:         {url}/<your-slug>\n"
          f"  API:                       {url}/openapi.json\n"
          f"  WebSocket:                 {outputs.get('WebsocketConnectEndpointURL', '-')}\n"
          f"{redirect_uris(url)}\n"
          f"{webhook_urls(url)}")
    return 0


def redirect_uris(url: str) -> str:
    """What to enter as each provider's redirect URI (docs/connections.md)."""
    from chalicelib.integrations.oauth import OAUTH_PROVIDERS

    lines = [f"    {name + ':':<11}{url}/oauth/{name}/callback" for name in OAUTH_PROVIDERS]
    return "  OAuth redirect URIs (register them with each provider you set up):\n" + \
        "\n".join(lines)


def webhook_urls(url: str) -> str:
    """What to register with the payment providers (docs/payments.md). Calendar push
    channels need nothing registered: Penny names its own address in each watch."""
    return ("  Webhooks:\n"
            f"    {'stripe:':<11}{url}/webhooks/stripe  (the platform's Connect endpoint, "
            "its signing secret in the providers' stripe entry)\n"
            f"    {'razorpay:':<11}{url}/webhooks/razorpay/<host id>  (each host adds their "
            "own; the dashboard shows it)")


if __name__ == "__main__":
    sys.exit(main())
