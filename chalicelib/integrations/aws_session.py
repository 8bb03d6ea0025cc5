"""The container's one botocore session, which the AWS clients made at a cold start share.

Each botocore session parses botocore's endpoint, partition and default-configuration
data anew when it makes its first client (about 50 ms of CPU, a cold start's). So the
Parameter Store client that reads the settings at INIT and PynamoDB's DynamoDB client on
the first request come from this one session: the second client loads only its own
service's model. (boto3 is not needed for either: its `client()` wraps this same call.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_session: Session | None = None


def shared_session() -> Session:
    global _session
    if _session is None:
        from botocore.session import get_session

        _session = get_session()
    return _session


def client(service: str, region: str) -> Any:
    """A botocore client of `service` from the shared session (what `boto3.client` makes)."""
    return shared_session().create_client(service, region_name=region)


if TYPE_CHECKING:
    from botocore.session import Session
