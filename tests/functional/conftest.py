"""Functional tests: the Chalice app through chalice.test.Client on moto's DynamoDB."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# Settings.from_env refuses to run on the public development secrets without this.
os.environ.setdefault("PENNY_DEVELOPMENT_SECRETS", "1")

import app as app_module
from chalicelib import bootstrap
from chalicelib.integrations.argon2_passwords import Argon2Passwords
from chalicelib.settings import Settings
from chalicelib.store.tables import TTL_ATTRIBUTE, table_definition

if TYPE_CHECKING:
    from chalicelib.services.calendar_ports import ProviderAdapters
    from chalicelib.services.payment_ports import PaymentAdapters
    from sandbox.server import ProviderSandbox

TABLE = "penny-test"


@dataclass
class FixedClock:
    """A clock the test moves by hand."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 12, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(TableName=TABLE, **table_definition())
        dynamodb.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": TTL_ATTRIBUTE})
        yield


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto applies a conditional write as a read then a write with no lock between them
    (its request handler reads the item, to answer ALL_OLD, before the backend writes it);
    DynamoDB applies each write to an item atomically. One lock round moto's handlers
    makes concurrency tests see DynamoDB's behaviour."""
    import threading

    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()

    def serialised(operation: Any) -> Any:
        def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return operation(*args, **kwargs)
        return one_at_a_time

    for name in ("get_item", "put_item", "update_item", "delete_item", "query",
                 "transact_write_items"):
        monkeypatch.setattr(DynamoHandler, name, serialised(getattr(DynamoHandler, name)))


PUBLIC = "http://penny.test"  # the settings' public URL: the sandbox's redirect URIs'


@pytest.fixture
def settings() -> Settings:
    return Settings(table_name=TABLE, region="us-east-1", dynamodb_endpoint=None,
                    public_base_url=PUBLIC)


@pytest.fixture
def sandbox() -> Iterator[ProviderSandbox]:
    """The provider sandbox, its consent pages sending hosts back to this Penny."""
    from sandbox.server import start_sandbox

    with start_sandbox(redirect_uris=(f"{PUBLIC}/oauth/{{provider}}/callback",)) as running:
        yield running


@pytest.fixture
def api(aws: None, clock: FixedClock, settings: Settings) -> Iterator[Api]:
    # Cheap Argon2 parameters: the hash is still Argon2id, just not slow in tests.
    services = bootstrap.build(settings, clock=clock,
                               passwords=Argon2Passwords(time_cost=1, memory_cost=1024))
    bootstrap.install(services)
    with Client(app_module.app) as client:
        yield Api(client)
    bootstrap.install(None)


def rebuild(adapters: ProviderAdapters | None = None,
            payment_adapters: PaymentAdapters | None = None, **settings: Any
            ) -> bootstrap.ApiServices:
    """Install the API's services rebuilt on the same clock and password hashing, with
    some settings changed, or with the hosts' provider adapters (a fake, e.g.
    tests/fakes/providers.py FakeAdapters) wired in."""
    current = bootstrap.services()
    core = replace(current.core, settings=replace(current.settings, **settings))
    services = bootstrap.build_api(core, current.accounts.passwords, adapters,
                                   payment_adapters)
    bootstrap.install(services)
    return services


class Api:
    """chalice.test.Client with JSON in and out, and an optional bearer token."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Response:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (None if body is None else json.dumps(body))
        # Passed through as given (chalice's local gateway takes str and None too).
        r = self.client.http.request(method, path, headers=all_headers,
                                     body=cast(bytes, payload))
        return Response(r.status_code, dict(r.headers), r.body)

    def get(self, path: str, **kw: Any) -> Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.call("DELETE", path, **kw)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str | None:
        return cast("str | None", self.json.get("error", {}).get("code"))


@pytest.fixture
def wiring(api: Api) -> Iterator[Any]:
    """Realtime and fan-out wired to a fake WebSocket sender (tests/functional/realtime_wiring)."""
    from tests.functional.realtime_wiring import wire

    yield from wire(api)
