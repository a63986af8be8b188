"""Activities received → service calls. Receiving only verifies and stores; a worker applies them.

Handlers are keyed by activity type (and, for Create/Update, by object type); each is idempotent, so an
item whose processing was interrupted is simply applied again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from functools import partial

from aiohttp import web
from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.exc import IntegrityError

from activitypub.as2 import as_list, first_type, id_of, is_public, types_of
from activitypub.client import Gone, HTTPStatusError, RefusedHost
from activitypub.inbox import InboxError, read_body_capped, read_signed_activity
from activitypub.integrity import ProofError, proof_of, public_key_from_multikey, verify_object
from activitypub.origins import authority_of, same_origin
from activitypub.safe_json import cap_lists, json_text

from .. import uris
from ..db import insert_ignoring_duplicates
from ..models import Answer, Comment, DomainPolicy, Instance, Member, MemberFollow, Question, Report, Tombstone, utcnow
from ..sanitize import clean_html, plain_text
from ..services import (
    answers,
    comments,
    follows,
    groups,
    instance_settings,
    notifications,
    questions,
    reports,
    skills,
    users_admin,
    votes,
)
from ..services.errors import ServiceError
from . import groups as topic_groups
from . import moves, post_images
from .actors import ACTOR_TYPES, describe_instance, fetch, get_actor, get_actor_and_instance, public_key_for
from .context import Federation
from .deliveries import mark_reachable
from .from_as2 import ReceivedPost, mention_hrefs, read_post
from .schemes import learn_rfc9421_sender

log = logging.getLogger("skiller.inbox")
MAX_INBOX_BYTES = 1_000_000  # Mastodon's MAX_JSON_SIZE
POST_TYPES = {"Note", "Question", "Article", "Page"}


async def receive(fed: Federation, request: web.Request) -> None:
    """Verify and store an inbox POST (raises InboxError with the status to answer)."""
    limit = fed.inbox_rate_limit
    body = await read_body_capped(request, MAX_INBOX_BYTES)
    # While pages are being served, a few activities are checked per turn of the event loop: they keep getting it.
    await fed.inbox_turns.wait()

    async def allowed_sender(key_id: str, activity: dict) -> None:
        domain = authority_of(key_id)
        if not await fed.policy.allows(domain):
            raise InboxError(403, "this server does not federate with yours")
        # Counted before any key fetch or signature check, so a burst costs a dict update per request. The
        # key id is not proven yet: a forger can spend a domain's allowance, which only delays that domain's
        # deliveries (senders retry on 429), while a burst can no longer cost fetches and verifications.
        wait = limit.take(domain) if limit is not None else 0.0
        if wait:  # Retry-After tells the sender when to come back
            raise InboxError(
                429, "too many activities from your server; retry later", {"Retry-After": str(max(1, math.ceil(wait)))}
            )

    signed = await read_signed_activity(
        request,
        lambda key_id, refresh: public_key_for(fed, key_id, refresh),
        MAX_INBOX_BYTES,
        check_sender=allowed_sender,
        allow_forwarded=True,
        body=body,
    )
    if "Signature-Input" in request.headers:  # it signs with RFC 9421, so it reads it: ours can be sent that way
        await learn_rfc9421_sender(fed, authority_of(signed.signer))
    activity = signed.activity  # only read here; the worker caps its lists when it applies it
    activity_id, actor = activity.get("id"), id_of(activity.get("actor"))
    kind = first_type(activity, HANDLERS)  # as the worker will read it: the checks below see the same type
    origin = signed.signer
    if actor != signed.signer:
        # Forwarded: a server passing on a reply it received (Mastodon does, to its followers' servers). Only a
        # Create of a reply to a post here is taken, and the worker believes only the object as fetched from
        # its author's own server; anything else signed with another actor's key is refused.
        embedded = activity.get("object")
        if not isinstance(actor, str) or (
            not _proof_on_origin(activity, actor)  # a proof by the actor's own key: the worker checks it
            and (
                kind != "Create"
                or not isinstance(embedded, dict)
                or await find_post(fed, id_of(embedded.get("inReplyTo"))) is None
            )
        ):
            raise InboxError(
                401, "the activity's actor is not the signer (only forwarded replies to posts here are taken)"
            )
        if not await fed.policy.allows(authority_of(actor)):
            raise InboxError(403, "this server does not federate with the activity's server")
        origin = actor
    if not isinstance(activity_id, str) or not same_origin(activity_id, origin):
        raise InboxError(401, "the activity id is not on its actor's server")
    embedded = activity.get("object")
    if (
        kind in ("Create", "Update")
        and isinstance(embedded, dict)
        and not (isinstance(embedded.get("id"), str) and same_origin(embedded["id"], origin))
    ):
        raise InboxError(401, "the object is not on its actor's server")
    # Stored as received rather than serialized again: the parse already proved it is one JSON object.
    await fed.inbox_writer.store(
        activity_id, (kind or next(iter(types_of(activity)), ""))[:40], signed.signer, json_text(signed.body)
    )


def _proof_on_origin(activity: dict, actor: str) -> bool:
    """Does the activity carry an integrity proof naming a key on its actor's server? (Checked by the worker.)"""
    try:
        proof = proof_of(activity)
    except ProofError:
        return False
    return proof is not None and same_origin(proof["verificationMethod"], actor)


class Ignored(Exception):
    """The activity is understood but does nothing here (recorded on the row, not retried)."""


async def apply(fed: Federation, signer_id: str, activity: dict, as_received: dict | None = None) -> None:
    """Apply a stored activity (its lists capped); an integrity proof is checked on it `as_received`, since capping
    makes a single value a list (`"audience": "…"` becomes `["…"]`) and a proof covers the activity as signed."""
    kind = first_type(activity, HANDLERS)
    if kind is None:
        raise Ignored(f"unsupported activity type {activity.get('type')!r}")
    handler = HANDLERS[kind]
    activity = {**activity, "type": kind}  # a list of types (AS2 allows it) read once: handlers see one
    signer, instance = await get_actor_and_instance(fed, signer_id)
    await _heard_from(fed, signer.domain, instance)
    actor_id = id_of(activity.get("actor"))
    proven = await _proof_checked(fed, as_received if as_received is not None else activity, actor_id)
    if actor_id != signer_id:
        if not proven:  # only its author's server vouches for it: the object as fetched from there
            activity = await _as_fetched_from_origin(fed, activity, actor_id)
        signer = await get_actor(fed, actor_id)
    await handler(fed, signer, activity)
    await topic_groups.announce_received(fed, activity)  # what was sent to one of our groups, passed on


class RefusedProof(ServiceError):
    """An activity's integrity proof does not hold: refused (recorded on the row), nothing applied."""


async def _proof_checked(fed: Federation, activity: dict, actor_id: str | None) -> bool:
    """True when the activity carries an integrity proof (FEP-8b32) by its actor's Multikey that holds; False when
    it carries none. A proof that is malformed, by another key, or does not match (tampered) is refused."""
    try:
        proof = proof_of(activity)
        if proof is None:
            return False
        if not isinstance(actor_id, str):
            raise ProofError("the activity has no actor")
        actor = await get_actor(fed, actor_id)
        if proof["verificationMethod"] != actor.multikey_id or not actor.multikey:
            actor = await get_actor(fed, actor_id, refresh=True)  # a key added or rotated since we last looked
        if proof["verificationMethod"] != actor.multikey_id or not actor.multikey:
            raise ProofError("the proof is not by a key its actor publishes")
        verify_object(activity, public_key_from_multikey(actor.multikey))
    except ProofError as exc:
        raise RefusedProof(f"integrity proof refused: {exc}") from None
    return True


async def _heard_from(fed: Federation, domain: str, instance: Instance | None) -> None:
    """A server that talks to us (`instance`, as stored) is reachable again, and described if it is new. Read
    first: written only when it was failing (rarely), not in a transaction of its own for every activity applied."""
    if instance is not None and instance.failure_days > 0:
        async with fed.db.write() as session:
            await mark_reachable(session, domain)
    if instance is None or not instance.software:
        await describe_instance(fed, domain)


async def _as_fetched_from_origin(fed: Federation, activity: dict, actor_id: str) -> dict:
    """A Create or Update passed on by another server, its object replaced by the object as its author's
    server serves it."""
    object_id = id_of(activity.get("object"))
    if (
        first_type(activity, HANDLERS) not in ("Create", "Update")
        or not isinstance(object_id, str)
        or not same_origin(object_id, actor_id)
    ):
        raise Ignored("a passed-on activity must be a Create or Update of an object on its author's server")
    try:
        obj = await fetch(fed, object_id)  # its id must be the URL fetched: a copy only its origin vouches for
    except Gone:
        raise Ignored("the forwarded object no longer exists") from None
    except RefusedHost as exc:  # a redirect into a server this instance does not federate with
        raise Ignored(f"the forwarded object is refused: {exc.message}") from None
    if not same_origin(obj["id"], actor_id):  # redirected to another server, which cannot vouch for it
        raise Ignored("the forwarded object is not on its author's server")
    if id_of(obj.get("attributedTo")) != actor_id:
        raise Ignored("the forwarded object is not by the activity's actor")
    return {**activity, "object": cap_lists(obj)}


async def _gone_from_origin(fed: Federation, object_id: str) -> bool:
    """Does the object's own server say it was deleted (410, 404, or a Tombstone)?"""
    try:
        return first_type(await fetch(fed, object_id), POST_TYPES | {"Tombstone"}) == "Tombstone"
    except HTTPStatusError as exc:
        if exc.status in (404, 410):
            return True
        raise


# --- finding what an activity refers to -------------------------------------------------------------

LOCAL_PATH = re.compile(r"^/(users|questions|answers|comments)/([^/?#]+)$")


def local_target(fed: Federation, url: str | None) -> tuple[str, str] | None:
    """("users"|"questions"|"answers"|"comments", key) for one of our URLs."""
    if not url or not url.startswith(fed.base_url + "/"):
        return None
    match = LOCAL_PATH.match(url[len(fed.base_url) :])
    return (match.group(1), match.group(2)) if match else None


async def find_post(fed: Federation, url: str | None):
    """The question, answer or comment stored for `url` (ours, or one received earlier)."""
    if not url:
        return None
    return await fed.db.run_read(partial(_post_at, fed, url))


def _post_at(fed: Federation, url: str | None, session):
    """find_post's query, in a blocking session (run with others in one hop: see on_create)."""
    if not url:
        return None
    target = local_target(fed, url)
    models = {"questions": Question, "answers": Answer, "comments": Comment}
    if target and target[0] in models and target[1].isdigit():
        return session.get(models[target[0]], int(target[1]))
    found = session.execute(_POST_WITH_AP_ID, {"url": url}).first()
    return session.get(_POSTS[found.kind], found.id) if found is not None else None


# One query for the three tables a post from elsewhere may be in (a new post is in none of them), built once.
_POSTS = (Question, Answer, Comment)
_POST_BRANCHES = [
    select(literal(n).label("kind"), model.id.label("id")).where(model.ap_id == bindparam("url"))
    for n, model in enumerate(_POSTS)
]
_POST_WITH_AP_ID = union_all(*_POST_BRANCHES).limit(1)
# A post received already, or deleted before it arrived: the same query with the tombstones.
_KNOWN = union_all(
    select(literal(len(_POSTS)).label("kind"), literal(0).label("id")).where(Tombstone.ap_id == bindparam("url")),
    *_POST_BRANCHES,
).limit(1)


async def find_local_member(fed: Federation, url: str | None) -> Member | None:
    target = local_target(fed, url)
    if not target or target[0] != "users":
        return None
    async with fed.db.read() as session:
        return await session.scalar(
            select(Member).where(
                Member.username_key == target[1].lower(), Member.domain == "", Member.suspended.is_(False)
            )
        )


# --- handlers ---------------------------------------------------------------------------------------


async def on_follow(fed: Federation, signer: Member, activity: dict) -> None:
    target = id_of(activity.get("object"))
    if (group := topic_groups.local_group(fed, target)) is not None:
        try:
            skill = await groups.group_skill(fed.db, group)
        except ServiceError:
            raise Ignored("Follow of a group that does not exist here") from None
        await groups.follow_group(fed.db, signer, skill, activity["id"])
        return
    followed = await find_local_member(fed, target)
    if followed is None:
        raise Ignored("Follow of someone who is not a member here")
    await follows.follow_member(fed.db, signer, followed, activity_id=activity["id"])


async def on_accept_or_reject(fed: Federation, signer: Member, activity: dict) -> None:
    follow = activity.get("object")
    follow_id = id_of(follow)
    async with fed.db.read() as session:
        row = await session.scalar(
            select(MemberFollow).where(
                MemberFollow.followed_id == signer.id,
                MemberFollow.activity_id.in_([follow_id, follow_id.rsplit("/", 1)[-1] if follow_id else ""]),
            )
        )
        if row is None and isinstance(follow, dict):  # some servers answer with their own copy of the Follow
            follower = await find_local_member(fed, id_of(follow.get("actor")))
            row = await session.get(MemberFollow, (follower.id, signer.id)) if follower else None
    if row is None:
        raise Ignored("answer to a Follow we did not send")
    await follows.follow_accepted_remotely(fed.db, row.follower_id, row.followed_id, activity["type"] == "Accept")


async def on_undo(fed: Federation, signer: Member, activity: dict) -> None:
    undone = activity.get("object")
    kind = first_type(undone, HANDLERS)
    if isinstance(undone, dict) and id_of(undone.get("actor")) not in (None, signer.actor_url):
        raise Ignored("Undo of someone else's activity")
    if kind == "Follow" and (group := topic_groups.local_group(fed, id_of(undone.get("object")))) is not None:
        try:
            topic = await groups.group_skill(fed.db, group)
        except ServiceError:
            raise Ignored("Undo of a Follow of a group that does not exist here") from None
        if not await groups.unfollow_group(fed.db, signer, topic, id_of(undone)):
            raise Ignored("Undo of a Follow of the group that is not the one in force")
    elif kind == "Follow":
        followed = await find_local_member(fed, id_of(undone.get("object")))
        if followed is None:
            return
        async with fed.db.read() as session:
            current = await session.get(MemberFollow, (signer.id, followed.id))
        # Deliveries run in parallel, so an Undo of an old Follow can arrive after the new Follow.
        if current is not None and current.activity_id and id_of(undone) not in (None, current.activity_id):
            raise Ignored("Undo of an earlier Follow")
        await follows.unfollow_member(fed.db, signer, followed)
    elif kind == "Like" and (endorsed := local_skill(fed, id_of(undone.get("object")))):
        username, skill = endorsed
        member = await find_local_member(fed, f"{fed.base_url}/users/{username}")
        if member is not None:
            try:
                await skills.withdraw_endorsement(fed.db, signer, member.id, skill)
            except ServiceError:
                pass  # nothing to withdraw
    elif kind in ("Like", "Dislike"):
        post = await find_post(fed, id_of(undone.get("object")))
        if isinstance(post, (Question, Answer)):
            await votes.set_vote(fed.db, signer, "question" if isinstance(post, Question) else "answer", post.id, 0)
    else:
        raise Ignored(f"Undo of {kind!r}")


SKILL_PATH = re.compile(r"^/users/([^/?#]+)/skills/([^/?#]+)$")


def local_skill(fed: Federation, url: str | None) -> tuple[str, str] | None:
    """(username, skill) for one of our members' skill objects."""
    from urllib.parse import unquote

    if not url or not url.startswith(fed.base_url + "/"):
        return None
    match = SKILL_PATH.match(url[len(fed.base_url) :])
    return (unquote(match.group(1)), unquote(match.group(2))) if match else None


async def on_vote(fed: Federation, signer: Member, activity: dict) -> None:
    skill = local_skill(fed, id_of(activity.get("object")))
    if skill is not None and activity["type"] == "Like":  # a Like of a skill is a peer endorsement
        member = await find_local_member(fed, f"{fed.base_url}/users/{skill[0]}")
        if member is None:
            raise Ignored("endorsement of someone who is not a member here")
        try:
            await skills.endorse(fed.db, signer, member.id, skill[1])
        except ServiceError as exc:
            if exc.status != 409:  # already endorsed: the same Like again
                raise
        return
    post = await find_post(fed, id_of(activity.get("object")))
    if not isinstance(post, (Question, Answer)):
        raise Ignored("vote on something that is not a question or an answer here")
    await votes.set_vote(
        fed.db,
        signer,
        "question" if isinstance(post, Question) else "answer",
        post.id,
        1 if activity["type"] == "Like" else -1,
    )


async def on_create(fed: Federation, signer: Member, activity: dict, *, shared_by_followed: bool = False) -> None:
    """A post or a reply. `shared_by_followed`: announced by a community someone here follows (Lemmy)."""
    obj = activity.get("object")
    kind = first_type(obj, POST_TYPES)
    if kind is None or not isinstance(obj, dict):
        raise Ignored("Create of something that is not a post")
    object_id = obj["id"]
    if id_of(obj.get("attributedTo")) != signer.actor_url:
        raise Ignored("a post attributed to someone else")

    def look_up(session) -> tuple[bool, object]:  # one hop to the database for the lookups
        if session.execute(_KNOWN, {"url": object_id}).first() is not None:
            return True, None
        return False, _post_at(fed, id_of(obj.get("inReplyTo")), session)

    known, parent = await fed.db.run_read(look_up)
    if known:
        return  # deleted before it arrived, or already here
    post = read_post(obj, kind, await _reader_languages(fed))
    base, mentions, content, warning = fed.base_url, post.mentions, post.html, post.content_warning
    sent_to = await topic_groups.groups_sent_to(fed, activity)  # our groups it was posted to, if any
    if not is_public(obj) and not shared_by_followed:
        # A direct or followers-only post is for the people it names, not for this public site.
        await _private_message(fed, signer, obj, parent, post)
        return
    try:
        if isinstance(parent, Question):
            await answers.post_answer(
                fed.db,
                signer,
                parent.id,
                "",
                base,
                html=await post_images.localize(fed, signer, obj, content),
                ap_id=object_id,
                mentions=mentions,
                content_warning=warning,
            )
        elif isinstance(parent, Answer):
            await comments.add_comment(
                fed.db,
                signer,
                answer_id=parent.id,
                body="",
                base_url=base,
                html=content,
                ap_id=object_id,
                mentions=mentions,
                content_warning=warning,
            )
        elif isinstance(parent, Comment):  # a reply to a comment joins the same thread
            await comments.add_comment(
                fed.db,
                signer,
                answer_id=parent.answer_id,
                question_id=None if parent.answer_id else parent.question_id,
                body="",
                base_url=base,
                html=content,
                ap_id=object_id,
                mentions=mentions,
                content_warning=warning,
            )
        elif obj.get("inReplyTo"):
            raise Ignored("reply to something we do not have")
        elif (
            shared_by_followed or sent_to or await _followed_here(fed, signer) or await _mentions_someone_here(fed, obj)
        ):
            # A post sent to a skill's group is a question in that skill, as a community's posts are its topic's.
            content = await post_images.localize(fed, signer, obj, content)
            asked = await questions.ask(
                fed.db,
                signer,
                title=post.title,
                body="",
                tags=sent_to + post.hashtags,
                base_url=base,
                kind="question" if kind == "Question" or sent_to else "discussion",
                language=post.language,
                html=content,
                ap_id=object_id,
                mentions=mentions,
                content_warning=warning,
                context_url=_thread_url(obj),
                audience=uris.group_id(base, sent_to[0]) if sent_to else _url_in(obj.get("audience")),
            )
            await ask_for_thread(fed, asked.ap_id or object_id)
        else:
            raise Ignored("a post from someone nobody here follows")
    except IntegrityError:
        # The same object arriving twice at once is done. Any other refusal by the database is a failure, to
        # be retried or recorded with its reason, never an item marked done that left nothing behind.
        if await find_post(fed, object_id) is None:
            raise


def _thread_url(obj: dict) -> str | None:
    """The thread a received question names (FEP-7888 `context`), kept for our replies to name it too."""
    return _url_in(obj.get("context"))


def _url_in(value) -> str | None:
    """A link a received post gives (its `context`, its `audience`), if it is one we can keep."""
    url = id_of(value)
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 500 else None


BACKFILL = "Backfill"  # the type of the inbox rows this instance queues for itself (see backfill.py)


def backfill_request_id(fed: Federation, question_url: str) -> str:
    digest = hashlib.sha256(question_url.encode()).hexdigest()[:40]
    return f"{uris.instance_actor_id(fed.base_url)}#backfill-{digest}"


async def ask_for_thread(fed: Federation, question_url: str) -> None:
    """Have the workers read what was said under a question first seen here (FEP-f228), once per question: a row
    of the inbox queue under this instance's own actor, so it is durable, retried and never run by a request.
    Only this instance holds that actor's key, so no other server can queue one."""
    request_id = backfill_request_id(fed, question_url)
    me = uris.instance_actor_id(fed.base_url)
    payload = {"type": BACKFILL, "id": request_id, "actor": me, "object": question_url}
    await fed.inbox_writer.store(request_id, BACKFILL, me, json.dumps(payload))


def is_backfill_request(fed: Federation, signer: str, payload: dict) -> bool:
    return signer == uris.instance_actor_id(fed.base_url) and payload.get("type") == BACKFILL


async def _reader_languages(fed: Federation) -> tuple[str, ...]:
    """The languages a text given in several is read in here: the instance's default language."""
    return ((await instance_settings.current(fed.db, fed.config)).default_language,)


async def _private_message(fed: Federation, signer: Member, obj: dict, parent, post: ReceivedPost) -> None:
    """Notify the local members a non-public post names (and the author of what it answers), with its text."""
    recipients = [member.id for href in post.mentions if (member := await find_local_member(fed, href)) is not None]
    if parent is not None:
        async with fed.db.read() as session:
            author = await session.get(Member, parent.author_id)
        if author is not None and author.local:
            recipients.append(author.id)
    if not recipients:
        raise Ignored("a post that is not public, for nobody here")
    url = obj.get("url") if isinstance(obj.get("url"), str) and same_origin(obj["url"], obj["id"]) else obj["id"]
    text = " ".join(plain_text(clean_html(post.html)).split())
    await notifications.private_message(fed.db, signer, recipients, text, url, content_warning=post.content_warning)


async def _mentions_someone_here(fed: Federation, obj: dict) -> bool:
    for href in mention_hrefs(obj):
        if await find_local_member(fed, href):
            return True
    return False


async def _followed_here(fed: Federation, member: Member) -> bool:
    async with fed.db.read() as session:
        return (
            await session.scalar(
                select(MemberFollow.follower_id)
                .where(MemberFollow.followed_id == member.id, MemberFollow.state == "accepted")
                .limit(1)
            )
            is not None
        )


async def on_update(fed: Federation, signer: Member, activity: dict) -> None:
    obj = activity.get("object")
    if not isinstance(obj, dict):
        raise Ignored("Update without an object")
    if first_type(obj, ACTOR_TYPES | POST_TYPES) in ACTOR_TYPES:
        if obj.get("id") != signer.actor_url:
            raise Ignored("Update of another actor")
        # Read again from its server rather than from the payload: several Updates sent in a row arrive in
        # any order, and the last one applied must not be an older state.
        await get_actor(fed, signer.actor_url, refresh=True)
        return
    post = await find_post(fed, obj.get("id"))
    if post is None:
        raise Ignored("Update of something we do not have")
    if post.author_id != signer.id:  # checked against the stored owner, never the payload
        raise Ignored("Update by someone who is not the author")
    received = read_post(obj, first_type(obj, POST_TYPES) or "Note", await _reader_languages(fed))
    content, warning = received.html, received.content_warning
    if content and isinstance(post, (Question, Answer)):
        content = await post_images.localize(fed, signer, obj, content)
    if isinstance(post, Question):
        if content:
            await questions.edit_question(
                fed.db,
                signer,
                post.id,
                title=received.title,
                body="",
                tags=received.hashtags,
                base_url=fed.base_url,
                html=content,
                content_warning=warning,
            )
        await _sync_accepted_answer(fed, signer, post, id_of(obj.get("acceptedAnswer")))
    elif isinstance(post, Answer) and content:
        await answers.edit_answer(fed.db, signer, post.id, "", fed.base_url, html=content, content_warning=warning)


async def _sync_accepted_answer(fed: Federation, signer: Member, question: Question, answer_url: str | None) -> None:
    """A remote asker accepted (or un-accepted) an answer: mirror it with the same rule as here."""
    async with fed.db.read() as session:
        current = await session.get(Question, question.id)
    wanted = await find_post(fed, answer_url) if answer_url else None
    wanted_id = wanted.id if isinstance(wanted, Answer) and wanted.question_id == question.id else None
    if wanted_id == current.accepted_answer_id:
        return
    if wanted_id is None:
        await answers.accept_answer(fed.db, signer, current.accepted_answer_id)  # accepting again un-accepts
    else:
        await answers.accept_answer(fed.db, signer, wanted_id)


async def on_delete(fed: Federation, signer: Member, activity: dict) -> None:
    object_id = id_of(activity.get("object"))
    if object_id == signer.actor_url:
        await users_admin.remove_remote_account(fed.db, signer.id)
        return
    post = await find_post(fed, object_id)
    if post is None:
        if object_id and same_origin(object_id, signer.actor_url):
            async with fed.db.write() as session:
                await insert_ignoring_duplicates(session, Tombstone, [{"ap_id": object_id, "deleted_at": utcnow()}])
        return
    if post.author_id != signer.id:
        raise Ignored("Delete by someone who is not the author")
    if post.deleted_at is not None:
        return
    if isinstance(post, Question):
        await questions.delete_question(fed.db, signer, post.id)
    elif isinstance(post, Answer):
        await answers.delete_answer(fed.db, signer, post.id)
    else:
        await comments.delete_comment(fed.db, signer, post.id)


async def on_block(fed: Federation, signer: Member, activity: dict) -> None:
    blocked = await find_local_member(fed, id_of(activity.get("object")))
    if blocked is not None:
        await follows.unfollow_member(fed.db, blocked, signer)
        await follows.unfollow_member(fed.db, signer, blocked)


async def on_announce(fed: Federation, signer: Member, activity: dict) -> None:
    """A community (a Lemmy, PieFed or NodeBB Group) passing on what happens in it to its followers.

    Posts, replies, edits and deletions are applied as the author's own server shows them (the object
    fetched again, or confirmed gone there); other announces (boosts, the votes Lemmy relays) are recorded,
    not shown or counted: nothing is taken on the community's word alone."""
    inner = activity.get("object")
    kind = first_type(inner, HANDLERS)
    author_id = id_of(inner.get("actor")) if isinstance(inner, dict) else None
    if kind not in ("Create", "Update", "Delete") or not isinstance(inner, dict) or not isinstance(author_id, str):
        raise Ignored("boosts are recorded, not shown")
    if author_id.startswith(fed.base_url + "/"):
        raise Ignored("our own activity, passed on by a group")
    inner = {**inner, "type": kind}
    if kind == "Delete" and await _removed_by_moderator(fed, signer, author_id, id_of(inner.get("object"))):
        return
    if kind == "Delete":
        object_id = id_of(inner.get("object"))
        if not isinstance(object_id, str) or not same_origin(object_id, author_id):
            raise Ignored("an announced Delete of something not on its author's server")
        if not await _gone_from_origin(fed, object_id):
            raise Ignored("the announced Delete is not confirmed by the object's server")
        await on_delete(fed, await get_actor(fed, author_id), inner)
        return
    if kind == "Create" and not await _followed_here(fed, signer):
        raise Ignored("an announce from someone nobody here follows")
    checked = await _as_fetched_from_origin(fed, inner, author_id)
    author = await get_actor(fed, author_id)
    if kind == "Create":
        await on_create(fed, author, checked, shared_by_followed=True)
    else:
        await on_update(fed, author, checked)


async def _removed_by_moderator(fed: Federation, community: Member, remover: str, object_id: str | None) -> bool:
    """A community's moderator removed a post sent to it (Lemmy's Delete by a moderator, announced by the
    community): applied when the community itself passes it on, the post here was sent to that community and the
    remover is one of the moderators it names on its own server. False when it is not such a removal."""
    post = await find_post(fed, object_id)
    if post is None or post.deleted_at is not None:
        return False
    async with fed.db.read() as session:
        question = post if isinstance(post, Question) else await session.get(Question, post.question_id)
        author = await session.get(Member, post.author_id)
    if question is None or question.audience != community.actor_url or author.actor_url == remover:
        return False  # not sent to this community, or its author's own deletion (confirmed with its server)
    if remover != community.actor_url and remover not in await topic_groups.community_moderators(
        fed, community.actor_url
    ):
        raise Ignored("a removal by someone who is not a moderator of the community")
    await on_delete(fed, author, {"object": object_id})  # as its author's deletion: the community's word for it
    return True


async def on_flag(fed: Federation, signer: Member, activity: dict) -> None:
    """A report from another server about someone here (or their content) becomes a report here."""
    async with fed.db.read() as session:
        policy = await session.get(DomainPolicy, signer.domain)
    if policy is not None and policy.reject_reports:
        raise Ignored("reports from this domain are ignored")
    reason = activity.get("content") if isinstance(activity.get("content"), str) else ""
    target = None
    for ref in as_list(activity.get("object"))[:20]:
        post = await find_post(fed, id_of(ref))
        if post is not None:
            kind = "question" if isinstance(post, Question) else "answer" if isinstance(post, Answer) else "comment"
            target = (kind, post.id)
            break
        member = await find_local_member(fed, id_of(ref))
        if member is not None and target is None:
            target = ("member", member.id)
    if target is None:
        raise Ignored("a report about nobody here")
    try:
        await reports.file_report(
            fed.db,
            None,
            target[0],
            target[1],
            f"[{signer.domain}] {reason or 'no reason given'}"[:2000],
            ap_id=activity["id"],
        )
    except IntegrityError:
        # The same Flag twice is done; any other refusal by the database must be retried or recorded.
        async with fed.db.read() as session:
            stored = await session.scalar(select(Report.id).where(Report.ap_id == activity["id"]))
        if stored is None:
            raise


async def on_move(fed: Federation, signer: Member, activity: dict) -> None:
    """An account moved: the members here who followed it follow the new account (Mastodon's Move)."""
    target = id_of(activity.get("target"))
    if id_of(activity.get("object")) != signer.actor_url or not target:
        raise Ignored("Move of another account, or to nowhere")
    try:
        await moves.accept_move(fed, signer, target)
    except ServiceError as exc:
        raise Ignored(f"Move refused: {exc.message}") from None


HANDLERS = {
    "Flag": on_flag,
    "Move": on_move,
    "Follow": on_follow,
    "Accept": on_accept_or_reject,
    "Reject": on_accept_or_reject,
    "Undo": on_undo,
    "Like": on_vote,
    "Dislike": on_vote,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Block": on_block,
    "Announce": on_announce,
}
