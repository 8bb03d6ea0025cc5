"""Secrets come from SSM Parameter Store when PENNY_SECRETS_PATH is set, and fail closed:
a missing or development secret stops the start, outside `make run` and the tests."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from chalicelib.integrations.parameters import MissingParametersError, read_parameters
from chalicelib.provider_settings import ProviderSettingsError
from chalicelib.settings import (
    DEVELOPMENT_SECRETS,
    PARAMETERS,
    InsecureSecretsError,
    Settings,
)
from infra.check import problems

KEYS = {"k2": "a-signing-key-from-parameter-store-0123456789"}
LINK_SECRET = "a-link-secret-from-parameter-store-0123456789"
TOKEN_KEYS = {"t2": base64.b64encode(b"a-token-key-of-32-bytes-for-aes!").decode()}
DEV_KEYS = dict(Settings().jwt_keys)
DEV_LINK_SECRET = Settings().link_secret
DEV_TOKEN_KEYS = dict(Settings().token_keys)
SECRETS = {"PENNY_JWT_KEYS": json.dumps(KEYS), "PENNY_LINK_SECRET": LINK_SECRET,
           "PENNY_TOKEN_KEYS": json.dumps(TOKEN_KEYS)}


@pytest.fixture
def ssm() -> object:
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


def test_settings_read_every_secret_from_the_stage_path(ssm: object) -> None:
    keys = KEYS
    ssm.put_parameter(Name="/penny/prod/secrets",  # type: ignore[attr-defined]
                      Value=json.dumps({"jwt_keys": keys, "link_secret": LINK_SECRET,
                                        "token_keys": TOKEN_KEYS}),
                      Type="SecureString")
    ssm.put_parameter(Name="/penny/prod/public-url",  # type: ignore[attr-defined]
                      Value="https://abc.lambda-url.us-east-1.on.aws/", Type="String")

    settings = Settings.from_env({"PENNY_SECRETS_PATH": "/penny/prod",
                                  "AWS_REGION": "us-east-1"})

    assert dict(settings.jwt_keys) == keys
    assert settings.jwt_active_kid == "k2"
    assert settings.link_secret == LINK_SECRET
    assert dict(settings.token_keys) == TOKEN_KEYS and settings.token_active_kid == "t2"
    assert settings.public_base_url == "https://abc.lambda-url.us-east-1.on.aws"


def test_a_missing_secret_stops_the_start_with_its_name(ssm: object) -> None:
    ssm.put_parameter(Name="/penny/prod/secrets", Value="{}",  # type: ignore[attr-defined]
                      Type="SecureString")
    with pytest.raises(MissingParametersError, match="/penny/prod/public-url"):
        read_parameters("/penny/prod/", PARAMETERS, "us-east-1")


def test_without_a_secrets_path_the_environment_is_all_there_is() -> None:
    settings = Settings.from_env(SECRETS)
    assert dict(settings.jwt_keys) == KEYS and settings.link_secret == LINK_SECRET
    assert dict(settings.token_keys) == TOKEN_KEYS


def test_with_no_secret_configured_the_start_fails_instead_of_using_the_development_ones(
) -> None:
    with pytest.raises(InsecureSecretsError,
                       match="PENNY_JWT_KEYS, PENNY_LINK_SECRET and PENNY_TOKEN_KEYS not set"):
        Settings.from_env({})
    with pytest.raises(InsecureSecretsError, match=r"^PENNY_JWT_KEYS not set"):
        Settings.from_env({**SECRETS, "PENNY_JWT_KEYS": ""})
    with pytest.raises(InsecureSecretsError, match=r"^PENNY_TOKEN_KEYS not set"):
        Settings.from_env({**SECRETS, "PENNY_TOKEN_KEYS": ""})


def put_secrets(ssm: object, secrets: dict[str, object]) -> None:
    ssm.put_parameter(Name="/penny/prod/secrets",  # type: ignore[attr-defined]
                      Value=json.dumps(secrets), Type="SecureString")
    ssm.put_parameter(Name="/penny/prod/public-url",  # type: ignore[attr-defined]
                      Value="https://abc.lambda-url.us-east-1.on.aws/", Type="String")


def test_deployed_providers_come_from_the_secrets_json_never_the_plain_environment(
        ssm: object) -> None:
    # GIVEN Stripe in the secrets' providers object, and Zoom only in plain text
    put_secrets(ssm, {"jwt_keys": KEYS, "link_secret": LINK_SECRET, "token_keys": TOKEN_KEYS,
                      "providers": {
        "stripe": {"secret_key": "sk_live_platform", "webhook_secret": "whsec_platform"}}})
    zoom = json.dumps({"zoom": {"client_id": "z", "client_secret": LINK_SECRET}})

    settings = Settings.from_env({"PENNY_SECRETS_PATH": "/penny/prod",
                                  "AWS_REGION": "us-east-1", "PENNY_PROVIDERS": zoom})

    assert settings.providers.available == {"stripe"}
    assert settings.providers.stripe is not None
    assert settings.providers.stripe.webhook_secret == "whsec_platform"


def test_secrets_without_a_providers_object_have_every_provider_off(ssm: object) -> None:
    put_secrets(ssm, {"jwt_keys": KEYS, "link_secret": LINK_SECRET, "token_keys": TOKEN_KEYS})

    settings = Settings.from_env({"PENNY_SECRETS_PATH": "/penny/prod",
                                  "AWS_REGION": "us-east-1"})

    assert settings.providers.available == frozenset()


def test_a_half_configured_provider_in_parameter_store_stops_the_start(ssm: object) -> None:
    put_secrets(ssm, {"jwt_keys": KEYS, "link_secret": LINK_SECRET, "token_keys": TOKEN_KEYS,
                      "providers": {
        "stripe": {"secret_key": "sk_live_platform"}}})

    with pytest.raises(ProviderSettingsError,
                       match="providers in /penny/prod/secrets: stripe is missing "
                             "webhook_secret") as refused:
        Settings.from_env({"PENNY_SECRETS_PATH": "/penny/prod", "AWS_REGION": "us-east-1"})

    assert "sk_live_platform" not in str(refused.value)


def test_secrets_in_parameter_store_without_jwt_keys_stop_the_start(ssm: object) -> None:
    ssm.put_parameter(Name="/penny/prod/secrets",  # type: ignore[attr-defined]
                      Value=json.dumps({"link_secret": LINK_SECRET, "token_keys": TOKEN_KEYS}),
                      Type="SecureString")
    ssm.put_parameter(Name="/penny/prod/public-url",  # type: ignore[attr-defined]
                      Value="https://abc.lambda-url.us-east-1.on.aws/", Type="String")

    # Not even a key ring in the plain environment stands in for the missing one.
    with pytest.raises(InsecureSecretsError, match="jwt_keys missing from /penny/prod/secrets"):
        Settings.from_env({"PENNY_SECRETS_PATH": "/penny/prod", "AWS_REGION": "us-east-1",
                           "PENNY_JWT_KEYS": json.dumps(KEYS)})


@pytest.mark.parametrize("env", [
    {**SECRETS, "PENNY_JWT_KEYS": json.dumps(DEV_KEYS)},
    {**SECRETS, "PENNY_JWT_KEYS": json.dumps({**KEYS, **DEV_KEYS})},
    {**SECRETS, "PENNY_LINK_SECRET": DEV_LINK_SECRET},
    {**SECRETS, "PENNY_TOKEN_KEYS": json.dumps(DEV_TOKEN_KEYS)},
    {**SECRETS, "PENNY_TOKEN_KEYS": json.dumps({**TOKEN_KEYS, **DEV_TOKEN_KEYS})},
], ids=["dev key", "dev key among others", "dev link secret", "dev token key",
        "dev token key among others"])
def test_a_development_secret_given_explicitly_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(InsecureSecretsError, match="development secret"):
        Settings.from_env(env)


def test_a_short_key_or_an_unknown_active_key_is_refused() -> None:
    with pytest.raises(InsecureSecretsError, match="32"):
        Settings.from_env({**SECRETS, "PENNY_JWT_KEYS": json.dumps({"k": "short"})})
    with pytest.raises(InsecureSecretsError, match="not a JSON object"):
        Settings.from_env({**SECRETS, "PENNY_JWT_KEYS": "[]"})
    with pytest.raises(InsecureSecretsError, match="k9"):
        Settings.from_env({**SECRETS, "PENNY_JWT_ACTIVE_KID": "k9"})


@pytest.mark.parametrize("token_keys", [
    "not json", "[]", "{}", json.dumps({"t1": 5}),
    json.dumps({"t1": base64.b64encode(b"sixteen bytes!!!").decode()}),
    json.dumps({"t1": base64.b64encode(b"x" * 33).decode()}),
    json.dumps({"t1": "not base64 at all, though long enough to pass a length check"}),
    json.dumps({"t.1": next(iter(TOKEN_KEYS.values()))}),
], ids=["not json", "a list", "empty", "not a string", "16 bytes", "33 bytes", "not base64",
        "a dot in the key id"])
def test_a_malformed_token_key_ring_stops_the_start(token_keys: str) -> None:
    with pytest.raises(InsecureSecretsError, match="PENNY_TOKEN_KEYS"):
        Settings.from_env({**SECRETS, "PENNY_TOKEN_KEYS": token_keys})


def test_the_token_key_that_seals_is_named_or_the_first_and_must_be_in_the_ring() -> None:
    rotated = {"t3": base64.b64encode(b"the-next-token-key-of-32-bytes!!").decode(), **TOKEN_KEYS}

    assert Settings.from_env({**SECRETS, "PENNY_TOKEN_KEYS": json.dumps(rotated)}
                             ).token_active_kid == "t3"
    assert Settings.from_env({**SECRETS, "PENNY_TOKEN_KEYS": json.dumps(rotated),
                              "PENNY_TOKEN_ACTIVE_KID": "t2"}).token_active_kid == "t2"
    with pytest.raises(InsecureSecretsError, match="PENNY_TOKEN_ACTIVE_KID 't9'"):
        Settings.from_env({**SECRETS, "PENNY_TOKEN_ACTIVE_KID": "t9"})


def test_the_settings_say_when_the_container_read_its_token_key_ring() -> None:
    # Not later than the read: a provider token sealed before it under a key the ring
    # lacks is taken for one under a retired key (store/sealed_connections.py).
    before = datetime.now(UTC)
    read_at = Settings.from_env(SECRETS).token_keys_read_at
    after = datetime.now(UTC)

    assert read_at is not None and before <= read_at <= after
    assert Settings().token_keys_read_at is None  # made in code: the tests say when


def test_secrets_in_parameter_store_without_token_keys_stop_the_start(ssm: object) -> None:
    put_secrets(ssm, {"jwt_keys": KEYS, "link_secret": LINK_SECRET})

    # Not even a key ring in the plain environment stands in for the missing one.
    with pytest.raises(InsecureSecretsError,
                       match="token_keys missing from /penny/prod/secrets"):
        Settings.from_env({"PENNY_SECRETS_PATH": "/penny/prod", "AWS_REGION": "us-east-1",
                           "PENNY_TOKEN_KEYS": json.dumps(TOKEN_KEYS)})


def test_the_local_stack_and_the_tests_opt_in_to_the_development_secrets() -> None:
    settings = Settings.from_env({DEVELOPMENT_SECRETS: "1"})

    assert dict(settings.jwt_keys) == DEV_KEYS and settings.link_secret == DEV_LINK_SECRET
    assert dict(settings.token_keys) == DEV_TOKEN_KEYS


@pytest.mark.parametrize("deployed", [
    {"AWS_LAMBDA_FUNCTION_NAME": "penny-prod-APIHandler"},
    {"PENNY_SECRETS_PATH": "/penny/prod"},
], ids=["in Lambda", "with a secrets path"])
def test_the_development_opt_in_is_refused_where_it_is_deployed(
        deployed: dict[str, str]) -> None:
    with pytest.raises(InsecureSecretsError, match=DEVELOPMENT_SECRETS):
        Settings.from_env({DEVELOPMENT_SECRETS: "1", **deployed})


def test_the_packaged_template_may_not_opt_a_function_in() -> None:
    function = {"Type": "AWS::Serverless::Function", "Properties": {
        "Environment": {"Variables": {DEVELOPMENT_SECRETS: "1"}}}}

    found = "\n".join(problems({"Resources": {"APIHandler": function}}))

    assert f"APIHandler: sets {DEVELOPMENT_SECRETS}" in found
