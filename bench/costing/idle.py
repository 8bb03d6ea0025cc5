"""The idle month: what the template deploys that costs money with no traffic at all.

Pay-per-use resources cost nothing idle. What does not: anything billed by the hour or
the month (NAT gateways, load balancers, instances, provisioned DynamoDB capacity or
Lambda concurrency, REST API caches, customer-managed KMS keys at $1/month, Secrets
Manager secrets, advanced SSM parameters, public IPv4 addresses, hosted zones), and
anything that works on a schedule (enabled SQS event source mappings long-poll their
queue, scheduled rules invoke functions). Storage is the exception that remains: an
idle table and log groups still hold data (free under 25 GB / 5 GB).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

HOURLY_TYPES = {
    "AWS::EC2::NatGateway": "NAT gateway: $0.045/hour",
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
}


@dataclass(frozen=True)
class Finding:
    resource: str
    type: str
    why: str


def _events(properties: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from (properties.get("Events") or {}).items()


def findings(template: dict[str, Any]) -> list[Finding]:
    """Every resource that would cost money in a month without a single request."""
    found = []
    for name, resource in template.get("Resources", {}).items():
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
        if kind == "AWS::Lambda::EventSourceMapping" and props.get("Enabled", True) and (
                "sqs" in str(props.get("EventSourceArn", "")).lower()):
            found.append(Finding(name, kind, "enabled SQS mapping: long-polls all the time"))
        if kind == "AWS::Events::Rule" and props.get("ScheduleExpression") and (
                props.get("State", "ENABLED") == "ENABLED"):
            found.append(Finding(name, kind, "schedule: invokes its targets while idle"))
        for event_name, event in _events(props):
            settings = event.get("Properties", {})
            if event.get("Type") == "SQS" and settings.get("Enabled", True) is not False:
                found.append(Finding(f"{name}.{event_name}", "SQS event source",
                                     "enabled SQS mapping: long-polls all the time"))
            if event.get("Type") in ("Schedule", "ScheduleV2"):
                found.append(Finding(f"{name}.{event_name}", "schedule",
                                     "invokes the function while idle"))
    return found


def resource_types(template: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in template.get("Resources", {}).values():
        kind = resource.get("Type", "(merged into a Chalice resource)")
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))
