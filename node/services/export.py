"""Data exports as zip files: a member's own data, or the whole instance (a folder per member, the instance
settings and the federation policy).

A member's folder holds `actor.json` and `outbox.json` (their actor and their questions, answers and comments as
ActivityStreams Create activities, rendered by the federation glue: the caller passes the renderer, services do
not know AS2), `skills.json` (level, years, endorsements received with the endorsers' handles),
`endorsements_given.json`, `votes.json` and a readable `index.html`.
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlmodel import col

from ..config import Config
from ..db import Database
from ..models import Answer, Endorsement, Member, MemberSkill, Question, Skill, Vote, utcnow
from . import federation_policy, instance_settings
from .errors import N_, InvalidInput, NotFound

# (member) → (actor document, outbox document): node/federation/documents.export_documents, bound to the base URL.
AS2Renderer = Callable[[Member], Awaitable[tuple[dict, dict]]]


@dataclass
class MemberData:
    member: Member
    actor: dict
    outbox: dict
    skills: list[dict] = field(default_factory=list)
    endorsements_given: list[dict] = field(default_factory=list)
    votes: list[dict] = field(default_factory=list)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def _member_data(db: Database, member: Member, render: AS2Renderer) -> MemberData:
    actor, outbox = await render(member)
    data = MemberData(member, actor, outbox)
    async with db.read() as session:
        owned = (
            await session.execute(
                select(MemberSkill, Skill)
                .join(Skill, col(Skill.id) == col(MemberSkill.skill_id))
                .where(col(MemberSkill.member_id) == member.id)
                .order_by(col(Skill.name))
            )
        ).all()
        received = (
            await session.execute(
                select(Endorsement, Member)
                .join(Member, col(Member.id) == col(Endorsement.endorser_id))
                .where(col(Endorsement.member_skill_id).in_([ms.id for ms, _ in owned]))
                .order_by(col(Endorsement.created_at), col(Endorsement.id))
            )
        ).all()
        given = (
            await session.execute(
                select(Endorsement, Skill, Member)
                .join(MemberSkill, col(MemberSkill.id) == col(Endorsement.member_skill_id))
                .join(Skill, col(Skill.id) == col(MemberSkill.skill_id))
                .join(Member, col(Member.id) == col(MemberSkill.member_id))
                .where(col(Endorsement.endorser_id) == member.id)
                .order_by(col(Endorsement.created_at), col(Endorsement.id))
            )
        ).all()
        votes = list(
            await session.scalars(
                select(Vote).where(col(Vote.member_id) == member.id).order_by(col(Vote.created_at), col(Vote.id))
            )
        )
        question_ids = [v.target_id for v in votes if v.target_type == "question"]
        answer_ids = [v.target_id for v in votes if v.target_type == "answer"]
        titles = dict(
            (
                await session.execute(
                    select(col(Question.id), col(Question.title)).where(col(Question.id).in_(question_ids))
                )
            ).all()
        )
        answer_questions = dict(
            (
                await session.execute(
                    select(col(Answer.id), col(Answer.question_id)).where(col(Answer.id).in_(answer_ids))
                )
            ).all()
        )
    by_skill: dict[int, list[dict]] = {}
    for endorsement, endorser in received:
        by_skill.setdefault(endorsement.member_skill_id, []).append(
            {"handle": endorser.handle, "created_at": _when(endorsement.created_at)}
        )
    data.skills = [
        {
            "skill": skill.name,
            "label": skill.label,
            "level": ms.level,
            "years": ms.years,
            "endorsements": by_skill.get(ms.id, []),
        }
        for ms, skill in owned
    ]
    data.endorsements_given = [
        {"member": owner.handle, "skill": skill.name, "created_at": _when(endorsement.created_at)}
        for endorsement, skill, owner in given
    ]
    data.votes = [
        {
            "target_type": v.target_type,
            "target_id": v.target_id,
            "question_id": v.target_id if v.target_type == "question" else answer_questions.get(v.target_id),
            "question_title": titles.get(v.target_id) if v.target_type == "question" else None,
            "value": v.value,
            "created_at": _when(v.created_at),
        }
        for v in votes
    ]
    return data


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _index_html(data: MemberData, site_name: str) -> str:
    """A page a person can open: who, what they wrote, their skills; everything escaped."""
    e = html.escape
    member = data.member
    posts = []
    for item in data.outbox.get("orderedItems", []):
        obj = item.get("object", {})
        label = obj.get("name") or obj.get("source", {}).get("content", "")[:120]
        posts.append(f'<li>{e(obj.get("type", ""))} · <a href="{e(obj.get("id", ""))}">{e(label)}</a></li>')
    skills = [
        f"<li>{e(s['label'])} · {s['level']} · {s['years']} · "
        f"{e(', '.join(x['handle'] for x in s['endorsements']))}</li>"
        for s in data.skills
    ]
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{e(member.name)} · {e(site_name)}</title></head><body>\n"
        f"<h1>{e(member.name)} (@{e(member.username)})</h1>\n"
        f"<p>{e(member.headline)} {e(member.organization)} {e(member.location)}</p>\n"
        f"<p>Exported {e(utcnow().isoformat())} from {e(site_name)}.</p>\n"
        f"<h2>Posts ({len(posts)})</h2>\n<ul>{''.join(posts)}</ul>\n"
        f"<h2>Skills ({len(skills)})</h2>\n<ul>{''.join(skills)}</ul>\n"
        f"<p>Endorsements given: {len(data.endorsements_given)} · votes: {len(data.votes)}</p>\n"
        "<p>actor.json, outbox.json (ActivityStreams), skills.json, endorsements_given.json, votes.json</p>\n"
        "</body></html>\n"
    )


def _member_files(data: MemberData, site_name: str) -> dict[str, str]:
    return {
        "actor.json": _json(data.actor),
        "outbox.json": _json(data.outbox),
        "skills.json": _json(data.skills),
        "endorsements_given.json": _json(data.endorsements_given),
        "votes.json": _json(data.votes),
        "index.html": _index_html(data, site_name),
    }


def _write_zip(out: IO[bytes], files: dict[str, str]) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)


async def member_archive(db: Database, config: Config, member_id: int, render: AS2Renderer, out: IO[bytes]) -> None:
    """Write the member's data as a zip into `out` (a file or a spooled temporary file)."""
    async with db.read() as session:
        member = await session.get(Member, member_id)
    if member is None or not member.local or member.deleted_at is not None:
        raise NotFound(N_("This member does not exist."))
    site = await instance_settings.current(db, config)
    files = _member_files(await _member_data(db, member, render), site.name)
    await asyncio.to_thread(_write_zip, out, files)


async def instance_archive(db: Database, config: Config, render: AS2Renderer, out: IO[bytes]) -> int:
    """Write the whole instance as one zip into `out`: `instance.json` (the settings), `federation.json` (the
    mode and the domain rules) and `members/<username>/` for every account of this instance that is not
    deleted. Returns the number of members exported."""
    site = await instance_settings.current(db, config)
    rules = await federation_policy.policies(db)
    files = {
        "instance.json": _json({"base_url": config.base_url, **asdict(site)}),
        "federation.json": _json(
            {
                "mode": await federation_policy.get_mode(db),
                "rules": [rule.model_dump() for rule in rules],  # domain, action, media, reports, comments, dates
            }
        ),
    }
    async with db.read() as session:
        members = list(
            await session.scalars(
                select(Member)
                .where(col(Member.local).is_(True), col(Member.deleted_at).is_(None))
                .order_by(col(Member.username_key), col(Member.id))
            )
        )
    for member in members:
        for name, text in _member_files(await _member_data(db, member, render), site.name).items():
            files[f"members/{member.username}/{name}"] = text
    await asyncio.to_thread(_write_zip, out, files)
    return len(members)


SKILLS_FILE_LIMIT = 1_000_000  # bytes of skills.json read from an upload (a zip may claim any size)


def read_skills(upload: bytes) -> list[dict]:
    """The skills of a member's export, given as the downloaded zip or as its skills.json: each with its
    label, level and years (endorsements were given to the old account by other people: they stay there)."""
    try:
        if zipfile.is_zipfile(io.BytesIO(upload)):
            with zipfile.ZipFile(io.BytesIO(upload)) as archive, archive.open("skills.json") as file:
                upload = file.read(SKILLS_FILE_LIMIT + 1)
        if len(upload) > SKILLS_FILE_LIMIT:
            raise ValueError("too large")
        entries = json.loads(upload)
    except (KeyError, ValueError, zipfile.BadZipFile, UnicodeDecodeError):
        entries = None
    if not isinstance(entries, list):
        raise InvalidInput(N_("This is not a Skiller export (a zip with skills.json, or skills.json)."), field="file")
    return [
        {"label": e["label"], "level": e.get("level"), "years": e.get("years")}
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("label"), str)
    ]
