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


def plural(translate: Translate, singular: str, plural_: str, count: int) -> str:
    """``ngettext`` through ``translate``: a bound ``gettext`` of a catalogue brings its own
    ``ngettext`` (the right plural forms for the language), a function may carry one as its
    ``ngettext`` attribute (``web.i18n.gettext`` does); anything else gets English's.
    """
    ngettext = getattr(translate, "ngettext", None) or getattr(
        getattr(translate, "__self__", None), "ngettext", None
    )
    if callable(ngettext):
        return str(ngettext(singular, plural_, count)).format(count=count)
    return (singular if count == 1 else plural_).format(count=count)


def ngettext(singular: str, plural_: str, count: int) -> tuple[str, str, int]:
    """A marker: Babel extracts its two strings as one plural entry; ``plural`` translates."""
    return singular, plural_, count


def contributions_text(translate: Translate, count: int) -> str:
    return plural(translate, *ngettext("{count} contribution", "{count} contributions", count))


def people_text(translate: Translate, count: int) -> str:
    return plural(translate, *ngettext("{count} person", "{count} people", count))


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
    """A chart; ``rows`` are its (label, value) bars, so a renderer needs no Reflection."""

    kind: ChartKind
    caption: str
    rows: tuple[tuple[str, int], ...] = ()


Block = Heading | Paragraph | Bullets | QuoteBlock | Figure


def attribution(quote: Quote) -> str | None:
    parts = [p for p in (quote.author_name, quote.organisation) if p]
    return ", ".join(parts) or None


def chart_rows(reflection: Reflection, kind: ChartKind) -> tuple[tuple[str, int], ...]:
    if kind is ChartKind.BY_MOVEMENT:
        return reflection.participation.by_movement
    if kind is ChartKind.BY_REGION:
        return reflection.participation.by_region
    return tuple((prompt.prompt_text, len(prompt.themes)) for prompt in reflection.prompts)


def _figure(reflection: Reflection, kind: ChartKind, caption: str) -> Figure:
    return Figure(kind, caption, chart_rows(reflection, kind))


def outline(reflection: Reflection, translate: Translate = no_translation) -> list[Block]:
    """The blocks of the note, in reading order."""
    return [block for _key, blocks in outline_parts(reflection, translate) for block in blocks]


def preamble(title: str, mode: PrivacyMode, translate: Translate = no_translation) -> list[Block]:
    """The title, and in Chatham House mode the notice that nothing is attributed."""
    _ = translate
    blocks: list[Block] = [Heading(1, title or _(N_("Reflection note")))]
    if mode is PrivacyMode.CHATHAM_HOUSE:
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
    return blocks


def outline_parts(
    reflection: Reflection, translate: Translate = no_translation
) -> list[tuple[str, list[Block]]]:
    """The blocks of the note grouped into the parts a host edits one at a time.

    Keys, in reading order: ``preamble``, ``participation``, ``takeaways``, ``themes`` (the
    heading and chart above the prompts), ``prompt:<prompt_id>`` for each prompt, ``feedback``,
    ``intersections``. A part with nothing to say is left out. Every part but the preamble
    starts with its heading.
    """
    _ = translate
    parts: list[tuple[str, list[Block]]] = [
        ("preamble", preamble(reflection.title, reflection.privacy_mode, translate))
    ]

    p = reflection.participation
    participation: list[Block] = [
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
                    *(
                        ((N_("In the room: {count}"), p.in_room), (N_("Online: {count}"), p.online))
                        if p.in_room is not None
                        else ()
                    ),
                )
            )
        ),
    ]
    if p.by_movement:
        participation.append(
            _figure(reflection, ChartKind.BY_MOVEMENT, _(N_("Participants by movement")))
        )
    if p.by_region:
        participation.append(
            _figure(reflection, ChartKind.BY_REGION, _(N_("Participants by region")))
        )
    parts.append(("participation", participation))

    if reflection.takeaways:
        takeaways: list[Block] = [Heading(2, _(N_("Key takeaways")))]
        for t in reflection.takeaways:
            sentence = _(N_("{prompt}: “{theme}”, in {contributions} from {people}.")).format(
                prompt=t.prompt_text,
                theme=t.theme_label,
                contributions=contributions_text(_, t.contribution_count),
                people=people_text(_, t.people),
            )
            if t.quote:
                sentence += " " + _(N_("As one participant put it: “{quote}”")).format(
                    quote=t.quote
                )
            takeaways.append(Paragraph(sentence))
        if reflection.recurring:
            takeaways.append(
                Bullets(
                    tuple(
                        _(N_("“{theme}” came up in {count} prompts.")).format(
                            theme=label, count=count
                        )
                        for label, count in reflection.recurring
                    )
                )
            )
        parts.append(("takeaways", takeaways))

    if reflection.prompts:
        themes: list[Block] = [Heading(2, _(N_("Themes by prompt")))]
        if any(prompt.themes for prompt in reflection.prompts):
            themes.append(
                _figure(reflection, ChartKind.THEMES_PER_PROMPT, _(N_("Themes per prompt")))
            )
        parts.append(("themes", themes))
        for prompt in reflection.prompts:
            blocks: list[Block] = [
                Heading(3, prompt.prompt_text),
                Paragraph(contributions_text(_, prompt.contribution_count) + "."),
            ]
            for theme in prompt.themes:
                blocks += _theme_blocks(theme, _)
            if prompt.other_count:
                blocks.append(
                    Paragraph(
                        _(N_("Other points: {contributions} in no theme.")).format(
                            contributions=contributions_text(_, prompt.other_count)
                        )
                    )
                )
            parts.append((f"prompt:{prompt.prompt_id}", blocks))

    if feedback := _feedback_blocks(reflection, _):
        parts.append(("feedback", feedback))

    if reflection.intersections:
        parts.append(
            (
                "intersections",
                [
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
                ],
            )
        )
    parts.append(("method", _method_blocks(reflection, _)))
    return parts


def _method_blocks(reflection: Reflection, _: Translate) -> list[Block]:
    """The footer: how the themes were found, and when the fallback was used, that it was."""
    if reflection.fallback or reflection.engine == "tfidf":
        text = _(
            N_(
                "Themes were found by shared words (TF-IDF) because the sentence-embedding "
                "model could not be loaded: contributions in different languages may be apart."
            )
        )
    else:
        text = _(
            N_(
                "Themes were found by meaning, with multilingual sentence embeddings computed "
                "on this machine; a theme holds at least 3 contributions from 2 people."
            )
        )
    return [Heading(2, _(N_("How this note was made"))), Paragraph(text)]


def _theme_blocks(theme: Theme, _: Translate, level: int = 4) -> list[Block]:
    blocks: list[Block] = [
        Heading(
            level,
            _(N_("{label} ({contributions})")).format(
                label=theme.label, contributions=contributions_text(_, theme.contribution_count)
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
