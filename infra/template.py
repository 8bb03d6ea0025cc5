"""The resources Chalice does not create, as a `chalice package --merge-template` file.

Generated from the same table definition the local stack and the tests use
(`chalicelib.store.tables.table_definition`), so there is one definition, not three:

    python -m infra.template > infra/resources.json

`tests/unit/test_infra_template.py` fails if the committed file is out of date.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.store.tables import TTL_ATTRIBUTE, table_definition
from infra.functions import SECRETS_PATH, function_resources
from infra.messaging import messaging_resources

ERROR_TEMPLATE = ('{"error": {"code": "%s", "message": $context.error.messageString, '
                  '"field": null}}')


def _gateway_response(kind: str, status: str, code: str) -> dict[str, Any]:
    # API Gateway answers unknown routes itself (403 "Missing Authentication Token");
    # this gives those answers Penny's error shape and an honest 404.
    return {
        "Type": "AWS::ApiGateway::GatewayResponse",
        "Properties": {
            "RestApiId": {"Ref": "RestAPI"},
            "ResponseType": kind,
            "StatusCode": status,
            "ResponseTemplates": {"application/json": ERROR_TEMPLATE % code},
        },
    }


# Per client IP address is not available on REST stages; these cap the whole stage,
# which also caps what a flood can cost.
THROTTLE = {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100}


def _front_doors() -> dict[str, Any]:
    """The Function URL (free; the public pages and API) and throttling on both APIs."""
    return {
        "ApiFunctionUrl": {"Type": "AWS::Lambda::Url", "Properties": {
            "TargetFunctionArn": {"Fn::GetAtt": ["APIHandler", "Arn"]},
            "AuthType": "NONE", "InvokeMode": "BUFFERED"}},
        "ApiFunctionUrlPermission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunctionUrl", "FunctionName": {"Ref": "APIHandler"},
            "Principal": "*", "FunctionUrlAuthType": "NONE"}},
        # Since October 2025 a new function URL also needs InvokeFunction, scoped to URLs.
        "ApiFunctionUrlInvokePermission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "APIHandler"},
            "Principal": "*", "InvokedViaFunctionUrl": True}},
        "RestAPI": {"Properties": {"MethodSettings": [
            {"ResourcePath": "/*", "HttpMethod": "*", **THROTTLE}]}},
        "WebsocketAPIStage": {"Properties": {"DefaultRouteSettings": {
            "ThrottlingRateLimit": 20, "ThrottlingBurstLimit": 40}}},
    }


def merge(target: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` merged into `target` key by key (as `chalice package` merges)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


def template() -> dict[str, Any]:
    table = table_definition()
    # CreateTable says StreamEnabled; CloudFormation only takes the view type.
    table["StreamSpecification"] = {
        "StreamViewType": table["StreamSpecification"]["StreamViewType"]}
    document: dict[str, Any] = {
        "Parameters": {
            "PointInTimeRecovery": {"Type": "String", "AllowedValues": ["true", "false"],
                                    "Default": "false",
                                    "Description": "PITR costs ~$0.20/GB-month; off by default"},
        },
        "Conditions": {"WithPITR": {"Fn::Equals": [{"Ref": "PointInTimeRecovery"}, "true"]}},
        "Resources": {
            "PennyTable": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "TableName": {"Fn::Sub": "${AWS::StackName}"},
                    **table,
                    "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE,
                                                "Enabled": True},
                    "PointInTimeRecoverySpecification": {
                        "PointInTimeRecoveryEnabled": {"Fn::If": ["WithPITR", True, False]}},
                },
            },
            "UnknownRouteResponse": _gateway_response("MISSING_AUTHENTICATION_TOKEN", "404",
                                                      "not_found"),
            "Default4xxResponse": _gateway_response("DEFAULT_4XX", "400", "bad_request"),
        },
        "Outputs": {"TableName": {"Value": {"Ref": "PennyTable"}},
                    "EventsTopic": {"Value": {"Ref": "EventsTopic"}},
                    "PublicUrl": {"Value": {"Fn::GetAtt": ["ApiFunctionUrl", "FunctionUrl"]}},
                    "SecretsPath": {"Value": {"Fn::Sub": SECRETS_PATH}}},
    }
    for extra in (messaging_resources(), function_resources(), _front_doors()):
        merge(document["Resources"], extra)
    return document


if __name__ == "__main__":
    print(json.dumps(template(), indent=2))
