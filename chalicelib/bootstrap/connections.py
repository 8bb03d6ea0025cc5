"""The hosts' connections (OAuth grants, their tokens sealed by the token cipher): the
connection service an API or a worker makes on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


def _cipher(core: Core) -> Any:
    from chalicelib.integrations.token_cipher import AesGcmTokenCipher

    settings = core.settings
    return AesGcmTokenCipher.from_key_ring(settings.token_keys, settings.token_active_kid)


def connection_store(core: Core, cipher: Any = None) -> ConnectionRepository:
    """The hosts' connections, their tokens sealed with this container's key ring
    (`cipher`, or one made now) and dated by the core's clock: a token under a key the
    ring lacks is told retired or newer by when it was sealed against when the ring was
    read."""
    from chalicelib.store.connections import ConnectionRepository

    return ConnectionRepository(cipher or _cipher(core), core.clock,
                                core.settings.token_keys_read_at)


def build_connections(core: Core, logins: OpenLogins) -> ConnectionService:
    from chalicelib.integrations.oauth import OAUTH_PROVIDERS, oauth_provider
    from chalicelib.services.connections import ConnectionService
    from chalicelib.services.oauth_clients import OAuthClients
    from chalicelib.services.oauth_state_signing import StateSigner
    from chalicelib.store.oauth_states import OAuthStateRepository

    settings = core.settings
    cipher = _cipher(core)
    entries = core.providers
    available = frozenset(p for p in OAUTH_PROVIDERS if getattr(entries, p) is not None)
    return ConnectionService(
        connections=connection_store(core, cipher),
        states=OAuthStateRepository(cipher),
        clients=OAuthClients(available, lambda name: oauth_provider(
            name, getattr(entries, name), now=core.clock.now)),
        clock=core.clock,
        signer=StateSigner(settings.link_secret),
        callback_url=lambda provider: f"{settings.public_base_url}/oauth/{provider}/callback",
        logins=logins,
        providers=OAUTH_PROVIDERS)


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.services.connections import ConnectionService, OpenLogins
    from chalicelib.store.connections import ConnectionRepository
