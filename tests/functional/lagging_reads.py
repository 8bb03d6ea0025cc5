"""Eventually consistent reads that lag the writes. moto answers every read as the table
stands, so a test that needs a read behind the host's own save takes the host's items
before it, and from then on has every eventually consistent read of the host's partition
(a Query of it whole, a GetItem) answer with those; a consistent read, or a Query with a
condition, reads the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.store.tables import PennyItem


def reads_left_behind(monkeypatch: pytest.MonkeyPatch, host_id: str) -> Callable[[], None]:
    """The host's items as they stand now; call the function returned to have the
    host's eventually consistent reads answer with them."""
    pk = f"HOST#{host_id}"
    then = list(PennyItem.query(pk, consistent_read=True))
    real_query, real_get = PennyItem.query.__func__, PennyItem.get.__func__  # type: ignore[attr-defined]

    def lags(hash_key: Any, consistent_read: bool) -> bool:
        return hash_key == pk and not consistent_read

    def query(cls: type[PennyItem], /, hash_key: Any, range_key_condition: Any = None,
              filter_condition: Any = None, consistent_read: bool = False,
              **kwargs: Any) -> Any:
        if lags(hash_key, consistent_read) and range_key_condition is filter_condition is None:
            return iter([i for i in then if isinstance(i, cls)])
        return real_query(cls, hash_key, range_key_condition, filter_condition,
                          consistent_read, **kwargs)

    def get(cls: type[PennyItem], /, hash_key: Any, range_key: Any = None,
            consistent_read: bool = False, **kwargs: Any) -> Any:
        if not lags(hash_key, consistent_read):
            return real_get(cls, hash_key, range_key, consistent_read, **kwargs)
        found = next((i for i in then if i.sk == range_key and isinstance(i, cls)), None)
        if found is None:
            raise cls.DoesNotExist()
        return found

    def start() -> None:
        monkeypatch.setattr(PennyItem, "query", classmethod(query))
        monkeypatch.setattr(PennyItem, "get", classmethod(get))

    return start
