"""Comments on questions and answers: short text with links and @mentions."""

from __future__ import annotations

from collections.abc import Iterable

from ..db import Database
from ..models import Answer, Comment, Member, Question, utcnow
from . import events
from .content import COMMENT_MAX, check_comment, remote_body, remote_warning, render_with_mentions
from .errors import N_, Forbidden, NotFound
from .mentions import members_at
from .notifications import notify
from .resubmission import earlier_copy


async def add_comment(
    db: Database,
    author: Member,
    *,
    question_id: int | None = None,
    answer_id: int | None = None,
    body: str,
    base_url: str,
    html: str | None = None,
    ap_id: str | None = None,
    mentions: Iterable[str] = (),
    content_warning: str | None = None,
) -> Comment:
    """Comment on a question, or on an answer when `answer_id` is given (`html`, `ap_id`, `mentions`, the
    actor URLs of its Mention tags, and `content_warning`: from elsewhere, see answers.post_answer)."""
    if html is not None:
        body, body_html = remote_body(html, base_url, max_length=COMMENT_MAX * 4)
    else:
        body = check_comment(body)
    async with db.write() as session:
        author = await session.merge(author, load=False)  # as read by the caller: the hooks find it here
        answer = await session.get(Answer, answer_id) if answer_id is not None else None
        if answer_id is not None and (answer is None or answer.deleted_at is not None):
            raise NotFound(N_("This answer does not exist or was deleted."))
        question = await session.get(Question, answer.question_id if answer else question_id)
        if question is None or question.deleted_at is not None:
            raise NotFound(N_("This question does not exist or was deleted."))
        if html is None:
            target = {"question_id": question.id, "answer_id": answer.id if answer else None}
            copy = await earlier_copy(session, Comment, author.id, **target, body=body[:1000])
            if copy is not None:
                return copy
            body_html, mentioned = await render_with_mentions(session, body, base_url, inline=True)
        else:
            mentioned = await members_at(session, mentions, base_url)
        comment = Comment(
            question_id=question.id,
            answer_id=answer.id if answer else None,
            author_id=author.id,
            body=body[:1000],
            body_html=body_html,
            content_warning=remote_warning(content_warning) if html is not None else None,
            ap_id=ap_id,
        )
        session.add(comment)
        question.last_activity_at = utcnow()
        session.add(question)
        await session.flush()
        target_author = answer.author_id if answer else question.author_id
        notify(
            session,
            target_author,
            "comment",
            author.id,
            question_id=question.id,
            answer_id=answer.id if answer else None,
            comment_id=comment.id,
        )
        for member in (m for m in mentioned if m.local):  # others are told by their server
            if member.id != target_author:
                notify(session, member.id, "mention", author.id, question_id=question.id, comment_id=comment.id)
        events.record(session, "comment_created", comment_id=comment.id, actor_id=author.id)
        return comment


async def delete_comment(db: Database, actor: Member, comment_id: int) -> int:
    async with db.write() as session:
        comment = await session.get(Comment, comment_id)
        if comment is None or comment.deleted_at is not None:
            raise NotFound(N_("This comment does not exist or was deleted."))
        if comment.author_id != actor.id and actor.role not in ("admin", "moderator"):
            raise Forbidden(N_("Only the author can change this."))
        comment.deleted_at = utcnow()
        session.add(comment)
        events.record(session, "comment_deleted", comment_id=comment.id, actor_id=actor.id)
        return comment.question_id


async def get_comment(db: Database, comment_id: int) -> Comment:
    async with db.read() as session:
        comment = await session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(N_("This comment does not exist."))
    return comment
