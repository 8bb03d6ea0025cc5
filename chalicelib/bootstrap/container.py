"""This container's instances: the settings and each function kind's services, built
once per Lambda container on first use; `install()` replaces them (tests). They are
this module's globals alone: read them through its functions, never copy one out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.bootstrap.api import build_api
from chalicelib.bootstrap.realtime import build_realtime
from chalicelib.bootstrap.shared_core import build_core
from chalicelib.bootstrap.workers import build_worker
from chalicelib.settings import Settings

_settings: Settings | None = None
_core: Core | None = None
_api: ApiServices | None = None
_realtime: RealtimeServices | None = None
_workers: dict[str, JobRunner] = {}


def environment_settings() -> Settings:
    """The container's settings, read once (in Lambda at init, see app.py): a missing or
    development secret raises InsecureSecretsError there, before any request is served."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def core() -> Core:
    global _core
    if _core is None:
        _core = _api.core if _api is not None else build_core()
    return _core


def services() -> ApiServices:
    global _api
    if _api is None:
        _api = build_api(core())
    return _api


def realtime_services(websocket_api: Any) -> RealtimeServices:
    """`websocket_api` None: a Lambda with no Chalice WebSocket handler (the API's logout)."""
    global _realtime
    if _realtime is None:
        if websocket_api is None:
            from chalice.app import WebsocketAPI

            websocket_api = WebsocketAPI()
        _realtime = build_realtime(core(), websocket_api)
    return _realtime


def worker(name: str) -> JobRunner:
    """The named worker of the list, built on its first event."""
    if name not in _workers:
        from chalicelib.store.queues import QUEUES

        spec = next(s for s in QUEUES if s.name == name)
        _workers[name] = build_worker(core(), spec)
    return _workers[name]


class LoginSocketsOnLogout:
    """Closes an ended login's dashboard sockets through the WebSocket management API.

    The API Lambda builds the realtime services only when a login ends, never at start.
    """

    def close_login(self, host_id: str, session_id: str) -> int:
        return realtime_services(None).realtime.close_login(host_id, session_id)


def install(instance: ApiServices | None) -> None:
    """Replace the container's services (tests): the realtime functions and workers are
    rebuilt on the installed core; None rebuilds everything from the environment."""
    global _api, _core, _realtime, _settings
    _api = instance
    _core = None if instance is None else instance.core
    _realtime = None
    _workers.clear()
    if instance is None:
        _settings = None


def install_realtime(instance: RealtimeServices | None) -> None:
    global _realtime
    _realtime = instance


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.api_services import ApiServices
    from chalicelib.bootstrap.realtime import RealtimeServices
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.services.jobs import JobRunner
