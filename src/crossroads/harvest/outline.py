"""The reflection note as a list of blocks, worded once for every renderer.

Renderers (Markdown, HTML, DOCX, PDF) only map these blocks to their format, so wording,
translation and privacy notices live here. Every block's text is plain, unescaped user text:
each renderer escapes it for its format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from crossroads.harvest.model import PrivacyMode, Quote, Reflection, Theme
from crossroads.messages import N_

Translate = Callable[[str], str]


def no_translation(message: str) -> str:
    return message


class ChartKind(StrEnum):
    BY_MOVEMENT = "by_movement"
    BY_REGION = "by_region"
    THEMES_PER_PROMPT = "themes_per_prompt"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class QuoteBlock:
    text: str
    attribution: str | None = None


@dataclass(frozen=True)
class Figure:
    kind: ChartKind
    caption: str


Block = Heading | Paragraph | Bullets | QuoteBlock | Figure


def attribution(quote: Quote) -> str | None:
    parts = [p for p in (quote.author_name, quote.organisation) if p]
    return ", ".join(parts) or None


def outline(reflection: Reflection, translate: Translate = no_translation) -> list[Block]:
    """The blocks of the note, in reading order."""
    _ = translate
    blocks: list[Block] = [Heading(1, reflection.title or _(N_("Reflection note")))]
    if reflection.privacy_mode is PrivacyMode.CHATHAM_HOUSE:
        blocks.append(
            Paragraph(
                _(
                    N_(
                        "This call was held under the Chatham House Rule: quotes are not "
                        "attributed to anyone."
                    )
                )
            )
        )

    p = reflection.participation
    blocks += [
        Heading(2, _(N_("Participation"))),
        Bullets(
            tuple(
                _(label).format(count=value)
                for label, value in (
                    (N_("People: {count}"), p.people),
                    (N_("Organisations: {count}"), p.organisations),
                    (N_("Movements and issue areas: {count}"), p.movements),
                    (N_("Regions: {count}"), p.regions),
                    (N_("Languages: {count}"), p.languages),
                    (N_("Rounds: {count}"), p.rounds),
                    (N_("Groups: {count}"), p.groups),
                    (N_("Minutes of conversation: {count}"), p.minutes),
                )
            )
        ),
    ]
    if p.by_movement:
        blocks.append(Figure(ChartKind.BY_MOVEMENT, _(N_("Participants by movement"))))
    if p.by_region:
        blocks.append(Figure(ChartKind.BY_REGION, _(N_("Participants by region"))))

    if reflection.takeaways:
        blocks += [
            Heading(2, _(N_("Key takeaways"))),
            Bullets(
                tuple(
                    _(
                        N_(
                            # No "%" before a letter: gettext tools would read a printf flag.
                            "{prompt}: {count} of {total} contributions ({share} %) "
                            "were about “{theme}”."
                        )
                    ).format(
                        prompt=t.prompt_text,
                        share=t.share_percent,
                        count=t.contribution_count,
                        total=t.prompt_contribution_count,
                        theme=t.theme_label,
                    )
                    for t in reflection.takeaways
                )
            ),
        ]

    if reflection.prompts:
        blocks.append(Heading(2, _(N_("Themes by prompt"))))
        if any(prompt.themes for prompt in reflection.prompts):
            blocks.append(Figure(ChartKind.THEMES_PER_PROMPT, _(N_("Themes per prompt"))))
        for prompt in reflection.prompts:
            blocks.append(Heading(3, prompt.prompt_text))
            blocks.append(
                Paragraph(_(N_("{count} contributions.")).format(count=prompt.contribution_count))
            )
            for theme in prompt.themes:
                blocks += _theme_blocks(theme, _)

    blocks += _feedback_blocks(reflection, _)

    if reflection.intersections:
        blocks += [
            Heading(2, _(N_("Intersections"))),
            Paragraph(_(N_("Issue areas that came up together in the same themes."))),
            Bullets(
                tuple(
                    _(N_("{first} and {second}: together in {count} themes")).format(
                        first=i.movements[0], second=i.movements[1], count=i.theme_count
                    )
                    for i in reflection.intersections
                )
            ),
        ]
    return blocks


def _theme_blocks(theme: Theme, _: Translate, level: int = 4) -> list[Block]:
    blocks: list[Block] = [
        Heading(
            level,
            _(N_("{label} ({count} contributions)")).format(
                label=theme.label, count=theme.contribution_count
            ),
        )
    ]
    if theme.keyphrases:
        blocks.append(
            Paragraph(_(N_("Keyphrases: {phrases}")).format(phrases=", ".join(theme.keyphrases)))
        )
    if theme.summary:
        blocks.append(Paragraph(theme.summary))
    blocks += [QuoteBlock(q.text, attribution(q)) for q in theme.quotes]
    return blocks


def _feedback_blocks(reflection: Reflection, _: Translate) -> list[Block]:
    feedback = reflection.feedback
    if feedback.responses == 0:
        return []
    blocks: list[Block] = [
        Heading(2, _(N_("What participants said about the call"))),
        Paragraph(_(N_("{count} feedback answers.")).format(count=feedback.responses)),
    ]
    if feedback.rating_average is not None:
        blocks.append(
            Paragraph(
                _(N_("Average rating: {average} out of 5.")).format(
                    average=f"{feedback.rating_average:.1f}"
                )
            )
        )
        blocks.append(
            Bullets(
                tuple(
                    _(N_("{rating} of 5: {count} answers")).format(rating=rating, count=count)
                    for rating, count in feedback.rating_distribution
                )
            )
        )
    for title, themes in (
        (N_("What energised people"), feedback.energising),
        (N_("What could be improved"), feedback.improve),
        (N_("What to drill into next time"), feedback.drill_into),
    ):
        if themes:
            blocks.append(Heading(3, _(title)))
            for theme in themes:
                blocks += _theme_blocks(theme, _)
    return blocks
