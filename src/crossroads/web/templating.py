"""The Jinja2 environment: autoescape on, gettext callables from ``web.i18n``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from crossroads.convenings.timezones import zone_names
from crossroads.convenings.translations import convening_text, round_title
from crossroads.text_language import language_of
from crossroads.web import i18n
from crossroads.web.static_files import static_url

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def local_datetime(value: datetime, timezone: str) -> str:
    """A UTC time on the convening's clock, written the reader's way (their page language),
    with the zone's name (#31: a Spanish reader saw "Thu 10 Dec 2026").

    2026-12-10 14:00 UTC, "Europe/Paris": ``Thu, 10 Dec 2026, 15:00 (Europe/Paris)`` in
    English, ``jue, 10 dic 2026, 15:00 (Europe/Paris)`` in Spanish.
    """
    return format_local(value, timezone, i18n.current_language())


def format_local(value: datetime, timezone: str, language: str) -> str:
    # The project writes British English (organisation, 24-hour clock): en is en_GB here.
    locale = "en_GB" if language == "en" else language
    local = value.astimezone(ZoneInfo(timezone))
    day = format_skeleton("yMMMEd", local, locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)} ({timezone})"


def create_templates() -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]  # added by ext.i18n
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    environment.filters["local_datetime"] = local_datetime
    environment.globals["LANGUAGES"] = i18n.LANGUAGES
    environment.globals["TIMEZONES"] = zone_names()
    # The reader's language's text where the host translated it, else the original (#31).
    environment.globals["tr"] = lambda convening, field: convening_text(
        convening, field, i18n.current_language()
    )
    environment.globals["tr_round"] = lambda round_: round_title(round_, i18n.current_language())
    environment.globals["current_language"] = i18n.current_language
    environment.globals["text_direction"] = i18n.text_direction
    environment.globals["prompt_language"] = lambda prompt, convening: language_of(
        prompt.texts, i18n.current_language(), convening.languages
    )
    environment.globals["static_url"] = static_url
    return Jinja2Templates(env=environment)
