"""Errors of connecting a provider (services/connections.py) and of the sign-in
identities linked to an account: the provider not set up, the host's consent withheld,
a grant that could not last, an identity that belongs elsewhere."""

from __future__ import annotations

from chalicelib.domain.caller_errors import PennyError, ValidationError


class ProviderNotAvailableError(PennyError):
    """The operator has not set this provider up on this Penny (no settings entry)."""

    code = "provider_not_available"


class NotConnectedError(PennyError):
    """The host has no connection to this provider."""

    code = "not_connected"


class OAuthStateError(PennyError):
    """A callback whose state is forged, used, expired, or from another browser or login."""

    code = "invalid_oauth_state"


class ConsentDeclinedError(PennyError):
    """The host said no at the provider's consent page (`error=access_denied`)."""

    code = "consent_declined"


class ScopesDeclinedError(PennyError):
    """The host unticked a permission on the provider's consent page (Google's granular
    consent): the grant could not do what it was asked for, so nothing was connected."""

    code = "scopes_declined"

    def __init__(self, message: str, features: tuple[str, ...]) -> None:
        super().__init__(message)
        self.features = features  # what the missing permissions were for ("calendar")


class NoRefreshTokenError(PennyError):
    """The provider's tokens expire and it gave no refresh token (Google without offline
    access): the connection would break within the hour, so nothing was connected."""

    code = "no_refresh_token"


class IdentityLinkedError(PennyError):
    """The provider identity signs in to another account, or the account has one already."""

    code = "identity_linked"


class IdentityUnverifiedError(PennyError):
    """The provider did not confirm the identity's e-mail: no account is made from it."""

    code = "identity_unverified"


class LastSignInError(ValidationError):
    """Unlinking this identity would leave an account without a password no way in."""

    code = "last_sign_in"
