"""Connections: DynamoDB requests per connect, refresh, disconnect and sign-in, and what
the first connect request pays for its imports.

Drives the real Chalice app (chalice.test.Client) on moto's in-process DynamoDB with the
provider sandbox (sandbox/) answering for Google, Microsoft, Zoom and Notion through the
real clients, and counts the table's operations per request with a botocore hook.

The import cost is measured in fresh interpreters: the first `POST /me/connections/google`
of a container (which loads the token cipher's `cryptography`, authlib and requests)
against the same request made again in that container; and `import app` against
`import chalice, boto3` (bench/cold_start.py's baseline), which must stay <= 0.5: no
provider SDK is imported by the API at module level.

    python bench/connections.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.cold_start import wall, with_bytecode  # noqa: E402  (one measure of import weight)

for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1", "PENNY_DEVELOPMENT_SECRETS": "1"}.items():
    os.environ.setdefault(key, value)

PUBLIC = "http://penny.bench"
JSON = {"Content-Type": "application/json"}


def roundtrips() -> dict[str, list[str]]:
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    import app as app_module
    from chalicelib import bootstrap
    from chalicelib.integrations.argon2_passwords import Argon2Passwords
    from chalicelib.provider_settings import Providers
    from chalicelib.settings import Settings
    from chalicelib.store.items import ConnectionItem
    from chalicelib.store.tables import table_definition
    from local.metering import dynamodb_calls
    from sandbox.server import start_sandbox
    from sandbox.testing import consent

    counted: dict[str, list[str]] = {}
    with mock_aws(), start_sandbox(redirect_uris=(f"{PUBLIC}/oauth/{{provider}}/callback",)) \
            as sandbox, Client(app_module.app) as client:
        boto3.client("dynamodb").create_table(TableName="penny-bench", **table_definition())
        providers = Providers.from_json(json.dumps(sandbox.penny_providers()), "sandbox",
                                        deployed=False)
        bootstrap.install(bootstrap.build(
            Settings(table_name="penny-bench", public_base_url=PUBLIC, providers=providers),
            passwords=Argon2Passwords(time_cost=1, memory_cost=1024)))

        def call(name: str, method: str, path: str, body: Any = None,
                 headers: dict[str, str] | None = None) -> Any:
            with dynamodb_calls() as calls:
                r = client.http.request(method, path, headers={**JSON, **(headers or {})},
                                        body=json.dumps(body).encode() if body is not None else b"")
            assert r.status_code < 400, (name, r.status_code, r.body)
            counted[name] = calls.calls
            return r

        signup = call("sign up", "POST", "/auth/signup", {
            "email": "bench@example.com", "password": "bench-password-1", "slug": "bench",
            "display_name": "Bench", "timezone": "UTC"})
        auth = {"Authorization": f"Bearer {json.loads(signup.body)['access_token']}"}
        host_id = json.loads(signup.body)["host_id"]

        def connect(provider: str, feature: str) -> None:
            r = call(f"connect {provider}: start", "POST", f"/me/connections/{provider}",
                     {"features": [feature]}, auth)
            cookie = r.headers["Set-Cookie"].split(";")[0]
            back = urlsplit(consent(json.loads(r.body)["authorize_url"]))
            call(f"connect {provider}: callback", "GET", f"{back.path}?{back.query}",
                 headers={"Cookie": cookie})

        for provider, feature in (("google", "calendar"), ("microsoft", "calendar"),
                                  ("zoom", "video"), ("notion", "notes")):
            connect(provider, feature)
        call("list connections", "GET", "/me/connections", headers=auth)
        call("use a connection (token fresh)", "POST", "/me/connections/zoom/test",
             headers=auth)
        for provider in ("zoom", "google"):  # a rotating refresh token, and one that stays
            sandbox.expire_access_tokens(provider)
            item = ConnectionItem.get(f"CONNECTIONS#{host_id}", f"PROVIDER#{provider}")
            item.update(actions=[ConnectionItem.token_expires_at.set(item.connected_at)])
            call(f"use a connection (refresh first, {provider})", "POST",
                 f"/me/connections/{provider}/test", headers=auth)
        call("disconnect zoom", "DELETE", "/me/connections/zoom", headers=auth)
        r = call("sign in with google: start", "POST", "/auth/oidc/google",
                 {"timezone": "UTC"}, {"Origin": PUBLIC})
        cookie = r.headers["Set-Cookie"].split(";")[0]
        back = urlsplit(consent(json.loads(r.body)["authorize_url"]))
        call("sign in with google: callback (new account)", "GET",
             f"{back.path}?{back.query}", headers={"Cookie": cookie})
    return counted


FIRST_CONNECT = """
import json, os, sys, time
os.environ.update({"PENNY_DEVELOPMENT_SECRETS": "1", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
from moto import mock_aws
mock_aws().start()
import boto3
from chalicelib.store.tables import table_definition
boto3.client("dynamodb").create_table(TableName="penny-bench", **table_definition())
from chalice.test import Client
import app
from chalicelib import bootstrap
from chalicelib.integrations.argon2_passwords import Argon2Passwords
from chalicelib.provider_settings import Providers
from chalicelib.settings import Settings
entries = {"google": {"client_id": "bench", "client_secret": "bench-secret",
                      "base_url": "http://127.0.0.1:9/google"}}
bootstrap.install(bootstrap.build(Settings(
    table_name="penny-bench", providers=Providers.from_json(json.dumps(entries), "bench",
    deployed=False)), passwords=Argon2Passwords(time_cost=1, memory_cost=1024)))
with Client(app.app) as client:
    h = {"Content-Type": "application/json"}
    r = client.http.post("/auth/signup", headers=h, body=json.dumps({
        "email": "b@example.com", "password": "bench-password-1", "slug": "b",
        "display_name": "B", "timezone": "UTC"}))
    h["Authorization"] = "Bearer " + json.loads(r.body)["access_token"]
    before = set(sys.modules)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        r = client.http.post("/me/connections/google", headers=h,
                             body=json.dumps({"features": ["calendar"]}))
        times.append(time.perf_counter() - start)
        assert r.status_code == 200, r.body
    loaded = sorted({m.split(".")[0] for m in set(sys.modules) - before})
print(json.dumps({"first": times[0], "again": times[1], "loaded": loaded}))
"""


def first_connect(runs: int) -> tuple[float, float, list[str]]:
    firsts, agains, loaded = [], [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", FIRST_CONNECT], cwd=ROOT, check=True,
                             capture_output=True, text=True, env=with_bytecode())
        found = json.loads(out.stdout.splitlines()[-1])
        firsts.append(found["first"])
        agains.append(found["again"])
        loaded = found["loaded"]
    return statistics.median(firsts), statistics.median(agains), loaded


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for name, calls in roundtrips().items():
        print(f"connections.ddb[{name}]: {len(calls)}  ({', '.join(calls) or 'none'})")
    for code in ("import chalice, boto3", "import app"):
        wall(code)  # warm the file cache and .pyc files
    base = statistics.median(wall("import chalice, boto3") for _ in range(runs * 3))
    app = statistics.median(wall("import app") for _ in range(runs * 3))
    print(f"connections.import_app_ratio: {app / base:.2f}  (import app {app * 1000:.0f} ms / "
          f"import chalice, boto3 {base * 1000:.0f} ms; target <= 0.5)")
    first, again, loaded = first_connect(runs)
    print(f"connections.first_connect_request_ms: {first * 1000:.0f}  (the container's first "
          f"POST /me/connections/google; the same request again: {again * 1000:.0f} ms; "
          f"imports {first * 1000 - again * 1000:.0f} ms: {', '.join(loaded)})")


if __name__ == "__main__":
    main()
