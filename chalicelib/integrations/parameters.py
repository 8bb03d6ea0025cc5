"""Secrets from SSM Parameter Store: one GetParameters call per Lambda container."""

from __future__ import annotations

from typing import Any


class MissingParametersError(RuntimeError):
    """A parameter the deployment must provide is not in Parameter Store."""


def read_parameters(path: str, names: tuple[str, ...], region: str,
                    client: Any = None) -> dict[str, str]:
    """The decrypted values of `path`/`name` for each name; all must exist."""
    if client is None:
        from chalicelib.integrations import aws_session

        client = aws_session.client("ssm", region)
    prefix = path.rstrip("/") + "/"
    response = client.get_parameters(Names=[prefix + name for name in names],
                                     WithDecryption=True)
    if response.get("InvalidParameters"):
        raise MissingParametersError(
            f"missing in Parameter Store: {', '.join(sorted(response['InvalidParameters']))} "
            "(`make deploy` creates them)")
    return {p["Name"][len(prefix):]: str(p["Value"]) for p in response["Parameters"]}
