"""Password hashing with Argon2id (memory-hard), via argon2-cffi: the `PasswordHasher` port
(services/ports.py). argon2 is imported on first use, never at a cold start."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Argon2Passwords:
    """Argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB)."""

    time_cost: int | None = None
    memory_cost: int | None = None
    _hasher: Any = None

    def _ph(self) -> Any:
        if self._hasher is None:
            from argon2 import PasswordHasher

            defaults = PasswordHasher()
            self._hasher = PasswordHasher(
                time_cost=self.time_cost or defaults.time_cost,
                memory_cost=self.memory_cost or defaults.memory_cost)
        return self._hasher

    def hash(self, password: str) -> str:
        return str(self._ph().hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(self._ph().verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return bool(self._ph().check_needs_rehash(password_hash))
