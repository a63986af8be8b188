"""The AS2 documents this instance serves: actors, objects, collections, WebFinger and NodeInfo answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, literal, select, union_all

from activitypub.as2 import activity
from activitypub.message_signatures import check_message_request, uses_message_signatures, verify_message_request
from activitypub.nodeinfo import nodeinfo_document
from activitypub.origins import authority_of, same_origin
from activitypub.signatures import BadSignature, SignatureError, check_request, verify_checked
from webfinger.server import PROFILE_PAGE_REL, jrd

from .. import __version__, uris
from ..db import Database
from ..models import Answer, Comment, Member, MemberFollow, Question, QuestionTag, Skill
from ..services import badges, images, instance_settings, skills
from ..services.errors import N_, NotFound, ServiceError
from . import groups, to_as2
from .actors import public_key_for
from .context import Federation
from .keys import ensure_member_keys, ensure_member_multikey, instance_keys


class Gone(ServiceError):
    status = 410


PAGE_SIZE = 20


def _local_member_query(username: str):
    return select(Member).where(
        Member.username_key == username.lower(),
        Member.domain == "",
        Member.suspended.is_(False) | Member.deleted_at.is_not(None),
    )


def _has_keys(member: Member) -> bool:
    """Whether the member has both keys (accounts older than federation, or than proofs, get them when read)."""
    return bool(member.private_key_pem and member.ed25519_private_pem)


async def _local_member(fed: Federation, username: str) -> Member:
    async with fed.db.read() as session:  # a read: actor GETs must not queue for the write lock
        member = await session.scalar(_local_member_query(username))
    if member is None:
        raise NotFound(N_("No member is called {username}."), username=username)
    if _has_keys(member):
        return member
    async with fed.db.write() as session:  # an account older than federation (or than proofs) gets its keys now
        member = await session.scalar(_local_member_query(username))
        if member is None:
            raise NotFound(N_("No member is called {username}."), username=username)
        await ensure_member_keys(session, member)
        return await ensure_member_multikey(session, member, fed.base_url)


async def actor(fed: Federation, username: str) -> dict:
    # The document other servers read most: the member, their skills and medals in one trip to the database (when
    # the member has no keys yet, or is not there, _local_member makes them or says why not, and a second one reads).
    def read(session, member: Member | None = None):
        member = member or session.scalar(_local_member_query(username))
        if member is None or not _has_keys(member):
            return None
        medals = badges.medals_of_views(badges.badge_views(session, member.id))
        return member, skills.skill_views(session, member.id), medals

    found = await fed.db.run_read(read)
    if found is None:
        member = await _local_member(fed, username)
        found = await fed.db.run_read(lambda session: read(session, member))
    member, member_skills, medals = found
    if member.deleted_at is not None:
        raise Gone(N_("This account was deleted."))
    person = to_as2.person(fed.base_url, member, member_skills, medals)
    if (await instance_settings.current(fed.db, fed.config)).private_mode:
        # Only allow-listed servers read it: they must neither list nor index it for anyone else.
        person["discoverable"] = person["indexable"] = False
    return person


async def skill(fed: Federation, username: str, name: str) -> dict:
    member = await _local_member(fed, username)
    found = next((s for s in await skills.skills_of(fed.db, member.id) if s.name == name), None)
    if found is None:
        raise NotFound(N_("This member does not list the skill {skill}."), skill=name)
    return to_as2.with_context(
        {
            "id": uris.skill_object_id(fed.base_url, member.username, found.name),
            "type": "Skill",
            "name": found.label,
            "attributedTo": uris.actor_id(fed.base_url, member.username),
            "level": to_as2.LEVEL_NAMES.get(found.level, ""),
            "years": found.years,
            "endorsements": found.endorsements,
            "url": uris.tag_id(fed.base_url, found.name),
        }
    )


async def application_actor(fed: Federation) -> dict:
    _, public_pem = await instance_keys(fed)
    site = await instance_settings.current(fed.db, fed.config)
    return to_as2.instance_actor(fed.base_url, site.name, public_pem)


async def question(fed: Federation, question_id: int) -> dict:
    async with fed.db.read() as session:
        row = (
            await session.execute(
                select(Question, Member)
                .join(Member, Member.id == Question.author_id)
                .where(Question.id == question_id, Question.ap_id.is_(None))
            )
        ).first()
        if row is None:
            raise NotFound(N_("This question does not exist or was deleted."))
        if row[0].deleted_at is not None:
            raise Gone(N_("This question was deleted."))
        tags = list(
            await session.scalars(select(Skill).join(QuestionTag).where(QuestionTag.question_id == question_id))
        )
        accepted = await session.get(Answer, row[0].accepted_answer_id) if row[0].accepted_answer_id else None
        original = await session.get(Question, row[0].duplicate_of_id) if row[0].duplicate_of_id else None
        shown = await images.attachments(session, row[0])
    accepted_id = to_as2.object_url(fed.base_url, "answer", accepted) if accepted else None
    original_id = to_as2.object_url(fed.base_url, "question", original) if original else None
    return to_as2.with_context(
        to_as2.question_object(fed.base_url, row[0], row[1], tags, accepted_id, duplicate_of=original_id, images=shown)
    )


async def answer(fed: Federation, answer_id: int) -> dict:
    async with fed.db.read() as session:
        found = await session.get(Answer, answer_id)
        if found is None or found.ap_id is not None:
            raise NotFound(N_("This answer does not exist or was deleted."))
        if found.deleted_at is not None:
            raise Gone(N_("This answer was deleted."))
        q = await session.get(Question, found.question_id)
        q_author, author = await session.get(Member, q.author_id), await session.get(Member, found.author_id)
        group = await groups.question_group(session, fed.base_url, q)
        shown = await images.attachments(session, found)
    return to_as2.with_context(to_as2.answer_note(fed.base_url, found, q, q_author, author, [], shown, audience=group))


async def comment(fed: Federation, comment_id: int) -> dict:
    async with fed.db.read() as session:
        found = await session.get(Comment, comment_id)
        if found is None or found.ap_id is not None:
            raise NotFound(N_("This comment does not exist or was deleted."))
        if found.deleted_at is not None:
            raise Gone(N_("This comment was deleted."))
        q = await session.get(Question, found.question_id)
        parent = await session.get(Answer, found.answer_id) if found.answer_id else q
        parent_author = await session.get(Member, parent.author_id)
        author = await session.get(Member, found.author_id)
        group = await groups.question_group(session, fed.base_url, q)
    parent_id = to_as2.object_url(fed.base_url, "answer" if found.answer_id else "question", parent)
    return to_as2.with_context(to_as2.comment_note(fed.base_url, found, parent_id, parent_author, q, author, [], group))


async def _thread_question(fed: Federation, question_id: int) -> Question:
    async with fed.db.read() as session:
        found = await session.get(Question, question_id)
    if found is None or found.ap_id is not None:
        raise NotFound(N_("This question does not exist or was deleted."))
    if found.deleted_at is not None:
        raise Gone(N_("This question was deleted."))
    return found


def _post_urls(base: str, rows) -> list[str]:
    """Ids of (kind, id, ap_id) rows: a received post keeps its own id."""
    return [
        ap_id or (uris.answer_id if kind == "answer" else uris.comment_id)(base, post_id)
        for kind, post_id, ap_id in rows
    ]


async def thread(fed: Federation, question_id: int, page: int | None) -> dict:
    """A question's `context` (FEP-7888): the question, then its answers and comments (received ones too) in the
    order they were written, as ids; paged like our other collections."""
    q = await _thread_question(fed, question_id)
    posts = union_all(
        select(literal("answer").label("kind"), Answer.id, Answer.ap_id, Answer.created_at).where(
            Answer.question_id == q.id, Answer.deleted_at.is_(None)
        ),
        select(literal("comment").label("kind"), Comment.id, Comment.ap_id, Comment.created_at).where(
            Comment.question_id == q.id, Comment.deleted_at.is_(None)
        ),
    ).subquery()
    async with fed.db.read() as session:
        total = 1 + (await session.scalar(select(func.count()).select_from(posts)) or 0)
        rows: Sequence = ()
        if page is not None:  # the question is the thread's first item, before everything that replies to it
            start = (page - 1) * PAGE_SIZE
            query = select(posts.c.kind, posts.c.id, posts.c.ap_id).order_by(
                posts.c.created_at, posts.c.kind, posts.c.id
            )
            rows = (await session.execute(query.offset(max(0, start - 1)).limit(PAGE_SIZE - (start == 0)))).all()
    items = ([uris.question_id(fed.base_url, q.id)] if page == 1 else []) + _post_urls(fed.base_url, rows)
    document = to_as2.collection(uris.context_id(fed.base_url, q.id), total, page, items, PAGE_SIZE)
    author = await _author_url(fed, q.author_id)
    return {**document, "attributedTo": author} if page is None else document


async def _author_url(fed: Federation, member_id: int) -> str:
    async with fed.db.read() as session:
        member = await session.get(Member, member_id)
    return to_as2.actor_url(fed.base_url, member) if member else ""


async def replies(fed: Federation, kind: str, post_id: int, page: int | None) -> dict:
    """The direct replies to a question (its answers and its own comments) or to an answer (its comments), as ids
    in the order they were written."""
    if kind == "question":
        await _thread_question(fed, post_id)
        direct = union_all(
            select(literal("answer").label("kind"), Answer.id, Answer.ap_id, Answer.created_at).where(
                Answer.question_id == post_id, Answer.deleted_at.is_(None)
            ),
            select(literal("comment").label("kind"), Comment.id, Comment.ap_id, Comment.created_at).where(
                Comment.question_id == post_id, Comment.answer_id.is_(None), Comment.deleted_at.is_(None)
            ),
        ).subquery()
    else:
        async with fed.db.read() as session:
            found = await session.get(Answer, post_id)
        if found is None or found.ap_id is not None:
            raise NotFound(N_("This answer does not exist or was deleted."))
        if found.deleted_at is not None:
            raise Gone(N_("This answer was deleted."))
        direct = (
            select(literal("comment").label("kind"), Comment.id, Comment.ap_id, Comment.created_at)
            .where(Comment.answer_id == post_id, Comment.deleted_at.is_(None))
            .subquery()
        )
    async with fed.db.read() as session:
        total = await session.scalar(select(func.count()).select_from(direct)) or 0
        rows = (
            []
            if page is None
            else (
                await session.execute(
                    select(direct.c.kind, direct.c.id, direct.c.ap_id)
                    .order_by(direct.c.created_at, direct.c.kind, direct.c.id)
                    .offset((page - 1) * PAGE_SIZE)
                    .limit(PAGE_SIZE)
                )
            ).all()
        )
    collection_id = uris.replies_id(fed.base_url, kind, post_id)
    return to_as2.collection(collection_id, total, page, _post_urls(fed.base_url, rows), PAGE_SIZE)


async def followers(fed: Federation, username: str, page: int | None, following: bool = False) -> dict:
    member = await _local_member(fed, username)
    mine, theirs = (
        (MemberFollow.follower_id, MemberFollow.followed_id)
        if following
        else (MemberFollow.followed_id, MemberFollow.follower_id)
    )
    base = (
        select(Member)
        .join(MemberFollow, theirs == Member.id)
        .where(mine == member.id, MemberFollow.state == "accepted")
    )
    async with fed.db.read() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        items = (
            []
            if page is None
            else list(
                await session.scalars(
                    base.order_by(MemberFollow.created_at.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
                )
            )
        )
    collection_id = uris.actor_id(fed.base_url, member.username) + ("/following" if following else "/followers")
    return to_as2.collection(collection_id, total, page, [to_as2.actor_url(fed.base_url, m) for m in items], PAGE_SIZE)


async def outbox(fed: Federation, username: str, page: int | None) -> dict:
    """The member's questions as Create activities, newest first."""
    member = await _local_member(fed, username)
    base = select(Question).where(Question.author_id == member.id, Question.deleted_at.is_(None))
    async with fed.db.read() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        found = (
            []
            if page is None
            else list(
                await session.scalars(
                    base.order_by(Question.created_at.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
                )
            )
        )
        tags: dict[int, list[Skill]] = {}
        for qid, skill in (
            (
                await session.execute(
                    select(QuestionTag.question_id, Skill)
                    .join(Skill)
                    .where(QuestionTag.question_id.in_([q.id for q in found]))
                )
            ).all()
            if found
            else []
        ):
            tags.setdefault(qid, []).append(skill)
    items = []
    for q in found:
        obj = to_as2.question_object(fed.base_url, q, member, tags.get(q.id, []))
        items.append(
            activity(
                "Create",
                obj["attributedTo"],
                obj,
                id=obj["id"] + "#create",
                to=obj["to"],
                cc=obj["cc"],
                published=q.created_at,
            )
        )
    return to_as2.collection(uris.actor_id(fed.base_url, member.username) + "/outbox", total, page, items, PAGE_SIZE)


async def webfinger(fed: Federation, resource: str) -> dict | None:
    """The JRD for `acct:name@our-domain` or for one of our actor URLs; None if it is not ours. A name that is both
    a member's and a skill's gives both `self` links, the member's first (Mastodon takes the first) and the
    skill's Group typed as Lemmy types a community's, which Lemmy and `!name@host` look for."""
    domain = fed.config.domain
    group = None
    if resource.startswith("acct:"):
        name, _, host = resource[5:].rpartition("@")
        if host.lower() != domain.lower():
            return None
        group = name
    elif resource.startswith(fed.base_url + "/users/"):
        name = resource[len(fed.base_url + "/users/") :]
    elif resource == uris.instance_actor_id(fed.base_url):
        name = uris.INSTANCE_ACTOR_NAME
    elif (group := groups.local_group(fed, resource)) is not None:
        name = ""
    else:
        return None
    if name == uris.INSTANCE_ACTOR_NAME:
        actor_id = uris.instance_actor_id(fed.base_url)
        return jrd(f"acct:{name}@{domain}", [actor_id], actor_id, fed.base_url + "/")
    group_link = await groups.webfinger_link(fed, group) if group else None
    try:
        member = await _local_member(fed, name) if name else None
    except NotFound:
        member = None
    if member is None:
        if group_link is None:
            return None
        page = {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": uris.tag_id(fed.base_url, group or "")}
        return {"subject": f"acct:{group}@{domain}", "aliases": [group_link["href"]], "links": [group_link, page]}
    actor_id = uris.actor_id(fed.base_url, member.username)
    answer = jrd(f"acct:{member.username}@{domain}", [actor_id], actor_id, actor_id)
    if group_link is not None:
        answer["links"].append(group_link)
    return answer


async def nodeinfo(fed: Federation) -> dict:
    async with fed.db.read() as session:
        users = (
            await session.scalar(
                select(func.count()).select_from(Member).where(Member.local.is_(True), Member.suspended.is_(False))
            )
            or 0
        )
        posts = (
            await session.scalar(
                select(func.count())
                .select_from(Question)
                .where(Question.ap_id.is_(None), Question.deleted_at.is_(None))
            )
            or 0
        )
        posts += (
            await session.scalar(
                select(func.count()).select_from(Answer).where(Answer.ap_id.is_(None), Answer.deleted_at.is_(None))
            )
            or 0
        )
    site = await instance_settings.current(fed.db, fed.config)
    if site.private_mode:  # allow-listed servers only read it: still no counts nor description
        document = nodeinfo_document(
            software_name="skiller",
            software_version=__version__,
            users_total=0,
            active_month=0,
            active_halfyear=0,
            local_posts=0,
            open_registrations=False,
            metadata={
                "nodeName": site.name,
                "private": True,
                "skillDirectory": uris.skill_directory_id(fed.base_url),
            },
        )
        document["usage"] = {"users": {}}
        return document
    return nodeinfo_document(
        software_name="skiller",
        software_version=__version__,
        users_total=users,
        active_month=users,
        active_halfyear=users,
        local_posts=posts,
        open_registrations=site.registration_mode == "open",
        metadata={
            "nodeName": site.name,
            "nodeDescription": site.description,
            "registrationMode": site.registration_mode,
            "defaultLanguage": site.default_language,
            "contact": site.contact,
            "rules": site.rules,
            "skillDirectory": uris.skill_directory_id(fed.base_url),
        },
    )


async def partner_fetch(
    fed: Federation, method: str, target_uri: str, raw_path: str, headers: Mapping[str, str]
) -> str:
    """The domain of the allow-listed server that signed this GET, or "" when it is not one: unsigned, signed
    by a server the policy does not list (refused before any key fetch), or a signature that does not verify
    (draft-cavage or RFC 9421, with the key looked up as for the inbox: cached, then fetched once more)."""
    if method not in ("GET", "HEAD") or not ("Signature" in headers or "Signature-Input" in headers):
        return ""
    rfc9421 = uses_message_signatures(headers)
    try:
        if rfc9421:
            key_id = check_message_request(method, target_uri, headers, None).key_id
        else:
            parsed = check_request(method, raw_path, headers, None)
            key_id = parsed.key_id
    except SignatureError:
        return ""
    domain = authority_of(key_id)
    policy = fed.policy
    if not domain or not await policy.allows(domain) or policy.mode != "allowlist":
        return ""
    for refresh in (False, True):
        found = await public_key_for(fed, key_id, refresh)
        if found is None:
            return ""
        owner, public_pem = found
        try:
            if rfc9421:
                verify_message_request(method, target_uri, headers, None, public_pem)
            else:
                verify_checked(method, raw_path, headers, parsed, public_pem)
            break
        except BadSignature:
            if refresh:
                return ""
        except SignatureError:
            return ""
    return domain if same_origin(key_id, owner) else ""


async def export_documents(base_url: str, db: Database, member: Member) -> tuple[dict, dict]:
    """A member's actor and everything they wrote here (questions, answers, comments, deleted ones left out) as
    an OrderedCollection of Create activities, rendered as this node serves them: for a data export."""
    base = base_url.rstrip("/")
    async with db.read() as session:
        asked = list(
            await session.scalars(
                select(Question)
                .where(Question.author_id == member.id, Question.deleted_at.is_(None), Question.ap_id.is_(None))
                .order_by(Question.created_at, Question.id)
            )
        )
        tags: dict[int, list[Skill]] = {}
        for question_id, skill in (
            await session.execute(
                select(QuestionTag.question_id, Skill)
                .join(Skill)
                .where(QuestionTag.question_id.in_([q.id for q in asked]))
            )
        ).all():
            tags.setdefault(question_id, []).append(skill)
        answered = (
            await session.execute(
                select(Answer, Question)
                .join(Question, Question.id == Answer.question_id)
                .where(Answer.author_id == member.id, Answer.deleted_at.is_(None), Answer.ap_id.is_(None))
                .order_by(Answer.created_at, Answer.id)
            )
        ).all()
        commented = (
            await session.execute(
                select(Comment, Question)
                .join(Question, Question.id == Comment.question_id)
                .where(Comment.author_id == member.id, Comment.deleted_at.is_(None), Comment.ap_id.is_(None))
                .order_by(Comment.created_at, Comment.id)
            )
        ).all()
        people: dict[int, Member] = {member.id: member}

        async def person(member_id: int) -> Member:
            if member_id not in people:
                found = await session.get(Member, member_id)
                if found is None:
                    raise NotFound(N_("This member does not exist."))
                people[member_id] = found
            return people[member_id]

        objects: list[tuple[dict, object]] = []
        for q in asked:
            objects.append((to_as2.question_object(base, q, member, tags.get(q.id, [])), q.created_at))
        for a, q in answered:
            note = to_as2.answer_note(base, a, q, await person(q.author_id), member, [])
            objects.append((note, a.created_at))
        for c, q in commented:
            parent = await session.get(Answer, c.answer_id) if c.answer_id else q
            parent_id = to_as2.object_url(base, "answer" if c.answer_id else "question", parent)
            note = to_as2.comment_note(base, c, parent_id, await person(parent.author_id), q, member, [])
            objects.append((note, c.created_at))
        member_skills = await skills.skills_in(session, member.id)
    items = [
        activity("Create", obj["attributedTo"], obj, id=obj["id"] + "#create", to=obj["to"], cc=obj["cc"], published=at)
        for obj, at in objects
    ]
    outbox_id = uris.actor_id(base, member.username) + "/outbox"
    outbox_document = to_as2.with_context(
        {"id": outbox_id, "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items}
    )
    return to_as2.person(base, member, member_skills), outbox_document
