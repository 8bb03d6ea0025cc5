"""What `make deploy` checks before it creates anything, each a mistake AWS would only
report halfway through, or not clearly."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from infra.stack import DeployError

# Lambda keeps this much of an account's concurrency unreserved, whatever is asked.
MIN_UNRESERVED = 10


def check_concurrency(lambda_client: Any, wanted: int) -> None:
    unreserved = int(lambda_client.get_account_settings()["AccountLimit"][
        "UnreservedConcurrentExecutions"])
    if wanted and unreserved - wanted < MIN_UNRESERVED:
        raise DeployError(
            f"this account has {unreserved} unreserved concurrent executions, so the API "
            f"function cannot reserve {wanted} (Lambda keeps {MIN_UNRESERVED} free): ask "
            "for a higher 'Concurrent executions' quota in Service Quotas (free), or pass "
            "--api-concurrency 0 to deploy without a ceiling")


def check_bucket(s3: Any, bucket: str, region: str) -> None:
    try:
        where = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] or "us-east-1"
    except ClientError as exc:
        raise DeployError(f"bucket {bucket}: {exc}; create it with "
                          f"`aws s3 mb s3://{bucket} --region {region}`") from exc
    if where != region:
        raise DeployError(f"bucket {bucket} is in {where}: Lambda reads code only from a "
                          f"bucket in the stack's region, {region}")
