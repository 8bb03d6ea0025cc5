"""Live updates for hosts' open dashboards over API Gateway WebSockets.

A socket is accepted only with a valid access token (API clients) or a realtime
ticket (the dashboard, see tickets.py), and is stored under its host and the login
that opened it (when the credential names one: a ticket or access token of the
dashboard's login, or an API client's access token), so that ending the login closes it;
an event goes to every socket of its host and to nobody else's.

A socket costs one write, at `$connect`, and none when it closes: Penny has no
`$disconnect` route (a lookup written at every `$connect`, then an invocation, a read and
two deletes at every close: about $0.18 a month for 1,000 hosts, docs/cost.md, to keep
exact a count that is only needed at the bound). A ticket's socket is recorded under the
ticket's id, so that the same write uses the ticket up. A record lives until its TTL (2 h,
API Gateway's limit), until a push or the bound finds its socket gone (one failed post or
GetConnection, one delete; not within CONNECTING of its opening, when the socket may still
be in `$connect`), or until its login logs out. One bad socket never stops delivery to
the others.

A host keeps at most MAX_SOCKETS_PER_HOST open sockets. The one that opens past it first
asks API Gateway about the host's other sockets, oldest first (GetConnection), and forgets
the records of those found closed (a reloaded or closed tab leaves one behind); if that is
not enough, it closes the host's oldest live ones, if they are older than EVICT_AFTER (a
live dashboard's socket closes and that dashboard reconnects, now the newest), and is
refused (429) if they are not. A refused socket never counts against the bound: an
access token's record is deleted, and a ticket's keeps only its key, so that the ticket
stays used, until the ticket could no longer be accepted. So reloads never lock a host
out, no credential opens sockets without end, a push posts to that many at most, and more
live clients than the bound take turns at most once per EVICT_AFTER each instead of
closing each other in a loop.
"""

from __future__ import annotations

import json
import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.domain.errors import AuthenticationError, SocketGoneError, TooManySocketsError
from chalicelib.domain.events import Event
from chalicelib.services.access_tokens import AccessClaims
from chalicelib.services.ports import Clock
from chalicelib.services.tickets import RealtimeTickets

log = logging.getLogger("penny.realtime")

# A dashboard on each of a few devices, with room to spare: the records of sockets closed
# since (nothing runs when one closes) are found gone and forgotten at the bound, so they
# take no room from live ones for long.
MAX_SOCKETS_PER_HOST = 10
# A live socket younger than this is never closed for a newer one: past the bound with
# only young live sockets, the new one is refused instead.
EVICT_AFTER = timedelta(minutes=10)
# API Gateway answers a post to (or GetConnection of) a socket whose `$connect` has not
# returned yet with 410 (gone), as it does for a closed one; `$connect` may run up to API
# Gateway's 29 s integration timeout after writing the record. A record younger than this
# is kept when a push finds its socket gone, so a push that meets a handshake does not
# forget it, and the bound counts it without asking, so a burst of handshakes does not
# find each other gone and all get in.
CONNECTING = timedelta(seconds=30)
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OpenSocket:
    """A socket's record: API Gateway's id for it, and the key it is stored under (the
    id of the ticket that opened it; an access token's socket, or a record from before
    tickets keyed their sockets, has its own id)."""

    socket_id: str
    key: str
    opened_at: datetime | None  # None: not known (a record written without its TTL)

    @property
    def holds_ticket(self) -> bool:
        """Is this record what refuses its ticket a second time?"""
        return self.key != self.socket_id


class Sockets(Protocol):
    """The hosts' open sockets (store/sockets.py): one record each, under its host."""

    def open(self, host_id: str, key: str, socket_id: str, now: datetime,
             session_id: str | None = None) -> bool:
        """Record the socket under `key`; False, and nothing written, if `key` is taken."""
        ...

    def for_host(self, host_id: str, now: datetime) -> list[OpenSocket]: ...
    def for_login(self, host_id: str, session_id: str) -> list[OpenSocket]: ...
    def remove(self, host_id: str, sockets: list[OpenSocket]) -> None: ...

    def mark_refused(self, host_id: str, socket: OpenSocket, until: datetime) -> None:
        """The socket was refused: its record is no socket any more (for_host and
        for_login skip it), but its key stays taken until `until`, so `open` still
        refuses it (its ticket stays used)."""
        ...


class Sender(Protocol):
    def send(self, socket_id: str, message: str) -> None: ...
    def close(self, socket_id: str) -> None: ...

    def is_open(self, socket_id: str) -> bool:
        """False if the socket is gone (closed, or still in `$connect`): GetConnection."""
        ...


class Logins(Protocol):
    """Checks that a token's login (its `sid`) has not ended (AccountService)."""

    def claims(self, access_token: str) -> AccessClaims: ...
    def session_active(self, session_id: str) -> bool: ...


@dataclass(frozen=True)
class Realtime:
    sockets: Sockets
    sender: Sender
    logins: Logins
    clock: Clock
    tickets: RealtimeTickets

    def connect(self, socket_id: str, token: str | None, ticket: bool = False) -> str:
        """The host id, or AuthenticationError: the gateway then refuses the handshake.

        `ticket` says the credential was offered as a realtime ticket: only a ticket is
        accepted then, and only an access token otherwise (their audiences differ).
        """
        if not token:
            raise AuthenticationError("connect with ?ticket=<ticket> or ?token=<access token>")
        now = self.clock.now()
        if ticket:
            claims = self.tickets.verify(token)
            host_id, session_id, key = claims.host_id, claims.session_id, claims.ticket_id
        else:
            access = self.logins.claims(token)  # refused if it is bound to a login that ended
            # An access token opens any number of sockets: each is keyed by its own id, and
            # recorded under the token's login, bound to it or not (an API client's), so
            # that the login's logout closes it.
            host_id, session_id, key = access.host_id, access.login, socket_id
        if not self.sockets.open(host_id, key, socket_id, now, session_id):
            # Only a ticket's key can be taken: its socket's record is what used it up.
            raise AuthenticationError("this ticket was already used; ask for a new one")
        # A ticket outlives its login by up to a minute, and a logout may run while this
        # socket opens: its login is read after the socket's record is written, so either
        # the logout (which ends the login, then closes its sockets) finds the record, or
        # this read finds the login ended and takes the record away.
        if session_id is not None and not self.logins.session_active(session_id):
            self.sockets.remove(host_id, [OpenSocket(socket_id, key, now)])
            raise AuthenticationError("this session has ended; log in again")
        try:
            room = self._keep_within_bound(host_id, key, now)
        except Exception:  # the bound is housekeeping: it never refuses a socket by failing
            log.exception("keeping host %s within its sockets failed", host_id)
            room = True
        if not room:
            self._forget_refused(host_id, OpenSocket(socket_id, key, now), now)
            raise TooManySocketsError(
                f"this account has {MAX_SOCKETS_PER_HOST} live connections open; close one, "
                "or try again in a few minutes", retry_after=int(EVICT_AFTER.total_seconds()))
        return host_id

    def _keep_within_bound(self, host_id: str, key: str, now: datetime) -> bool:
        """Make room for the new socket within MAX_SOCKETS_PER_HOST: forget the records of
        the host's sockets found closed, then close its oldest live ones, never the new
        one nor one younger than EVICT_AFTER, and forget theirs (a ticket's record only
        once its ticket is spent: see push; one that failed to close is kept, and still
        pushed to). False when that makes too little room: the new socket is refused.

        The host's list is read eventually consistent (half a unit): the new record may
        be missing from it, so the new socket is counted whether it is there or not.
        """
        others = sorted((s for s in self.sockets.for_host(host_id, now) if s.key != key),
                        key=lambda s: s.opened_at or _NEVER)
        extra = len(others) + 1 - MAX_SOCKETS_PER_HOST
        if extra <= 0:
            return True
        gone = self._found_gone(others, extra, now)
        old = [s for s in others if s not in gone and (
            s.opened_at is None or now - s.opened_at >= EVICT_AFTER)][:extra - len(gone)]
        # One that failed to close is kept, so pushes still reach it; the next connect
        # tries again. One gone meanwhile had only its record left.
        closed = [s for s in old if self._close(s.socket_id)]
        forget = [s for s in gone + closed if not self._kept_while_gone(s, now)]
        if forget:
            self.sockets.remove(host_id, forget)
        return len(gone) + len(old) == extra

    def _found_gone(self, oldest_first: list[OpenSocket], wanted: int,
                    now: datetime) -> list[OpenSocket]:
        """Up to `wanted` of these sockets that API Gateway says are closed, asked oldest
        first, one GetConnection each: each reload or closed tab leaves a record behind,
        and these go before any live dashboard is closed. One younger than CONNECTING is
        not asked (it may still be in `$connect`, which API Gateway answers as gone too),
        and one whose answer fails counts as open: the bound errs on the side of counting.
        """
        found: list[OpenSocket] = []
        for socket in oldest_first:
            if len(found) == wanted or (
                    socket.opened_at is not None and now - socket.opened_at < CONNECTING):
                break  # the rest are younger still
            if not self._is_open(socket.socket_id):
                found.append(socket)
        return found

    def _forget_refused(self, host_id: str, socket: OpenSocket, now: datetime) -> None:
        """A refused socket never counts against the bound (a dashboard retrying with its
        backoff would otherwise fill it with its own refusals): an access token's record
        goes; a ticket's keeps only its key, until the ticket could no longer be
        accepted, so that a copy of the ticket opens nothing either."""
        if socket.holds_ticket:
            self.sockets.mark_refused(host_id, socket, self.tickets.usable_until(now))
        else:
            self.sockets.remove(host_id, [socket])

    def close_login(self, host_id: str, session_id: str) -> int:
        """Close the sockets a login opened (on logout); returns how many there were.

        Best effort, as the logout itself is already done: the records are deleted even
        if a close fails, so nothing more is pushed to that socket. Deleting a ticket's
        record cannot free the ticket: it names this login, which has ended.
        """
        found = self.sockets.for_login(host_id, session_id)
        for socket in found:
            self._close(socket.socket_id)
        if found:
            self.sockets.remove(host_id, found)
        return len(found)

    def pong(self, socket_id: str) -> None:
        self._answer(socket_id, json.dumps({"type": "pong"}))

    def refuse(self, socket_id: str, code: str, message: str) -> None:
        """Tell the client its message was not understood (the HTTP API's error shape)."""
        self._answer(socket_id, json.dumps(
            {"type": "error", "error": {"code": code, "message": message, "field": None}}))

    def push(self, event: Event) -> int:
        """Send to each of the host's sockets; returns how many received it. The records
        of sockets found gone are deleted together, in one write request, except those
        still kept (see _kept_while_gone)."""
        message = json.dumps(event.to_json())
        now = self.clock.now()
        delivered, gone = 0, []
        for socket in self.sockets.for_host(event.host_id, now):
            try:
                delivered += self._send(socket.socket_id, message)
            except SocketGoneError:
                if not self._kept_while_gone(socket, now):
                    gone.append(socket)
        if gone:
            self.sockets.remove(event.host_id, gone)
        return delivered

    def _close(self, socket_id: str) -> bool:
        """Close the socket; True if it is closed now (or was already), False if the close
        failed (logged)."""
        try:
            self.sender.close(socket_id)
        except SocketGoneError:
            pass
        except Exception:
            log.exception("closing %s failed", socket_id)
            return False
        return True

    def _is_open(self, socket_id: str) -> bool:
        try:
            return self.sender.is_open(socket_id)
        except Exception:  # counted as open: a failed answer never frees a place
            log.exception("asking whether %s is open failed", socket_id)
            return True

    def _kept_while_gone(self, socket: OpenSocket, now: datetime) -> bool:
        """Is this record kept although its socket is gone (closed, or not open yet)?

        Any record younger than CONNECTING: its socket may still be in `$connect`, which
        API Gateway also answers 410. A ticket's record, also until its ticket could no
        longer be accepted (deleted sooner, it would let a copy of the ticket open another
        socket). A push after that deletes it."""
        if socket.opened_at is None:  # age unknown: only a ticket's record is kept
            return socket.holds_ticket
        kept_until = socket.opened_at + CONNECTING
        if socket.holds_ticket:
            kept_until = max(kept_until, self.tickets.usable_until(socket.opened_at))
        return now < kept_until

    def _answer(self, socket_id: str, message: str) -> None:
        # A socket gone since it spoke: its id alone does not name its record, which the
        # next push (or TTL) deletes.
        with suppress(SocketGoneError):
            self._send(socket_id, message)

    def _send(self, socket_id: str, message: str) -> int:
        """1 if sent, 0 if it failed (logged); SocketGoneError if the socket is gone."""
        try:
            self.sender.send(socket_id, message)
        except SocketGoneError:
            raise
        except Exception:  # one broken socket must not stop the rest
            log.exception("push to %s failed", socket_id)
            return 0
        return 1
