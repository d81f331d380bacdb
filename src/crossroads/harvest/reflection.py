"""``harvest()``: notes, feedback and roster in, a ``Reflection`` out.

Privacy is decided here, once, before any renderer runs: in Chatham House mode every piece of
participant text is scrubbed of roster names and organisations before the engine sees it (so
neither keyphrases nor quotes can carry them), and quotes come only from people who consented.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from threadpoolctl import threadpool_limits

from crossroads.harvest.model import (
    Contribution,
    FeedbackAnswer,
    FeedbackSummary,
    HarvestInput,
    Intersection,
    Participation,
    PrivacyMode,
    PromptThemes,
    Quote,
    Reflection,
    RosterEntry,
    Takeaway,
    Theme,
)
from crossroads.harvest.naming import name_phrases
from crossroads.harvest.privacy import (
    Scrubber,
    clean_text,
    fold,
    is_chat_line,
    make_quote,
    quotable_authors,
    remove_contacts,
)
from crossroads.harvest.summaries import KeyphraseSummariser, Summariser, ThemeDigest
from crossroads.harvest.themes import (
    MAX_THEMES,
    MIN_THEMES,
    Encoder,
    TfidfEncoder,
    assign_by_words,
    choose_labels,
    cluster_by_meaning,
    keyphrases,
)

Progress = Callable[[str], None]

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_QUOTE_LIMIT = 400
_SHORT_SENTENCE_WORDS = 4
_DIGEST_TEXTS = 20
_TOP_INTERSECTIONS = 10
# Feedback answers are short and few: fewer themes than the prompts get.
_FEEDBACK_THEMES = (1, 4)
# Most contributions of a prompt that are embedded; above it a sample is, and the rest join the
# nearest theme by their words. Embedding is most of a harvest's time (about 1 ms a note on a
# quiet core) and 2 KB of memory a note: this bounds both for notes of any size. Feedback
# answers are short and secondary: a smaller sample.
EMBED_LIMIT = 3000
_FEEDBACK_EMBED_LIMIT = 250
# A theme is at least this many contributions from at least this many people; the rest of a
# prompt's contributions are "other points", counted but not named.
MIN_THEME_SIZE = 3
MIN_THEME_PEOPLE = 2
# Takeaways: the main themes of each prompt, at most this many.
_TAKEAWAYS_PER_PROMPT = 3
# A theme's name: at most this many keyphrases and words, so that it can never copy a run of
# six words from anyone.
_LABEL_PHRASES = 2
_LABEL_WORDS = 5
# Themes of different prompts whose centres are at least this close came up in both.
_RECURRING_SIMILARITY = 0.55


@dataclass(frozen=True)
class _Note:
    """One cleaned (and, in Chatham House mode, scrubbed) text with the author it came from."""

    text: str
    author_id: str | None
    # Who wrote it, for counting people: the roster id, an unlisted speaker's name, or (nobody
    # known) the note itself, so unknown writers count as different people.
    person: str = ""
    source: str | None = None


def harvest(
    data: HarvestInput,
    *,
    encoder: Encoder | None = None,
    summariser: Summariser | None = None,
    progress: Progress | None = None,
) -> Reflection:
    """Build the reflection note. Same input, same output: the default engine is deterministic.

    BLAS and OpenMP run on one thread: the matrices are small, and on a shared 2-core machine
    their thread pools cost more than they gain (5x slower in our measurements).
    """
    with threadpool_limits(limits=1):
        return _harvest(data, encoder=encoder, summariser=summariser, progress=progress)


def _harvest(
    data: HarvestInput,
    *,
    encoder: Encoder | None,
    summariser: Summariser | None,
    progress: Progress | None,
) -> Reflection:
    fallback: str | None = None
    if encoder is None:
        from crossroads.harvest.embeddings import default_encoder

        encoder, fallback = default_encoder()
    summariser = summariser or KeyphraseSummariser()
    report = progress or (lambda _step: None)
    speakers = {
        c.speaker for p in data.prompts for c in (*p.contributions, *data.chat) if c.speaker
    }
    names = Scrubber(data.roster, speakers)
    scrub = names.scrub if data.privacy_mode is PrivacyMode.CHATHAM_HOUSE else remove_contacts
    roster = {entry.id: entry for entry in data.roster}
    quotable = quotable_authors(data.roster)

    report("participation")
    participation = _participation(data)

    chat_by_prompt: dict[str, list[Contribution]] = {}
    for message in data.chat:
        chat_by_prompt.setdefault(message.prompt_id, []).append(message)

    prompts: list[PromptThemes] = []
    theme_authors: list[tuple[str, set[str], list[str]]] = []
    centres: list[tuple[int, str, np.ndarray]] = []
    for notes in data.prompts:
        report(f"prompt:{notes.prompt_id}")
        contributions = (*notes.contributions, *chat_by_prompt.get(notes.prompt_id, ()))
        items = _notes(contributions, scrub)
        themes, members, theme_centres = _themes(
            items,
            prompt_text=notes.prompt_text,
            language=data.language,
            mode=data.privacy_mode,
            quotable=quotable,
            encoder=encoder,
            summariser=summariser,
            bounds=(MIN_THEMES, MAX_THEMES),
            names=names,
        )
        placed = {id(item) for group in members for item in group}
        others = [item for item in items if id(item) not in placed]
        prompts.append(
            PromptThemes(
                prompt_id=notes.prompt_id,
                prompt_text=clean_text(notes.prompt_text),
                contribution_count=len(items),
                themes=tuple(themes),
                other_count=len(others),
                other_sources=tuple(i.source for i in others if i.source is not None),
            )
        )
        for theme, member_items, centre in zip(themes, members, theme_centres, strict=True):
            authors = {item.author_id for item in member_items if item.author_id is not None}
            theme_authors.append((theme.label, authors, [item.text for item in member_items]))
            centres.append((len(prompts) - 1, theme.label, centre))

    report("feedback")
    feedback = _feedback(
        data.feedback,
        scrub=scrub,
        language=data.language,
        mode=data.privacy_mode,
        quotable=quotable,
        encoder=encoder,
        summariser=summariser,
        names=names,
    )

    report("intersections")
    intersections = _intersections(theme_authors, roster)

    takeaways = tuple(
        Takeaway(
            prompt_text=prompt.prompt_text,
            theme_label=theme.label,
            contribution_count=theme.contribution_count,
            prompt_contribution_count=prompt.contribution_count,
            people=theme.people,
            quote=theme.quotes[0].text if theme.quotes else None,
        )
        for prompt in prompts
        for theme in prompt.themes[:_TAKEAWAYS_PER_PROMPT]
    )
    return Reflection(
        title=clean_text(data.title),
        privacy_mode=data.privacy_mode,
        language=data.language,
        participation=participation,
        prompts=tuple(prompts),
        takeaways=takeaways,
        feedback=feedback,
        intersections=intersections,
        engine=getattr(encoder, "name", "tfidf"),
        fallback=fallback,
        recurring=_recurring(centres),
    )


def _recurring(centres: Sequence[tuple[int, str, np.ndarray]]) -> tuple[tuple[str, int], ...]:
    """Themes that came up in more than one prompt: (label, prompts), most prompts first."""
    result: list[tuple[str, int]] = []
    used: set[int] = set()
    for i, (prompt, label, centre) in enumerate(centres):
        if i in used:
            continue
        prompts_met = {prompt}
        for j in range(i + 1, len(centres)):
            other_prompt, _, other = centres[j]
            if j in used or other_prompt in prompts_met:
                continue
            if float(centre @ other) >= _RECURRING_SIMILARITY:
                prompts_met.add(other_prompt)
                used.add(j)
        if len(prompts_met) > 1:
            result.append((label, len(prompts_met)))
    return tuple(sorted(result, key=lambda item: (-item[1], item[0].casefold())))


def _notes(contributions: Iterable[Contribution], scrub: Callable[[str], str]) -> list[_Note]:
    """Cleaned, scrubbed contributions; greetings and facilitators' lines left out."""
    notes = []
    for index, contribution in enumerate(contributions):
        text = " ".join(scrub(clean_text(contribution.text)).split())
        if not text or is_chat_line(text):
            continue
        if contribution.author_id is not None:
            person = f"id:{contribution.author_id}"
        elif contribution.speaker:
            person = f"speaker:{fold(contribution.speaker)}"
        else:
            person = f"note:{index}"
        notes.append(
            _Note(
                text=text,
                author_id=contribution.author_id,
                person=person,
                source=contribution.source,
            )
        )
    return notes


def _ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0].casefold())))


def _participation(data: HarvestInput) -> Participation:
    movements: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    organisations: set[str] = set()
    for entry in data.roster:
        movements.update({m for m in (clean_text(m) for m in entry.movements) if m})
        languages.update({x for x in (clean_text(x) for x in entry.languages) if x})
        if region := clean_text(entry.region):
            regions[region] += 1
        if organisation := clean_text(entry.organisation):
            organisations.add(organisation.casefold())
    if data.roster:
        people = len({entry.id for entry in data.roster})
    else:
        contributions = (c for p in data.prompts for c in p.contributions)
        people = len({c.author_id for c in contributions if c.author_id is not None})
    return Participation(
        people=people,
        organisations=len(organisations),
        rounds=data.rounds,
        groups=data.groups,
        minutes=data.minutes,
        by_movement=_ranked(movements),
        by_region=_ranked(regions),
        by_language=_ranked(languages),
        **_room_and_online(data, people),
    )


def _room_and_online(data: HarvestInput, people: int) -> dict[str, int]:
    """Who was in a room and who online: counted alike, from the same roster (#32)."""
    if data.in_room is None:
        return {}
    in_room = len({entry.id for entry in data.roster} & data.in_room)
    return {"in_room": in_room, "online": max(0, people - in_room)}


def _sentences(text: str) -> list[str]:
    parts = [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]
    long_enough = [p for p in parts if len(p.split()) >= _SHORT_SENTENCE_WORDS]
    return long_enough or parts


def _shorten(text: str) -> str:
    if len(text) <= _QUOTE_LIMIT:
        return text
    return text[: _QUOTE_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def _quote_count(size: int) -> int:
    if size < 3:
        return 1
    return 2 if size < 6 else 3


def _themes(
    items: Sequence[_Note],
    *,
    prompt_text: str,
    language: str,
    mode: PrivacyMode,
    quotable: Mapping[str, RosterEntry],
    encoder: Encoder,
    summariser: Summariser,
    bounds: tuple[int, int],
    names: Scrubber,
    minimum: tuple[int, int] = (MIN_THEME_SIZE, MIN_THEME_PEOPLE),
    embed_limit: int = EMBED_LIMIT,
) -> tuple[list[Theme], list[list[_Note]], list[np.ndarray]]:
    """Themes of one prompt, the notes each holds and each theme's centre.

    Only clusters of at least ``MIN_THEME_SIZE`` notes from ``MIN_THEME_PEOPLE`` people become
    themes; the other notes are left for "other points".
    """
    if not items:
        return [], [], []
    texts = [item.text for item in items]
    by_meaning = not isinstance(encoder, TfidfEncoder)
    # Above ``embed_limit`` notes, an evenly spread sample is embedded and clustered; the rest
    # join the nearest theme by their words (``themes.assign_by_words``).
    if by_meaning and len(texts) > embed_limit:
        embedded = np.unique(np.linspace(0, len(texts) - 1, embed_limit).round().astype(int))
    else:
        embedded = np.arange(len(texts))
    row_of = np.full(len(texts), -1, dtype=int)
    row_of[embedded] = np.arange(len(embedded))
    doc_vectors, _ = encoder.encode([texts[i] for i in embedded], [])
    # Candidate quotes: sentences of consenting authors only, with the note each came from. A
    # quote is a sentence of the consenting contribution nearest the centre: candidates are
    # ranked by their contribution's vector, so sentences need no encoding of their own.
    candidates: list[tuple[str, int]] = [
        (sentence, index)
        for index, item in enumerate(items)
        if item.author_id is not None and item.author_id in quotable and row_of[index] >= 0
        for sentence in _sentences(item.text)
    ]
    sentence_vectors = doc_vectors[[int(row_of[index]) for _, index in candidates]]
    # All contributions, folded, as one string: a six-word check is one substring search.
    folded_texts = [" | ".join(" ".join(_words(t)) for t in texts)]
    if by_meaning:
        labels = cluster_by_meaning(doc_vectors)
        if len(embedded) < len(texts):
            labels = assign_by_words(texts, embedded, labels)
        phrases: list[tuple[str, ...]] = []
    else:
        labels = choose_labels(doc_vectors, min_themes=bounds[0], max_themes=bounds[1])
        phrases = keyphrases(texts, labels, top=8)
    themes, members, centres = [], [], []
    for cluster in range(int(labels.max()) + 1 if labels.size else 0):
        indices = [int(i) for i in np.flatnonzero(labels == cluster)]
        people = {items[i].person for i in indices}
        if len(indices) < minimum[0] or len(people) < minimum[1]:
            continue
        with_vectors = [i for i in indices if row_of[i] >= 0]
        if not with_vectors:
            continue
        vectors = doc_vectors[row_of[with_vectors]]
        mean = vectors.mean(axis=0)
        centroid = mean / (float(np.linalg.norm(mean)) or 1.0)
        member_set = set(indices)
        quotes = _quotes(
            [
                (sentence, items[index], sentence_vectors[row])
                for row, (sentence, index) in enumerate(candidates)
                if index in member_set
            ],
            centroid=centroid,
            limit=_quote_count(len(indices)),
            quotable=quotable,
            mode=mode,
        )
        closeness = vectors @ centroid
        by_closeness = [with_vectors[i] for i in np.argsort(-closeness, kind="stable")]
        consented_texts = tuple(
            items[i].text
            for i in by_closeness
            if items[i].author_id is not None and items[i].author_id in quotable
        )[:_DIGEST_TEXTS]
        if by_meaning:
            found = name_phrases(
                [items[i].text for i in by_closeness],
                centroid,
                lambda batch: encoder.encode(batch, [])[0],
                top=4,
                allowed=lambda phrase: _allowed_phrase(phrase, names),
            )
        else:
            found = phrases[cluster]
        cluster_phrases = _phrases(found, names, folded_texts)
        # The summariser (perhaps an LLM elsewhere) gets consenting people's words only: the
        # keyphrases found in their texts, and their texts.
        consented_words = " ".join(fold(t) for t in consented_texts)
        summary = summariser.summarise(
            ThemeDigest(
                prompt_text=prompt_text,
                keyphrases=tuple(
                    p
                    for p in cluster_phrases
                    if re.search(rf"(?<!\w){re.escape(fold(p))}(?!\w)", consented_words)
                ),
                texts=consented_texts,
                language=language,
            )
        )
        label = _safe_label(summary.label, cluster_phrases, names, folded_texts)
        themes.append(
            Theme(
                label=label,
                keyphrases=cluster_phrases,
                contribution_count=len(indices),
                quotes=tuple(quotes),
                summary=summary.summary,
                people=len(people),
                sources=tuple(items[i].source for i in indices if items[i].source is not None),
            )
        )
        members.append([items[i] for i in indices])
        centres.append(centroid)
    return themes, members, centres


_PLACEHOLDER_WORDS = ("participant", "organisation", "contact")


def _allowed_phrase(phrase: str, names: Scrubber) -> bool:
    return not names.names_in(phrase) and not any(w in phrase for w in _PLACEHOLDER_WORDS)


def _phrases(candidates: Sequence[str], names: Scrubber, texts: Sequence[str]) -> tuple[str, ...]:
    """Keyphrases with no name, organisation or placeholder in them, at most five.

    They are shown joined ("a b c, d e f"): a phrase that would make the joined list copy six
    words running from a contribution is left out.
    """
    kept: list[str] = []
    for phrase in candidates:
        if not _allowed_phrase(phrase, names):
            continue
        if _copies_six_words(", ".join([*kept, phrase]), texts):
            continue
        kept.append(phrase)
        if len(kept) == 5:
            break
    return tuple(kept)


def _safe_label(
    proposed: str, phrases: Sequence[str], names: Scrubber, texts: Sequence[str]
) -> str:
    """The summariser's label when it is safe, else one built from the keyphrases.

    Safe: no name, at most ``_LABEL_WORDS`` words (so never six words copied from anyone).
    """
    words = proposed.split()
    if (
        proposed
        and len(words) <= _LABEL_WORDS + 1
        and not names.names_in(proposed)
        and not _copies_six_words(proposed, texts)
    ):
        return proposed
    chosen: list[str] = []
    count = 0
    for phrase in phrases[:_LABEL_PHRASES]:
        size = len(phrase.split())
        if count + size > _LABEL_WORDS:
            break
        chosen.append(phrase)
        count += size
    label = ", ".join(chosen)
    return label[:1].upper() + label[1:] if label else "…"


_WORDS = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(fold(text))


def _copies_six_words(label: str, folded_texts: Sequence[str]) -> bool:
    """Whether ``label`` holds six words running from one of ``folded_texts`` (see ``_words``),
    punctuation aside."""
    words = _words(label)
    if len(words) < 6:
        return False
    runs = {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}
    return any(f" {run} " in f" {t} " for t in folded_texts for run in runs)


def _quotes(
    candidates: Sequence[tuple[str, _Note, np.ndarray]],
    *,
    centroid: np.ndarray,
    limit: int,
    quotable: Mapping[str, RosterEntry],
    mode: PrivacyMode,
) -> list[Quote]:
    """The sentences nearest the centre, at most one per author while others are left."""
    scored = sorted(
        enumerate(candidates), key=lambda pair: (-round(float(pair[1][2] @ centroid), 9), pair[0])
    )
    chosen: list[Quote] = []
    seen_texts: set[str] = set()
    seen_authors: set[str] = set()
    for repeat_authors in (False, True):
        for _, (sentence, note, _vector) in scored:
            if len(chosen) == limit:
                return chosen
            author = quotable.get(note.author_id or "")
            key = sentence.casefold()
            if author is None or key in seen_texts:
                continue
            if author.id in seen_authors and not repeat_authors:
                continue
            seen_texts.add(key)
            seen_authors.add(author.id)
            chosen.append(make_quote(_shorten(sentence), author, mode))
    return chosen


def _feedback(
    answers: Sequence[FeedbackAnswer],
    *,
    scrub: Callable[[str], str],
    language: str,
    mode: PrivacyMode,
    quotable: Mapping[str, RosterEntry],
    encoder: Encoder,
    summariser: Summariser,
    names: Scrubber,
) -> FeedbackSummary:
    ratings = [a.rating for a in answers if a.rating is not None]
    distribution = Counter(ratings)

    def themes_of(field: str, prompt: str) -> tuple[Theme, ...]:
        items = _notes(
            (Contribution(field, getattr(a, field), a.author_id) for a in answers), scrub
        )
        themes, _, _ = _themes(
            items,
            prompt_text=prompt,
            language=language,
            mode=mode,
            quotable=quotable,
            encoder=encoder,
            summariser=summariser,
            bounds=_FEEDBACK_THEMES,
            names=names,
            # Feedback answers are few and each is worth reading: no minimum size.
            minimum=(1, 1),
            embed_limit=_FEEDBACK_EMBED_LIMIT,
        )
        return tuple(themes)

    return FeedbackSummary(
        responses=len(answers),
        rating_average=round(sum(ratings) / len(ratings), 2) if ratings else None,
        rating_distribution=tuple(sorted(distribution.items())),
        energising=themes_of("energising", "What energised you?"),
        improve=themes_of("improve", "What could be improved?"),
        drill_into=themes_of("drill_into", "What should we drill into next time?"),
    )


def _intersections(
    theme_authors: Sequence[tuple[str, set[str], list[str]]],
    roster: Mapping[str, RosterEntry],
) -> tuple[Intersection, ...]:
    """Pairs of movements that came up in the same theme, counted once per theme.

    A movement comes up in a theme when its name is in the theme's text, or when its people are
    over-represented among the theme's contributors (at least two of them, and a share at least
    1.5 times their share of everyone who contributed). Merely having contributors from every
    movement in every theme, as a random pairing gives, is not an intersection.
    """
    names = sorted(
        {clean_text(m) for entry in roster.values() for m in entry.movements if clean_text(m)},
        key=str.casefold,
    )
    patterns = {
        name: re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE) for name in names
    }

    def movements_of(authors: Iterable[str]) -> Counter[str]:
        counter: Counter[str] = Counter()
        for author in authors:
            if author in roster:
                counter.update({clean_text(m) for m in roster[author].movements if clean_text(m)})
        return counter

    everyone = {author for _, authors, _ in theme_authors for author in authors}
    overall = movements_of(everyone)
    met: dict[tuple[str, str], list[str]] = {}
    for label, authors, texts in theme_authors:
        present = set()
        if authors:
            here = movements_of(authors)
            for name, count in here.items():
                if count >= 2 and count / len(authors) >= 1.5 * overall[name] / len(everyone):
                    present.add(name)
        joined = " ".join(texts)
        present |= {name for name, pattern in patterns.items() if pattern.search(joined)}
        for pair in combinations(sorted(present, key=str.casefold), 2):
            met.setdefault(pair, []).append(label)
    ranked = sorted(met.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(
        Intersection(movements=pair, theme_count=len(labels), themes=tuple(labels))
        for pair, labels in ranked[:_TOP_INTERSECTIONS]
    )
