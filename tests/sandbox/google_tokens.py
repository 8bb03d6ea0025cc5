"""A host's Google token source as Penny's connection service gives it, on the sandbox:
shared by the Google adapters' tests (Calendar, Docs)."""

from __future__ import annotations

import requests

from sandbox import ProviderSandbox
from sandbox.testing import token_answer


class GoogleToken:
    """`(False)` the stored access token, `(True)` a refresh at the sandbox's token
    endpoint (or, `refreshes=False`, the same stale token again); `asked` records each."""

    def __init__(self, sandbox: ProviderSandbox, scopes: tuple[str, ...],
                 refreshes: bool = True) -> None:
        answer = token_answer(sandbox, "google", scopes)
        self.access, self._refresh_token = str(answer["access_token"]), answer["refresh_token"]
        self._sandbox, self._refreshes = sandbox, refreshes
        self.asked: list[bool] = []

    def __call__(self, force: bool) -> str:
        self.asked.append(force)
        if force and self._refreshes:
            client = self._sandbox.client("google")
            answer = requests.post(f"{self._sandbox.base_url('google')}/token", timeout=10, data={
                "grant_type": "refresh_token", "refresh_token": self._refresh_token,
                "client_id": client.client_id, "client_secret": client.client_secret})
            answer.raise_for_status()
            self.access = str(answer.json()["access_token"])
        return self.access
