"""Saving the host's translations of a convening's texts and its round titles (#31)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import Convening, Round


async def set_convening_translations(
    tx: AsyncSession, convening_id: int, translations: Mapping[str, Mapping[str, str]]
) -> None:
    row = await tx.get(Convening, convening_id)
    if row is None:
        raise NotFound("convening")
    row.translations = {lang: dict(texts) for lang, texts in translations.items()}


async def set_round_title_translations(
    tx: AsyncSession, convening_id: int, round_public_id: str, titles: Mapping[str, str]
) -> None:
    row = await tx.scalar(
        select(Round).where(Round.public_id == round_public_id, Round.convening_id == convening_id)
    )
    if row is None:
        raise NotFound("round")
    row.title_translations = dict(titles)
