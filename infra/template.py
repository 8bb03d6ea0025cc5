"""The resources Chalice does not create, as a `chalice package --merge-template` file.

Generated from the same table definition the local stack and the tests use
(`chalicelib.store.tables.table_definition`), so there is one definition, not three:

    python -m infra.template > infra/resources.json

`tests/unit/test_infra_template.py` fails if the committed file is out of date.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from chalicelib.store.tables import TTL_ATTRIBUTE, table_definition
from infra.functions import SECRETS_PATH, SENDS_EMAIL, function_resources
from infra.hold_timers import hold_timer_resources
from infra.messaging import messaging_resources

ERROR_TEMPLATE = ('{"error": {"code": "%s", "message": $context.error.messageString, '
                  '"field": null}}')


def _gateway_response(code: str, status: str | None = None,
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "ResponseTemplates": {"application/json": ERROR_TEMPLATE % code}}
    if status:
        response["StatusCode"] = status
    if headers:
        response["ResponseParameters"] = {"Headers": headers}
    return response


# What the REST stage answers itself, in Penny's error shape. Only an unknown route has
# its status rewritten (API Gateway says 403 "Missing Authentication Token"; Penny says
# 404, as the Function URL does). Every other answer keeps API Gateway's own status:
# a throttled client must see 429 (and Retry-After) to back off, not a 400.
GATEWAY_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": _gateway_response("not_found", "404"),
    "THROTTLED": _gateway_response("too_many_requests", headers={"Retry-After": "'1'"}),
    "REQUEST_TOO_LARGE": _gateway_response("payload_too_large"),
    "UNSUPPORTED_MEDIA_TYPE": _gateway_response("unsupported_media_type"),
    "DEFAULT_4XX": _gateway_response("request_refused"),
}

# Per client IP address is not available on REST stages; these cap the whole stage,
# which also caps what a flood can cost.
THROTTLE = {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100}

# Stack parameters: `make deploy` passes them, and keeps each one's last value on a
# redeploy unless told otherwise (infra/deploy.py).
PARAMETERS: dict[str, Any] = {
    "PointInTimeRecovery": {"Type": "String", "AllowedValues": ["true", "false"],
                            "Default": "false",
                            "Description": "PITR costs ~$0.20/GB-month; off by default"},
    "ApiConcurrency": {"Type": "Number", "Default": "10", "MinValue": 0,
                       "Description": "Reserved concurrency of the API function: the most "
                                      "requests served at once, a ceiling on what a flood "
                                      "costs; 0 = no ceiling"},
    "EmailSender": {"Type": "String", "Default": "",
                    "AllowedPattern": "^([^@\\s<>\"]+@[^@\\s<>\"]+)?$",
                    "Description": "The address password reset e-mail is sent from, an "
                                   "identity verified in Amazon SES (it or its domain); "
                                   "empty = no e-mail, so no password reset by e-mail"},
}


def _front_doors() -> dict[str, Any]:
    """The Function URL (free; the public pages and API), throttling on both APIs and the
    API function's concurrency ceiling."""
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
        "RestAPI": {"Properties": {
            "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", **THROTTLE}],
            # In the API definition, so every deployment carries them (a standalone
            # GatewayResponse is not part of SAM's deployment and can vanish on redeploy).
            "GatewayResponses": GATEWAY_RESPONSES,
            # Any OpenApiVersion stops SAM from adding a second stage, "Stage", that the
            # throttle above does not cover; "2.0" keeps Chalice's Swagger 2.0 untouched.
            "OpenApiVersion": "2.0"}},
        # A ceiling on what a flood can cost (0: none; see the ApiConcurrency parameter).
        "APIHandler": {"Properties": {"ReservedConcurrentExecutions": {
            "Fn::If": ["WithConcurrencyCeiling", {"Ref": "ApiConcurrency"},
                       {"Ref": "AWS::NoValue"}]}}},
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
        "Parameters": PARAMETERS,
        "Conditions": {
            "WithPITR": {"Fn::Equals": [{"Ref": "PointInTimeRecovery"}, "true"]},
            "WithConcurrencyCeiling": {
                "Fn::Not": [{"Fn::Equals": [{"Ref": "ApiConcurrency"}, "0"]}]},
            SENDS_EMAIL: {"Fn::Not": [{"Fn::Equals": [{"Ref": "EmailSender"}, ""]}]}},
        "Resources": {
            "PennyTable": {
                "Type": "AWS::DynamoDB::Table",
                # Kept when the stack is deleted, but removed when the stack's first create
                # rolls back: a retained table would make every retry fail ("exists").
                "DeletionPolicy": "RetainExceptOnCreate",
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
        },
        "Outputs": {"TableName": {"Value": {"Ref": "PennyTable"}},
                    "EventsTopic": {"Value": {"Ref": "EventsTopic"}},
                    "PublicUrl": {"Value": {"Fn::GetAtt": ["ApiFunctionUrl", "FunctionUrl"]}},
                    "SecretsPath": {"Value": {"Fn::Sub": SECRETS_PATH}}},
    }
    for extra in (messaging_resources(), hold_timer_resources(), function_resources(),
                  _front_doors()):
        merge(document["Resources"], extra)
    return document


def render() -> str:
    """The text of infra/resources.json: the same bytes on every run and machine."""
    return json.dumps(template(), indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
