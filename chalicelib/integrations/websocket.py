"""Sending to sockets (WebSocket connections), closing them and asking whether they are
open, through Chalice's websocket_api (API Gateway's management API), with its disconnect
error turned into Penny's."""

from __future__ import annotations

from typing import Any

from chalice import WebsocketDisconnectedError

from chalicelib.domain.errors import SocketGoneError


class ChaliceSender:
    def __init__(self, websocket_api: Any) -> None:
        self._api = websocket_api

    def send(self, socket_id: str, message: str) -> None:
        try:
            self._api.send(socket_id, message)
        except WebsocketDisconnectedError as exc:
            raise SocketGoneError(socket_id) from exc

    def close(self, socket_id: str) -> None:
        """Close the socket (DeleteConnection); API Gateway then runs $disconnect."""
        try:
            self._api.close(socket_id)
        except WebsocketDisconnectedError as exc:
            raise SocketGoneError(socket_id) from exc

    def is_open(self, socket_id: str) -> bool:
        """GetConnection: False if API Gateway answers 410 (closed, or not yet past
        `$connect`)."""
        try:
            self._api.info(socket_id)
        except WebsocketDisconnectedError:
            return False
        return True


class SharedSession:
    """What Chalice asks of a boto3 session (`region_name`, `client()`), answered from the
    container's one botocore session (aws_session.py): no second parse of botocore's data,
    no boto3."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name

    def client(self, service_name: str, **kwargs: Any) -> Any:
        from chalicelib.integrations import aws_session

        kwargs.setdefault("region_name", self.region_name)
        return aws_session.shared_session().create_client(service_name, **kwargs)


class EndpointSession:
    """A boto3 session whose management-API client goes to a fixed endpoint.

    Chalice builds `https://{domain}/{stage}`; the local gateway speaks plain http on
    loopback, so locally the endpoint comes from PENNY_WEBSOCKET_ENDPOINT instead.
    """

    def __init__(self, session: Any, endpoint_url: str) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self.region_name = session.region_name

    def client(self, service_name: str, **kwargs: Any) -> Any:
        kwargs["endpoint_url"] = self._endpoint_url
        return self._session.client(service_name, **kwargs)


def configure(websocket_api: Any, region: str, api_id: str | None, stage: str,
              endpoint: str | None) -> None:
    """Ready websocket_api for sending from any Lambda, not only the WebSocket ones."""
    session = SharedSession(region)
    websocket_api.session = EndpointSession(session, endpoint) if endpoint else session
    websocket_api.configure_from_api_id(api_id or "local", stage)
