from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossroads.harvest import (
    Contribution,
    FeedbackAnswer,
    HarvestInput,
    PrivacyMode,
    PromptNotes,
    Reflection,
    RosterEntry,
    harvest,
)
from crossroads.harvest.fragment import render_html
from crossroads.harvest.markdown import render_markdown
from tests.unit.harvest.corpus import PARTICIPANTS, roster, sample_input

pytestmark = pytest.mark.unit

WORDS = [
    "rent",
    "strike",
    "floods",
    "heat",
    "union",
    "wages",
    "border",
    "asylum",
    "tenants",
    "eviction",
    "drought",
    "water",
    "miners",
    "climate",
    "housing",
    "workers",
    "migrants",
    "solidarity",
    "campaign",
]


def test_reflection_counts_participation(named_reflection: Reflection) -> None:
    p = named_reflection.participation

    assert (p.people, p.organisations, p.movements, p.regions, p.languages) == (60, 60, 4, 5, 4)
    assert (p.rounds, p.groups, p.minutes) == (3, 30, 75)
    assert p.by_movement[0] == ("climate justice", 18)


def test_reflection_has_three_to_seven_themes_per_prompt_with_one_to_three_quotes(
    named_reflection: Reflection,
) -> None:
    for prompt in named_reflection.prompts:
        assert 3 <= len(prompt.themes) <= 7
        assert sum(t.contribution_count for t in prompt.themes) == PARTICIPANTS
        for theme in prompt.themes:
            assert theme.label
            assert theme.keyphrases
            assert 1 <= len(theme.quotes) <= 3


def test_reflection_quotes_in_named_mode_carry_name_and_organisation(
    named_reflection: Reflection,
) -> None:
    people = {entry.name: entry for entry in roster()}

    quotes = [q for p in named_reflection.prompts for t in p.themes for q in t.quotes]

    assert quotes
    for quote in quotes:
        author = people[quote.author_name]
        assert author.consent_quote is True
        assert quote.organisation == author.organisation


def test_reflection_quotes_in_chatham_house_mode_are_unattributed(
    chatham_reflection: Reflection,
) -> None:
    quotes = [q for p in chatham_reflection.prompts for t in p.themes for q in t.quotes]

    assert quotes
    assert {(q.author_name, q.organisation) for q in quotes} == {(None, None)}


def test_reflection_summarises_feedback(named_reflection: Reflection) -> None:
    feedback = named_reflection.feedback

    assert feedback.responses == PARTICIPANTS
    assert feedback.rating_distribution == ((1, 10), (2, 10), (3, 10), (4, 11), (5, 10))
    assert feedback.rating_average == 3.02
    assert [t.contribution_count for t in feedback.energising] == [20, 20, 20]


def test_reflection_takes_away_the_main_themes_of_each_prompt_largest_first(
    named_reflection: Reflection,
) -> None:
    # Up to three takeaways per prompt now (was: only the largest theme), each with its people.
    expected = [t.label for p in named_reflection.prompts for t in p.themes[:3]]
    assert [t.theme_label for t in named_reflection.takeaways] == expected
    assert all(t.people >= 2 for t in named_reflection.takeaways)


def test_reflection_is_the_same_for_the_same_input() -> None:
    data = sample_input(participants=24)

    assert harvest(data) == harvest(data)


def test_reflection_finds_movements_named_together() -> None:
    people = (
        RosterEntry("a", "Ana", movements=("housing",)),
        RosterEntry("b", "Bilal", movements=("climate justice",)),
    )
    # A theme needs three contributions from two people: the texts alternate between them.
    texts = [
        "Housing and climate justice meet in heatwaves in our flats.",
        "Heat in housing estates is a climate justice fight.",
        "Housing retrofits are where climate justice starts.",
        "Union wages are low.",
        "Union drivers strike.",
        "Union workers walk out over pay.",
        "Border detention must end.",
        "Asylum seekers wait at the border.",
        "Refugees are held at the border for months.",
    ]
    data = HarvestInput(
        title="t",
        prompts=(
            PromptNotes(
                "p", "q", tuple(Contribution("p", t, "ab"[i % 2]) for i, t in enumerate(texts))
            ),
        ),
        roster=people,
    )

    reflection = harvest(data)

    assert reflection.intersections[0].movements == ("climate justice", "housing")


# --- properties: consent and Chatham House -------------------------------------------------

_token = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=7).map(str.capitalize)


@st.composite
def _inputs(draw: st.DrawFn) -> HarvestInput:
    count = draw(st.integers(min_value=2, max_value=6))
    tokens = draw(st.lists(_token, min_size=3 * count, max_size=3 * count, unique_by=str.lower))
    people = tuple(
        RosterEntry(
            id=f"u{i}",
            name=f"{tokens[3 * i]} {tokens[3 * i + 1]}",
            organisation=f"Kollektiv {tokens[3 * i + 2]}",
            movements=(draw(st.sampled_from(["housing", "labour", "climate"])),),
            consent_quote=draw(st.booleans()),
        )
        for i in range(count)
    )
    mention = st.sampled_from(
        [p.name for p in people]
        + [p.organisation for p in people]
        + [p.name.split()[1].upper() for p in people]
    )
    contributions = []
    for _ in range(draw(st.integers(min_value=1, max_value=14))):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=8))
        if draw(st.booleans()):
            words.insert(draw(st.integers(0, len(words))), draw(mention))
        author = draw(st.sampled_from([*(p.id for p in people), None, "stranger"]))
        contributions.append(Contribution("p1", " ".join(words) + ".", author))
    feedback = tuple(
        FeedbackAnswer(p.id, 4, energising=f"Meeting {p.name} of {p.organisation}.") for p in people
    )
    return HarvestInput(
        title="Coalition call",
        privacy_mode=draw(st.sampled_from(PrivacyMode)),
        prompts=(PromptNotes("p1", "What came up?", tuple(contributions)),),
        feedback=feedback,
        roster=people,
    )


def _all_quotes(reflection: Reflection):  # a generator of Quote, tests only
    for prompt in reflection.prompts:
        for theme in prompt.themes:
            yield from theme.quotes
    for themes in (reflection.feedback.energising, reflection.feedback.improve):
        for theme in themes:
            yield from theme.quotes


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_quotes_come_only_from_people_who_consented(data: HarvestInput) -> None:
    consented = {p.id for p in data.roster if p.consent_quote}
    consented_texts = " ".join(
        c.text for p in data.prompts for c in p.contributions if c.author_id in consented
    ) + " ".join(a.energising for a in data.feedback if a.author_id in consented)

    reflection = harvest(data)

    for quote in _all_quotes(reflection):
        if data.privacy_mode is PrivacyMode.NAMED:
            assert quote.author_name in {p.name for p in data.roster if p.consent_quote}
            assert quote.text in consented_texts
        else:
            assert quote.author_name is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_chatham_house_output_never_names_anyone(data: HarvestInput) -> None:
    data = HarvestInput(**{**data.__dict__, "privacy_mode": PrivacyMode.CHATHAM_HOUSE})
    forbidden = [
        part
        for person in data.roster
        for part in (person.name, *person.name.split(), person.organisation)
    ]

    reflection = harvest(data)
    outputs = [render_markdown(reflection), render_html(reflection), repr(reflection)]

    for output in outputs:
        for word in forbidden:
            assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", output, re.IGNORECASE)


def test_contributions_of_unknown_authors_are_never_quoted() -> None:
    data = HarvestInput(
        title="t",
        prompts=(
            PromptNotes(
                "p",
                "q",
                tuple(Contribution("p", f"{w} matters a lot to us", None) for w in WORDS[:6]),
            ),
        ),
        roster=(RosterEntry("a", "Ana", consent_quote=True),),
    )

    reflection = harvest(data)

    assert [q for p in reflection.prompts for t in p.themes for q in t.quotes] == []
    assert len(reflection.prompts[0].themes) >= 1


def test_a_theme_needs_three_contributions_from_two_people_the_rest_are_other_points() -> None:
    housing = [
        "Rents doubled and families are being evicted.",
        "Los alquileres suben y los desahucios no paran.",
        "Les loyers explosent et les expulsions se multiplient.",
        "Landlords push tenants out to raise the rent.",
    ]
    # One person says three things about water: not a theme of the call.
    water = [
        "The wells are drying up every summer.",
        "La sequía nos deja sin agua potable.",
        "Taps run dry and people queue for water tankers.",
    ]
    contributions = [
        Contribution("p", t, f"h{i}", source=str(i + 1)) for i, t in enumerate(housing)
    ] + [Contribution("p", t, "w", source=str(i + 10)) for i, t in enumerate(water)]
    data = HarvestInput(
        title="t",
        prompts=(PromptNotes("p", "What hurts?", tuple(contributions)),),
        roster=tuple(RosterEntry(a, a) for a in ("h0", "h1", "h2", "h3", "w")),
    )

    reflection = harvest(data)

    (prompt,) = reflection.prompts
    assert [t.sources for t in prompt.themes] == [("1", "2", "3", "4")]
    assert prompt.themes[0].people == 4
    assert (prompt.other_count, prompt.other_sources) == (3, ("10", "11", "12"))
