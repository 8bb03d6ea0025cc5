"""The push channels Penny asked for where the provider names the channel (Graph's
subscriptions): each written before the call (`WATCHTRY#{provider}#{token hash}`), one
write unit per attempt, so that a channel the provider made while Penny's call went
unanswered (an orphan) is found by the token its notifications carry. Only the token's
SHA-256 is kept, as on the channels' items (calendar_push_channels.py): the key proves
nothing to whoever reads the table.

Read only for a notification that names no channel Penny keeps; a channel Penny keeps
is found by its id as before, so its notifications read nothing more.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.calendar_cache import CalendarRef, WatchAttempt
from chalicelib.store.calendar_push_channels import token_hash
from chalicelib.store.items import WatchAttemptItem


def _key(provider: str, token: str) -> tuple[str, str]:
    return f"WATCHTRY#{provider}#{token_hash(token)}", "WATCHTRY"


class WatchAttempts:
    def save_attempt(self, provider: str, token: str, attempt: WatchAttempt,
                     keep_until: datetime) -> None:
        """The channel about to be asked for with `token`, kept until `keep_until`
        (past the longest the provider lets it live)."""
        WatchAttemptItem(*_key(provider, token), host_id=attempt.host_id,
                         calendar=attempt.ref.key, attempted_at=attempt.at,
                         expires_at=keep_until).save()

    def find_attempt(self, provider: str, token: str, now: datetime) -> WatchAttempt | None:
        """The channel asked for with `token`, unless it is past keeping (DynamoDB's TTL
        deletes late)."""
        try:
            item = WatchAttemptItem.get(*_key(provider, token), consistent_read=True)
        except DoesNotExist:
            return None
        if item.expires_at is not None and item.expires_at <= now:
            return None
        return WatchAttempt(item.host_id, CalendarRef.parse(item.calendar), item.attempted_at)

    def forget_attempt(self, provider: str, token: str) -> None:
        WatchAttemptItem(*_key(provider, token)).delete()
