"""What an invitation or a reminder says, in the reader's language, with the .ics attached.

Plain text only: nothing a host wrote is ever interpreted as markup in someone's mail.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_name

from crossroads.convenings.calendar import calendar_file
from crossroads.convenings.mail_schedule import reminder_minutes
from crossroads.convenings.mailing import Letter
from crossroads.convenings.planning import Plan
from crossroads.convenings.translations import convening_text
from crossroads.messages import DEFAULT_LANGUAGE, translations_for
from crossroads.store.records import ConveningRecord, InviteRecord
from crossroads.text_language import original_language


def letter_language(convening: ConveningRecord, invite: InviteRecord) -> str:
    """The person's own language from the roster, else the call's first language."""
    return invite.language or original_language(convening.languages, DEFAULT_LANGUAGE)


def _babel_locale(language: str) -> str:
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return "en"
    return language


def when(starts_at: datetime, timezone: str, language: str) -> str:
    """The call's start on its own clock, written the reader's way, with the zone's name.

    >>> from datetime import UTC
    >>> when(datetime(2026, 12, 10, 15, 0, tzinfo=UTC), "America/Bogota", "es")
    'jueves, 10 de diciembre de 2026, 10:00 (hora estándar de Colombia)'
    """
    locale = _babel_locale(language)
    local = starts_at.astimezone(ZoneInfo(timezone))
    return "{date}, {time} ({zone})".format(
        date=format_date(local, "full", locale=locale),
        time=format_time(local, "short", locale=locale),
        zone=get_timezone_name(local, locale=locale),
    )


def compose(letter: Letter, *, sender: str, now: datetime) -> EmailMessage:
    language = letter_language(letter.convening, letter.invite)
    translations = translations_for(language)
    _ = translations.gettext
    ngettext = translations.ngettext
    convening, invite = letter.convening, letter.invite
    title = convening_text(convening, "title", language)
    description = convening_text(convening, "description", language)
    starts = when(convening.starts_at, convening.timezone, language)
    minutes = reminder_minutes(letter.kind)
    if minutes is None:
        subject = _("Invitation: {title}").format(title=title)
        opening = _("{host} invites you to {title}.").format(host=letter.host_name, title=title)
    else:
        if minutes % 1440 == 0:
            soon = ngettext("in {n} day", "in {n} days", minutes // 1440).format(n=minutes // 1440)
        elif minutes % 60 == 0:
            soon = ngettext("in {n} hour", "in {n} hours", minutes // 60).format(n=minutes // 60)
        else:
            soon = ngettext("in {n} minute", "in {n} minutes", minutes).format(n=minutes)
        subject = _("Reminder: {title} starts {soon}").format(title=title, soon=soon)
        opening = _("A reminder: {title} starts {soon}.").format(title=title, soon=soon)
    lines = [
        _("Hello {name},").format(name=invite.name) if invite.name else _("Hello,"),
        "",
        opening,
        "",
        _("When: {when}").format(when=starts),
    ]
    if description:
        lines += ["", description]
    lines += [
        "",
        _("Your personal link (it is yours alone; please do not pass it on):"),
        letter.join_url,
        "",
        _("The attached calendar file adds the call to your calendar."),
        "",
        "-- ",
        _(
            "You receive this because {host} put your address on the list of people invited "
            "to this call."
        ).format(host=letter.host_name),
        _("To receive no more mail about it, or to report abuse: {url}").format(
            url=letter.unsubscribe_url
        ),
    ]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = formataddr((invite.name, invite.email))
    message["Date"] = now
    # The same id for every try of one job, so a receiver can tell a resent copy.
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "crossroads"
    message["Message-ID"] = f"<job{letter.job_id}.{convening.public_id}@{domain}>"
    message["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines))
    ics = calendar_file(Plan(convening=convening, rounds=()), join_url=letter.join_url, now=now)
    message.add_attachment(
        ics, maintype="text", subtype="calendar", filename="invitation.ics", params={}
    )
    # Last: set_content and add_attachment move Content-* headers into the body parts.
    message["Content-Language"] = language
    return message
