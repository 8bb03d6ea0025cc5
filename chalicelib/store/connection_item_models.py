"""The item models of a host's links to providers: a connection and its sealed tokens,
an OAuth round trip in flight, and the sign-in identities with their twins under the
host.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.store.tables import PennyItem


# A connection is a host's link to a provider (not a socket: those are the ws_ items of
# session_item_models.py). Its partition is its own, not HOST#: the host's config Query
# reads every item under HOST#, and neither it nor the public pages should read (or pay
# for) tokens.
class ConnectionItem(PennyItem, discriminator="connection"):
    """pk = CONNECTIONS#{host}, sk = PROVIDER#{provider}: a host's connection to a
    provider (domain/connections.py), its tokens sealed by the token cipher with the host
    id and provider as associated data. `GET /me/connections` is one Query.

    `refresh_lease`/`refresh_lease_until`: who is refreshing the tokens, until when
    (absent: nobody). Taken by a conditional UpdateItem for one `tokens_version`; the
    refresh's result is saved, the version bumped and the lease removed in one more.
    """

    host_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    grant_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    account_label = UnicodeAttribute()
    scopes = ListAttribute[str](default=list)  # untyped: each scope an S in a DynamoDB L
    connected_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    broken_reason = UnicodeAttribute(null=True)
    broken_at = UTCDateTimeAttribute(null=True)
    # True: broken by the provider refusing a refresh of this `tokens_version` (a rotated
    # refresh token spent by a refresh that outlived its lease): that refresh's save of
    # the same version clears it (store/connection_refresh_leases.py).
    broken_by_refresh = BooleanAttribute(null=True)
    access_token = UnicodeAttribute()           # ciphertext (integrations/token_cipher.py)
    refresh_token = UnicodeAttribute(null=True)  # ciphertext; None: the provider gives none
    token_expires_at = UTCDateTimeAttribute(null=True)
    # When the tokens were last sealed (any of them: a connect, a refresh that stores
    # tokens, a re-seal under the key that seals now), by the writer's clock. A token
    # under a key id a container's ring lacks that was sealed before the container read
    # its ring was sealed under a key since retired (domain/connections.py
    # `sealed_under_retired_key`). None: written before Penny recorded it.
    sealed_at = UTCDateTimeAttribute(null=True)
    tokens_version = NumberAttribute(default=1)  # + 1 by each refresh
    refresh_lease = UnicodeAttribute(null=True)
    refresh_lease_until = UTCDateTimeAttribute(null=True)


class OAuthStateItem(PennyItem, discriminator="oauth_state"):
    """pk = OAUTHSTATE#{state id}, sk = OAUTHSTATE: one OAuth round trip in flight, taken
    (deleted) once by its callback. `expires_at` (TTL) is 10 minutes on; a take after it
    is refused even before TTL deletes the item."""

    provider = UnicodeAttribute()
    host_id = UnicodeAttribute(null=True)        # None: a sign-in
    session_id = UnicodeAttribute()
    code_verifier = UnicodeAttribute()           # ciphertext: the PKCE verifier is a secret
    nonce = UnicodeAttribute()
    redirect_to = UnicodeAttribute()
    scopes = ListAttribute[str](default=list)  # untyped: each scope an S in a DynamoDB L
    created_at = UTCDateTimeAttribute()
    binding = UnicodeAttribute()                 # a hash of the starting browser's cookie
    purpose = UnicodeAttribute(default="connect")  # connect, sign_in or link
    timezone = UnicodeAttribute(default="")      # sign-in: for a new account


class IdentityItem(PennyItem, discriminator="identity"):
    """pk = IDENTITY#{provider}#{subject}, sk = IDENTITY: which account a provider identity
    signs in to (unique: a conditional put). Its twin, IdentityLinkItem, lists it under
    the host; both are written and deleted in one transaction."""

    host_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    subject = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    linked_at = UTCDateTimeAttribute()


class IdentityLinkItem(PennyItem, discriminator="identity_link"):
    """pk = IDENTITIES#{host}, sk = PROVIDER#{provider}: the host's sign-in identities
    (one per provider), listed with one Query."""

    host_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    subject = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    linked_at = UTCDateTimeAttribute()
