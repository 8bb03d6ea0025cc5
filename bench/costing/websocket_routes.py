"""API Gateway's WebSocket routes as the harness plays them: $connect and $default as
their events to the ws_* functions, a client closing its socket, and the messages in
counted by the billed unit."""

from __future__ import annotations

import uuid
from typing import Any

from bench.costing.counting_sender import WS_UNIT, CountingSender
from bench.costing.lambdas import Invocations
from bench.costing.sim_clock import SimClock
from bench.costing.units import chunks


class WebSocketRoutes:
    """The harness's WebSocket clients."""

    invocations: Invocations
    app: Any
    app_module: Any
    sender: CountingSender
    clock: SimClock
    _bootstrap: Any

    def realtime_services(self) -> Any:
        return self._bootstrap.realtime_services(self.app.websocket_api)

    def _ws(self, route: str, kind: str, socket: str, **extra: Any) -> Any:
        from local.lambda_runtime import LambdaContext

        name = {"$connect": "ws_connect", "$default": "ws_message"}[route]
        event = {"requestContext": {"routeKey": route, "eventType": kind,
                                    "connectionId": socket, "domainName": "ws.example",
                                    "stage": "api", "apiId": "cost"}, **extra}
        return self.invocations.invoke(name, route, getattr(self.app_module, name), event,
                                       LambdaContext(name))

    def ws_connect(self, query: dict[str, str]) -> str:
        socket = uuid.uuid4().hex[:16]
        response = self._ws("$connect", "CONNECT", socket,
                            queryStringParameters=query, headers={})
        if int(response.get("statusCode", 200)) != 200:
            raise RuntimeError(f"$connect refused: {response}")
        return socket

    def ws_message(self, socket: str, body: str) -> None:
        self._ws("$default", "MESSAGE", socket, body=body)
        self.invocations.amend(ws_in_units=chunks(len(body.encode()), WS_UNIT))

    def ws_close(self, socket: str) -> None:
        """The client closes the socket: no function runs (Penny has no $disconnect), and
        a later post to it, or a GetConnection from the host's bound, finds it gone, as
        API Gateway's does, deleting its record."""
        self.sender.gone.add(socket)

    def ws_forget(self, host_id: str, socket: str) -> None:
        """Delete a socket's record (call it unmetered): for a socket that stands in for
        one the month counts elsewhere, so that it leaves nothing behind."""
        sockets = self.realtime_services().realtime.sockets
        sockets.remove(host_id, [s for s in sockets.for_host(host_id, self.clock.now())
                                 if s.socket_id == socket])
