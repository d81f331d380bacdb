"""A distinguishing title for each call of a series: the series' title and the call's date."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

TITLE_MAX = 200
SEPARATOR = " — "


def dated_title(base: str, starts_at: datetime, timezone: str, language: str) -> str:
    """``base`` with the call's local date, in the call's first language.

    >>> from datetime import UTC
    >>> dated_title("Coalition call", datetime(2027, 1, 14, 23, 30, tzinfo=UTC), "Asia/Tokyo", "es")
    'Coalition call — 15 ene 2027'
    """
    try:
        locale = str(Locale.parse(language or "en"))
    except (UnknownLocaleError, ValueError):
        locale = "en"
    day = format_date(starts_at.astimezone(ZoneInfo(timezone)), "d MMM y", locale=locale)
    day = day.replace(".", "")  # "ene." and "janv.": the abbreviation's dot adds nothing here
    suffix = f"{SEPARATOR}{day}"
    return base[: TITLE_MAX - len(suffix)].rstrip() + suffix
