"""Logins (refresh-token families), one item each: RFAMILY#{id}.

The item holds the hash of the login's current refresh token and of the last few it
spent (SPENT_TOKENS_KEPT), so the token the client holds, `{login id}.{secret}`, is
found with one consistent GetItem by its key, and everything a rotation changes is on
that one item:

- a login is one PutItem (1 write unit; it was a two-item transaction, 4 units), and
  one more for its line in the host's list of logins (LOGINS below);
- a rotation is one UpdateItem conditioned on the presented hash still being current
  and the login not revoked (1 write unit; it was three writes). Two refreshes racing
  with one token: the condition lets one through, the other gets ConcurrentWriteError.

The dashboard rotates at every return to its tab, so this is most of what auth costs.

LOGINS: HOSTLOGINS#{host} / RFAMILY#{id}, one small item per login, written before the
login itself (so no login is ever unlisted), read by a password change to end every
other login (one Query), and deleted at logout and by that change. A rotation does not
touch it: refreshing costs what it did.

Old-format tokens (a bare secret, kept as REFRESH#{sha256} beside its family) are still
read for one release, so no host is logged out by the deploy: `find_old_format` reads the
REFRESH# item and its family, and the rotation moves the login to the new format (its
family gets a current hash). A family with a current hash has left the old format, so its
REFRESH# token counts as spent. Nothing writes REFRESH# items now; TTL removes the last
within the refresh lifetime (30 days), and then this reading can go.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.errors import ConcurrentWriteError
from chalicelib.services.ports import SPENT_TOKENS_KEPT, StoredRefreshToken
from chalicelib.store.items import LoginListItem, RefreshFamilyItem, RefreshTokenItem
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import condition_failed


def _family(family_id: str) -> RefreshFamilyItem | None:
    try:
        return RefreshFamilyItem.get(f"RFAMILY#{family_id}", "RFAMILY", consistent_read=True)
    except DoesNotExist:
        return None


class RefreshTokenRepository:
    def issue(self, token_hash: str, host_id: str, family_id: str, expires_at: datetime,
              started_at: datetime | None = None) -> None:
        """Start a login with its first token (listed first: see LOGINS above)."""
        LoginListItem(f"HOSTLOGINS#{host_id}", f"RFAMILY#{family_id}",
                      family_id=family_id).save()
        RefreshFamilyItem(f"RFAMILY#{family_id}", "RFAMILY", host_id=host_id,
                          current_hash=token_hash, expires_at=expires_at,
                          started_at=started_at).save(
            condition=RefreshFamilyItem.pk.does_not_exist())

    def started_at(self, family_id: str) -> datetime | None:
        """When the login began; None for an unknown login or one from before this was kept."""
        family = _family(family_id)
        return None if family is None else family.started_at

    def for_host(self, host_id: str) -> list[str]:
        """The ids of the host's listed logins, live or not (one consistent Query)."""
        return [item.family_id for item in
                LoginListItem.query(f"HOSTLOGINS#{host_id}", consistent_read=True)]

    def unlist(self, host_id: str, family_ids: list[str]) -> None:
        with PennyItem.batch_write() as batch:
            for family_id in family_ids:
                batch.delete(LoginListItem(f"HOSTLOGINS#{host_id}", f"RFAMILY#{family_id}"))

    def find(self, family_id: str, token_hash: str) -> StoredRefreshToken | None:
        family = _family(family_id)
        if family is None or family.current_hash is None:
            return None  # no such login, or one whose tokens do not name it (old format)
        spent = tuple(family.spent_hashes or ())
        if hmac.compare_digest(family.current_hash, token_hash):
            used = False
        elif any(hmac.compare_digest(h, token_hash) for h in spent):
            used = True
        else:
            return None  # a token this login never issued (or spent long ago): refuse only
        assert family.expires_at is not None
        return StoredRefreshToken(token_hash, family.host_id, family_id, used,
                                  family.expires_at, family.revoked, spent)

    def find_old_format(self, token_hash: str) -> StoredRefreshToken | None:
        try:
            token = RefreshTokenItem.get(f"REFRESH#{token_hash}", "REFRESH",
                                         consistent_read=True)
        except DoesNotExist:
            return None
        family = _family(token.family_id)
        assert token.expires_at is not None
        return StoredRefreshToken(
            token_hash, token.host_id, token.family_id,
            token.used or (family is not None and family.current_hash is not None),
            token.expires_at, family is None or family.revoked)

    def rotate(self, old: StoredRefreshToken, new_hash: str, expires_at: datetime) -> None:
        """Spend `old` and make `new_hash` current, in one conditional write.

        The spent list is written whole: the condition on the current hash means nothing
        changed it since `old` was read. A login still in the old format has no current
        hash; its first rotation gives it one, so a second with the same token fails.
        """
        still_current = ((RefreshFamilyItem.current_hash == old.token_hash)
                         | RefreshFamilyItem.current_hash.does_not_exist())
        try:
            RefreshFamilyItem(f"RFAMILY#{old.family_id}", "RFAMILY").update(
                actions=[
                    RefreshFamilyItem.current_hash.set(new_hash),
                    RefreshFamilyItem.spent_hashes.set(
                        [old.token_hash, *old.spent][:SPENT_TOKENS_KEPT]),
                    # Sessions slide: each rotation extends the login by the full lifetime.
                    RefreshFamilyItem.expires_at.set(expires_at),
                ],
                condition=still_current & (RefreshFamilyItem.revoked == False))  # noqa: E712
        except UpdateError as exc:
            if condition_failed(exc):
                raise ConcurrentWriteError() from exc
            raise

    def is_active(self, family_id: str, now: datetime) -> bool:
        """Whether the login goes on: neither revoked nor expired (one consistent read)."""
        family = _family(family_id)
        if family is None:
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
