"""chalicelib/integrations/http_routing.py: real vendor origins sent to the sandbox."""

from __future__ import annotations

import requests

from chalicelib.integrations.http_routing import RoutingHttpClient
from sandbox import ProviderSandbox

LOGIN = "https://login.microsoftonline.com"


def test_route_replaces_a_mapped_origin_and_keeps_path_and_query() -> None:
    routing = RoutingHttpClient({LOGIN: "http://127.0.0.1:9/microsoft/"}, timeout=1)

    assert routing.route(f"{LOGIN}/common/oauth2/v2.0/authorize?a=1") == \
        "http://127.0.0.1:9/microsoft/common/oauth2/v2.0/authorize?a=1"


def test_route_leaves_other_origins_and_lookalike_hosts_alone() -> None:
    routing = RoutingHttpClient({LOGIN: "http://127.0.0.1:9/microsoft"}, timeout=1)

    assert routing.route("https://graph.microsoft.com/v1.0/me") == \
        "https://graph.microsoft.com/v1.0/me"
    assert routing.route(f"{LOGIN}.evil.example/x") == f"{LOGIN}.evil.example/x"


def test_get_and_post_reach_the_sandbox(provider_sandbox: ProviderSandbox) -> None:
    routing = RoutingHttpClient({LOGIN: provider_sandbox.base_url("microsoft")}, timeout=10)

    metadata = routing.get(f"{LOGIN}/common/v2.0/.well-known/openid-configuration")
    refused = routing.post(f"{LOGIN}/common/oauth2/v2.0/token",
                           data={"grant_type": "refresh_token", "refresh_token": "x"})

    assert metadata.status_code == 200 and refused.status_code in (400, 401)


def test_the_timeout_is_applied_to_every_request() -> None:
    seen: list[object] = []

    class Recording(requests.Session):
        def request(self, method: str | bytes, url: str | bytes,
                    *args: object, **kwargs: object) -> requests.Response:
            seen.append(kwargs.get("timeout"))
            response = requests.Response()
            response.status_code = 200
            return response

    routing = RoutingHttpClient({}, timeout=7.5, session=Recording())
    routing.get("https://example.test/")
    routing.post("https://example.test/", data={})

    assert seen == [7.5, 7.5]
