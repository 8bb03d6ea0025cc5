"""What `make deploy` checks before it creates anything, each a mistake AWS would only
report halfway through, or not clearly."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from infra.stack import DeployError

# Lambda keeps at least this much of an account's concurrency unreserved (or all of it,
# below a quota of 100): a function may reserve only what is unreserved beyond it. AWS
# answers "...decreases account's UnreservedConcurrentExecution below its minimum value
# of [N]" otherwise, halfway through a stack's creation.
UNRESERVED_FLOOR = 100


def check_concurrency(lambda_client: Any, wanted: int, held: int = 0) -> None:
    """`wanted`: what the API function is to reserve; `held`: what it reserves now (a
    redeploy gives that back before it takes the new figure)."""
    limits = lambda_client.get_account_settings()["AccountLimit"]
    quota = int(limits["ConcurrentExecutions"])
    unreserved = int(limits["UnreservedConcurrentExecutions"]) + held
    floor = min(UNRESERVED_FLOOR, quota)
    if wanted and unreserved - wanted < floor:
        room = max(0, unreserved - floor)
        raise DeployError(
            f"this account has {unreserved} unreserved concurrent executions and Lambda "
            f"keeps {floor} of them unreserved, so the API function can reserve at most "
            f"{room}, not {wanted}: pass --api-concurrency {room or 0}"
            f"{'' if room else ' to deploy without a ceiling'}, or ask for a higher "
            "'Concurrent executions' quota in Service Quotas (free)")


def reserved_now(cloudformation: Any, lambda_client: Any, stack: str) -> int:
    """What the stack's API function reserves now (0: none, or no such function)."""
    try:
        function = cloudformation.describe_stack_resource(
            StackName=stack, LogicalResourceId="APIHandler")["StackResourceDetail"][
            "PhysicalResourceId"]
        found = lambda_client.get_function_concurrency(FunctionName=function)
    except ClientError:
        return 0
    return int(found.get("ReservedConcurrentExecutions", 0))


def check_bucket(s3: Any, bucket: str, region: str) -> None:
    try:
        where = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] or "us-east-1"
    except ClientError as exc:
        raise DeployError(f"bucket {bucket}: {exc}; create it with "
                          f"`aws s3 mb s3://{bucket} --region {region}`") from exc
    if where != region:
        raise DeployError(f"bucket {bucket} is in {where}: Lambda reads code only from a "
                          f"bucket in the stack's region, {region}")
