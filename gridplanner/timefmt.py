"""Times as people read them.

The project stores times as UTC ISO 8601 (``2026-12-06T15:11:17+00:00``) so they
sort, compare and travel between machines unchanged. Whatever shows a time to a
person (the history dialog, ``gridplanner info``, reports) goes through
:func:`local_time`: the system's local time, to the minute.
"""

from __future__ import annotations

from datetime import datetime

LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def local_time(iso: str) -> str:
    """``2026-12-06T15:11:17+00:00`` → ``2026-12-06 23:11`` in UTC+8.

    A time without a zone (its zone is unknown) or text that is not an ISO time is
    returned unchanged, so an odd entry still shows what it holds."""
    try:
        moment = datetime.fromisoformat(str(iso).strip())
    except ValueError:
        return iso
    if moment.tzinfo is None or moment.utcoffset() is None:
        return iso
    try:
        return moment.astimezone().strftime(LOCAL_FORMAT)
    except (OverflowError, OSError, ValueError):  # out of the platform's time range
        return iso
