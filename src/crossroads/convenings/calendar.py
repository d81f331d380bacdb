"""The .ics calendar file for a convening."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from crossroads.convenings.planning import Plan


def calendar_file(plan: Plan, *, join_url: str, now: datetime) -> bytes:
    convening = plan.convening
    calendar = Calendar()
    calendar.add("prodid", "-//Crossroads//Community calls//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{convening.public_id}@crossroads")
    event.add("dtstamp", now)
    event.add("dtstart", convening.starts_at)
    event.add("dtend", convening.starts_at + timedelta(minutes=convening.duration_minutes))
    event.add("summary", convening.title)
    description = convening.description
    if join_url:
        description = f"{description}\n\n{join_url}".strip()
    event.add("description", description)
    if join_url:
        event.add("url", join_url)
    calendar.add_component(event)
    return calendar.to_ical()
