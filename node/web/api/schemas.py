"""The API's wire shapes (pydantic models: they validate requests and give the OpenAPI document its schemas), and
the functions that turn what services return into them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ... import uris
from ...models import Member
from ...services import experts, questions, search, skills
from ...services.notifications import NotificationView
from .framework import Body

# Requests. Types and sizes are checked here; the rules (a title of 8 to 200 characters, at most five tags, who
# may do what) stay in the services, whose refusals come back as 400 with the field named.
TEXT_CAP = 100_000


class QuestionCreate(Body):
    title: str = Field(max_length=1000)
    body: str = Field("", max_length=TEXT_CAP, description="Markdown.")
    tags: list[str] = Field(default_factory=list, max_length=20, description="Skill names; a question needs one.")
    kind: Literal["question", "discussion"] = "question"


class QuestionEdit(Body):
    """What is left out stays as it is."""

    title: str | None = Field(None, max_length=1000)
    body: str | None = Field(None, max_length=TEXT_CAP, description="Markdown.")
    tags: list[str] | None = Field(None, max_length=20)


class TextBody(Body):
    body: str = Field(max_length=TEXT_CAP, description="Markdown.")


class VoteBody(Body):
    value: Literal["up", "down"]


class InvitationCreate(Body):
    max_uses: int = Field(1, ge=1, le=10_000)
    expires_in_days: int | None = Field(7, ge=1, le=10_000, description="null: never expires.")
    note: str = Field("", max_length=1000)


class Reason(Body):
    reason: str = Field("", max_length=1000, description="Kept in the audit log.")


class FederationMode(Body):
    mode: Literal["open", "allowlist", "blocklist"]
    reason: str = Field("", max_length=1000)


class DomainRule(Body):
    action: Literal["allow", "suspend", "limit"]
    reject_media: bool = False
    reject_reports: bool = False
    private_comment: str = Field("", max_length=5000)
    public_comment: str = Field("", max_length=5000)


# Responses.
class MemberSummary(BaseModel):
    handle: str = Field(description="username here, username@domain for someone elsewhere.")
    display_name: str
    headline: str
    organization: str
    location: str
    reputation: int
    local: bool
    url: str


class MemberSkill(BaseModel):
    name: str
    label: str
    level: int = Field(description="1 (beginner) to 4 (expert).")
    years: int
    endorsements: int
    endorsed_by_me: bool


class MemberProfile(MemberSummary):
    bio_html: str
    links: list[str]
    created_at: datetime
    followers: int
    following: int
    skills: list[MemberSkill]


class Author(BaseModel):
    handle: str
    display_name: str
    reputation: int
    deleted: bool


class CommentOut(BaseModel):
    id: int
    question_id: int
    answer_id: int | None
    author: Author
    body_html: str
    created_at: datetime
    url: str


class AnswerOut(BaseModel):
    id: int
    question_id: int
    author: Author
    body_html: str
    score: int
    accepted: bool
    my_vote: int = Field(description="1, -1 or 0.")
    created_at: datetime
    edited_at: datetime | None
    comments: list[CommentOut]
    url: str


class QuestionSummary(BaseModel):
    id: int
    kind: str
    title: str
    author: MemberSummary
    tags: list[str]
    score: int
    answer_count: int
    accepted_answer_id: int | None
    created_at: datetime
    last_activity_at: datetime
    url: str


class QuestionOut(QuestionSummary):
    body_markdown: str
    body_html: str
    content_warning: str | None
    my_vote: int
    answers: list[AnswerOut]
    comments: list[CommentOut]


class AcceptOut(BaseModel):
    question_id: int
    accepted_answer_id: int | None = Field(description="null when the call withdrew the acceptance.")


class VoteOut(BaseModel):
    score: int
    my_vote: int


class SkillOut(BaseModel):
    name: str
    label: str
    members: int = Field(description="Members here who list the skill.")
    url: str


class Expert(BaseModel):
    member: MemberSummary
    endorsements: int
    level: int


class SkillDetail(BaseModel):
    name: str
    label: str
    url: str
    following: bool
    experts: list[Expert]


class SearchHit(BaseModel):
    question_id: int
    title: str
    author: MemberSummary
    snippet_html: str = Field(description="Escaped text with <mark> around the words found.")
    answer_id: int | None
    url: str


class ExpertSkill(BaseModel):
    name: str
    label: str
    level: int
    years: int
    endorsements: int
    accepted_answers: int


class ExpertOut(BaseModel):
    origin: Literal["local", "remote", "directory"]
    name: str
    handle: str
    domain: str
    trade: str
    organization: str
    location: str
    profile_url: str
    skills: list[ExpertSkill]


class NotificationOut(BaseModel):
    id: int
    kind: str
    read: bool
    created_at: datetime
    actor: MemberSummary | None
    question_id: int | None
    question_title: str | None
    answer_id: int | None
    comment_id: int | None
    skill: str | None


class Following(BaseModel):
    following: bool
    state: str | None = Field(description='"accepted", "pending" (awaiting their server or their approval) or null.')


class Endorsement(BaseModel):
    endorsements: int


class InvitationOut(BaseModel):
    code: str
    url: str
    state: Literal["active", "expired", "used", "revoked"]
    max_uses: int
    uses: int
    note: str
    created_at: datetime
    expires_at: datetime | None


class AdminMember(MemberSummary):
    role: str
    suspended: bool
    silenced: bool
    created_at: datetime


class DomainRuleOut(BaseModel):
    domain: str
    action: str
    reject_media: bool
    reject_reports: bool
    private_comment: str
    public_comment: str
    updated_at: datetime


class FederationPolicy(BaseModel):
    mode: str
    domains: list[DomainRuleOut]


class Items(BaseModel):
    """An unpaged list (short by nature: a member's skills)."""

    items: list[MemberSkill]


class InvitationList(BaseModel):
    items: list[InvitationOut]


def member_summary(member: Member, base_url: str) -> dict:
    return {
        "handle": member.handle,
        "display_name": member.display_name,
        "headline": member.headline,
        "organization": member.organization,
        "location": member.location,
        "reputation": member.reputation,
        "local": member.local,
        "url": uris.absolute(base_url, uris.profile(member.handle)),
    }


def member_skill(view: skills.SkillView) -> dict:
    return {
        "name": view.name,
        "label": view.label,
        "level": view.level,
        "years": view.years,
        "endorsements": view.endorsements,
        "endorsed_by_me": view.endorsed_by_viewer,
    }


def question_summary(summary: questions.QuestionSummary, base_url: str) -> dict:
    q = summary.question
    return {
        "id": q.id,
        "kind": q.kind,
        "title": q.title,
        "author": member_summary(summary.author, base_url),
        "tags": [t.name for t in summary.tags],
        "score": q.score,
        "answer_count": q.answer_count,
        "accepted_answer_id": q.accepted_answer_id,
        "created_at": q.created_at,
        "last_activity_at": q.last_activity_at,
        "url": uris.question_id(base_url, q.id),
    }


def _author(author: questions.Author) -> dict:
    return {
        "handle": author.handle,
        "display_name": author.display_name,
        "reputation": author.reputation,
        "deleted": author.deleted,
    }


def _comment(view: questions.CommentView, question_id: int, base_url: str) -> dict:
    c = view.comment
    return {
        "id": c.id,
        "question_id": question_id,
        "answer_id": c.answer_id,
        "author": _author(view.author),
        "body_html": c.body_html,
        "created_at": c.created_at,
        "url": uris.comment_id(base_url, c.id),
    }


def question_page(page: questions.QuestionPage, author: Member, base_url: str) -> dict:
    q = page.question
    return {
        **question_summary(questions.QuestionSummary(q, author, page.tags), base_url),
        "body_markdown": q.body_md,
        "body_html": q.body_html,
        "content_warning": q.content_warning,
        "my_vote": page.my_vote,
        "answers": [
            {
                "id": a.answer.id,
                "question_id": q.id,
                "author": _author(a.author),
                "body_html": a.answer.body_html,
                "score": a.answer.score,
                "accepted": a.accepted,
                "my_vote": a.my_vote,
                "created_at": a.answer.created_at,
                "edited_at": a.answer.edited_at,
                "comments": [_comment(c, q.id, base_url) for c in a.comments],
                "url": uris.answer_id(base_url, a.answer.id),
            }
            for a in page.answers
        ],
        "comments": [_comment(c, q.id, base_url) for c in page.comments],
    }


def search_hit(hit: search.SearchHit, base_url: str) -> dict:
    return {
        "question_id": hit.question.id,
        "title": hit.question.title,
        "author": member_summary(hit.author, base_url),
        "snippet_html": hit.snippet,
        "answer_id": hit.answer_id,
        "url": uris.question_id(base_url, hit.question.id),
    }


def expert(result: experts.ExpertResult, base_url: str) -> dict:
    profile_url = result.profile_url or (uris.absolute(base_url, uris.profile(result.handle)) if result.handle else "")
    return {
        "origin": result.origin,
        "name": result.name,
        "handle": result.handle,
        "domain": result.domain,
        "trade": result.trade,
        "organization": result.organization,
        "location": result.location,
        "profile_url": profile_url,
        "skills": [
            {
                "name": s.name,
                "label": s.label,
                "level": s.level,
                "years": s.years,
                "endorsements": s.endorsements,
                "accepted_answers": s.accepted_answers,
            }
            for s in result.skills
        ],
    }


def notification(view: NotificationView, base_url: str) -> dict:
    n = view.notification
    return {
        "id": n.id,
        "kind": n.kind,
        "read": n.read_at is not None,
        "created_at": n.created_at,
        "actor": member_summary(view.actor, base_url) if view.actor else None,
        "question_id": n.question_id,
        "question_title": view.question.title if view.question else None,
        "answer_id": n.answer_id,
        "comment_id": n.comment_id,
        "skill": view.skill.name if view.skill else None,
    }
