"""Refresh tokens, stored only as hashes, rotated on use, revoked by family."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import ConcurrentWriteError
from chalicelib.services.ports import StoredRefreshToken
from chalicelib.store.items import RefreshFamilyItem, RefreshTokenItem
from chalicelib.store.transactions import condition_failed, connection


class RefreshTokenRepository:
    def issue(self, token_hash: str, host_id: str, family_id: str, expires_at: datetime) -> None:
        """Start a new family (a login) with its first token."""
        with TransactWrite(connection=connection()) as tx:
            tx.save(RefreshFamilyItem(f"RFAMILY#{family_id}", "RFAMILY", host_id=host_id,
                                      expires_at=expires_at))
            tx.save(RefreshTokenItem(f"REFRESH#{token_hash}", "REFRESH", host_id=host_id,
                                     family_id=family_id, expires_at=expires_at))

    def find(self, token_hash: str) -> StoredRefreshToken | None:
        try:
            token = RefreshTokenItem.get(f"REFRESH#{token_hash}", "REFRESH",
                                         consistent_read=True)
        except DoesNotExist:
            return None
        try:
            family = RefreshFamilyItem.get(f"RFAMILY#{token.family_id}", "RFAMILY",
                                           consistent_read=True)
            revoked = family.revoked
        except DoesNotExist:
            revoked = True
        assert token.expires_at is not None
        return StoredRefreshToken(token_hash, token.host_id, token.family_id, token.used,
                                  token.expires_at, revoked)

    def rotate(self, old: StoredRefreshToken, new_hash: str, expires_at: datetime) -> None:
        """Mark the old token used and issue its successor; fails if it was used meanwhile
        or its login was revoked.

        Three single-item writes, not one transaction: a transaction bills each item twice
        (prepare and commit), and a rotation happens at every dashboard return. The
        conditional claim of the old token comes first, so two refreshes with one token
        still end with one winner; a failure after it only leaves the host logged out
        (their old token is spent, no successor exists), never with two live tokens.
        """
        try:
            RefreshTokenItem(f"REFRESH#{old.token_hash}", "REFRESH").update(
                actions=[RefreshTokenItem.used.set(True)],
                condition=RefreshTokenItem.used == False)  # noqa: E712
            # Sessions slide: each rotation extends the family as far as its new token.
            RefreshFamilyItem(f"RFAMILY#{old.family_id}", "RFAMILY").update(
                actions=[RefreshFamilyItem.expires_at.set(expires_at)],
                condition=RefreshFamilyItem.revoked == False)  # noqa: E712
        except UpdateError as exc:
            if condition_failed(exc):
                raise ConcurrentWriteError() from exc
            raise
        RefreshTokenItem(f"REFRESH#{new_hash}", "REFRESH", host_id=old.host_id,
                         family_id=old.family_id, expires_at=expires_at).save()

    def is_active(self, family_id: str, now: datetime) -> bool:
        """Whether the login goes on: neither revoked nor expired (one consistent read)."""
        try:
            family = RefreshFamilyItem.get(f"RFAMILY#{family_id}", "RFAMILY",
                                           consistent_read=True)
        except DoesNotExist:
            return False
        return not family.revoked and family.expires_at is not None and family.expires_at > now

    def revoke_family(self, family_id: str) -> None:
        try:
            RefreshFamilyItem(f"RFAMILY#{family_id}", "RFAMILY").update(
                actions=[RefreshFamilyItem.revoked.set(True)],
                condition=RefreshFamilyItem.pk.exists())
        except UpdateError as exc:
            # Already gone (expired and removed by TTL): nothing left to revoke.
            if not condition_failed(exc):
                raise
