"""The stored shape of a socket: code says "socket", the table keeps the names deployed
tables already hold (renaming them would orphan every open socket)."""

from __future__ import annotations

from chalicelib.store.items import SocketItem


def test_a_socket_is_stored_under_the_connection_keys_deployed_tables_hold() -> None:
    item = SocketItem("HOSTCONNS#host-alice", "CONN#t-1", socket_id="c-1")

    assert item.serialize() == {"pk": {"S": "HOSTCONNS#host-alice"}, "sk": {"S": "CONN#t-1"},
                                "kind": {"S": "ws_connection"}, "connection_id": {"S": "c-1"}}
