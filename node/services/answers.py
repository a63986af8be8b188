"""Answers: post, edit with history, delete, and acceptance by the asker."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, update

from ..db import Database
from ..models import Answer, Member, Question, Revision, Vote, utcnow
from . import badges, events, images, live, reputation, search
from .content import check_body, remote_body, remote_warning, render_with_mentions
from .errors import N_, Forbidden, InvalidInput, NotFound
from .mentions import members_at
from .notifications import notify
from .resubmission import copy_id, copy_parameters

_QUESTION_AND_AUTHOR = (
    select(Question, Member)
    .outerjoin(Member, Member.id == Question.author_id)
    .where(Question.id == bindparam("question"))
)
# And the answer a form sent again already made (resubmission), in the same read.
_QUESTION_AUTHOR_AND_COPY = _QUESTION_AND_AUTHOR.add_columns(copy_id(Answer, "question_id", "body_md"))


async def _open_question(
    session, question_id: int, answering: bool = True, copy_by: tuple[int, str] | None = None
) -> tuple[Question, Member | None, Answer | None]:
    """The question, not deleted; when `answering`, not closed either (its answers belong to the original). Its
    author comes in the same read: while the caller holds them, the commit's hooks (publishing addresses them)
    find them in the session (which holds unchanged rows weakly) instead of reading them again. With `copy_by`
    (author id, text), the answer that author already gave it with that text in the same form (earlier_copy)."""
    statement, values = _QUESTION_AND_AUTHOR, {"question": question_id}
    if copy_by is not None:
        statement = _QUESTION_AUTHOR_AND_COPY
        values |= copy_parameters(copy_by[0], question_id=question_id, body_md=copy_by[1])
    row = (await session.execute(statement, values)).first()
    question, author, earlier = (*row, None)[:3] if row is not None else (None, None, None)
    if question is None or question.deleted_at is not None:
        raise NotFound(N_("This question does not exist or was deleted."))
    if answering and question.duplicate_of_id is not None:
        raise InvalidInput(N_("This question is closed as a duplicate: answer the original question."))
    copy = await session.get(Answer, earlier) if earlier is not None else None
    return question, author, copy


# Built once with parameters: every answer runs it.
_ANSWERED = (
    update(Question)
    .where(Question.id == bindparam("question"))
    .values(answer_count=Question.answer_count + 1, last_activity_at=bindparam("now"))
)


async def post_answer(
    db: Database,
    author: Member,
    question_id: int,
    body: str,
    base_url: str,
    *,
    html: str | None = None,
    ap_id: str | None = None,
    mentions: Iterable[str] = (),
    content_warning: str | None = None,
) -> Answer:
    """Answer a question; an answer from another server comes as `html` with its `ap_id`, `mentions`: the
    actor URLs its Mention tags designate (whom it mentions; its text is not read for @names), and its
    `content_warning` as received (see content.remote_warning)."""
    if html is not None:
        body, body_html = remote_body(html, base_url)
    else:
        body = check_body(body)
    async with db.write() as session:
        author = await session.merge(author, load=False)  # as read by the caller: the hooks find it here
        # _asker: held until the commit. A form sent again gives back the answer it made (only ours are forms).
        question, _asker, copy = await _open_question(
            session, question_id, copy_by=(author.id, body) if html is None else None
        )
        if copy is not None:
            return copy
        if html is None:
            body_html, mentioned = await render_with_mentions(session, body, base_url)
        else:
            mentioned = await members_at(session, mentions, base_url)
        answer = Answer(
            question_id=question.id,
            author_id=author.id,
            body_md=body,
            body_html=body_html,
            content_warning=remote_warning(content_warning) if html is not None else None,
            ap_id=ap_id,
        )
        session.add(answer)
        await session.flush()
        session.add(Revision(answer_id=answer.id, editor_id=author.id, body_md=body))
        await images.attach_from_html(session, body_html, base_url, answer_id=answer.id, new=True)
        await session.execute(_ANSWERED, {"question": question.id, "now": utcnow()})
        notify(session, question.author_id, "answer", author.id, question_id=question.id, answer_id=answer.id)
        for member in (m for m in mentioned if m.local):  # others are told by their server
            if member.id != question.author_id:
                notify(session, member.id, "mention", author.id, question_id=question.id, answer_id=answer.id)
        await search.index_answer(session, answer, new=True)
        if author.local:  # badges are for members here (an answer from elsewhere costs no badge query)
            await badges.award(session, [author.id], ["answered"], under=question.id)
        events.record(session, "answer_created", answer_id=answer.id, actor_id=author.id)
        live.answer_posted(session, question.id, answer.id)
        return answer


async def _editable_answer(session, actor: Member, answer_id: int) -> Answer:
    answer = await session.get(Answer, answer_id)
    if answer is None or answer.deleted_at is not None:
        raise NotFound(N_("This answer does not exist or was deleted."))
    if answer.author_id != actor.id and actor.role not in ("admin", "moderator"):
        raise Forbidden(N_("Only the author can change this."))
    return answer


async def edit_answer(
    db: Database,
    editor: Member,
    answer_id: int,
    body: str,
    base_url: str,
    *,
    html: str | None = None,
    content_warning: str | None = None,
) -> Answer:
    if html is not None:
        body, body_html = remote_body(html, base_url)
    else:
        body = check_body(body)
    async with db.write() as session:
        answer = await _editable_answer(session, editor, answer_id)
        if html is None:
            body_html, _ = await render_with_mentions(session, body, base_url)
        answer.body_html = body_html
        if html is not None:  # an edit elsewhere may add or lift the warning
            answer.content_warning = remote_warning(content_warning)
        answer.body_md, answer.edited_at = body, utcnow()
        session.add(answer)
        session.add(Revision(answer_id=answer.id, editor_id=editor.id, body_md=body))
        await images.attach_from_html(session, answer.body_html, base_url, answer_id=answer.id)
        await search.index_answer(session, answer)
        events.record(session, "answer_updated", answer_id=answer.id, actor_id=editor.id)
        return answer


async def delete_answer(db: Database, actor: Member, answer_id: int) -> int:
    """Soft delete; returns the question id. An accepted answer stops being accepted."""
    async with db.write() as session:
        answer = await _editable_answer(session, actor, answer_id)
        answer.deleted_at = utcnow()
        session.add(answer)
        votes = (
            (await session.execute(select(Vote.value).where(Vote.target_type == "answer", Vote.target_id == answer.id)))
            .scalars()
            .all()
        )
        await reputation.add(session, answer.author_id, -sum(reputation.vote_points("answer", v) for v in votes))
        question = await session.get(Question, answer.question_id)
        if question.accepted_answer_id == answer.id:
            await _unaccept(session, question, answer)
        question.answer_count = max(0, question.answer_count - 1)
        session.add(question)
        await search.unindex(session, answer.question_id, answer.id)
        events.record(session, "answer_deleted", answer_id=answer.id, actor_id=actor.id)
        return answer.question_id


async def _unaccept(session, question: Question, answer: Answer) -> None:
    if question.deleted_at is None:
        await reputation.apply_acceptance(session, answer.author_id, question.author_id, -1)
    question.accepted_answer_id = None


async def accept_answer(db: Database, actor: Member, answer_id: int) -> Question:
    """The asker accepts an answer, or another one instead; accepting the accepted answer again un-accepts it."""
    async with db.write() as session:
        answer = await session.get(Answer, answer_id)
        if answer is None or answer.deleted_at is not None:
            raise NotFound(N_("This answer does not exist or was deleted."))
        question, _, _ = await _open_question(session, answer.question_id, answering=False)
        if question.author_id != actor.id:
            raise Forbidden(N_("Only the person who asked can accept an answer."))
        if question.kind != "question":
            raise InvalidInput(N_("Discussion posts have no accepted answer."))
        if question.accepted_answer_id is not None:
            previous = await session.get(Answer, question.accepted_answer_id)
            await _unaccept(session, question, previous)
            if previous.id == answer.id:
                session.add(question)
                events.record(session, "question_updated", question_id=question.id, actor_id=actor.id)
                return question
        question.accepted_answer_id = answer.id
        question.last_activity_at = utcnow()
        await reputation.apply_acceptance(session, answer.author_id, question.author_id)
        notify(session, answer.author_id, "accepted", actor.id, question_id=question.id, answer_id=answer.id)
        session.add(question)
        await badges.award(session, [answer.author_id], ["medals", "answers"])
        events.record(session, "question_updated", question_id=question.id, actor_id=actor.id)
        events.record(session, "answer_accepted", question_id=question.id, answer_id=answer.id, actor_id=actor.id)
        return question


async def get_answer(db: Database, answer_id: int) -> Answer:
    async with db.read() as session:
        answer = await session.get(Answer, answer_id)
    if answer is None:
        raise NotFound(N_("This answer does not exist."))
    return answer
