"""Sign-in identities (domain/connections.py LinkedIdentity): which account a Google or
Microsoft identity signs in to, and each account's identities.

  find      GetItem IDENTITY#{provider}#{subject}
  for_host  Query IDENTITIES#{host}
  link      TransactWriteItems: both items, each conditional (the identity is no other
            account's; the account has none from that provider yet)
  unlink    TransactWriteItems: both deletes

A new account that signs up with an identity writes the same two items inside its own
creation transaction (store/hosts.py `create`).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.connections import LinkedIdentity
from chalicelib.domain.errors import IdentityLinkedError, LastSignInError, NotFoundError
from chalicelib.domain.providers.oauth import Identity
from chalicelib.store.items import IdentityItem, IdentityLinkItem
from chalicelib.store.transactions import cancelled_reasons, connection


def identity_items(host_id: str, identity: Identity,
                   now: datetime) -> tuple[IdentityItem, IdentityLinkItem]:
    i = identity
    return (IdentityItem(f"IDENTITY#{i.provider}#{i.subject}", "IDENTITY", host_id=host_id,
                         provider=i.provider, subject=i.subject, email=i.email, linked_at=now),
            IdentityLinkItem(f"IDENTITIES#{host_id}", f"PROVIDER#{i.provider}",
                             host_id=host_id, provider=i.provider, subject=i.subject,
                             email=i.email, linked_at=now))


def _linked(item: IdentityLinkItem) -> LinkedIdentity:
    return LinkedIdentity(item.provider, item.subject, item.email, item.linked_at)


class IdentityRepository:
    def find(self, provider: str, subject: str) -> str | None:
        """The host the identity signs in to, or None."""
        try:
            item = IdentityItem.get(f"IDENTITY#{provider}#{subject}", "IDENTITY",
                                    consistent_read=True)
        except DoesNotExist:
            return None
        return item.host_id

    def for_host(self, host_id: str) -> list[LinkedIdentity]:
        return [_linked(item) for item in
                IdentityLinkItem.query(f"IDENTITIES#{host_id}", consistent_read=True)]

    def link(self, host_id: str, identity: Identity, now: datetime) -> None:
        """IdentityLinkedError when the identity signs in to another account, or the host
        has an identity from that provider already; linking the same one again is a no-op."""
        if self.find(identity.provider, identity.subject) == host_id:
            return
        claim, listed = identity_items(host_id, identity, now)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(claim, condition=IdentityItem.pk.does_not_exist())
                tx.save(listed, condition=IdentityLinkItem.pk.does_not_exist())
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            if reasons[0] == "ConditionalCheckFailed":
                raise IdentityLinkedError(
                    f"this {identity.provider.title()} account signs in to another Penny "
                    "account") from exc
            if reasons[1] == "ConditionalCheckFailed":
                raise IdentityLinkedError(
                    f"a {identity.provider.title()} account is linked already; unlink it "
                    "first") from exc
            raise

    def unlink(self, host_id: str, provider: str, keep_another: bool = False) -> None:
        """`keep_another`: only while another identity stays linked, checked in the same
        transaction (two unlinks at once cannot both leave an account with no way in)."""
        linked = self.for_host(host_id)
        found = [i for i in linked if i.provider == provider]
        if not found:
            raise NotFoundError(f"no {provider.title()} sign-in is linked")
        others = [i for i in linked if i.provider != provider]
        if keep_another and not others:
            raise LastSignInError(f"{provider.title()} is how you sign in to Penny; link "
                                  "another account first")
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(IdentityItem(f"IDENTITY#{provider}#{found[0].subject}", "IDENTITY"))
                tx.delete(IdentityLinkItem(f"IDENTITIES#{host_id}", f"PROVIDER#{provider}"),
                          condition=IdentityLinkItem.pk.exists())
                if keep_another:
                    other = others[0].provider
                    tx.condition_check(IdentityLinkItem, f"IDENTITIES#{host_id}",
                                       f"PROVIDER#{other}",
                                       condition=IdentityLinkItem.pk.exists())
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in cancelled_reasons(exc) or \
                    "TransactionConflict" in cancelled_reasons(exc):
                raise LastSignInError(f"{provider.title()} could not be unlinked while "
                                      "another sign-in changed; try again") from exc
            raise
