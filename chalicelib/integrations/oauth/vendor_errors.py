"""How a provider's refusal or silence becomes one of Penny's provider errors.

What happens next decides the class: a refresh the provider refuses for good
(`invalid_grant`: revoked, expired, password changed; or one only the host can mend by
signing in again: `interaction_required`) breaks the connection; a timeout,
a dropped connection, a 5xx or a 429 is worth retrying later; anything else the
provider refused (a bad code, a PKCE or nonce mismatch) cannot succeed as it stands.

Messages are read by the host: they name the provider and its error code, never a token,
a secret or the provider's free-text description (which may quote the request).
"""

from __future__ import annotations

import re
from typing import Literal

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
)

Step = Literal["exchange", "refresh", "revoke", "account"]

# Error codes that mean "later", whatever the HTTP status.
TRANSIENT = frozenset({"temporarily_unavailable", "server_error", "service_unavailable",
                       "rate_limited", "internal_server_error"})
# At refresh, the grant itself is gone, or the provider wants the host back in front of
# it (Microsoft's sign-in frequency, MFA and conditional-access rules answer
# `interaction_required`; OpenID's `login_required`, `consent_required`): either way only
# the host can mend it, by connecting again.
GRANT_GONE = frozenset({"invalid_grant", "interaction_required", "login_required",
                        "consent_required"})

_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

_DOING = {"exchange": "finishing the connection", "refresh": "refreshing the connection",
          "revoke": "revoking Penny's access", "account": "reading the connected account"}


def _safe(code: str | None) -> str | None:
    return code if code and _CODE.fullmatch(code) else None


def refused(provider: str, title: str, step: Step, error: str | None,
            status: int | None = None) -> ProviderError:
    """The error for a provider's answer `error` (its OAuth error code) / HTTP `status`."""
    code = _safe(error)
    if (status is not None and (status >= 500 or status == 429)) or code in TRANSIENT:
        shown = f"HTTP {status}" if status else code
        return ProviderUnavailableError(
            provider, f"{title} is unavailable ({shown}) while {_DOING[step]}; try again later")
    if step == "refresh" and code in GRANT_GONE:
        return ConnectionBrokenError(
            provider, f"{title} refused to refresh the connection; reconnect it")
    if step == "account" and status == 401:
        return ConnectionBrokenError(
            provider, f"{title} no longer accepts Penny's access; reconnect it")
    if step == "exchange":
        return ProviderRejectedError(
            provider, f"{title} refused the sign-in ({code or 'refused'}); start again from Penny")
    return ProviderRejectedError(
        provider, f"{title} refused {_DOING[step]} ({code or f'HTTP {status}'})")


def unreachable(provider: str, title: str, step: Step) -> ProviderUnavailableError:
    """A timeout or a connection that failed before the provider answered."""
    return ProviderUnavailableError(
        provider, f"{title} did not answer while {_DOING[step]}; try again later")


def untrusted(provider: str, title: str, what: str) -> ProviderRejectedError:
    """An ID token that fails verification: `what` says which check, never the token."""
    return ProviderRejectedError(
        provider, f"{title}'s sign-in could not be verified ({what}); start again from Penny")
