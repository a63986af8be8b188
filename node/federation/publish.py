"""Local actions → activities: runs before each write commits and queues the deliveries it implies."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from activitypub.as2 import AS_PUBLIC, activity, tombstone
from activitypub.integrity import sign_object

from .. import i18n, uris
from ..config import LANGUAGES
from ..models import Answer, Comment, Member, MemberFollow, Question, QuestionTag, Report, Skill, utcnow
from ..services import events, images
from ..services.badges import medals_in
from ..services.errors import N_
from ..services.mentions import mentioned_members
from ..services.skills import skills_in
from . import groups, to_as2
from .context import Federation
from .deliveries import enqueue, inbox_of
from .keys import ensure_member_multikey, proof_key

# Events whose actor is elsewhere but which this instance answers: a follow of a member or of a skill's group.
ANSWERED_HERE = {"follow_requested", "group_followed"}


def install(fed: Federation) -> None:
    async def publish(session) -> None:
        for kind, data in events.take(session):
            handler = PUBLISHERS.get(kind)
            if handler is None:
                continue
            actor = await session.get(Member, data["actor_id"])
            if actor is not None and (actor.local or kind in ANSWERED_HERE):
                await handler(fed, session, actor, data)  # its delivery rows wake the workers (db.queued)

    fed.db.before_commit.append(publish)


def _remote_inboxes(*members: Member | None) -> list[str]:
    return [inbox_of(m) for m in members if m is not None and not m.local]


async def _with_proof(fed: Federation, session, actor: Member, message: dict) -> dict:
    """`message` with an integrity proof by the actor's Multikey (FEP-8b32): a server it is relayed to can
    believe it without asking ours (endorsements and accepted answers, which count towards reputation)."""
    await ensure_member_multikey(session, actor, fed.base_url)
    return sign_object(message, proof_key(actor), actor.multikey_id)


def _wrap(fed: Federation, kind: str, actor: Member, obj: dict, suffix: str) -> dict:
    return to_as2.with_context(
        activity(
            kind,
            to_as2.actor_url(fed.base_url, actor),
            obj,
            id=f"{obj['id']}#{suffix}",
            to=obj.get("to", [AS_PUBLIC]),
            cc=obj.get("cc", []),
            published=utcnow(),
        )
    )


async def _question_document(fed, session, question: Question, author: Member) -> dict:
    tags = list(await session.scalars(select(Skill).join(QuestionTag).where(QuestionTag.question_id == question.id)))
    accepted = await session.get(Answer, question.accepted_answer_id) if question.accepted_answer_id else None
    mentioned = await mentioned_members(session, question.body_md, fed.config.domain)
    original = await session.get(Question, question.duplicate_of_id) if question.duplicate_of_id else None
    return to_as2.question_object(
        fed.base_url,
        question,
        author,
        tags,
        to_as2.object_url(fed.base_url, "answer", accepted) if accepted else None,
        mentioned,
        to_as2.object_url(fed.base_url, "question", original) if original else None,
        await images.attachments(session, question),
    )


async def _question_event(fed: Federation, session, actor: Member, data: dict) -> None:
    question = await session.get(Question, data["question_id"])
    author = await session.get(Member, question.author_id)
    mentioned = await mentioned_members(session, question.body_md, fed.config.domain)
    recipients = _remote_inboxes(author, *mentioned)
    if question.accepted_answer_id:  # the answerer's server learns its answer was accepted
        accepted = await session.get(Answer, question.accepted_answer_id)
        recipients += _remote_inboxes(await session.get(Member, accepted.author_id))
    if question.ap_id is not None:
        return  # someone else's question: only its own server announces changes
    obj = await _question_document(fed, session, question, author)
    if data["kind"] == "question_created":
        message = _wrap(fed, "Create", actor, obj, "create")
    else:
        message = _wrap(fed, "Update", actor, obj, f"update-{secrets.token_hex(4)}")
        if question.accepted_answer_id:
            message = await _with_proof(fed, session, actor, message)
    await enqueue(session, message, actor.id, recipients, followers_of=author)
    await groups.announce(fed, session, message, await groups.announcing_skills(session, question.id))


async def _question_deleted(fed: Federation, session, actor: Member, data: dict) -> None:
    question = await session.get(Question, data["question_id"])
    author = await session.get(Member, question.author_id)
    if question.ap_id is not None:
        await _removed(fed, session, actor, question.ap_id, question)
        return
    obj_id = to_as2.object_url(fed.base_url, "question", question)
    message = to_as2.with_context(
        activity(
            "Delete",
            to_as2.actor_url(fed.base_url, actor),
            tombstone(obj_id, "Question", utcnow()),
            id=obj_id + "#delete",
            to=[AS_PUBLIC],
            cc=[to_as2.followers_url(fed.base_url, author)],
        )
    )
    await enqueue(session, message, actor.id, [], followers_of=author)
    await groups.announce(fed, session, message, await groups.announcing_skills(session, question.id))


async def _removed(fed: Federation, session, moderator: Member, object_id: str, question: Question) -> None:
    """A moderator here removed a post from elsewhere sent to one of our groups (or under a question that was):
    the groups announce a Delete by the moderator, as Lemmy federates a moderator's removal."""
    under = await groups.question_groups(session, fed.base_url, question)
    if under.group is None or groups.local_group(fed, under.group) is None:
        return
    removal = activity(
        "Delete",
        to_as2.actor_url(fed.base_url, moderator),
        object_id,
        id=uris.activity_id(fed.base_url, "remove", object_id),
        to=[AS_PUBLIC],
        cc=[under.group],
        audience=under.group,
    )
    await groups.announce(fed, session, removal, under.announcing)


async def _answer_event(fed: Federation, session, actor: Member, data: dict) -> None:
    answer = await session.get(Answer, data["answer_id"])
    question = await session.get(Question, answer.question_id)
    author, question_author = await session.get(Member, answer.author_id), await session.get(Member, question.author_id)
    if answer.ap_id is not None:
        if data["kind"] == "answer_deleted":
            await _removed(fed, session, actor, answer.ap_id, question)
        return
    mentioned = await mentioned_members(session, answer.body_md, fed.config.domain)
    under = await groups.question_groups(session, fed.base_url, question)
    shown = await images.attachments(session, answer)
    obj = to_as2.answer_note(
        fed.base_url, answer, question, question_author, author, mentioned, shown, audience=under.group
    )
    recipients = _remote_inboxes(question_author, *mentioned)
    if data["kind"] == "answer_deleted":
        message = to_as2.with_context(
            activity(
                "Delete",
                obj["attributedTo"],
                tombstone(obj["id"], "Note", utcnow()),
                id=obj["id"] + "#delete",
                to=[AS_PUBLIC],
                cc=obj["cc"],
            )
        )
    elif data["kind"] == "answer_created":
        message = _wrap(fed, "Create", actor, obj, "create")
    else:
        message = _wrap(fed, "Update", actor, obj, f"update-{secrets.token_hex(4)}")
        if question.accepted_answer_id:
            message = await _with_proof(fed, session, actor, message)
    await enqueue(session, message, actor.id, recipients, followers_of=author)
    await groups.announce(fed, session, message, under.announcing)


async def _comment_event(fed: Federation, session, actor: Member, data: dict) -> None:
    comment = await session.get(Comment, data["comment_id"])
    question = await session.get(Question, comment.question_id)
    if comment.ap_id is not None:
        if data["kind"] == "comment_deleted":
            await _removed(fed, session, actor, comment.ap_id, question)
        return
    parent = await session.get(Answer, comment.answer_id) if comment.answer_id else question
    parent_author = await session.get(Member, parent.author_id)
    question_author = await session.get(Member, question.author_id)
    author = await session.get(Member, comment.author_id)
    mentioned = await mentioned_members(session, comment.body, fed.config.domain)
    parent_id = to_as2.object_url(fed.base_url, "answer" if comment.answer_id else "question", parent)
    under = await groups.question_groups(session, fed.base_url, question)
    obj = to_as2.comment_note(
        fed.base_url, comment, parent_id, parent_author, question, author, mentioned, audience=under.group
    )
    recipients = _remote_inboxes(parent_author, question_author, *mentioned)
    if data["kind"] == "comment_deleted":
        message = to_as2.with_context(
            activity(
                "Delete",
                obj["attributedTo"],
                tombstone(obj["id"], "Note", utcnow()),
                id=obj["id"] + "#delete",
                to=[AS_PUBLIC],
                cc=obj["cc"],
            )
        )
    else:
        message = _wrap(fed, "Create", actor, obj, "create")
    await enqueue(session, message, actor.id, recipients, followers_of=author)
    await groups.announce(fed, session, message, under.announcing)


async def _vote_set(fed: Federation, session, actor: Member, data: dict) -> None:
    """Votes go to the post's author when that author lives elsewhere, and are announced by the groups of the
    question's skills: Like, Dislike, or Undo."""
    model = Question if data["target_type"] == "question" else Answer
    post = await session.get(model, data["target_id"])
    author = await session.get(Member, post.author_id)
    skills = await groups.announcing_skills(session, post.id if isinstance(post, Question) else post.question_id)
    if author.local and not skills:
        return
    actor_id = to_as2.actor_url(fed.base_url, actor)
    target = to_as2.object_url(fed.base_url, data["target_type"], post)
    kinds = {1: "Like", -1: "Dislike"}

    def vote_activity(value: int) -> dict:
        return activity(
            kinds[value],
            actor_id,
            target,
            id=uris.activity_id(
                fed.base_url, "vote", f"{actor.id}-{data['target_type']}-{post.id}-{secrets.token_hex(6)}"
            ),
        )

    messages = []
    if data["previous"]:
        undone = vote_activity(data["previous"])
        messages.append(activity("Undo", actor_id, undone, id=undone["id"] + "#undo"))
    if data["value"]:
        messages.append(vote_activity(data["value"]))
    for message in messages:
        if not author.local:
            await enqueue(session, to_as2.with_context(message), actor.id, [author.inbox_url])
        await groups.announce(fed, session, message, skills)


def _follow_id(fed: Federation, activity_id: str) -> str:
    return activity_id if "://" in activity_id else uris.activity_id(fed.base_url, "follow", activity_id)


async def _follow_requested(fed: Federation, session, actor: Member, data: dict) -> None:
    """A local member follows someone elsewhere: Follow. Someone elsewhere follows a local member who
    does not approve followers one by one: Accept at once."""
    follow = await session.get(MemberFollow, (data["follower_id"], data["followed_id"]))
    followed = await session.get(Member, data["followed_id"])
    if follow is None:
        return
    if not actor.local:
        if followed.local and follow.state == "accepted" and follow.activity_id:
            await send_follow_answer(fed, session, followed, actor, follow.activity_id, True)
        return
    if followed.local:
        return
    message = activity(
        "Follow", to_as2.actor_url(fed.base_url, actor), followed.actor_url, id=_follow_id(fed, follow.activity_id)
    )
    await enqueue(session, to_as2.with_context(message), actor.id, [followed.inbox_url])


async def _follow_undone(fed: Federation, session, actor: Member, data: dict) -> None:
    followed = await session.get(Member, data["followed_id"])
    if followed.local:
        return
    actor_id = to_as2.actor_url(fed.base_url, actor)
    follow = activity("Follow", actor_id, followed.actor_url, id=_follow_id(fed, data["activity_id"]))
    message = activity("Undo", actor_id, follow, id=follow["id"] + "#undo")
    await enqueue(session, to_as2.with_context(message), actor.id, [followed.inbox_url])


async def send_follow_answer(
    fed: Federation, session, followed: Member, follower: Member, follow_id: str, accepted: bool
) -> None:
    """Accept or Reject a remote Follow of a local member (the Follow is embedded, as Mastodon expects)."""
    actor_id = to_as2.actor_url(fed.base_url, followed)
    follow = activity("Follow", follower.actor_url, actor_id, id=follow_id)
    message = activity(
        "Accept" if accepted else "Reject",
        actor_id,
        follow,
        id=uris.activity_id(fed.base_url, "accept" if accepted else "reject", follow_id),
    )
    await enqueue(session, to_as2.with_context(message), followed.id, [follower.inbox_url])


async def _follow_answered(fed: Federation, session, actor: Member, data: dict) -> None:
    follower = await session.get(Member, data["follower_id"])
    if follower is not None and not follower.local and data["activity_id"]:
        await send_follow_answer(fed, session, actor, follower, data["activity_id"], data["accepted"])


async def _report_forwarded(fed: Federation, session, actor: Member, data: dict) -> None:
    """A report about someone elsewhere goes to their server as a Flag, from the instance (not the reporter)."""
    report = await session.get(Report, data["report_id"])
    author = await session.get(Member, report.target_member_id)
    if author is None or author.local:
        return
    objects = [author.actor_url]
    if report.target_type != "member":
        model = {"question": Question, "answer": Answer, "comment": Comment}[report.target_type]
        post = await session.get(model, report.target_id)
        if post is not None and post.ap_id:
            objects.append(post.ap_id)
    message = activity(
        "Flag",
        uris.instance_actor_id(fed.base_url),
        objects,
        id=uris.activity_id(fed.base_url, "flag", str(report.id)),
        content=report.reason,
    )
    await enqueue(session, to_as2.with_context(message), None, [inbox_of(author)])


async def _account_deleted(fed: Federation, session, actor: Member, data: dict) -> None:
    """Tell every server that knows the account (its followers', and every shared inbox we know)."""
    actor_id = to_as2.actor_url(fed.base_url, actor)
    inboxes = list(
        await session.scalars(
            select(Member.shared_inbox_url)
            .distinct()
            .where(Member.local.is_(False), Member.shared_inbox_url != "", Member.suspended.is_(False))
        )
    )
    message = activity("Delete", actor_id, actor_id, id=actor_id + "#delete", to=[AS_PUBLIC])
    await enqueue(session, to_as2.with_context(message), actor.id, inboxes, followers_of=actor)


async def _endorsement_set(fed: Federation, session, actor: Member, data: dict) -> None:
    """Endorsing the skill of someone elsewhere: a Like of their skill object (other software ignores it)."""
    member = await session.get(Member, data["member_id"])
    if member is None or member.local:
        return
    from urllib.parse import quote

    actor_id = to_as2.actor_url(fed.base_url, actor)
    skill_object = f"{member.actor_url}/skills/{quote(data['skill'])}"
    like = activity(
        "Like",
        actor_id,
        skill_object,
        id=uris.activity_id(fed.base_url, "endorse", f"{actor.id}-{member.id}-{data['skill']}-{secrets.token_hex(4)}"),
    )
    message = like if data["endorsed"] else activity("Undo", actor_id, like, id=like["id"] + "#undo")
    signed = await _with_proof(fed, session, actor, to_as2.with_context(message))
    await enqueue(session, signed, actor.id, [member.inbox_url])


async def _profile_updated(fed: Federation, session, actor: Member, data: dict) -> None:
    """A changed profile (name, trade, bio, avatar, skills): followers' servers get an Update of the Person."""
    person = to_as2.person(fed.base_url, actor, await skills_in(session, actor.id), await medals_in(session, actor.id))
    person.pop("@context", None)
    actor_id = person["id"]
    message = activity("Update", actor_id, person, id=f"{actor_id}#update-{secrets.token_hex(6)}", to=[AS_PUBLIC])
    await enqueue(session, to_as2.with_context(message), actor.id, [], followers_of=actor)


async def _account_moved(fed: Federation, session, actor: Member, data: dict) -> None:
    """A member moved: followers' servers get the Person, now with movedTo, and a Move (Mastodon's shape:
    the account as actor and object, the new account as target), so their members follow the new account."""
    await _profile_updated(fed, session, actor, data)
    actor_id = to_as2.actor_url(fed.base_url, actor)
    message = activity(
        "Move",
        actor_id,
        actor_id,
        id=uris.activity_id(fed.base_url, "move", f"{actor.id}-{secrets.token_hex(6)}"),
        target=data["target"],
    )
    await enqueue(session, to_as2.with_context(message), actor.id, [], followers_of=actor)


async def _answer_invited(fed: Federation, session, actor: Member, data: dict) -> None:
    """Someone elsewhere invited to answer: a Note from the inviter to them alone, which their server shows as a
    mention."""
    invitee = await session.get(Member, data["member_id"])
    question = await session.get(Question, data["question_id"])
    if invitee is None or invitee.local or question is None:
        return
    note_id = uris.activity_id(fed.base_url, "invitation", f"{question.id}-{invitee.id}")
    # In the question's language (else the inviter's): the invitee reads the question in it anyway.
    language = next((lang for lang in (question.language, actor.language) if lang in LANGUAGES), "en")
    sentence = i18n.translations(language).gettext(N_("%(who)s invites you to answer %(question)s"))
    note = to_as2.invitation_note(fed.base_url, note_id, actor, invitee, question, language, sentence)
    await enqueue(session, _wrap(fed, "Create", actor, note, "create"), actor.id, [inbox_of(invitee)])


async def _group_followed(fed: Federation, session, actor: Member, data: dict) -> None:
    """Someone elsewhere followed a skill's group: the group accepts."""
    skill = await session.get(Skill, data["skill_id"])
    if skill is not None and not actor.local and data["activity_id"]:
        await groups.accept_follow(fed, session, actor, skill, data["activity_id"])


PUBLISHERS = {
    "group_followed": _group_followed,
    "profile_updated": _profile_updated,
    "endorsement_set": _endorsement_set,
    "account_deleted": _account_deleted,
    "report_forwarded": _report_forwarded,
    "question_created": lambda fed, s, a, d: _question_event(fed, s, a, {**d, "kind": "question_created"}),
    "question_updated": lambda fed, s, a, d: _question_event(fed, s, a, {**d, "kind": "question_updated"}),
    "question_deleted": _question_deleted,
    "answer_created": lambda fed, s, a, d: _answer_event(fed, s, a, {**d, "kind": "answer_created"}),
    "answer_updated": lambda fed, s, a, d: _answer_event(fed, s, a, {**d, "kind": "answer_updated"}),
    "answer_deleted": lambda fed, s, a, d: _answer_event(fed, s, a, {**d, "kind": "answer_deleted"}),
    "comment_created": lambda fed, s, a, d: _comment_event(fed, s, a, {**d, "kind": "comment_created"}),
    "comment_deleted": lambda fed, s, a, d: _comment_event(fed, s, a, {**d, "kind": "comment_deleted"}),
    "vote_set": _vote_set,
    "follow_requested": _follow_requested,
    "follow_undone": _follow_undone,
    "follow_answered": _follow_answered,
    "answer_invited": _answer_invited,
    "account_moved": _account_moved,
}
