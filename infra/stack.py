"""CloudFormation through boto3: the package goes to S3, the stack changes through a
change set, and the caller waits for the result.

CloudFormation takes a template of at most 51,200 bytes inline (TemplateBody) and 1 MB
from S3 (TemplateURL); Penny's is ~140 kB, so it always goes through the bucket. Uploads
are keyed by content: unchanged code or template means an unchanged stack.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, WaiterError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
# CloudFormation's answers when a change set would change nothing (a plain redeploy).
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
# Properties `chalice package` leaves pointing at files beside the template.
LOCAL_FILES = ("CodeUri", "ContentUri")


class DeployError(RuntimeError):
    """A step of the deploy failed; the message says which one and why."""


def stack_name(stage: str) -> str:
    return f"penny-{stage}"


def _upload(s3: Any, bucket: str, prefix: str, name: str, data: bytes) -> str:
    key = f"{prefix}/{hashlib.sha256(data).hexdigest()[:32]}-{name}"
    try:
        s3.head_object(Bucket=bucket, Key=key)  # already there: skip ~23 MB
    except ClientError:
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    return key


def upload(s3: Any, bucket: str, prefix: str, region: str, directory: Path) -> str:
    """Upload the package in `directory`; return the URL of its template in S3."""
    template: dict[str, Any] = json.loads((directory / "sam.json").read_text())
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for prop in LOCAL_FILES:
            local = properties.get(prop)
            if isinstance(local, str) and not local.startswith("s3://"):
                path = directory / local
                properties[prop] = {"Bucket": bucket, "Key": _upload(
                    s3, bucket, prefix, path.name, path.read_bytes())}
    key = _upload(s3, bucket, prefix, "template.json", json.dumps(template).encode())
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def current(cfn: Any, stack: str, wait: dict[str, int]) -> dict[str, Any] | None:
    """The stack as it stands, or None when there is none to update."""
    try:
        (found,) = cfn.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    status = found["StackStatus"]
    if status == "ROLLBACK_COMPLETE":
        # A first create that failed: it can only be deleted, and holds nothing to keep
        # (the table went with it: RetainExceptOnCreate). Delete it and create again.
        print(f"deploy: stack {stack} is what a failed first create left: deleting it")
        cfn.delete_stack(StackName=stack)
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig=wait)
        return None
    if status == "REVIEW_IN_PROGRESS":  # a change set was made but never run
        return None
    if status.endswith("_IN_PROGRESS"):
        raise DeployError(f"stack {stack} is busy ({status}); run again when it is done")
    return dict(found)


def change(cfn: Any, stack: str, create: bool, template_url: str,
           parameters: list[dict[str, Any]], wait: dict[str, int]) -> bool:
    """Create or update the stack through a change set; False when nothing changed."""
    name = f"penny-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
    cfn.create_change_set(StackName=stack, ChangeSetName=name, TemplateURL=template_url,
                          ChangeSetType="CREATE" if create else "UPDATE",
                          Parameters=parameters, Capabilities=CAPABILITIES)
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=stack, ChangeSetName=name, WaiterConfig=wait)
    except WaiterError as exc:
        reason = str(cfn.describe_change_set(StackName=stack, ChangeSetName=name)
                     .get("StatusReason", ""))
        if any(text in reason for text in NO_CHANGES):
            cfn.delete_change_set(StackName=stack, ChangeSetName=name)
            return False
        raise DeployError(f"change set {name} failed: {reason or exc}") from exc
    cfn.execute_change_set(StackName=stack, ChangeSetName=name)
    try:
        cfn.get_waiter("stack_create_complete" if create else "stack_update_complete").wait(
            StackName=stack, WaiterConfig=wait)
    except WaiterError as exc:
        raise DeployError(f"stack {stack} failed: {failures(cfn, stack)}") from exc
    return True


def failures(cfn: Any, stack: str) -> str:
    """What went wrong, from the stack's most recent events, oldest first."""
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    failed = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', e['ResourceStatus'])}"
              for e in events if e["ResourceStatus"].endswith("_FAILED")]
    return "; ".join(reversed(failed[:5])) or "see the stack's events"


def outputs(cfn: Any, stack: str) -> dict[str, str]:
    (found,) = cfn.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def physical_id(cfn: Any, stack: str, logical: str) -> str:
    found = cfn.describe_stack_resource(StackName=stack, LogicalResourceId=logical)
    return str(found["StackResourceDetail"]["PhysicalResourceId"])
