"""The core every function kind shares (settings, clock, the table, the provider
registry), built once per container; and `Once`, a value made on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Core:
    settings: Settings
    clock: Clock

    @property
    def providers(self) -> Providers:
        """The provider registry: each provider's settings entry, None when it is off."""
        return self.settings.providers


def build_core(settings: Settings | None = None, clock: Clock | None = None) -> Core:
    from chalicelib.bootstrap.container import environment_settings
    from chalicelib.integrations import aws_session
    from chalicelib.store import tables

    settings = settings or environment_settings()
    tables.configure(settings.table_name, settings.region, settings.dynamodb_endpoint,
                     aws_session.shared_session())
    return Core(settings, clock or SystemClock())


class Once:
    """A value made on first use, then kept (the connection service of an API)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make: Callable[[], Any] | None = make
        self._value: Any = None

    def __call__(self) -> Any:
        if self._make is not None:
            self._value, self._make = self._make(), None
        return self._value


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.provider_settings import Providers
    from chalicelib.services.ports import Clock
