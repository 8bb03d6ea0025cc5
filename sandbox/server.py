"""The provider sandbox: fake Google, Microsoft, Zoom, Notion, Stripe, Razorpay and Gemini
on one loopback port, each under its own prefix with the vendor's real paths below it, so
a provider's settings entry points `base_url` at `http://127.0.0.1:PORT/<provider>`.

Tests and the local stack start it the same way (`start_sandbox`), and drive it through
the methods of ProviderSandbox: seeded accounts, revocations, counters, early expiry and
injected failures.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule, Submount
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from sandbox import pages
from sandbox.calendar_control import CalendarControl
from sandbox.gemini import FakeGemini
from sandbox.gemini_control import GeminiControl
from sandbox.google import GoogleProvider
from sandbox.google_docs_control import GoogleDocsControl
from sandbox.grants import AuthorizationServer
from sandbox.keys import SigningKey
from sandbox.microsoft import MicrosoftProvider
from sandbox.model import Account, Client, Grant
from sandbox.notion import NotionProvider
from sandbox.notion_control import NotionControl
from sandbox.provider import FakeProvider
from sandbox.razorpay import FakeRazorpay
from sandbox.razorpay_control import RazorpayControl
from sandbox.received import ReceivedBytes
from sandbox.stripe import FakeStripe
from sandbox.stripe_control import StripeControl
from sandbox.wire import html_response
from sandbox.zoom import ZoomProvider

# "{provider}" becomes each provider's name: Penny's callback route on the local stack's
# API port (chalicelib/settings.py's public_base_url). Another Penny passes its own.
DEFAULT_REDIRECT_URIS = ("http://127.0.0.1:8000/oauth/{provider}/callback",)

# Public, fixed sandbox credentials: they open nothing but this fake.
CLIENTS = {
    "google": ("penny-sandbox.apps.googleusercontent.com", "GOCSPX-penny-sandbox-google", ()),
    "microsoft": ("3f6c1d2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f", "penny~sandbox~microsoft", ()),
    # Zoom's scopes are the app's, set in the Marketplace: what Penny's video feature needs.
    "zoom": ("PennySandboxZoomApp", "penny-sandbox-zoom-secret",
             ("meeting:write:meeting", "meeting:update:meeting", "meeting:delete:meeting",
              "meeting:read:meeting", "user:read:user")),
    "notion": ("2b8d7c6e-1f0a-4e3d-8c2b-9a8f7e6d5c4b", "secret_penny_sandbox_notion", ()),
}

ACCOUNTS = {
    "google": [Account("108234567890123456789", "ada@sandbox.test", "Ada Lovelace")],
    "microsoft": [
        Account("8e2f4c1a-6b3d-4f5e-a7c9-1d2e3f4a5b6c", "ada@penny-sandbox.onmicrosoft.com",
                "Ada Lovelace"),
        # A guest whose email claim nobody verified: Penny must not link accounts by it.
        Account("c4d5e6f7-0a1b-4c2d-8e3f-9a0b1c2d3e4f", "grace@unverified.test", "Grace Hopper",
                email_verified=False),
    ],
    "zoom": [Account("KDcuGIm1QgePTO8WbOqwIQ", "ada@sandbox.test", "Ada Lovelace")],
    "notion": [Account("e79a0b74-3aba-4149-9f74-0bb5791a6ee6", "ada@sandbox.test", "Ada Lovelace")],
}

KINDS: tuple[type[FakeProvider], ...] = (GoogleProvider, MicrosoftProvider, ZoomProvider,
                                         NotionProvider)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class ProviderSandbox(CalendarControl, GeminiControl, GoogleDocsControl, NotionControl,
                      RazorpayControl, StripeControl):
    """The running sandbox and its control surface for tests (see each method; the
    calendar, meeting and push controls are CalendarControl's)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 redirect_uris: Sequence[str] = DEFAULT_REDIRECT_URIS) -> None:
        self._http = make_server(host, port, self, threaded=True, request_handler=_QuietHandler)
        self.received = ReceivedBytes()  # every request's bytes, as its client sent them
        self.url = f"http://{host}:{self._http.server_port}"
        key = SigningKey()
        self.providers: dict[str, FakeProvider] = {}
        for kind in KINDS:
            client_id, secret, scopes = CLIENTS[kind.name]
            uris = tuple(uri.format(provider=kind.name) for uri in redirect_uris)
            server = AuthorizationServer(kind.policy, [Client(client_id, secret, uris, scopes)],
                                         ACCOUNTS[kind.name])
            self.providers[kind.name] = kind(server, key, f"{self.url}/{kind.name}")
        self.razorpay = FakeRazorpay(f"{self.url}/razorpay")
        self.stripe = FakeStripe(f"{self.url}/stripe")
        self.gemini = FakeGemini(f"{self.url}/gemini")
        self._map = Map([Rule("/", endpoint=self._landing),
                         Rule("/favicon.ico", endpoint=self._no_icon)] + [
            Submount(f"/{name}", [*provider.rules(),
                                  Rule("/_sandbox", endpoint=provider.control,
                                       methods=["GET", "POST"]),
                                  Rule("/_sandbox/consent", endpoint=provider.consent,
                                       methods=["POST"])])
            for name, provider in self.providers.items()] + [
            Submount("/razorpay", self.razorpay.rules()),
            Submount("/stripe", self.stripe.rules()),
            Submount("/gemini", self.gemini.rules())])
        # A short poll interval: stop() waits for it (the default 0.5 s per test adds up).
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,),
                                        name="provider-sandbox", daemon=True)
        self._thread.start()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.received.add(environ)
        request = Request(environ)
        try:
            endpoint, values = self._map.bind_to_environ(environ).match()
            response: Response | HTTPException = endpoint(request, **values)
        except HTTPException as exc:
            response = exc
        return response(environ, start_response)

    def _no_icon(self, request: Request) -> Response:
        """The sandbox has no icon: 204, not a 404 each of its pages logs in the console."""
        return Response(status=204)

    def _landing(self, request: Request) -> Response:
        return html_response(pages.landing([
            (name, p.title, p.base_url, list(p.server.accounts.values()))
            for name, p in self.providers.items()]))

    # -- settings --------------------------------------------------------------------

    def base_url(self, provider: str) -> str:
        return self.providers[provider].base_url

    def client(self, provider: str) -> Client:
        return next(iter(self.providers[provider].server.clients.values()))

    def penny_providers(self) -> dict[str, dict[str, str]]:
        """The PENNY_PROVIDERS entries (chalicelib/provider_settings.py) for this sandbox."""
        entries = {}
        for name in self.providers:
            client = self.client(name)
            entries[name] = {"client_id": client.client_id,
                             "client_secret": client.client_secret,
                             "base_url": self.base_url(name)}
        entries["microsoft"]["tenant"] = "common"
        entries["razorpay"] = {"base_url": self.razorpay.base_url}
        entries["stripe"] = self.stripe_settings()
        entries["gemini"] = self.gemini_settings()
        return entries

    # -- accounts, grants and what Penny did -------------------------------------------

    def accounts(self, provider: str) -> list[Account]:
        return list(self.providers[provider].server.accounts.values())

    def add_account(self, provider: str, account: Account) -> None:
        self.providers[provider].server.accounts[account.id] = account

    def grants(self, provider: str) -> list[Grant]:
        """Snapshots of every grant given at the provider, oldest first, with counters."""
        return self.providers[provider].server.grants()

    def exchanges(self, provider: str, grant_id: str | None = None) -> int:
        """Successful token exchanges (a code once, then each refresh), for one grant or all."""
        return sum(g.exchanges for g in self.grants(provider) if grant_id in (None, g.id))

    def token_requests(self, provider: str) -> int:
        """Every request that reached the token endpoint, refused or failed ones included."""
        return self.providers[provider].server.token_requests

    # -- what a test makes the provider do ---------------------------------------------

    def revoke(self, provider: str, grant_id: str | None = None) -> None:
        """The user removes Penny's access at the provider (one grant, or every grant):
        its tokens stop working and the next refresh gets invalid_grant."""
        server = self.providers[provider].server
        for grant in server.grants():
            if grant_id in (None, grant.id):
                server.revoke_grant(grant.id)

    def expire_access_tokens(self, provider: str, grant_id: str | None = None) -> None:
        """Make access tokens expire now, so the next API call answers 401."""
        self.providers[provider].server.expire_access_tokens(grant_id)

    def override_next_id_token(self, provider: str, **claims: Any) -> None:
        """The next ID token the provider issues carries these claims instead of the true
        ones (None removes one): another audience, a wrong nonce, an expired token."""
        self.providers[provider].override_next_id_token(claims)

    def fail_next_token_request(self, provider: str, status: int = 503, times: int = 1) -> None:
        """The next `times` token requests answer `status` in the vendor's error shape."""
        self.providers[provider].server.fail_next_token_requests(status, times)

    # -- lifecycle ---------------------------------------------------------------------

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()
        for provider in self.providers.values():
            provider.notifier.stop()
        self.razorpay.stop()
        self.stripe.webhooks.stop()
        self.gemini.stop()

    def __enter__(self) -> ProviderSandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def start_sandbox(host: str = "127.0.0.1", port: int = 0,
                  redirect_uris: Sequence[str] = DEFAULT_REDIRECT_URIS) -> ProviderSandbox:
    """Start the sandbox on `host:port` (0: a free port) in a background thread; `stop()` it."""
    return ProviderSandbox(host, port, redirect_uris)

