"""Secrets come from SSM Parameter Store when PENNY_SECRETS_PATH is set."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from chalicelib.integrations.parameters import MissingParametersError, read_parameters
from chalicelib.settings import PARAMETERS, Settings


@pytest.fixture
def ssm() -> object:
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


def test_settings_read_every_secret_from_the_stage_path(ssm: object) -> None:
    keys = {"k2": "a-signing-key-from-parameter-store-0123456789"}
    ssm.put_parameter(Name="/penny/prod/secrets",  # type: ignore[attr-defined]
                      Value=json.dumps({"jwt_keys": keys, "link_secret": "links-secret"}),
                      Type="SecureString")
    ssm.put_parameter(Name="/penny/prod/public-url",  # type: ignore[attr-defined]
                      Value="https://abc.lambda-url.us-east-1.on.aws/", Type="String")

    settings = Settings.from_env({"PENNY_SECRETS_PATH": "/penny/prod",
                                  "AWS_REGION": "us-east-1"})

    assert dict(settings.jwt_keys) == keys
    assert settings.jwt_active_kid == "k2"
    assert settings.link_secret == "links-secret"
    assert settings.public_base_url == "https://abc.lambda-url.us-east-1.on.aws"


def test_a_missing_secret_stops_the_start_with_its_name(ssm: object) -> None:
    ssm.put_parameter(Name="/penny/prod/secrets", Value="{}",  # type: ignore[attr-defined]
                      Type="SecureString")
    with pytest.raises(MissingParametersError, match="/penny/prod/public-url"):
        read_parameters("/penny/prod/", PARAMETERS, "us-east-1")


def test_without_a_secrets_path_the_environment_is_all_there_is() -> None:
    settings = Settings.from_env({"PENNY_LINK_SECRET": "from-env"})
    assert settings.link_secret == "from-env"
