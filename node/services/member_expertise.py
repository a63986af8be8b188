"""The best members in a skill, as expert search ranks them: the skill as their profile lists it (level, years,
endorsements, read live) and their answers in questions tagged with it (accepted ones, and those of the last 90
days), counted here and kept for a minute per skill.

A popular skill has thousands of members and answers: ranking them all for each search would cost tens of
milliseconds. Endorsements and profiles count at once; answers count in the ranking within ANSWERS_KEPT seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from ..models import Answer, Member, MemberSkill, Question, QuestionTag, utcnow
from .skills import ACCEPTED_ANSWER_WEIGHT

RECENT_DAYS = 90
ANSWERS_KEPT = 60.0  # seconds


@dataclass
class Figures:
    skill_id: int
    level: int = 0
    years: int = 0
    endorsements: int = 0
    accepted_answers: int = 0
    recent_answers: int = 0

    @property
    def rank(self) -> tuple[int, int, int]:
        score = self.endorsements + ACCEPTED_ANSWER_WEIGHT * self.accepted_answers + self.recent_answers
        return (score, self.level, self.years)


class AnswerCounts:
    """Per skill: member id → (accepted answers, recent answers), and the members by answers' weight (best first);
    recounted after ANSWERS_KEPT seconds."""

    def __init__(self) -> None:
        self._by_skill: dict[int, tuple[float, dict[int, tuple[int, int]], list[tuple[int, int]]]] = {}
        self._lock = threading.Lock()

    def of(self, session, skill_id: int) -> tuple[dict[int, tuple[int, int]], list[tuple[int, int]]]:
        with self._lock:
            kept = self._by_skill.get(skill_id)
        if kept is not None and time.monotonic() - kept[0] < ANSWERS_KEPT:
            return kept[1], kept[2]
        counts = _count_answers(session, skill_id)
        by_weight = sorted(((_weight(*n), m) for m, n in counts.items()), reverse=True)
        with self._lock:
            self._by_skill[skill_id] = (time.monotonic(), counts, by_weight)
        return counts, by_weight


def _weight(accepted: int, recent: int) -> int:
    return ACCEPTED_ANSWER_WEIGHT * accepted + recent


def _count_answers(session, skill_id: int) -> dict[int, tuple[int, int]]:
    tagged = select(QuestionTag.question_id).where(QuestionTag.skill_id == skill_id)
    accepted = session.execute(
        select(Answer.author_id, func.count())
        .join(Question, Question.accepted_answer_id == Answer.id)
        .where(Question.id.in_(tagged), Question.deleted_at.is_(None), Answer.deleted_at.is_(None))
        .group_by(Answer.author_id)
    ).all()
    recent = session.execute(
        select(Answer.author_id, func.count())
        .join(Question, Question.id == Answer.question_id)
        .where(
            Answer.question_id.in_(tagged),
            Answer.created_at >= utcnow() - timedelta(days=RECENT_DAYS),
            Question.deleted_at.is_(None),
            Answer.deleted_at.is_(None),
        )
        .group_by(Answer.author_id)
    ).all()
    counts: dict[int, tuple[int, int]] = {member_id: (n, 0) for member_id, n in accepted}
    for member_id, n in recent:
        counts[member_id] = (counts.get(member_id, (0, 0))[0], n)
    return counts


def best_members(
    session, answers: AnswerCounts, skill_id: int, member_ok, wanted: int
) -> list[tuple[int, bool, Figures]]:
    """The `wanted` best members in a skill among those `member_ok` admits: (id, local, figures), best first.

    Two lists are read best first, as far as needed: members by endorsements (SQL) and by answers (kept in
    memory). Anyone read in neither list has at most the endorsements of the last one read in the first plus the
    answers of the last one read in the second; once `wanted` people score above that, the rest cannot catch up.
    """
    counts, by_weight = answers.of(session, skill_id)
    depth = 8 * wanted
    figures_of = select(MemberSkill.member_id, MemberSkill.level, MemberSkill.years, MemberSkill.endorsement_count)
    while True:
        # The lists are read unfiltered (narrow rows, one sort), then the people read are checked in one query.
        listed = session.execute(
            figures_of.where(MemberSkill.skill_id == skill_id)
            .order_by(MemberSkill.endorsement_count.desc(), MemberSkill.member_id.desc())
            .limit(depth)
        ).all()
        owned = {member_id: (level, years, endorsements) for member_id, level, years, endorsements in listed}
        answerers = [m for _, m in by_weight[:depth] if m not in owned]
        if answerers:
            for member_id, level, years, endorsements in session.execute(
                figures_of.where(MemberSkill.skill_id == skill_id, MemberSkill.member_id.in_(answerers))
            ):
                owned[member_id] = (level, years, endorsements)
        # Ranked first, then checked against the filters best first, a slice at a time, until `wanted` pass.
        scored = sorted(
            (
                (figures.rank, member_id, figures)
                for member_id in {*owned, *answerers}
                for figures in [Figures(skill_id, *owned.get(member_id, (0, 0, 0)), *counts.get(member_id, (0, 0)))]
            ),
            key=lambda item: (item[0], item[1]),
            reverse=True,
        )
        best: list[tuple[int, bool, Figures]] = []
        start, size = 0, 2 * wanted
        while len(best) < wanted and start < len(scored):
            piece = scored[start : start + size]
            admitted = dict(
                session.execute(
                    select(Member.id, Member.local).where(Member.id.in_([m for _, m, _ in piece]), member_ok)
                ).all()
            )
            best += [(m, admitted[m], figures) for _, m, figures in piece if m in admitted]
            start, size = start + size, size * 4
        best = best[:wanted]
        more_listed = len(listed) == depth
        more_answerers = len(by_weight) > depth
        bound = (listed[-1][3] if more_listed else 0) + (by_weight[depth][0] if more_answerers else 0)
        if not (more_listed or more_answerers) or (len(best) == wanted and best[-1][2].rank[0] > bound):
            return best
        depth *= 4
