"""Times of day as the host's wall clock shows them, in their zone.

On the day the clocks go back an hour's times of day come twice: New York's 01:30 is
05:30Z (EDT) and, an hour later, 06:30Z (EST). Such a time alone names no instant, so
wherever Penny writes one it says which it is; every other time reads bare. Pure.
"""

from __future__ import annotations

from datetime import datetime


def repeated(local: datetime) -> bool:
    """Whether the clocks show `local`'s time of day twice that day (they went back): the
    same wall-clock time in its other fold is another instant. `local` is aware, as
    `astimezone` gives it."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def hhmm(local: datetime) -> str:
    """'09:00'; a time the clocks show twice with its zone's abbreviation, '01:30 EDT' or
    '01:30 EST' (a zone without one says its offset, '-03'), so it says which it is."""
    return f"{local:%H:%M} {local:%Z}" if repeated(local) else f"{local:%H:%M}"
