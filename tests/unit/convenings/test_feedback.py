"""The feedback form's checks and the demand count, without a database."""

from __future__ import annotations

import pytest

from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.feedback import DEFAULT_QUESTIONS, Demand, _check_answers, demand_for
from crossroads.store.feedback import InterestRecord

pytestmark = pytest.mark.unit


def test_check_answers_keeps_given_answers_and_merges_issues() -> None:
    answers, topics = _check_answers(
        DEFAULT_QUESTIONS,
        {"rating": "4", "energising": "  The people ", "drill_into": "water rights;  Land ,"},
        ["Water   rights", "Seeds"],
    )

    assert answers == {
        "rating": 4,
        "energising": "The people",
        "drill_into": ["Water rights", "Seeds", "Land"],
    }
    assert topics == ["Water rights", "Seeds", "Land"]


@pytest.mark.parametrize(
    ("values", "topics", "field", "message"),
    [
        ({"rating": "6"}, [], "rating", "Choose a rating from 1 to 5."),
        ({"rating": "four"}, [], "rating", "Choose a rating from 1 to 5."),
        ({"gathering": "maybe"}, [], "gathering", "Choose one of the options."),
        ({"improve": "x" * 2001}, [], "improve", "Keep each answer under {most} characters."),
        ({"drill_into": "a,b,c"}, ["d", "e", "f"], "drill_into", "Choose at most {most} issues."),
        ({}, ["y" * 61], "drill_into", "Keep each issue under {most} characters."),
    ],
)
def test_check_answers_names_the_bad_field(
    values: dict[str, str], topics: list[str], field: str, message: str
) -> None:
    with pytest.raises(FieldInvalid) as caught:
        _check_answers(DEFAULT_QUESTIONS, values, topics)

    assert (caught.value.field, caught.value.message) == (field, message)


def test_demand_counts_people_not_mentions_and_ranks_most_asked_first() -> None:
    interests = [
        InterestRecord(1, "Water"),
        InterestRecord(2, "water "),
        InterestRecord(2, "Land"),
        InterestRecord(3, "Seeds"),
        InterestRecord(3, "Land"),
        InterestRecord(1, "Water"),
    ]

    assert demand_for(interests) == (
        Demand("Land", 2),
        Demand("Water", 2),
        Demand("Seeds", 1),
    )
