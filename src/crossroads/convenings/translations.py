"""A convening's texts in each language of the call (#31): the host writes the original and,
for the call's other languages, translations of the title, description, code of conduct
and round titles; a reader sees their language's, or the original where there is none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.convenings.errors import FieldInvalid
from crossroads.messages import N_
from crossroads.store import convenings as convening_store
from crossroads.store import translations as translation_store
from crossroads.store.database import Database
from crossroads.store.records import ConveningRecord, HostRecord, RoundRecord

# The convening fields that can be translated, with their longest length (as the form's).
FIELDS = {"title": 200, "description": 5000, "code_of_conduct": 20000}
ROUND_TITLE_MAX = 200


def convening_text(convening: ConveningRecord, field: str, language: str) -> str:
    """``field`` in ``language`` if the host translated it, else the original.

    >>> from types import SimpleNamespace as C
    >>> call = C(title="Call", translations={"es": {"title": "Llamada"}})
    >>> convening_text(call, "title", "es"), convening_text(call, "title", "fr")
    ('Llamada', 'Call')
    """
    translated = (convening.translations.get(language) or {}).get(field, "")
    return translated or str(getattr(convening, field))


def round_title(round_: RoundRecord, language: str) -> str:
    # getattr: templates are also rendered with plain stand-ins for a round (tests).
    translated = getattr(round_, "title_translations", None) or {}
    return translated.get(language, "") or round_.title


def _clean(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").strip()


def translatable_languages(convening: ConveningRecord) -> tuple[str, ...]:
    """The languages a host translates into: the call's languages after the first, which is
    the original's."""
    return convening.languages[1:]


def parse_convening_translations(
    values: Mapping[str, Any], languages: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """``tr_<field>_<lang>`` form fields, checked; empty ones are left out (the original
    shows)."""
    result: dict[str, dict[str, str]] = {}
    for lang in languages:
        for field, longest in FIELDS.items():
            text = _clean(values.get(f"tr_{field}_{lang}"))
            if len(text) > longest:
                raise FieldInvalid(
                    f"tr_{field}_{lang}", N_("Use at most {n} characters."), n=longest
                )
            if text:
                result.setdefault(lang, {})[field] = text
    return result


def parse_round_titles(values: Mapping[str, Any], languages: tuple[str, ...]) -> dict[str, str]:
    result: dict[str, str] = {}
    for lang in languages:
        text = _clean(values.get(f"title_{lang}"))
        if len(text) > ROUND_TITLE_MAX:
            raise FieldInvalid(
                f"title_{lang}", N_("Use at most {n} characters."), n=ROUND_TITLE_MAX
            )
        if text:
            result[lang] = text
    return result


async def write_convening_translations(
    tx: AsyncSession, convening: ConveningRecord, values: Mapping[str, Any]
) -> None:
    """The form's ``tr_<field>_<lang>`` fields as the convening's translations, inside the
    caller's transaction (planning.update_convening saves them with the details)."""
    parsed = parse_convening_translations(values, translatable_languages(convening))
    await translation_store.set_convening_translations(tx, convening.id, parsed)


async def write_round_titles(
    tx: AsyncSession, convening: ConveningRecord, round_id: str, values: Mapping[str, Any]
) -> None:
    """The form's ``title_<lang>`` fields as the round's title translations, inside the
    caller's transaction (planning.update_round saves them with the round)."""
    titles = parse_round_titles(values, translatable_languages(convening))
    await translation_store.set_round_title_translations(tx, convening.id, round_id, titles)


async def save_convening_translations(
    db: Database, host: HostRecord, public_id: str, values: Mapping[str, Any]
) -> None:
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        await write_convening_translations(tx, convening, values)
