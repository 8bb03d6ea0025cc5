"""The item models of a host's sessions: the refresh tokens of each login, the open
dashboards' sockets, and the rate limits' counters.
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


class RefreshTokenItem(PennyItem, discriminator="refresh"):
    """pk = REFRESH#{sha256 of token}: an old-format refresh token (a bare secret).

    No longer written: read for one release (store/tokens.py), TTL removes the last.
    """

    host_id = UnicodeAttribute()
    family_id = UnicodeAttribute()
    used = BooleanAttribute(default=False)


class RefreshFamilyItem(PennyItem, discriminator="refresh_family"):
    """pk = RFAMILY#{id}: one login; its refresh token's hash, the last few it spent.

    Under 1 KB, so a read and a rotation cost one unit each. `expires_at` slides with
    each rotation. A login from before tokens named it has no `current_hash` yet.
    """

    host_id = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)
    current_hash = UnicodeAttribute(null=True)  # sha256 of the one token that may rotate
    spent_hashes = ListAttribute[str](null=True)  # newest first, bounded; each an S in an L
    # When the login began (a password or a provider sign-in); refreshes keep it. Logins
    # from before it was written have none, and count as not recent.
    started_at = UTCDateTimeAttribute(null=True)


class LoginListItem(PennyItem, discriminator="login_listed"):
    """pk = HOSTLOGINS#{host}, sk = RFAMILY#{login id}: the host's logins, found in one
    Query, so a password change can end all but the caller's (store/tokens.py).

    No TTL: a login slides, so no expiry written at its start is safe. The item goes at
    logout and at a password change (which ends every other login anyway).
    """

    family_id = UnicodeAttribute()


# A socket is what API Gateway calls a WebSocket connection. The stored names keep the old
# word (keys HOSTCONNS#/CONN#, kind "ws_connection", attribute "connection_id"): they are
# in deployed tables, and renaming them would orphan every open socket.
class SocketItem(PennyItem, discriminator="ws_connection"):
    """pk = HOSTCONNS#{host}, sk = CONN#{ticket id} (an access token's socket, or one from
    before: CONN#{socket id}): a host's open dashboards, found in one Query; TTL 2 h.

    Written once, conditionally, at `$connect` (store/sockets.py), and once more if the
    socket is refused at the host's bound: then `refused`, it is no socket, only its
    ticket's key, kept until the ticket expires. The WSCONN# lookups and WSTICKET# claims
    that used to sit beside them are read by nothing: TTL ends them.
    """

    socket_id = UnicodeAttribute(attr_name="connection_id")  # API Gateway's connection id
    session_id = UnicodeAttribute(null=True)  # the login that opened it: logout closes it
    refused = BooleanAttribute(null=True)  # True: refused at the bound, its key kept only


class CounterItem(PennyItem, discriminator="counter"):
    """pk = COUNTER#{scope}#{key}: a rate limit's count (failed logins, signups); TTL ends it."""

    hits = NumberAttribute(default=0)  # not `count`: Model.count is a classmethod
    last_at = UTCDateTimeAttribute()


class PasswordResetItem(PennyItem, discriminator="password_reset"):
    """pk = PWRESET#{host}: the account's one live password reset link (its token's
    SHA-256, never the token), replaced by a newer one, marked used once; TTL 30 minutes.
    """

    email = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
