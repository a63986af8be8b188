"""Domain → ActivityStreams: how members, questions, answers and comments look to other servers."""

from __future__ import annotations

import html
from collections.abc import Sequence

from activitypub.as2 import AS_PUBLIC, default_context, format_datetime, hashtag, mention, property_value
from activitypub.collections import ordered_collection, ordered_collection_page
from activitypub.integrity import INTEGRITY_TERMS

from .. import uris
from ..models import Answer, Comment, Member, Question, Skill, utcnow
from ..sanitize import plain_text
from ..services.images import Attachment
from ..services.skills import SkillView

SKILLER_NS = "https://skiller-node.org/ns#"
# Every term we send that AS2 and security v1 do not define is declared here, inline in each document: JSON-LD
# processors (Fedify's among them) drop undeclared terms, and nobody has to fetch anything to read ours. The
# namespace IRI is a name, the same on every instance, so a Skill means one thing wherever it comes from; the
# same context is served at /ns (FEDERATION.md). Mastodon and Lemmy ignore our terms, Skiller peers read them.
CONTEXT = default_context(
    {
        "skiller": SKILLER_NS,
        "skills": {"@id": "skiller:skills", "@container": "@list"},
        "Skill": "skiller:Skill",
        "level": "skiller:level",
        "years": "skiller:years",
        "endorsements": "skiller:endorsements",
        "acceptedAnswers": "skiller:acceptedAnswers",
        "recentAnswers": "skiller:recentAnswers",
        "badge": "skiller:badge",
        "trade": "skiller:trade",
        "organization": "skiller:organization",
        "skillDirectory": {"@id": "skiller:skillDirectory", "@type": "@id"},
        "duplicateOf": {"@id": "skiller:duplicateOf", "@type": "@id"},
        "lemmy": "https://join-lemmy.org/ns#",
        "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
        **INTEGRITY_TERMS,
    }
)
LEVEL_NAMES = {1: "beginner", 2: "intermediate", 3: "advanced", 4: "expert"}


def actor_url(base: str, member: Member) -> str:
    if member.local:
        return uris.actor_id(base, member.username)
    return member.actor_url or ""


def followers_url(base: str, member: Member) -> str:
    return member.followers_url if not member.local else uris.actor_id(base, member.username) + "/followers"


def object_url(base: str, kind: str, row) -> str:
    """The ActivityPub id of a question, answer or comment: its own for remote ones, ours otherwise."""
    if getattr(row, "ap_id", None):
        return row.ap_id
    return {"question": uris.question_id, "answer": uris.answer_id, "comment": uris.comment_id}[kind](base, row.id)


def context_url(base: str, question: Question) -> str:
    """The thread a post belongs to: our question's context collection; for a question received from
    elsewhere, the context its server named (its id when it named none)."""
    if question.ap_id:
        return question.context_url or question.ap_id
    return uris.context_id(base, question.id)


def _multikey(member: Member, actor: str) -> dict:
    """The member's Ed25519 key beside the RSA one (FEP-521a): it signs object integrity proofs."""
    return {"id": member.multikey_id, "type": "Multikey", "controller": actor, "publicKeyMultibase": member.multikey}


def badges_field(medals: Sequence[tuple[str, str]]) -> str:
    """The "Badges" profile field: "Gold: python · Silver: menuiserie", best first."""
    return " · ".join(f"{medal.capitalize()}: {label}" for medal, label in medals)


def person(base: str, member: Member, skills: list[SkillView], medals: Sequence[tuple[str, str]] = ()) -> dict:
    """A member as a `Person`: Mastodon shows the PropertyValue fields and featured hashtags; `medals` are
    (medal, skill label) pairs, best first."""
    actor = uris.actor_id(base, member.username)
    fields = [
        (name, value)
        for name, value in (
            ("Trade", member.headline),
            ("Organization", member.organization),
            ("Location", member.location),
        )
        if value
    ]
    if skills:
        fields.append(("Skills", ", ".join(s.label for s in skills[:5])))
    if medals:
        fields.append(("Badges", badges_field(medals)))
    document = {
        "@context": CONTEXT,
        "id": actor,
        "type": "Person",
        "preferredUsername": member.username,
        "name": member.name,
        "summary": member.bio_html,
        "url": actor,
        "inbox": actor + "/inbox",
        "outbox": actor + "/outbox",
        "followers": actor + "/followers",
        "following": actor + "/following",
        "endpoints": {"sharedInbox": uris.absolute(base, "/inbox")},
        "publicKey": {"id": uris.key_id(base, member.username), "owner": actor, "publicKeyPem": member.public_key_pem},
        **({"assertionMethod": [_multikey(member, actor)]} if member.multikey else {}),
        "manuallyApprovesFollowers": member.approve_followers,
        "discoverable": True,
        "indexable": True,
        "published": format_datetime(member.created_at),
        "attachment": [property_value(name, html.escape(value)) for name, value in fields],
        "tag": [hashtag(s.name, uris.tag_id(base, s.name)) for s in skills],
        "skills": [
            {
                "type": "Skill",
                "id": uris.skill_object_id(base, member.username, s.name),
                "name": s.label,
                "level": LEVEL_NAMES.get(s.level, ""),
                "years": s.years,
                "endorsements": s.endorsements,
                "url": uris.tag_id(base, s.name),
            }
            for s in skills
        ],
    }
    if member.also_known_as:
        document["alsoKnownAs"] = list(member.also_known_as)
    if member.moved_to:
        document["movedTo"] = member.moved_to
    if member.avatar:
        document["icon"] = {
            "type": "Image",
            "mediaType": "image/webp",
            "url": uris.absolute(base, uris.media(member.avatar)),
        }
    return document


def instance_actor(base: str, name: str, public_key_pem: str) -> dict:
    actor = uris.instance_actor_id(base)
    return {
        "@context": CONTEXT,
        "id": actor,
        "type": "Application",
        "preferredUsername": uris.INSTANCE_ACTOR_NAME,
        "name": name,
        "inbox": actor + "/inbox",
        "outbox": actor + "/outbox",
        "url": base + "/",
        "endpoints": {"sharedInbox": uris.absolute(base, "/inbox")},
        "skillDirectory": uris.skill_directory_id(base),
        "manuallyApprovesFollowers": True,
        "publicKey": {"id": actor + "#main-key", "owner": actor, "publicKeyPem": public_key_pem},
    }


def group_actor(base: str, skill: Skill, site_name: str, public_key_pem: str) -> dict:
    """A skill as a `Group` actor, shaped as Lemmy publishes a community (FEP-1b12): followed as `!name@host`,
    it announces what is asked, answered and voted in the skill; its moderators are the instance's."""
    group = uris.group_id(base, skill.name)
    return {
        "@context": CONTEXT,
        "id": group,
        "type": "Group",
        "preferredUsername": skill.name,
        "name": skill.label,
        "summary": f"<p>#{html.escape(skill.label)} · {html.escape(site_name)}</p>",
        "url": uris.tag_id(base, skill.name),
        "inbox": group + "/inbox",
        "outbox": group + "/outbox",
        "followers": group + "/followers",
        "attributedTo": group + "/moderators",
        "postingRestrictedToMods": False,
        "endpoints": {"sharedInbox": uris.absolute(base, "/inbox")},
        "publicKey": {"id": uris.group_key_id(base, skill.name), "owner": group, "publicKeyPem": public_key_pem},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "published": format_datetime(skill.created_at),
    }


def group_of(base: str, tags: Sequence[Skill]) -> str | None:
    """The Group a question belongs to (FEP-1b12 `audience`): its first skill's (the oldest); every skill's group
    announces it."""
    return uris.group_id(base, min(tags, key=lambda t: t.id).name) if tags else None


def _audience(base: str, author: Member, extra: list[str]) -> dict:
    cc = [followers_url(base, author)] + [x for x in extra if x]
    return {"to": [AS_PUBLIC], "cc": list(dict.fromkeys(cc))}


def _mention_tags(base: str, mentioned: list[Member]) -> list[dict]:
    return [
        mention(actor_url(base, m), "@" + (m.handle if not m.local else f"{m.username}@{uris_host(base)}"))
        for m in mentioned
    ]


def uris_host(base: str) -> str:
    return base.split("://", 1)[1]


def question_object(
    base: str,
    question: Question,
    author: Member,
    tags: list[Skill],
    accepted_answer: str | None = None,
    mentioned: Sequence[Member] = (),
    duplicate_of: str | None = None,
    images: Sequence[Attachment] = (),
) -> dict:
    """A question as a `Question` without oneOf/anyOf (Mastodon shows it as a post, not a poll);
    a discussion post as an `Article`. Mastodon ignores `name`, so `content` starts with the title."""
    qid = object_url(base, "question", question)
    hashtags = " ".join(
        f'<a href="{uris.tag_id(base, t.name)}" class="mention hashtag" rel="tag">#<span>'
        f"{html.escape(t.name)}</span></a>"
        for t in tags
    )
    document = {
        "id": qid,
        "type": "Question" if question.kind == "question" else "Article",
        "attributedTo": actor_url(base, author),
        "name": question.title,
        "content": f"<p><strong>{html.escape(question.title)}</strong></p>{question.body_html}"
        + (f"<p>{hashtags}</p>" if hashtags else ""),
        "source": {"content": question.body_md, "mediaType": "text/markdown"},
        "url": qid,
        "context": context_url(base, question),
        "replies": uris.replies_id(base, "question", question.id),
        "published": format_datetime(question.created_at),
        "tag": [hashtag(t.name, uris.tag_id(base, t.name)) for t in tags] + _mention_tags(base, list(mentioned)),
        "sensitive": False,
        **_audience(base, author, [actor_url(base, m) for m in mentioned]),
    }
    if (group := question.audience if question.ap_id else group_of(base, tags)) is not None:
        document["audience"] = group
    if images:
        document["attachment"] = image_attachments(base, images)
    if question.kind == "discussion":
        document["summary"] = _excerpt(question.body_html)
    if question.edited_at:
        document["updated"] = format_datetime(question.edited_at)
    if accepted_answer:
        document["acceptedAnswer"] = accepted_answer
    if duplicate_of:  # closed: its answers are at the original
        document["duplicateOf"] = duplicate_of
    return document


def _excerpt(body_html: str, length: int = 280) -> str:
    text = " ".join(plain_text(body_html).split())
    return html.escape(text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + "…")


def image_attachments(base: str, images: Sequence[Attachment]) -> list[dict]:
    """A post's pictures as Mastodon reads media attachments (they are in `content` too, where the text shows them:
    servers that read only one of the two still show them)."""
    return [
        {
            "type": "Image",
            "mediaType": image.media_type,
            "url": uris.absolute(base, image.url),
            "name": image.alt,
            "width": image.width,
            "height": image.height,
        }
        for image in images
    ]


def answer_note(
    base: str,
    answer: Answer,
    question: Question,
    question_author: Member,
    author: Member,
    mentioned: list[Member],
    images: Sequence[Attachment] = (),
    audience: str | None = None,
) -> dict:
    qid = object_url(base, "question", question)
    aid = object_url(base, "answer", answer)
    document = {
        "id": aid,
        "type": "Note",
        "attributedTo": actor_url(base, author),
        "inReplyTo": qid,
        "content": answer.body_html,
        "source": {"content": answer.body_md, "mediaType": "text/markdown"},
        "url": uris.absolute(base, f"/questions/{question.id}#answer-{answer.id}") if answer.ap_id is None else aid,
        "context": context_url(base, question),
        "replies": uris.replies_id(base, "answer", answer.id),
        "published": format_datetime(answer.created_at),
        "sensitive": False,
        "tag": _mention_tags(base, mentioned),
        **_audience(base, author, [actor_url(base, question_author)] + [actor_url(base, m) for m in mentioned]),
    }
    if audience:
        document["audience"] = audience
    if images:
        document["attachment"] = image_attachments(base, images)
    if answer.edited_at:
        document["updated"] = format_datetime(answer.edited_at)
    return document


def comment_note(
    base: str,
    comment: Comment,
    parent_id: str,
    parent_author: Member,
    question: Question,
    author: Member,
    mentioned: list[Member],
    audience: str | None = None,
) -> dict:
    cid = object_url(base, "comment", comment)
    document = {
        "id": cid,
        "type": "Note",
        "attributedTo": actor_url(base, author),
        "inReplyTo": parent_id,
        "content": comment.body_html,
        "source": {"content": comment.body, "mediaType": "text/markdown"},
        "url": cid,
        "context": context_url(base, question),
        "published": format_datetime(comment.created_at),
        "sensitive": False,
        "tag": _mention_tags(base, mentioned),
        **_audience(base, author, [actor_url(base, parent_author)] + [actor_url(base, m) for m in mentioned]),
    }
    if audience:
        document["audience"] = audience
    return document


def invitation_note(
    base: str, note_id: str, inviter: Member, invitee: Member, question: Question, language: str, sentence: str
) -> dict:
    """An invitation to answer, for someone elsewhere: a Note to them alone, mentioning them (their server
    notifies them) and linking to the question. `sentence`, in `language`, has %(who)s and %(question)s."""
    qid = object_url(base, "question", question)
    href = invitee.profile_url or actor_url(base, invitee)
    link = f'<a href="{html.escape(qid)}">{html.escape(question.title)}</a>'
    content = (
        f'<p><span class="h-card"><a href="{html.escape(href)}" class="u-url mention">@<span>'
        f"{html.escape(invitee.username)}</span></a></span> "
        + sentence % {"who": html.escape(inviter.name), "question": link}
        + "</p>"
    )
    return {
        "id": note_id,
        "type": "Note",
        "attributedTo": actor_url(base, inviter),
        "content": content,
        "contentMap": {language: content},
        "context": context_url(base, question),
        "published": format_datetime(utcnow()),
        "sensitive": False,
        "tag": _mention_tags(base, [invitee]),
        "to": [actor_url(base, invitee)],
        "cc": [],
    }


def collection(collection_id: str, total: int, page: int | None, items: list, page_size: int) -> dict:
    """An OrderedCollection whose pages are `?page=N`; `page` None gives the collection itself."""
    if page is None:
        return {"@context": CONTEXT, **ordered_collection(collection_id, total, first=f"{collection_id}?page=1")}
    next_page = f"{collection_id}?page={page + 1}" if page * page_size < total else None
    prev_page = f"{collection_id}?page={page - 1}" if page > 1 else None
    return {
        "@context": CONTEXT,
        **ordered_collection_page(
            f"{collection_id}?page={page}", collection_id, items, next=next_page, prev=prev_page, total_items=total
        ),
    }


def with_context(document: dict) -> dict:
    return {"@context": CONTEXT, **{k: v for k, v in document.items() if k != "@context"}}
