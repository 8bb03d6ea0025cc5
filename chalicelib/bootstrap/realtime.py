"""The realtime functions (the WebSocket routes, the table stream): the sockets, their
tickets, and the fan-out to the workers' topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.bootstrap.accounts import _accounts, _tickets


@dataclass(frozen=True)
class RealtimeServices:
    """What the WebSocket and stream Lambdas need; the topic they publish to is the
    fan-out's (infra/messaging.py)."""

    realtime: Realtime
    fanout: Fanout


def build_realtime(core: Core, websocket_api: Any, sns_client: Any = None,
                   sender: Any = None) -> RealtimeServices:
    from chalicelib.integrations import websocket
    from chalicelib.integrations.sns import DisabledEventBus, SnsEventBus
    from chalicelib.services.fanout import Fanout
    from chalicelib.services.realtime import Realtime
    from chalicelib.store.queues import WORKER_TYPES
    from chalicelib.store.sockets import SocketRepository
    from chalicelib.store.stream import events_of

    settings = core.settings
    if sender is None:
        websocket.configure(websocket_api, settings.region, settings.websocket_api_id,
                            settings.websocket_stage, settings.websocket_endpoint)
        sender = websocket.ChaliceSender(websocket_api)
    # The sockets check a login is still open: the accounts, without their sockets.
    realtime = Realtime(SocketRepository(), sender, _accounts(core), core.clock,
                        _tickets(core))
    bus: Any = DisabledEventBus()
    if settings.events_topic_arn:
        if sns_client is None:
            from chalicelib.integrations import aws_session

            sns_client = aws_session.client("sns", settings.region)
        bus = SnsEventBus(sns_client, settings.events_topic_arn)
    return RealtimeServices(realtime, Fanout(bus, realtime, events_of, WORKER_TYPES))


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.services.fanout import Fanout
    from chalicelib.services.realtime import Realtime
