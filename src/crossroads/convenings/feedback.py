"""Feedback after the call: the host's questions, participants' answers, the host's summary,
follow-up interests, and the answers in the shape the harvest takes.

A convening that never had its questions edited uses ``DEFAULT_QUESTIONS``; the first edit
stores the defaults with it, so later changes to the defaults do not alter past forms.
Answers are keyed by question key, so removing a question keeps earlier answers readable.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.planning import (
    Plan,
    get_plan_for_host,
    get_plan_for_participant,
)
from crossroads.harvest.model import FeedbackAnswer
from crossroads.messages import N_
from crossroads.store import feedback as feedback_store
from crossroads.store import participants as participant_store
from crossroads.store import safety as safety_store
from crossroads.store import series as series_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.feedback import QuestionRecord
from crossroads.store.records import HostRecord, ParticipantRecord

RATING, TEXT, ISSUES, GATHERING = "rating", "text", "issues", "gathering"
KINDS = (RATING, TEXT, ISSUES, GATHERING)
GATHERING_CHOICES = ("in_person", "hybrid", "online_only", "not_sure")
MAX_TEXT = 2000
MAX_TOPIC = 60
MAX_TOPICS = 5
MAX_QUESTIONS = 12
MAX_LABEL = 300
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True, slots=True)
class Question:
    """``label`` is a gettext message id when ``default`` is true, the host's words otherwise."""

    key: str
    kind: str
    label: str
    default: bool


DEFAULT_QUESTIONS = (
    Question("rating", RATING, N_("How was this call for you? (1 = poor, 5 = excellent)"), True),
    Question("energising", TEXT, N_("What was energising?"), True),
    Question("improve", TEXT, N_("What should we improve?"), True),
    Question(
        "drill_into", ISSUES, N_("Which issues would you like to drill into next time?"), True
    ),
    Question(
        "gathering", GATHERING, N_("Would you come to an in-person or hybrid gathering?"), True
    ),
)
_DEFAULT_LABELS = {q.key: q.label for q in DEFAULT_QUESTIONS}


def _question(record: QuestionRecord) -> Question:
    if record.label:
        return Question(record.key, record.kind, record.label, False)
    return Question(record.key, record.kind, _DEFAULT_LABELS.get(record.key, record.key), True)


async def _questions(tx: Any, convening_id: int) -> tuple[Question, ...]:
    stored = await feedback_store.list_questions(tx, convening_id)
    return tuple(_question(r) for r in stored) if stored else DEFAULT_QUESTIONS


def clean_topic(text: str) -> str:
    """``"  water   rights "`` -> ``"water rights"``; the first spelling seen is kept."""
    return " ".join(text.split())[:MAX_TOPIC]


def _merge_topics(topics: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for topic in topics:
        cleaned = clean_topic(topic)
        if cleaned:
            seen.setdefault(cleaned.casefold(), cleaned)
    return list(seen.values())


# --- the participant's form -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedbackForm:
    plan: Plan
    you: ParticipantRecord
    questions: tuple[Question, ...]
    answers: Mapping[str, Any]
    topic_choices: tuple[str, ...]
    interests: tuple[str, ...]
    in_series: bool
    series_email: str | None
    submitted: bool


async def feedback_form(
    db: Database, participant: ParticipantRecord, public_id: str
) -> FeedbackForm:
    plan = await get_plan_for_participant(db, participant, public_id)
    cid = participant.convening_id
    async with db.transaction() as tx:
        questions = await _questions(tx, cid)
        response = await feedback_store.get_response(tx, participant.id)
        everyone = await participant_store.list_participants(tx, cid)
        interests = await feedback_store.list_interests(tx, [cid])
        series = await series_store.series_of(tx, cid)
        email = await series_store.get_consent(tx, participant.id)
    mine = [i.topic for i in interests if i.participant_id == participant.id]
    # Issue areas from the roster (of people who agreed to be listed, so an unusual one
    # does not point at someone unlisted) and what others already asked for, unattributed.
    offered = [m for p in everyone if p.consent_listed for m in p.movements]
    offered += [i.topic for i in interests]
    return FeedbackForm(
        plan=plan,
        you=participant,
        questions=questions,
        answers=dict(response.answers) if response else {},
        topic_choices=tuple(sorted(_merge_topics([*offered, *mine]), key=str.casefold)),
        interests=tuple(mine),
        in_series=series is not None,
        series_email=email,
        submitted=response is not None,
    )


def _check_answers(
    questions: Sequence[Question],
    values: Mapping[str, str],
    topics: Sequence[str],
) -> tuple[dict[str, Any], list[str]]:
    answers: dict[str, Any] = {}
    chosen: list[str] = []
    for q in questions:
        raw = values.get(q.key, "").strip()
        if q.kind == RATING:
            if raw:
                if raw not in {"1", "2", "3", "4", "5"}:
                    raise FieldInvalid(q.key, N_("Choose a rating from 1 to 5."))
                answers[q.key] = int(raw)
        elif q.kind == TEXT:
            if len(raw) > MAX_TEXT:
                raise FieldInvalid(
                    q.key, N_("Keep each answer under {most} characters."), most=MAX_TEXT
                )
            if raw:
                answers[q.key] = raw
        elif q.kind == GATHERING:
            if raw and raw not in GATHERING_CHOICES:
                raise FieldInvalid(q.key, N_("Choose one of the options."))
            if raw:
                answers[q.key] = raw
        elif q.kind == ISSUES:
            other = [part for part in re.split(r"[,;\n]", raw) if part.strip()]
            if any(len(clean_topic(t)) < len(" ".join(t.split())) for t in [*topics, *other]):
                raise FieldInvalid(
                    q.key, N_("Keep each issue under {most} characters."), most=MAX_TOPIC
                )
            chosen = _merge_topics([*topics, *other])
            if len(chosen) > MAX_TOPICS:
                raise FieldInvalid(q.key, N_("Choose at most {most} issues."), most=MAX_TOPICS)
            if chosen:
                answers[q.key] = chosen
    return answers, chosen


def check_email(email: str) -> str:
    email = email.strip().casefold()
    if not _EMAIL.match(email) or len(email) > 320:
        raise FieldInvalid("series_email", N_("Give an email address, like ana@example.org."))
    return email


async def submit_feedback(
    db: Database,
    participant: ParticipantRecord,
    public_id: str,
    *,
    values: Mapping[str, str],
    topics: Sequence[str],
    series_email: str | None,
    now: datetime,
) -> None:
    """Save (or replace) the participant's answers, the issues they want to drill into, and
    their choice about being recognised in the series. Everything is checked first: a bad
    field saves nothing."""
    plan = await get_plan_for_participant(db, participant, public_id)
    cid = plan.convening.id
    email = None if series_email is None else check_email(series_email)
    async with db.transaction() as tx:
        questions = await _questions(tx, cid)
        answers, chosen = _check_answers(questions, values, topics)
        await feedback_store.save_response(
            tx, convening_id=cid, participant_id=participant.id, answers=answers, now=now
        )
        if any(q.kind == ISSUES for q in questions):
            await feedback_store.set_interests(
                tx, convening_id=cid, participant_id=participant.id, topics=chosen, now=now
            )
        # Unticking the box withdraws an earlier consent.
        await series_store.set_consent(tx, participant.id, email, now)


# --- the host's side --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionSummary:
    question: Question
    answered: int
    average: float | None = None
    counts: tuple[tuple[str, int], ...] = ()  # rating value or choice -> count
    texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Demand:
    topic: str
    people: int


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    plan: Plan
    participants: int
    responses: int
    questions: tuple[QuestionSummary, ...]
    demand: tuple[Demand, ...]
    series_consents: int
    series_public_id: str | None


def demand_for(interests: Sequence[feedback_store.InterestRecord]) -> tuple[Demand, ...]:
    """How many different people asked for each topic, most asked first.

    Interests (1, "Water"), (2, "water "), (2, "Land") give
    ``(Demand("Water", 2), Demand("Land", 1))``.
    """
    people: dict[str, set[int]] = {}
    labels: dict[str, str] = {}
    for interest in interests:
        key = clean_topic(interest.topic).casefold()
        labels.setdefault(key, clean_topic(interest.topic))
        people.setdefault(key, set()).add(interest.participant_id)
    ranked = sorted(people.items(), key=lambda kv: (-len(kv[1]), labels[kv[0]].casefold()))
    return tuple(Demand(labels[key], len(who)) for key, who in ranked)


def _summarise(question: Question, answers: list[Any]) -> QuestionSummary:
    given = [a for a in answers if a not in (None, "", [])]
    if question.kind == RATING:
        ratings = [int(a) for a in given if isinstance(a, int)]
        counts = Counter(ratings)
        return QuestionSummary(
            question,
            len(ratings),
            average=round(sum(ratings) / len(ratings), 2) if ratings else None,
            counts=tuple((str(v), counts.get(v, 0)) for v in range(1, 6)),
        )
    if question.kind == GATHERING:
        counts = Counter(str(a) for a in given)
        return QuestionSummary(
            question, len(given), counts=tuple((c, counts.get(c, 0)) for c in GATHERING_CHOICES)
        )
    if question.kind == ISSUES:
        return QuestionSummary(question, len(given))
    # Sorted, not in the order given: the order would tell who wrote what to anyone who
    # watched people submit (Chatham House: answers are never attributed).
    return QuestionSummary(question, len(given), texts=tuple(sorted(str(a) for a in given)))


async def feedback_summary(db: Database, host: HostRecord, public_id: str) -> FeedbackSummary:
    plan = await get_plan_for_host(db, host, public_id)
    cid = plan.convening.id
    async with db.transaction() as tx:
        questions = await _questions(tx, cid)
        responses = await feedback_store.list_responses(tx, cid)
        interests = await feedback_store.list_interests(tx, [cid])
        everyone = await participant_store.list_participants(tx, cid)
        # "N of M participants answered": the people a host removed are not among the M (#29).
        removed = await safety_store.removed_ids(tx, cid)
        consents = await series_store.consents(tx, [cid])
        series = await series_store.series_of(tx, cid)
    return FeedbackSummary(
        plan=plan,
        participants=len([p for p in everyone if p.id not in removed]),
        responses=len(responses),
        questions=tuple(
            _summarise(q, [r.answers.get(q.key) for r in responses]) for q in questions
        ),
        demand=demand_for(interests),
        series_consents=len(consents),
        series_public_id=series.public_id if series else None,
    )


async def feedback_questions(
    db: Database, host: HostRecord, public_id: str
) -> tuple[Question, ...]:
    plan = await get_plan_for_host(db, host, public_id)
    async with db.transaction() as tx:
        return await _questions(tx, plan.convening.id)


async def _store_questions(
    db: Database, host: HostRecord, public_id: str, change: Any
) -> tuple[Question, ...]:
    plan = await get_plan_for_host(db, host, public_id)
    async with db.transaction() as tx:
        questions = list(await _questions(tx, plan.convening.id))
        questions = change(questions)
        await feedback_store.replace_questions(
            tx,
            plan.convening.id,
            [
                QuestionRecord(q.key, q.kind, i, "" if q.default else q.label)
                for i, q in enumerate(questions, start=1)
            ],
        )
    return tuple(questions)


async def add_question(
    db: Database, host: HostRecord, public_id: str, *, label: str, kind: str
) -> tuple[Question, ...]:
    label = " ".join(label.split())
    if not label:
        raise FieldInvalid("label", N_("Write the question first."))
    if len(label) > MAX_LABEL:
        raise FieldInvalid(
            "label", N_("Keep the question under {most} characters."), most=MAX_LABEL
        )
    if kind not in (RATING, TEXT):
        raise FieldInvalid("kind", N_("Choose one of the options."))

    def change(questions: list[Question]) -> list[Question]:
        if len(questions) >= MAX_QUESTIONS:
            raise FieldInvalid(
                "label", N_("A form holds at most {most} questions."), most=MAX_QUESTIONS
            )
        taken = {q.key for q in questions}
        number = 1
        while f"q{number}" in taken:
            number += 1
        return [*questions, Question(f"q{number}", kind, label, False)]

    return await _store_questions(db, host, public_id, change)


async def remove_question(
    db: Database, host: HostRecord, public_id: str, *, key: str
) -> tuple[Question, ...]:
    def change(questions: list[Question]) -> list[Question]:
        if key not in {q.key for q in questions}:
            raise NotFound("question")
        return [q for q in questions if q.key != key]

    return await _store_questions(db, host, public_id, change)


# --- for the harvest ------------------------------------------------------------------------


async def feedback_for_harvest(db: Database, convening_id: int) -> tuple[FeedbackAnswer, ...]:
    """The answers as ``harvest`` takes them (see harvest/sources.py ``read_feedback``):
    author ids are participant ids, as in the roster ``reflections.gather_inputs`` builds,
    so consent to be quoted is checked the same way; the harvest applies the privacy mode."""
    async with db.transaction() as tx:
        questions = await _questions(tx, convening_id)
        responses = await feedback_store.list_responses(tx, convening_id)
    kinds = {q.key: q.kind for q in questions}

    def first(kind: str, answers: Mapping[str, Any], key: str | None = None) -> Any:
        if key is not None:
            return answers.get(key) if key in kinds else None
        return next((answers[k] for k, v in kinds.items() if v == kind and k in answers), None)

    result = []
    for r in responses:
        rating = first(RATING, r.answers, "rating") or first(RATING, r.answers)
        issues = first(ISSUES, r.answers) or []
        result.append(
            FeedbackAnswer(
                author_id=str(r.participant_id),
                rating=int(rating) if isinstance(rating, int) else None,
                energising=str(r.answers.get("energising", "")),
                improve=str(r.answers.get("improve", "")),
                drill_into="; ".join(str(t) for t in issues),
            )
        )
    return tuple(result)
