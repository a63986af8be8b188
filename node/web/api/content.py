"""Questions, answers, comments and votes over the API: each operation is one call to the service the web forms
use (same rules, limits and federation)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...services import accounts, answers, comments, questions, skills, votes
from ...services.errors import N_, NotFound
from . import schemas as s
from .framework import Api, Call, Page, PageQuery

api = Api()


class QuestionQuery(PageQuery):
    tag: str | None = Field(None, max_length=100, description="A skill name (tags are skills; synonyms work).")
    author: str | None = Field(None, max_length=300, description="username, or username@domain.")
    sort: Literal["newest", "active", "unanswered", "votes"] = "newest"


async def _question(call: Call, question_id: int) -> dict:
    page = await questions.question_page(call.db, question_id, call.member)
    author = await accounts.get_member(call.db, page.question.author_id)  # the summary's profile fields
    if page.question.deleted_at is not None or author is None:
        raise NotFound(N_("This question does not exist or was deleted."))
    return s.question_page(page, author, call.config.base_url)


async def _answer(call: Call, question_id: int, answer_id: int) -> dict:
    return next(a for a in (await _question(call, question_id))["answers"] if a["id"] == answer_id)


@api.operation(
    "GET",
    "/questions",
    summary="List questions",
    tag="questions",
    scope="read",
    query=QuestionQuery,
    response=Page[s.QuestionSummary],
)
async def list_questions(call: Call):
    """Questions and discussion posts, newest first by default; filter by tag and author."""
    q, offset = call.query, call.offset()
    author_id = (await accounts.get_member_by_handle(call.db, q.author)).id if q.author else None
    tag = ""
    if q.tag:
        try:
            tag = (await skills.get_skill(call.db, q.tag)).name
        except NotFound:
            return call.page([], False)
    items, total = await questions.list_questions(
        call.db, tab=q.sort, tag=tag, author_id=author_id, offset=offset, limit=q.limit, viewer_id=call.member.id
    )
    base = call.config.base_url
    return call.page([s.question_summary(i, base) for i in items], offset + len(items) < total)


@api.operation(
    "POST",
    "/questions",
    summary="Ask a question",
    tag="questions",
    scope="write",
    body=s.QuestionCreate,
    response=s.QuestionOut,
    status=201,
    errors=(400,),
)
async def ask_question(call: Call):
    """Publish a question (or a discussion post); it federates like one asked on the site."""
    b = call.body
    question = await questions.ask(
        call.db, call.member, title=b.title, body=b.body, tags=b.tags, kind=b.kind, base_url=call.config.base_url
    )
    return await _question(call, question.id)


@api.operation(
    "GET",
    "/questions/{id}",
    summary="Get a question with its answers and comments",
    tag="questions",
    scope="read",
    response=s.QuestionOut,
    errors=(404,),
)
async def get_question(call: Call):
    """The question, its answers (the accepted one first, then by score) and comments."""
    return await _question(call, call.path_id())


@api.operation(
    "PATCH",
    "/questions/{id}",
    summary="Edit a question",
    tag="questions",
    scope="write",
    body=s.QuestionEdit,
    response=s.QuestionOut,
    errors=(400, 404),
)
async def edit_question(call: Call):
    """Change the title, text or tags (the author only); what is left out stays; a revision is kept."""
    b, now = call.body, await _question(call, call.path_id())
    await questions.edit_question(
        call.db,
        call.member,
        call.path_id(),
        title=now["title"] if b.title is None else b.title,
        body=now["body_markdown"] if b.body is None else b.body,
        tags=now["tags"] if b.tags is None else b.tags,
        base_url=call.config.base_url,
    )
    return await _question(call, call.path_id())


@api.operation(
    "DELETE",
    "/questions/{id}",
    summary="Delete a question",
    tag="questions",
    scope="write",
    response=None,
    errors=(404,),
)
async def delete_question(call: Call):
    """Delete a question with its answers and comments, here and on the servers that received it."""
    await questions.delete_question(call.db, call.member, call.path_id())


@api.operation(
    "POST",
    "/questions/{id}/answers",
    summary="Answer a question",
    tag="answers",
    scope="write",
    body=s.TextBody,
    response=s.AnswerOut,
    status=201,
    errors=(400, 404),
)
async def post_answer(call: Call):
    answer = await answers.post_answer(call.db, call.member, call.path_id(), call.body.body, call.config.base_url)
    return await _answer(call, answer.question_id, answer.id)


@api.operation(
    "PATCH",
    "/answers/{id}",
    summary="Edit an answer",
    tag="answers",
    scope="write",
    body=s.TextBody,
    response=s.AnswerOut,
    errors=(400, 404),
)
async def edit_answer(call: Call):
    answer = await answers.edit_answer(call.db, call.member, call.path_id(), call.body.body, call.config.base_url)
    return await _answer(call, answer.question_id, answer.id)


@api.operation(
    "DELETE", "/answers/{id}", summary="Delete an answer", tag="answers", scope="write", response=None, errors=(404,)
)
async def delete_answer(call: Call):
    await answers.delete_answer(call.db, call.member, call.path_id())


@api.operation(
    "POST",
    "/answers/{id}/accept",
    summary="Accept an answer",
    tag="answers",
    scope="write",
    response=s.AcceptOut,
    errors=(404,),
)
async def accept_answer(call: Call):
    """Accept an answer to one's own question; accepting the accepted answer again withdraws the acceptance."""
    question = await answers.accept_answer(call.db, call.member, call.path_id())
    return {"question_id": question.id, "accepted_answer_id": question.accepted_answer_id}


async def _comment(call: Call, question_id: int | None, answer_id: int | None) -> dict:
    comment = await comments.add_comment(
        call.db,
        call.member,
        question_id=question_id,
        answer_id=answer_id,
        body=call.body.body,
        base_url=call.config.base_url,
    )
    page = await _question(call, comment.question_id)
    every = page["comments"] + [c for a in page["answers"] for c in a["comments"]]
    return next(c for c in every if c["id"] == comment.id)


@api.operation(
    "POST",
    "/questions/{id}/comments",
    summary="Comment on a question",
    tag="comments",
    scope="write",
    body=s.TextBody,
    response=s.CommentOut,
    status=201,
    errors=(400, 404),
)
async def comment_question(call: Call):
    return await _comment(call, call.path_id(), None)


@api.operation(
    "POST",
    "/answers/{id}/comments",
    summary="Comment on an answer",
    tag="comments",
    scope="write",
    body=s.TextBody,
    response=s.CommentOut,
    status=201,
    errors=(400, 404),
)
async def comment_answer(call: Call):
    return await _comment(call, None, call.path_id())


VOTES = {"up": 1, "down": -1}


async def _vote(call: Call, target: str, value: int) -> dict:
    score = await votes.set_vote(call.db, call.member, target, call.path_id(), value)
    return {"score": score, "my_vote": value}


@api.operation(
    "PUT",
    "/questions/{id}/vote",
    summary="Vote on a question",
    tag="votes",
    scope="write",
    body=s.VoteBody,
    response=s.VoteOut,
    errors=(400, 404),
)
async def vote_question(call: Call):
    return await _vote(call, "question", VOTES[call.body.value])


@api.operation(
    "DELETE",
    "/questions/{id}/vote",
    summary="Take back a vote on a question",
    tag="votes",
    scope="write",
    response=s.VoteOut,
    errors=(404,),
)
async def unvote_question(call: Call):
    return await _vote(call, "question", 0)


@api.operation(
    "PUT",
    "/answers/{id}/vote",
    summary="Vote on an answer",
    tag="votes",
    scope="write",
    body=s.VoteBody,
    response=s.VoteOut,
    errors=(400, 404),
)
async def vote_answer(call: Call):
    return await _vote(call, "answer", VOTES[call.body.value])


@api.operation(
    "DELETE",
    "/answers/{id}/vote",
    summary="Take back a vote on an answer",
    tag="votes",
    scope="write",
    response=s.VoteOut,
    errors=(404,),
)
async def unvote_answer(call: Call):
    return await _vote(call, "answer", 0)
