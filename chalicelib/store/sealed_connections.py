"""A connection's item as the repository reads and writes it: read strongly, updated under
a condition, and its tokens opened and sealed by the cipher (sealed again with the key
that seals now when they were read under an older one).

Every write that seals tokens records when (`sealed_at`, on the write that happens
anyway). A token under a key id this container's ring lacks is then told apart: sealed
before the container read its ring (or more than a day ago), its key was retired
(RetiredTokenKeyError: the connection is broken); sealed since, or when is not recorded,
it is under a newer key a rotation is bringing in (UnknownTokenKeyError: try again).

ConnectionRepository (connections.py) is made of this and the refresh leases
(connection_refresh_leases.py); connection_items.py names where each item is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.connections import (
    RetiredTokenKeyError,
    Tokens,
    UnknownTokenKeyError,
    sealed_under_retired_key,
)
from chalicelib.services.connection_ports import TokenCipher
from chalicelib.services.ports import Clock
from chalicelib.store.connection_items import connection_key, owner
from chalicelib.store.items import ConnectionItem
from chalicelib.store.transactions import condition_failed


class SealedConnections:
    """`clock` dates what is sealed; `ring_read_at`: when this container read the key ring
    `cipher` holds (its start; None: not known, settings made in code)."""

    def __init__(self, cipher: TokenCipher, clock: Clock,
                 ring_read_at: datetime | None = None) -> None:
        self._cipher = cipher
        self._clock = clock
        self._ring_read_at = ring_read_at

    def _tokens(self, item: ConnectionItem, reseal: bool = True) -> Tokens:
        host_id, provider = owner(item)

        def open_(text: str) -> str:
            try:
                return self._cipher.decrypt(text, host_id, provider)
            except UnknownTokenKeyError as exc:
                if not sealed_under_retired_key(item.sealed_at, self._ring_read_at,
                                                self._clock.now()):
                    raise
                raise RetiredTokenKeyError(
                    f"{exc}: retired (sealed {item.sealed_at:%Y-%m-%dT%H:%M:%SZ}, before this "
                    "container read its key ring or more than a day ago)") from exc

        tokens = Tokens(open_(item.access_token),
                        None if item.refresh_token is None else open_(item.refresh_token),
                        item.token_expires_at)
        if reseal and not all(self._cipher.sealed_with_active(text) for text in
                              (item.access_token, item.refresh_token) if text is not None):
            self._reseal(item, tokens)
        return tokens

    def _reseal(self, item: ConnectionItem, tokens: Tokens) -> None:
        """Tokens sealed with a key kept only to open them (a rotation): sealed again with
        the key that seals now, as read, so the old key can go. Google's and Notion's are
        never rewritten by a refresh (their refresh token survives its use, Notion's never
        expires): without this, retiring the old key would break them. Best effort: a
        write in between (a refresh) has sealed them anew already."""
        seal, (host_id, provider) = self._seal, owner(item)
        actions: list[Action] = [ConnectionItem.access_token.set(
            seal(host_id, provider, tokens.access_token)), self._sealed_now()]
        condition = ConnectionItem.access_token == item.access_token
        if tokens.refresh_token is not None:
            actions.append(ConnectionItem.refresh_token.set(
                seal(host_id, provider, tokens.refresh_token)))
            condition &= ConnectionItem.refresh_token == item.refresh_token
        self._update(host_id, provider, actions, condition)

    def _seal(self, host_id: str, provider: str, secret: str) -> str:
        return self._cipher.encrypt(secret, host_id, provider)

    def _sealed_now(self) -> Action:
        """`sealed_at` set to now: on every update that seals a token."""
        return ConnectionItem.sealed_at.set(self._clock.now())

    def _item(self, host_id: str, provider: str) -> ConnectionItem | None:
        try:
            return ConnectionItem.get(*connection_key(host_id, provider), consistent_read=True)
        except DoesNotExist:
            return None

    def _update(self, host_id: str, provider: str, actions: Sequence[Action],
                condition: Condition) -> ConnectionItem | None:
        """The item as the update left it, or None when its condition refused it."""
        item = ConnectionItem(*connection_key(host_id, provider))
        try:
            item.update(actions=list(actions), condition=condition)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return None
        return item
