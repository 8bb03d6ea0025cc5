"""The local WebSocket gateway's management API, as `apigatewaymanagementapi` calls it.

On the gateway's port, optionally under a stage prefix (`/local/@connections/{id}`):
`POST /@connections/{id}` sends the body to the client, `DELETE` closes the connection,
`GET` describes it. An unknown or closed connection is 410 with
`x-amzn-ErrorType: GoneException`, which botocore raises as `GoneException` and chalice's
`websocket_api.send` turns into `WebsocketDisconnectedError`. Not modelled: SigV4.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from http import HTTPStatus

from aiohttp import WSCloseCode, web

from local.ws_connections import MAX_MESSAGE_BYTES, Connection, error_response

MANAGEMENT_PATH = re.compile(r"(?:/[^/@][^/]*)?/@connections/(?P<id>[^/]+)")


async def manage(request: web.Request, connection: Connection | None) -> web.StreamResponse:
    """Answer one management call on `connection` (None: no such connection is open)."""
    if request.method not in ("POST", "DELETE", "GET"):
        return error_response(HTTPStatus.FORBIDDEN, "ForbiddenException", "Forbidden")
    if connection is None:
        return _gone()
    # A post may come between $connect's answer and the handshake (the app stored the
    # id in $connect); it is delivered once the socket is open, as in AWS.
    await connection.opened.wait()
    if connection.socket.closed or not connection.socket.prepared:
        return _gone()
    if request.method == "GET":
        return web.json_response(
            {
                "connectedAt": _iso(connection.connected_at / 1000),
                "identity": {
                    "sourceIp": connection.source_ip,
                    "userAgent": connection.user_agent,
                },
                "lastActiveAt": _iso(connection.last_active_at),
            }
        )
    if request.method == "DELETE":
        await connection.close(WSCloseCode.OK)
        return web.Response(status=HTTPStatus.NO_CONTENT)
    data = await request.read()
    if len(data) > MAX_MESSAGE_BYTES:
        return error_response(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "PayloadTooLargeException", "Message too long"
        )
    try:
        try:
            await connection.socket.send_str(data.decode("utf-8"))
        except UnicodeDecodeError:
            await connection.socket.send_bytes(data)
    except (ConnectionError, RuntimeError):  # closed between the check and the send
        return _gone()
    return web.Response(status=HTTPStatus.OK)


def _gone() -> web.Response:
    return error_response(HTTPStatus.GONE, "GoneException", "The connection is gone")


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )
