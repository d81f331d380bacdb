"""When reminders are due and when a failed message is tried again. Pure: no I/O, no clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

REMINDER_PREFIX = "reminder:"
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 6 * 3600


def reminder_kind(minutes: int) -> str:
    return f"{REMINDER_PREFIX}{minutes}"


def reminder_minutes(kind: str) -> int | None:
    """``reminder_minutes("reminder:15") == 15``; None for an invitation."""
    if not kind.startswith(REMINDER_PREFIX):
        return None
    return int(kind.removeprefix(REMINDER_PREFIX))


def reminder_due(starts_at: datetime, timezone: str, minutes: int) -> datetime:
    """When a reminder ``minutes`` before the call is due, in UTC.

    Whole days are counted on the call's own wall clock, so "a day before" a 10:00 call is
    10:00 the day before even across a daylight-saving change (23 or 25 hours earlier);
    the rest is counted in elapsed minutes.

    >>> from datetime import UTC
    >>> # 10:00 in Paris on the day clocks go forward; a day before is 10:00 too, 23 h earlier
    >>> reminder_due(datetime(2026, 3, 29, 8, 0, tzinfo=UTC), "Europe/Paris", 1440)
    datetime.datetime(2026, 3, 28, 9, 0, tzinfo=datetime.timezone.utc)
    """
    zone = ZoneInfo(timezone)
    days, rest = divmod(minutes, 1440)
    local = starts_at.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
    # fold=0: a wall time that happens twice (clocks going back) is its first occurrence.
    start_of_day = local.replace(tzinfo=zone).astimezone(starts_at.tzinfo)
    return start_of_day - timedelta(minutes=rest)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, ... up to 6 h."""
    exponent = min(max(attempts - 1, 0), 20)
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2**exponent, LONGEST_RETRY_SECONDS))
