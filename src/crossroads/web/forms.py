"""Pydantic models for the HTML forms, and their errors as one message per field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, field_validator
from starlette.datastructures import FormData

from crossroads.convenings.safety import MAX_REPORT_CHARS, ReportReason
from crossroads.convenings.timezones import resolve_zone
from crossroads.store.records import ConveningFields, PrivacyMode, ProfileFields, RoundKind
from crossroads.text_input import UnsafeText, clean_block, clean_line
from crossroads.web.i18n import LANGUAGES
from crossroads.web.i18n import gettext as _


def _line(value: Any) -> Any:
    """Names, titles, one-line fields: see text_input.clean_line (#26)."""
    if not isinstance(value, str):
        return value
    try:
        return clean_line(value)
    except UnsafeText as exc:
        raise ValueError(_(exc.message)) from None


def _block(value: Any) -> Any:
    """Longer texts: line breaks kept, other control characters refused (#26)."""
    if not isinstance(value, str):
        return value
    try:
        return clean_block(value)
    except UnsafeText as exc:
        raise ValueError(_(exc.message)) from None


def _checked_block(value: Any) -> Any:
    """As ``_block``, leaving surrounding spaces as typed."""
    _block(value)
    return value


def _checkbox(value: Any) -> bool:
    return value in ("on", "true", "1", True)


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [item for item in (_line(item) for item in value.split(",")) if item]
    return value


Line = Annotated[str, BeforeValidator(_line)]
Text = Annotated[str, BeforeValidator(_block)]
Checkbox = Annotated[bool, BeforeValidator(_checkbox)]
TagList = Annotated[list[Annotated[str, Field(max_length=60)]], BeforeValidator(_split_list)]
_TIMEZONES = frozenset(available_timezones())


class ConveningForm(BaseModel):
    title: Line = Field(min_length=1, max_length=200)
    description: Text = Field(default="", max_length=5000)
    starts_at: datetime
    timezone: Line = Field(max_length=64)
    duration_minutes: int = Field(default=90, ge=10, le=24 * 60)
    languages: list[str] = Field(min_length=1)
    plenary_url: Line = Field(default="", max_length=500)
    code_of_conduct: Text = Field(default="", max_length=20000)
    privacy_mode: PrivacyMode = PrivacyMode.NAMED
    call_mode: Literal["", "builtin", "jitsi", "external"] = ""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        value = resolve_zone(value)  # "Bogota" is America/Bogota (#31)
        if value not in _TIMEZONES:
            raise ValueError(_("Choose a time zone from the list, like Europe/Paris."))
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [lang for lang in value if lang not in LANGUAGES]
        if unknown:
            raise ValueError(_("Choose from the languages offered."))
        return list(dict.fromkeys(value))

    @field_validator("plenary_url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(_("Give a web link that starts with https://"))
        return value

    def to_fields(self) -> ConveningFields:
        # The form's time is wall-clock time in the chosen zone; store it as UTC.
        local = self.starts_at.replace(tzinfo=ZoneInfo(self.timezone))
        return ConveningFields(
            title=self.title,
            description=self.description,
            starts_at=local.astimezone(UTC),
            timezone=self.timezone,
            duration_minutes=self.duration_minutes,
            languages=tuple(self.languages),
            plenary_url=self.plenary_url,
            code_of_conduct=self.code_of_conduct,
            privacy_mode=self.privacy_mode,
            call_mode=self.call_mode,
        )


class RoundForm(BaseModel):
    title: Line = Field(default="", max_length=200)
    kind: RoundKind = RoundKind.PAIRS
    group_size: int = Field(default=2, ge=0, le=6)
    duration_minutes: int = Field(default=12, ge=1, le=240)


class SectionForm(BaseModel):
    """A host's edit of one section of the reflection note (limits as in convenings/reflections)."""

    heading: Line = Field(min_length=1, max_length=300)
    body: Annotated[str, BeforeValidator(_checked_block)] = Field(default="", max_length=20_000)


class ProfileForm(BaseModel):
    display_name: Line = Field(min_length=1, max_length=80)
    organisation: Line = Field(default="", max_length=120)
    movements: TagList = Field(default_factory=list, max_length=12)
    region: Line = Field(default="", max_length=80)
    languages: list[str] = Field(default_factory=list)
    about: Text = Field(default="", max_length=200)
    consent_listed: Checkbox = False
    consent_quoted: Checkbox = False
    coc_accepted: Checkbox = False

    def to_fields(self) -> ProfileFields:
        return ProfileFields(
            display_name=self.display_name,
            organisation=self.organisation,
            movements=tuple(self.movements),
            region=self.region,
            languages=tuple(dict.fromkeys(self.languages)),
            about=self.about,
            consent_listed=self.consent_listed,
            consent_quoted=self.consent_quoted,
        )


class HostAccountForm(BaseModel):
    email: Line = Field(min_length=3, max_length=320)
    display_name: Line = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10, max_length=1000)


_LIST_FIELDS = frozenset({"languages"})


class ReportForm(BaseModel):
    """A participant's report to the hosts (see convenings/safety.py for the rules)."""

    reported: Line = Field(min_length=1, max_length=32)
    reason: ReportReason
    details: Text = Field(default="", max_length=MAX_REPORT_CHARS)


def form_values(form: FormData) -> dict[str, Any]:
    """Flatten form data: repeated fields (checkbox groups) become lists, the rest strings."""
    values: dict[str, Any] = {}
    for key in form:
        if key in _LIST_FIELDS:
            values[key] = [v for v in form.getlist(key) if isinstance(v, str)]
        else:
            value = form.get(key)
            if isinstance(value, str):
                values[key] = value
    return values


def _friendly(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return _("Use at most {n} characters.").format(n=ctx.get("max_length"))
    if kind == "too_long":
        return _("Choose at most {n}.").format(n=ctx.get("max_length"))
    if kind in ("string_too_short", "missing", "too_short"):
        return _("This field is required.")
    if kind.startswith("datetime"):
        return _("Give a date and time.")
    if kind.startswith("int"):
        return _("Give a whole number.")
    if kind == "greater_than_equal":
        return _("Give a number of at least {n}.").format(n=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("Give a number no larger than {n}.").format(n=ctx.get("le"))
    if kind == "enum":
        return _("Choose one of the options.")
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", _("This value is not valid.")))


def field_errors(exc: ValidationError) -> dict[str, str]:
    """``{"title": "Use at most 200 characters."}``: the first problem of each field."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "form"
        errors.setdefault(field, _friendly(dict(error)))
    return errors


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def form_body(model: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads this form with ``request.form()`` itself, so
    the schema (and schemathesis, #12) knows the fields it takes. The CSRF field is left out:
    clients may send the token in the ``X-CSRF-Token`` header instead."""
    schema = model if isinstance(model, dict) else model.model_json_schema()
    inlined = _inline(schema, schema.get("$defs", {}))
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": inlined}},
        }
    }


LOGIN_FIELDS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "email": {"type": "string"},
        "password": {"type": "string"},
        "next": {"type": "string"},
    },
    "required": ["email", "password"],
}
