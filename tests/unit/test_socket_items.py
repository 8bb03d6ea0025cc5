"""The stored shape of a socket: code says "socket", the table keeps the names deployed
tables already hold (renaming them would orphan every open socket)."""

from __future__ import annotations

from chalicelib.store.items import SocketItem, SocketLookupItem


def test_a_socket_is_stored_under_the_connection_keys_deployed_tables_hold() -> None:
    item = SocketItem("HOSTCONNS#host-alice", "CONN#c-1", socket_id="c-1")

    assert item.serialize() == {"pk": {"S": "HOSTCONNS#host-alice"}, "sk": {"S": "CONN#c-1"},
                                "kind": {"S": "ws_connection"}, "connection_id": {"S": "c-1"}}


def test_a_socket_lookup_keeps_its_stored_kind() -> None:
    item = SocketLookupItem("WSCONN#c-1", "WSCONN", host_id="host-alice")

    assert item.serialize()["kind"] == {"S": "ws_lookup"}
