"""What would cost money in a month without a single request: resources billed by the
hour or the month, or working on their own (polling a queue, on a schedule).

`infra.check` fails a template with any; the cost model's idle month reads the same list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Resource types with a price of their own by the hour or the month: an idle month costs.
# (A VPC itself is free, but a function in it reaches AWS only through a NAT gateway or
# interface endpoints, both billed by the hour.)
HOURLY_TYPES = {
    "AWS::EC2::NatGateway": "NAT gateway: $0.045/hour",
    "AWS::EC2::VPC": "VPC: its functions need a NAT gateway or endpoints, by the hour",
    "AWS::EC2::Instance": "EC2 instance: billed by the hour",
    "AWS::EC2::EIP": "public IPv4 address: $0.005/hour",
    "AWS::EC2::VPCEndpoint": "interface VPC endpoint: $0.01/hour per AZ",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load balancer: billed by the hour",
    "AWS::RDS::DBInstance": "RDS instance: billed by the hour",
    "AWS::RDS::DBCluster": "RDS cluster: billed by the hour or ACU",
    "AWS::ElastiCache::CacheCluster": "ElastiCache node: billed by the hour",
    "AWS::OpenSearchService::Domain": "OpenSearch domain: billed by the hour",
    "AWS::Kinesis::Stream": "Kinesis shard: billed by the hour",
    "AWS::KMS::Key": "customer-managed KMS key: $1/month",
    "AWS::SecretsManager::Secret": "Secrets Manager secret: $0.40/month",
    "AWS::Route53::HostedZone": "hosted zone: $0.50/month",
    "AWS::CloudWatch::Alarm": "CloudWatch alarm: $0.10/month",
}
POLLING = "enabled SQS mapping: long-polls all the time"


@dataclass(frozen=True)
class Finding:
    resource: str
    type: str
    why: str


def _source_type(arn: Any, resources: dict[str, Any]) -> str:
    """The resource type an event source ARN points at: a `Fn::GetAtt` names the
    resource; a literal or `Fn::Sub` ARN names the service."""
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        target = arn["Fn::GetAtt"]
        name = target[0] if isinstance(target, list) else str(target).split(".")[0]
        return str(resources.get(name, {}).get("Type", ""))
    text = json.dumps(arn) if isinstance(arn, dict) else str(arn)
    return "AWS::SQS::Queue" if ":sqs:" in text else ""


def idle_costs(template: dict[str, Any]) -> list[Finding]:
    """Every resource that would cost money in a month without a single request: billed
    by the hour or the month, or working on its own (polling a queue, on a schedule)."""
    resources: dict[str, Any] = template.get("Resources", {})
    found = []
    for name, resource in resources.items():
        kind = resource.get("Type", "")
        props = resource.get("Properties", {}) or {}
        if kind in HOURLY_TYPES:
            found.append(Finding(name, kind, HOURLY_TYPES[kind]))
        if kind == "AWS::SSM::Parameter" and props.get("Tier") == "Advanced":
            found.append(Finding(name, kind, "advanced parameter: $0.05/month"))
        if kind == "AWS::DynamoDB::Table" and props.get("BillingMode") != "PAY_PER_REQUEST":
            found.append(Finding(name, kind, "provisioned capacity: billed by the hour"))
        if props.get("ProvisionedConcurrencyConfig"):
            found.append(Finding(name, kind, "provisioned concurrency: billed by the hour"))
        if kind in ("AWS::ApiGateway::Stage", "AWS::Serverless::Api") and (
                props.get("CacheClusterEnabled")):
            found.append(Finding(name, kind, "API cache: billed by the hour"))
        if kind == "AWS::Lambda::EventSourceMapping":
            if props.get("ProvisionedPollerConfig"):
                found.append(Finding(name, kind, "provisioned pollers: billed by the hour"))
            if props.get("Enabled", True) is not False and _source_type(
                    props.get("EventSourceArn"), resources) == "AWS::SQS::Queue":
                found.append(Finding(name, kind, POLLING))
        if kind == "AWS::Events::Rule" and props.get("ScheduleExpression") and (
                props.get("State", "ENABLED") == "ENABLED"):
            found.append(Finding(name, kind, "schedule: invokes its targets while idle"))
        if kind == "AWS::Scheduler::Schedule" and props.get("State", "ENABLED") == "ENABLED":
            found.append(Finding(name, kind, "schedule: invokes its target while idle"))
        for event_name, event in (props.get("Events") or {}).items():
            settings = event.get("Properties", {})
            if event.get("Type") == "SQS" and settings.get("Enabled", True) is not False:
                found.append(Finding(f"{name}.{event_name}", "SQS event source", POLLING))
            if event.get("Type") in ("Schedule", "ScheduleV2") and (
                    settings.get("Enabled", True) is not False
                    and settings.get("State", "ENABLED") == "ENABLED"):
                found.append(Finding(f"{name}.{event_name}", "schedule",
                                     "invokes the function while idle"))
    return found
