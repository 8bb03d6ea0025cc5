"""The composition root builds per function kind: each gets only its own dependencies.

What a function kind loads is checked in a fresh interpreter, as a Lambda container
starts: the API answers a signup, a slots page and a booking, then the modules it
loaded are compared with the workers' jobs (and their vendors' SDKs, when they land);
a worker runs its job on an event and must not have built the API's services.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from chalicelib.store.queues import QUEUES

ROOT = Path(__file__).resolve().parents[2]
JOB_MODULES = sorted({spec.job.partition(":")[0] for spec in QUEUES})
# The worker side of the seam: the runner, its records and the jobs.
WORKER_ONLY = ("chalicelib.services.jobs", "chalicelib.store.jobs", *JOB_MODULES)
# The API side: accounts, sessions, the pages. (The booking write, services/reservations,
# is shared: the payments worker settles paid bookings through it.)
API_ONLY = ("chalicelib.services.accounts", "chalicelib.services.sessions",
            "chalicelib.functions.browser_session", "chalicelib.functions.session_cookies",
            "chalicelib.functions.cross_site_checks", "chalicelib.functions.session_services",
            "chalicelib.functions.session_routes", "chalicelib.web.booking_pages",
            "chalicelib.web.page_services", "chalicelib.web.public_page_answers",
            "chalicelib.web.booking_page_html", "chalicelib.web.attendee_pages", "argon2")
# Every vendor SDK Penny wraps or will (and tzlocal, for Outlook's zone names): none
# belongs to the API's cold path.
VENDOR_SDKS = ("msal", "authlib", "googleapiclient", "google.genai", "stripe", "razorpay",
               "notion_client", "tzlocal")

SETUP = """
import json, os, sys
os.environ.update({"PENNY_DEVELOPMENT_SECRETS": "1", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "PENNY_TABLE": "penny-composition"})
from moto import mock_aws
mock_aws().start()
import boto3
from chalicelib.store.tables import table_definition
boto3.client("dynamodb").create_table(TableName="penny-composition", **table_definition())
before = set(sys.modules)
"""

API = SETUP + """
from chalice.test import Client
import app
from chalicelib import bootstrap
from tests.functional import factories as f
bootstrap.services()  # before the test client, which sets the dev stage's environment
with Client(app.app) as client:
    def call(method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        r = client.http.request(method, path, body=json.dumps(body).encode() if body else b"",
                                headers=headers)
        assert r.status_code < 300, (path, r.body)
        return json.loads(r.body) if r.body else None
    token = call("POST", "/auth/signup", f.signup("comp"))["access_token"]
    call("PUT", "/me/schedule", f.weekdays(("09:00", "17:00"), days=f.WEEKDAYS), token)
    call("POST", "/me/event-types", f.event_type(), token)
    slots = call("GET", "/hosts/comp/intro/slots?start=2030-01-07&end=2030-01-07&timeZone=UTC")
    start = next(iter(slots["slots"].values()))[0]["start"]
    call("POST", "/hosts/comp/intro/bookings", f.booking(start))
print(json.dumps(sorted(set(sys.modules) - before)))
"""

WORKER = SETUP + """
import app
from chalicelib import bootstrap
from chalicelib.bootstrap import container
from chalicelib.store.queues import QUEUES
for spec in QUEUES:
    runner = bootstrap.worker(spec.name)
    assert runner.job.name == spec.name
assert container._api is None, "a worker built the API's services"
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def loaded_by(program: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    modules: list[str] = json.loads(out.stdout.splitlines()[-1])
    return set(modules)


def under(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {m for m in modules for name in names if m == name or m.startswith(name + ".")}


def test_the_api_answers_a_booking_without_loading_a_worker_or_a_vendor_sdk() -> None:
    loaded = loaded_by(API)

    assert "chalicelib.services.public" in loaded  # the probe saw the booking's path
    assert under(loaded, WORKER_ONLY) == set()
    assert under(loaded, VENDOR_SDKS) == set()


def test_a_worker_builds_its_job_without_the_apis_services() -> None:
    loaded = loaded_by(WORKER)

    assert set(JOB_MODULES) <= loaded  # the probe saw the jobs being built
    assert under(loaded, API_ONLY) == set()
