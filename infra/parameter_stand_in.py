"""A stand-in for SSM Parameter Store's GetParameters, so that a cold start runs (and is
measured) as Lambda runs it.

In Lambda (AWS_LAMBDA_FUNCTION_NAME set) `import app` reads the settings at INIT: it
makes the SSM client and asks GetParameters for the stage's parameters (the one
SecureString decrypted by KMS on AWS's side). The packaging step runs each shipped
kind's cold start in a fresh interpreter pointed here (AWS_ENDPOINT_URL_SSM) to learn
what it imports (infra/bytecode.py); the cost model's INIT measure
(bench/costing/sample.py) does too, so the client, its request and the settings' checks
are in the measured CPU; the waits on SSM and KMS are not CPU and are added there as
PARAMETERS_WAIT_MS. The values are a stage's shape (non-development secrets that pass
Penny's checks), never real ones.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib.secret_parameters import PARAMETERS, SECRETS_PARAMETER

PATH = "/penny/cost"
_SECRETS = {"jwt_keys": {"k1": "a-signing-key-of-the-cost-stage-0123456789abcdef"},
            "link_secret": "a-link-secret-of-the-cost-stage-0123456789abcdef",
            "token_keys": {"t1": "a2V5LW9mLXRoZS1zdGFnZS1mb3ItdG9rZW5zLTAxMjM="}}
VALUES = {SECRETS_PARAMETER: json.dumps(_SECRETS), "public-url": "https://penny.example"}
assert set(VALUES) == set(PARAMETERS)


class _GetParameters(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        found, missing = [], []
        for name in body.get("Names", []):
            value = VALUES.get(name.removeprefix(PATH + "/"))
            if value is None:
                missing.append(name)
            else:
                found.append({"Name": name, "Value": value, "Version": 1,
                              "Type": "SecureString" if name.endswith(SECRETS_PARAMETER)
                              else "String"})
        answer = json.dumps({"Parameters": found, "InvalidParameters": missing}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/x-amz-json-1.1")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def lambda_environment(function_name: str = "penny-cost-function") -> Iterator[dict[str, str]]:
    """The environment a fresh interpreter gets to start as a deployed function: Lambda's
    variable, the secrets' path, SSM at the stand-in; none of this process's PENNY_*."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GetParameters)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PENNY_")}
        env.update(AWS_LAMBDA_FUNCTION_NAME=function_name, PENNY_SECRETS_PATH=PATH,
                   AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{server.server_port}",
                   AWS_ACCESS_KEY_ID="cost", AWS_SECRET_ACCESS_KEY="cost",
                   AWS_DEFAULT_REGION="us-east-1")
        yield env
    finally:
        server.shutdown()
        server.server_close()
