"""Providers' tokens at rest: AES-GCM with a key id, bound to the host and the provider."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from chalicelib.domain.connections import TokenDecryptionError, Tokens, UnknownTokenKeyError
from chalicelib.integrations.token_cipher import AesGcmTokenCipher
from chalicelib.services.connection_ports import OAuthState
from chalicelib.settings import Settings

OLD_KEY = b"an-old-token-key-of-32-bytes-xyz"
NEW_KEY = b"the-new-token-key-of-32-bytes-ab"
SECRET = "ya29.a-google-access-token"


def cipher(active: str = "k1", **keys: bytes) -> AesGcmTokenCipher:
    return AesGcmTokenCipher(keys or {"k1": OLD_KEY}, active)


def test_a_token_sealed_for_a_host_and_provider_opens_for_them() -> None:
    box = cipher()

    sealed = box.encrypt(SECRET, "host-1", "google")

    assert SECRET not in sealed
    assert box.decrypt(sealed, "host-1", "google") == SECRET


def test_each_seal_uses_a_fresh_nonce_so_equal_tokens_never_look_equal() -> None:
    box = cipher()

    assert box.encrypt(SECRET, "host-1", "google") != box.encrypt(SECRET, "host-1", "google")


def test_the_ciphertext_names_its_key_so_old_texts_open_after_a_new_key_takes_over() -> None:
    before = cipher("k1", k1=OLD_KEY).encrypt(SECRET, "host-1", "zoom")
    rotated = cipher("k2", k2=NEW_KEY, k1=OLD_KEY)

    after = rotated.encrypt(SECRET, "host-1", "zoom")

    assert before.split(".")[1] == "k1" and after.split(".")[1] == "k2"
    assert rotated.decrypt(before, "host-1", "zoom") == SECRET
    assert rotated.decrypt(after, "host-1", "zoom") == SECRET


def test_a_text_whose_key_left_the_ring_is_refused_naming_the_key() -> None:
    sealed = cipher("k1", k1=OLD_KEY).encrypt(SECRET, "host-1", "zoom")

    with pytest.raises(UnknownTokenKeyError, match="'k1' is not in the key ring"):
        cipher("k2", k2=NEW_KEY).decrypt(sealed, "host-1", "zoom")


@pytest.mark.parametrize(("host", "provider"), [("host-2", "google"), ("host-1", "microsoft")],
                         ids=["another host", "another provider"])
def test_a_text_moved_to_another_host_or_provider_is_refused(host: str, provider: str) -> None:
    box = cipher()
    sealed = box.encrypt(SECRET, "host-1", "google")

    with pytest.raises(TokenDecryptionError, match=f"does not belong to {host} at {provider}"):
        box.decrypt(sealed, host, provider)


def test_owner_and_provider_cannot_be_respelt_to_match_another_pair() -> None:
    box = cipher()
    sealed = box.encrypt(SECRET, "host-1", "google")

    with pytest.raises(TokenDecryptionError):
        box.decrypt(sealed, "host-", "1google")


def flip_last_byte(part: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    raw[-1] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("part", [2, 3], ids=["nonce", "ciphertext"])
def test_an_altered_text_is_refused(part: int) -> None:
    box = cipher()
    parts = box.encrypt(SECRET, "host-1", "google").split(".")
    parts[part] = flip_last_byte(parts[part])

    with pytest.raises(TokenDecryptionError, match="or was altered"):
        box.decrypt(".".join(parts), "host-1", "google")


@pytest.mark.parametrize("text", ["", "plain-token", "v2.k1.AAAA.AAAA", "v1.k1.AAAA.AAAA",
                                  "v1.k1.!!!!.AAAA"],
                         ids=["empty", "plain", "unknown version", "short nonce", "not base64"])
def test_a_text_not_made_here_is_refused_not_crashed_on(text: str) -> None:
    with pytest.raises(TokenDecryptionError):
        cipher().decrypt(text, "host-1", "google")


def test_a_key_ring_with_a_short_key_or_without_its_active_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        AesGcmTokenCipher({"k1": b"short"}, "k1")
    with pytest.raises(ValueError, match="'k9' is not in the key ring"):
        AesGcmTokenCipher({"k1": OLD_KEY}, "k9")


def test_the_development_key_ring_in_settings_makes_a_working_cipher() -> None:
    settings = Settings()
    box = AesGcmTokenCipher.from_key_ring(settings.token_keys, settings.token_active_kid)

    assert box.decrypt(box.encrypt(SECRET, "host-1", "notion"), "host-1", "notion") == SECRET
    assert "cGVubnk" not in repr(box) and "penny-dev" not in repr(box)


def test_tokens_and_a_state_never_show_their_secrets_in_repr() -> None:
    tokens = Tokens("ya29.access", "1//refresh", datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    state = OAuthState("s1", "google", "host-1", "sid-1", code_verifier="verifier-123",
                       nonce="nonce-456", redirect_to="/app/connections", scopes=("a",),
                       created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC), binding="b")

    shown = f"{tokens!r} {tokens} {state!r}"

    for secret in ("ya29.access", "1//refresh", "verifier-123", "nonce-456"):
        assert secret not in shown
    assert "expires_at=2026-11-23T13:00:00+00:00" in repr(tokens)
    assert "refresh_token=None" in repr(Tokens("ya29.access", None, None))


def test_tokens_need_a_refresh_shortly_before_they_expire_and_only_if_they_can() -> None:
    expires = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)

    assert not Tokens("a", "r", expires).needs_refresh(datetime(2026, 11, 23, 12, 57, tzinfo=UTC))
    assert Tokens("a", "r", expires).needs_refresh(datetime(2026, 11, 23, 12, 58, tzinfo=UTC))
    assert not Tokens("a", None, expires).needs_refresh(datetime(2026, 11, 23, 14, tzinfo=UTC))
    assert not Tokens("a", "r", None).needs_refresh(datetime(2026, 11, 23, 14, tzinfo=UTC))
