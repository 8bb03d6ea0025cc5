"""OAuth states in flight: put once, taken once by the callback, refused after 10 minutes.

`take` is one conditional DeleteItem that returns the deleted item: of two callbacks
with the same state, DynamoDB lets exactly one delete it, and only that one gets the
payload. The condition also refuses a state past its expiry, which DynamoDB's TTL may not
have swept yet (it deletes late, up to days); TTL only keeps the table clean.

The PKCE verifier is sealed with the token cipher, bound to the state's id and provider:
with the authorization code it is what redeems a grant, so it is as secret as a token
while it lives (table exports, backups and point-in-time restores hold it). The OpenID
nonce is not: it travels in the authorization URL, so it is stored as it is.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DeleteError

from chalicelib.domain.connections import TokenDecryptionError
from chalicelib.services.connection_ports import OAuthState, TokenCipher
from chalicelib.store.items import OAuthStateItem
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import condition_failed, saved_if_new

log = logging.getLogger("penny.connections")


def _key(state_id: str) -> tuple[str, str]:
    return f"OAUTHSTATE#{state_id}", "OAUTHSTATE"


def _owner(state_id: str) -> str:
    # Not a host id (those have no ":"), so a verifier never opens as a host's token.
    return f"oauth-state:{state_id}"


class OAuthStateRepository:
    def __init__(self, cipher: TokenCipher) -> None:
        self._cipher = cipher

    def put(self, state: OAuthState) -> bool:
        item = OAuthStateItem(
            *_key(state.state_id), provider=state.provider, host_id=state.host_id,
            session_id=state.session_id, nonce=state.nonce, redirect_to=state.redirect_to,
            code_verifier=self._cipher.encrypt(state.code_verifier, _owner(state.state_id),
                                               state.provider),
            scopes=list(state.scopes), created_at=state.created_at,
            binding=state.binding, purpose=state.purpose, timezone=state.timezone,
            expires_at=state.expires_at)
        return saved_if_new(item)

    def take(self, state_id: str, now: datetime) -> OAuthState | None:
        try:
            gone = OAuthStateItem._get_connection().delete_item(
                *_key(state_id), return_values=ALL_OLD,
                condition=OAuthStateItem.pk.exists() & (OAuthStateItem.expires_at > now),
            ).get("Attributes")
        except DeleteError as exc:
            if condition_failed(exc):
                return None  # taken already, never put, or expired
            raise
        assert gone, "a delete whose condition passed returns what it deleted"
        item = PennyItem.from_raw_data(gone)
        assert isinstance(item, OAuthStateItem)
        try:
            verifier = self._cipher.decrypt(item.code_verifier, _owner(state_id),
                                            item.provider)
        except TokenDecryptionError:
            # Its key was retired while the round trip was under way (within its 10
            # minutes): the round trip cannot finish, so it is as if it had expired.
            log.warning("oauth state unreadable; treated as expired",
                        extra={"provider": item.provider})
            return None
        return OAuthState(
            state_id=state_id, provider=item.provider, host_id=item.host_id,
            session_id=item.session_id, nonce=item.nonce, redirect_to=item.redirect_to,
            code_verifier=verifier,
            scopes=tuple(item.scopes), created_at=item.created_at, binding=item.binding,
            purpose=item.purpose, timezone=item.timezone)
