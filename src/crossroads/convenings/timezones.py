"""The IANA time zones a host chooses from, and finding one from a city's name (#31)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone this machine's tz database knows, Area/City ones first, sorted; the old
    aliases (``US/Pacific``, ``Etc/GMT+5``) last, since people look for a place."""
    names = available_timezones()
    places = sorted(n for n in names if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return (*places, *sorted(names - set(places)))


def resolve_zone(value: str) -> str:
    """The zone ``value`` names: itself when known, else the one zone whose city it is.

    >>> resolve_zone("Bogota"), resolve_zone("buenos aires"), resolve_zone("Nowhere")
    ('America/Bogota', 'America/Argentina/Buenos_Aires', 'Nowhere')
    """
    value = value.strip()
    names = set(zone_names())
    if value in names:
        return value
    wanted = value.casefold().replace(" ", "_")
    matches = [n for n in zone_names() if "/" in n and n.rsplit("/", 1)[1].casefold() == wanted]
    # America/Buenos_Aires is an old alias of America/Argentina/Buenos_Aires: the deeper name
    # is the current one. Two places of one name in different zones stay unresolved.
    deepest = max((n.count("/") for n in matches), default=0)
    current = [n for n in matches if n.count("/") == deepest]
    return current[0] if len(current) == 1 else value
