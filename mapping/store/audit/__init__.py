"""The access log's protection against tampering: a keyed hash chain and head anchors, both outside the database.

Public names: :class:`AccessLogMixin` (the store's log methods), :class:`LogCheck` and :class:`Finding`
(what :meth:`~AccessLogMixin.verify_access_log` reports), :class:`Anchor` (a recorded head),
:class:`LogKeys`, :func:`key_id`, and the environment variables naming the key and anchor files.
"""

from mapping.store.audit.chain import Finding, LogCheck
from mapping.store.audit.keys import ANCHORS_ENV, DIR_ENV, KEY_ENV, KEY_FILE_ENV, Anchor, LogKeys, key_id
from mapping.store.audit.log import BOUNDARY_KEY, AccessLogMixin

__all__ = [
    "ANCHORS_ENV",
    "BOUNDARY_KEY",
    "DIR_ENV",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "AccessLogMixin",
    "Anchor",
    "Finding",
    "LogCheck",
    "LogKeys",
    "key_id",
]
