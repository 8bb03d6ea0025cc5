"""What ties an OAuth callback to the round trip that started it: the signed `state`
parameter, and the hash of the browser's binding secret kept with the stored state."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from chalicelib.domain.errors import OAuthStateError


@dataclass(frozen=True)
class StateSigner:
    """The `state` parameter: the stored state's id and an HMAC of it, so a forged or
    altered state is refused before anything is read."""

    secret: str

    def _mac(self, state_id: str) -> str:
        return hmac.new(self.secret.encode(), f"oauth-state:{state_id}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    def sign(self, state_id: str) -> str:
        return f"{state_id}.{self._mac(state_id)}"

    def verify(self, state: str) -> str:
        state_id, _, mac = state.partition(".")
        # As bytes: compare_digest refuses a str with non-ASCII characters (a 500).
        given = mac.encode("utf-8", "surrogatepass")
        if not state_id or not hmac.compare_digest(given, self._mac(state_id).encode()):
            raise OAuthStateError("this sign-in link was altered; start again from Penny")
        return state_id


def binding_hash(binding: str) -> str:
    return hashlib.sha256(f"oauth-binding:{binding}".encode()).hexdigest()
