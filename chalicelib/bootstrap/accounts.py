"""Accounts and their tokens: the login service (passwords, rate limits, refresh
tokens), the access tokens it signs, and the realtime tickets signed like them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING


def _accounts(core: Core, passwords: PasswordHasher | None = None,
              sockets: LoginSockets | None = None) -> AccountService:
    from chalicelib.integrations.argon2_passwords import Argon2Passwords
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.rate_limits import LoginBackoff, NetworkLogins, SignupLimit
    from chalicelib.store.counters import CounterRepository
    from chalicelib.store.hosts import HostRepository
    from chalicelib.store.tokens import RefreshTokenRepository

    settings, clock = core.settings, core.clock
    counters = CounterRepository()
    return AccountService(
        HostRepository(), RefreshTokenRepository(), passwords or Argon2Passwords(),
        _access_tokens(core), clock, timedelta(seconds=settings.refresh_token_ttl_seconds),
        logins=LoginBackoff(counters, clock, settings.login_free_failures,
                            timedelta(seconds=settings.login_max_delay_seconds),
                            timedelta(seconds=settings.login_forget_after_seconds)),
        signups=SignupLimit(counters, clock, settings.signups_per_window,
                            timedelta(seconds=settings.signup_window_seconds)),
        networks=NetworkLogins(counters, clock, settings.login_failures_per_network,
                               timedelta(seconds=settings.login_network_window_seconds)),
        sockets=sockets)


def _access_tokens(core: Core) -> JwtAccessTokens:
    from chalicelib.integrations.jwt_tokens import JwtAccessTokens

    s = core.settings
    return JwtAccessTokens(s.jwt_keys, s.jwt_active_kid, s.jwt_issuer, s.jwt_audience,
                           timedelta(seconds=s.access_token_ttl_seconds))


def _tickets(core: Core) -> RealtimeTickets:
    from dataclasses import replace

    from chalicelib.services.tickets import RealtimeTickets

    s = core.settings
    signer = replace(_access_tokens(core), audience=s.realtime_audience,
                     ttl=timedelta(seconds=s.realtime_ticket_ttl_seconds))
    return RealtimeTickets(signer, core.clock)


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.integrations.jwt_tokens import JwtAccessTokens
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.ports import LoginSockets, PasswordHasher
    from chalicelib.services.tickets import RealtimeTickets
