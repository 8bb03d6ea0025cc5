"""Password reset links, one item per account: PWRESET#{host}.

A new link is one PutItem over the account's item, so the link sent before stops
working (its hash is gone). Spending one is one UpdateItem conditioned on the hash being
the item's, unused and unexpired: of two uses at once DynamoDB lets one through. TTL
removes the item after its 30 minutes (late: the condition judges the expiry itself).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.services.mail_ports import StoredReset
from chalicelib.store.items import PasswordResetItem
from chalicelib.store.transactions import condition_failed


def _key(host_id: str) -> tuple[str, str]:
    return f"PWRESET#{host_id}", "PWRESET"


class ResetTokenRepository:
    def put(self, host_id: str, email: str, token_hash: str, expires_at: datetime) -> None:
        PasswordResetItem(*_key(host_id), email=email, token_hash=token_hash,
                          expires_at=expires_at).save()

    def spend(self, host_id: str, token_hash: str, now: datetime) -> str | None:
        item = PasswordResetItem(*_key(host_id))
        try:
            # The update reads the item back (ALL_NEW): its e-mail comes with it.
            item.update(actions=[PasswordResetItem.used_at.set(now)],
                        condition=(PasswordResetItem.token_hash == token_hash)
                        & PasswordResetItem.used_at.does_not_exist()
                        & (PasswordResetItem.expires_at > now))
        except UpdateError as exc:
            if condition_failed(exc):
                return None
            raise
        return item.email

    def find(self, host_id: str) -> StoredReset | None:
        try:
            item = PasswordResetItem.get(*_key(host_id), consistent_read=True)
        except DoesNotExist:
            return None
        assert item.expires_at is not None
        return StoredReset(host_id, item.email, item.token_hash, item.expires_at,
                           item.used_at is not None)
