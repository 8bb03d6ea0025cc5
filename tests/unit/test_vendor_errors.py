"""How a provider's OAuth refusal becomes Penny's error (chalicelib/integrations/oauth/
vendor_errors.py): what only the host can mend breaks the connection, so the host is
told; what a retry may cure is "unavailable"; the rest is refused as it stands."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.integrations.oauth.vendor_errors import refused


# invalid_grant: revoked, expired, password changed. interaction_required: Microsoft's
# sign-in frequency, MFA and conditional access (AADSTS70043, 50076, 53003).
@pytest.mark.parametrize("code", ["invalid_grant", "interaction_required", "login_required",
                                  "consent_required"])
def test_a_refresh_only_the_host_can_mend_breaks_the_connection(code: str) -> None:
    error = refused("microsoft", "Outlook", "refresh", code, 400)

    assert isinstance(error, ConnectionBrokenError)
    assert "reconnect" in error.message


@pytest.mark.parametrize(("code", "status"), [("temporarily_unavailable", 400),
                                              (None, 503), (None, 429)])
def test_a_refresh_a_retry_may_cure_is_unavailable(code: str | None, status: int) -> None:
    assert isinstance(refused("zoom", "Zoom", "refresh", code, status),
                      ProviderUnavailableError)


def test_the_same_codes_at_the_exchange_are_refused_not_broken() -> None:
    error = refused("microsoft", "Outlook", "exchange", "interaction_required", 400)

    assert type(error) is ProviderRejectedError
