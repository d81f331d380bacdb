"""The Jinja2 environment: autoescape on, gettext callables from ``web.i18n``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from crossroads.web import i18n
from crossroads.web.static_files import static_url

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def local_datetime(value: datetime, timezone: str) -> str:
    """A UTC time in the convening's zone.

    2026-12-01 14:00 UTC, "Europe/Paris" -> ``Tue 1 Dec 2026, 15:00 (Europe/Paris)``
    """
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local:%a %-d %b %Y, %H:%M} ({timezone})"


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
    environment.globals["current_language"] = i18n.current_language
    environment.globals["text_direction"] = i18n.text_direction
    environment.globals["static_url"] = static_url
    return Jinja2Templates(env=environment)
