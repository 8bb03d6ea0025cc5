"""`make premium`: switch a host's premium plan (the pre-meeting brief) on or off.

    python -m infra.premium --stage prod --host <slug> --on|--off [--region us-east-1]
    python -m infra.premium --local --host <slug> --on|--off [--endpoint URL]

The operator's switch, never the host's: the host API has no field for it. It sets the
flag on the host's profile item. Bookings made or moved from then on carry it, their
events are published with the message attribute premium=true, and only those reach the
summary worker (its subscription's filter: QueueSpec.premium_only); a booking made
before keeps the plan it was made under. `--local` switches it on the `make run` stack
(its embedded AWS, at PENNY_AWS_PORT or 4566 unless --endpoint says otherwise).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.domain.errors import NotFoundError
from chalicelib.store import tables
from chalicelib.store.hosts import HostRepository
from infra.stack import DeployError, physical_id, stack_name

TABLE = "PennyTable"  # the table's logical id in the template (infra/template.py)


def set_premium(table: str, region: str, endpoint: str | None, slug: str, on: bool) -> str:
    """Switch the flag of the host with this slug, in `table`; return the host's id."""
    tables.configure(table, region, endpoint)
    return HostRepository().set_premium(slug, on)


def stack_table(session: boto3.Session, stage: str) -> str:
    """The deployed stage's table name, from its stack."""
    return physical_id(session.client("cloudformation"), stack_name(stage), TABLE)


def _local_stack() -> tuple[str, str]:
    """The `make run` stack's table and region. Its embedded AWS takes any credentials:
    fixed ones keep a developer's real profile from being read, or sent."""
    from local.stack import REGION
    from local.stack import TABLE as LOCAL_TABLE

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.pop("AWS_SESSION_TOKEN", None)
    return LOCAL_TABLE, REGION


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True, metavar="SLUG", help="the host's slug")
    switch = parser.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", dest="premium", action="store_true")
    switch.add_argument("--off", dest="premium", action="store_false")
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--local", action="store_true", help="the `make run` stack")
    parser.add_argument("--endpoint", help="the local stack's embedded AWS", default=(
        f"http://127.0.0.1:{os.environ.get('PENNY_AWS_PORT', '4566')}"))
    args = parser.parse_args(argv)
    try:
        if args.local:
            table, region = _local_stack()
            host_id = set_premium(table, region, args.endpoint, args.host, args.premium)
        else:
            table = stack_table(boto3.Session(region_name=args.region), args.stage)
            host_id = set_premium(table, args.region, None, args.host, args.premium)
    except NotFoundError as exc:
        print(f"premium: {exc.message}", file=sys.stderr)
        return 1
    except (DeployError, ClientError, BotoCoreError, PynamoDBException) as exc:
        print(f"premium: {exc}", file=sys.stderr)
        return 1
    print(f"premium: {args.host} (host {host_id}) is now {'on' if args.premium else 'off'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
