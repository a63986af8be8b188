"""Skills as Group actors (FEP-1b12), as Lemmy, PieFed and Mbin expect a community to behave.

`!python@host` is the skill `python`: people elsewhere follow it (their follow is a TagFollow, answered by an
`Accept` from the group), and the group `Announce`s to them what happens in the skill: the activity itself
(`Create`, `Update`, `Delete`, `Like`, `Dislike`, `Undo`), wrapped, signed with the group's own key. A post
sent to the group by someone elsewhere (addressed to it, or a Mastodon post mentioning it) becomes a question
in the skill, and the group announces it too. Lemmy announces to every follower, the author's server
included (receivers skip what they already have): so do we.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from sqlalchemy import bindparam, func, select

from activitypub.as2 import AS_PUBLIC, as_list, first_type, id_of, is_public
from activitypub.collections import ordered_collection
from activitypub.origins import same_origin

from .. import uris
from ..models import Member, Question, QuestionTag, Skill, TagFollow
from ..services import groups, instance_settings
from ..services.errors import NotFound
from . import to_as2
from .actors import fetch
from .context import Federation
from .deliveries import enqueue
from .keys import ensure_group_key

GROUP_PATH = re.compile(r"^/groups/([^/?#]+)$")
AS2_TYPE = "https://www.w3.org/ns/activitystreams#type"
# What a group passes on from its inbox, as Lemmy's community inbox does (a Follow is answered, not announced).
ANNOUNCED = {"Create", "Update", "Delete", "Like", "Dislike", "Undo"}
OUTBOX_SIZE = 20  # questions listed in a group's outbox


def local_group(fed: Federation, url: str | None) -> str | None:
    """The skill name of one of our groups' URL."""
    if not isinstance(url, str) or not url.startswith(fed.base_url + "/"):
        return None
    match = GROUP_PATH.match(url[len(fed.base_url) :])
    return unquote(match.group(1)) if match else None


# --- documents ---------------------------------------------------------------------------------------


async def actor(fed: Federation, name: str) -> dict:
    skill = await groups.group_skill(fed.db, name)
    async with fed.db.write() as session:  # its key is made the first time anyone asks for it
        key = await ensure_group_key(session, skill.id)
    site = await instance_settings.current(fed.db, fed.config)
    document = to_as2.group_actor(fed.base_url, skill, site.name, key.public_key_pem)
    if site.private_mode:
        document["discoverable"] = False
    return document


async def followers(fed: Federation, name: str) -> dict:
    """How many follow the group, without naming them (as Lemmy publishes a community's followers)."""
    skill = await groups.group_skill(fed.db, name)
    async with fed.db.read() as session:
        total = await session.scalar(select(func.count()).where(TagFollow.skill_id == skill.id)) or 0
    collection = ordered_collection(uris.group_id(fed.base_url, name) + "/followers", total)
    return {"@context": to_as2.CONTEXT, **collection}


async def moderators(fed: Federation, name: str) -> dict:
    """The group's moderators (its `attributedTo`, as Lemmy's): the instance's moderators and administrators."""
    await groups.group_skill(fed.db, name)
    people = [uris.actor_id(fed.base_url, m.username) for m in await groups.moderators(fed.db)]
    collection = ordered_collection(uris.group_id(fed.base_url, name) + "/moderators", len(people), items=people)
    return {"@context": to_as2.CONTEXT, **collection}


async def outbox(fed: Federation, name: str) -> dict:
    """The skill's latest questions asked here, each as the group's Announce of its Create, inline as Lemmy serves
    a community's outbox (it reads it when the community is first followed)."""
    skill = await groups.group_skill(fed.db, name)
    recent = (
        select(Question, Member)
        .join(QuestionTag, QuestionTag.question_id == Question.id)
        .join(Member, Member.id == Question.author_id)
        .where(QuestionTag.skill_id == skill.id, Question.ap_id.is_(None), Question.deleted_at.is_(None))
        .order_by(Question.id.desc())
        .limit(OUTBOX_SIZE)
    )
    async with fed.db.read() as session:
        rows = (await session.execute(recent)).all()
        tags: dict[int, list[Skill]] = {}
        for question_id, tag in (
            await session.execute(
                select(QuestionTag.question_id, Skill)
                .join(Skill)
                .where(QuestionTag.question_id.in_([q.id for q, _ in rows]))
                .order_by(QuestionTag.question_id, Skill.id)
            )
        ).all():
            tags.setdefault(question_id, []).append(tag)
    items = []
    for question, author in rows:
        obj = to_as2.question_object(fed.base_url, question, author, tags.get(question.id, []))
        create = {"id": obj["id"] + "#create", "type": "Create", "actor": obj["attributedTo"], "object": obj}
        items.append(announcement(fed, name, {**create, "to": obj["to"], "cc": obj["cc"]}))
    collection = ordered_collection(uris.group_id(fed.base_url, name) + "/outbox", len(items), items=items)
    return {"@context": to_as2.CONTEXT, **collection}


async def webfinger_link(fed: Federation, name: str) -> dict | None:
    """The group's `self` link for a WebFinger answer, typed as Lemmy types a community's."""
    try:
        await groups.group_skill(fed.db, name)
    except NotFound:
        return None
    return {
        "rel": "self",
        "type": "application/activity+json",
        "href": uris.group_id(fed.base_url, name),
        "properties": {AS2_TYPE: "Group"},
    }


async def question_group(session, base: str, question: Question) -> str | None:
    """The Group a question belongs to: the one it was posted to elsewhere, or its first skill's here."""
    return (await question_groups(session, base, question)).group


# --- announcing --------------------------------------------------------------------------------------


def announcement(fed: Federation, name: str, inner: dict) -> dict:
    """The group's Announce of `inner`, Lemmy's shape; its id is the same for the same activity, so queuing it
    again is harmless."""
    group = uris.group_id(fed.base_url, name)
    digest = hashlib.sha256(str(inner["id"]).encode()).hexdigest()[:32]
    return {
        "id": uris.activity_id(fed.base_url, "announce", f"{name}-{digest}"),
        "type": "Announce",
        "actor": group,
        "to": [AS_PUBLIC],
        "cc": [group + "/followers"],
        # Ours in our context; one received keeps its own, so that no term of its sender's is lost on the way.
        "object": _readable_by_threadiverse({k: v for k, v in inner.items() if k != "@context" or v != to_as2.CONTEXT}),
    }


# What Lemmy, PieFed and Mbin read as a thread's first post: a question travels to a group's followers as a Page (Lemmy
# refuses any other type there, `Question` included); its own address still serves it as the Question it is.
THREAD_START_TYPES = {"Question": "Page"}


def _readable_by_threadiverse(inner: dict) -> dict:
    obj = inner.get("object")
    if inner.get("type") in ("Create", "Update") and isinstance(obj, dict) and obj.get("type") in THREAD_START_TYPES:
        return {**inner, "object": {**obj, "type": THREAD_START_TYPES[obj["type"]]}}
    return inner


async def follower_inboxes(session, skill_id: int) -> list[str]:
    inbox = func.coalesce(func.nullif(Member.shared_inbox_url, ""), Member.inbox_url)
    return list(
        await session.scalars(
            select(inbox)
            .join(TagFollow, TagFollow.member_id == Member.id)
            .where(TagFollow.skill_id == skill_id, Member.local.is_(False), Member.suspended.is_(False))
        )
    )


async def announce(fed: Federation, session, inner: dict, skills: Iterable[Skill]) -> None:
    """Each skill's group announces `inner` to its followers elsewhere, in the caller's transaction."""
    for skill in skills:
        inboxes = await follower_inboxes(session, skill.id)
        if not inboxes:
            continue
        await ensure_group_key(session, skill.id)
        message = to_as2.with_context(announcement(fed, skill.name, inner))
        await enqueue(session, message, None, inboxes, group_id=skill.id)


_FOLLOWED_ELSEWHERE = (
    select(TagFollow.member_id)
    .join(Member, Member.id == TagFollow.member_id)
    .where(TagFollow.skill_id == Skill.id, Member.local.is_(False))
    .exists()
)

# Built once with parameters (question_groups runs for every answer and comment published).
_SKILLS_AND_FOLLOWED = (
    select(Skill, _FOLLOWED_ELSEWHERE)
    .join(QuestionTag)
    .where(QuestionTag.question_id == bindparam("question"))
    .order_by(Skill.id)
)


async def announcing_skills(session, question_id: int) -> list[Skill]:
    """The question's skills whose groups someone elsewhere follows: those that announce what happens under it
    (one query; most questions have none, and their votes cost nothing more)."""
    return list(
        await session.scalars(
            select(Skill)
            .join(QuestionTag)
            .where(QuestionTag.question_id == question_id, _FOLLOWED_ELSEWHERE)
            .order_by(Skill.id)
        )
    )


@dataclass
class QuestionGroups:
    group: str | None  # the Group the question belongs to (see question_group)
    announcing: list[Skill]  # the skills whose groups announce what happens under it (see announcing_skills)


async def question_groups(session, base: str, question: Question) -> QuestionGroups:
    """The Group a question belongs to (the one it was posted to elsewhere, or its first skill's here) and the
    skills that announce what happens under it (see announcing_skills), in one query."""
    rows = (await session.execute(_SKILLS_AND_FOLLOWED, {"question": question.id})).all()
    if question.ap_id:
        group = question.audience
    else:
        group = uris.group_id(base, rows[0][0].name) if rows else None
    return QuestionGroups(group, [skill for skill, followed in rows if followed])


async def accept_follow(fed: Federation, session, follower: Member, skill: Skill, follow_id: str) -> None:
    """The group accepts a follow at once (Lemmy's communities do), the Follow embedded as Lemmy expects it."""
    group = uris.group_id(fed.base_url, skill.name)
    follow = {"id": follow_id, "type": "Follow", "actor": follower.actor_url, "object": group}
    message = {
        "id": uris.activity_id(fed.base_url, "accept", follow_id),
        "type": "Accept",
        "actor": group,
        "to": [follower.actor_url],
        "object": follow,
    }
    await ensure_group_key(session, skill.id)
    await enqueue(session, to_as2.with_context(message), None, [follower.inbox_url], group_id=skill.id)


# --- what is sent to a group -------------------------------------------------------------------------


def addressed_groups(fed: Federation, activity: dict) -> list[str]:
    """Our groups an activity is sent to: in its (or its object's) `to`, `cc` or `audience`, or mentioned by
    its object (how Mastodon posts to a group)."""
    obj = activity.get("object")
    documents = [activity, obj] if isinstance(obj, dict) else [activity]
    urls: list = []
    for document in documents:
        for field in ("to", "cc", "audience"):
            urls += as_list(document.get(field))[:100]
        urls += [t.get("href") for t in as_list(document.get("tag"))[:100] if first_type(t, {"Mention"}) == "Mention"]
    names = [name for url in urls if (name := local_group(fed, id_of(url))) is not None]
    return list(dict.fromkeys(names))


async def groups_sent_to(fed: Federation, activity: dict) -> list[str]:
    """The skills whose groups here an activity is sent to (a URL naming no skill names no group: a post cannot
    make up a skill by addressing it)."""
    names = addressed_groups(fed, activity)
    if not names:
        return []
    async with fed.db.read() as session:
        known = set(await session.scalars(select(Skill.name).where(Skill.name.in_(names))))
    return [name for name in names if name in known]


async def announce_received(fed: Federation, activity: dict) -> None:
    """Pass on to a group's followers what someone elsewhere sent to it, once applied here (Lemmy's community
    inbox does). A Create is passed on only when public: a direct message is nobody else's."""
    kind = activity.get("type")
    names = addressed_groups(fed, activity) if kind in ANNOUNCED else []
    obj = activity.get("object")
    if not names or (kind == "Create" and not (isinstance(obj, dict) and is_public(obj))):
        return
    async with fed.db.write() as session:
        skills = list(await session.scalars(select(Skill).where(Skill.name.in_(names)).order_by(Skill.id)))
        await announce(fed, session, activity, skills)


# --- communities elsewhere ---------------------------------------------------------------------------


async def community_moderators(fed: Federation, community: str) -> set[str]:
    """The moderators a community elsewhere names: its `attributedTo` (Lemmy's collection, or a list of actors),
    read from the community's own server."""
    document = await fetch(fed, community)
    named = document.get("attributedTo") or document.get("moderators")
    if isinstance(named, list):
        return {i for i in (id_of(x) for x in named[:100]) if isinstance(i, str)}
    url = id_of(named)
    if not isinstance(url, str) or not same_origin(url, community):
        return set()
    collection = await fetch(fed, url)
    items = as_list(collection.get("orderedItems") or collection.get("items"))
    first, first_url = collection.get("first"), id_of(collection.get("first"))
    if not items and isinstance(first, dict):
        items = as_list(first.get("orderedItems") or first.get("items"))
    elif not items and isinstance(first_url, str) and same_origin(first_url, url):
        page = await fetch(fed, first_url)
        items = as_list(page.get("orderedItems") or page.get("items"))
    return {i for i in (id_of(x) for x in items[:100]) if isinstance(i, str)}
