"""The one clock: "now" and "today" as the project keeps them (local time, whole seconds).

The store has its own :attr:`mapping.store.base.StoreBase.clock` (this one by default), so tests move
one store's time without touching anyone else's.
"""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The local time, to the second (as every timestamp in the store is kept)."""
    return dt.datetime.now().replace(microsecond=0)


def today() -> dt.date:
    """The local date."""
    return dt.date.today()
