"""The parameters Penny's secrets live in under PENNY_SECRETS_PATH in SSM Parameter
Store, the variable each secret has locally, and their reading once per container."""

from __future__ import annotations

import json
from collections.abc import Mapping

# The parameters under PENNY_SECRETS_PATH, the one list: `make deploy` creates them,
# infra/ grants reading them, tests check both. "secrets" is one SecureString holding
# every secret as JSON (each SecureString read is a KMS decrypt, paid per cold start);
# the public URL is the stack's Function URL (or your domain), known only once the stack
# exists, so it cannot be an environment variable.
SECRETS_PARAMETER = "secrets"
PARAMETERS = (SECRETS_PARAMETER, "public-url")
SECURE_PARAMETERS = (SECRETS_PARAMETER,)
# Each secret's key in that JSON, and the variable that holds it locally. `providers` is
# an object of each provider's settings entry (chalicelib/provider_settings.py).
SECRET_VARIABLES = {"jwt_keys": "PENNY_JWT_KEYS", "link_secret": "PENNY_LINK_SECRET",
                    "token_keys": "PENNY_TOKEN_KEYS", "providers": "PENNY_PROVIDERS"}


def parameter_store_secrets(path: str, env: Mapping[str, str]) -> dict[str, str]:
    from chalicelib.integrations.parameters import read_parameters

    region = env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1"))
    values = read_parameters(path, PARAMETERS, region)
    secrets = json.loads(values[SECRETS_PARAMETER])
    found = {SECRET_VARIABLES[name]: value if isinstance(value, str) else json.dumps(value)
             for name, value in secrets.items() if name in SECRET_VARIABLES}
    return {**found, "PENNY_PUBLIC_URL": values["public-url"]}
