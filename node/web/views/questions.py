"""Questions, answers, comments and votes."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from ... import i18n
from ...federation import documents
from ...federation.documents import Gone
from ...services import accounts, answer_requests, answers, comments, curation, questions, votes
from ...services.errors import N_, ServiceError
from .. import confirm
from ..diffs import side_by_side
from ..forms import page_number, path_id, service_checked, text
from ..keys import CONFIG, DB, FEDERATION, MEMBER, THREADS, VIEWS, VISITOR_ANSWERS
from ..middleware import flash, require_member
from ..render import form_error, render
from .directory import pagination
from .federation import as2_response, wants_activity_json
from .images import with_uploaded_images

routes = web.RouteTableDef()
PAGE_SIZE = 20
TABS = ("newest", "active", "unanswered", "votes")


def _id(request: web.Request, name: str = "id") -> int:
    return path_id(request.match_info[name])


@routes.get("/questions")
async def question_list(request: web.Request) -> web.Response:
    tab = request.query.get("tab", "newest")
    tab = tab if tab in TABS else "newest"
    page = page_number(request.query)
    author = None
    if request.query.get("author"):
        author = await accounts.get_member_by_handle(request.app[DB], request.query["author"])
    viewer = request.get(MEMBER)
    items, total = await questions.list_questions(
        request.app[DB],
        tab=tab,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        author_id=author.id if author else None,
        viewer_id=viewer.id if viewer else None,
    )
    return render(
        request,
        "questions.html",
        {
            "items": items,
            "tab": tab,
            "author": author,
            "pagination": pagination(page, total, PAGE_SIZE),
            "count_cap": questions.COUNT_CAP,
        },
    )


@routes.get("/questions/new")
async def ask_form(request: web.Request) -> web.Response:
    require_member(request)
    return render(
        request, "ask.html", {"kind": request.query.get("kind", "question"), "tags": request.query.get("tag", "")}
    )


@routes.post("/questions")
async def ask(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    values: dict[str, Any] = {
        "title": service_checked(form, "title"),
        "body": service_checked(form, "body"),
        "tags": service_checked(form, "tags"),
        "kind": text(form, "kind", 20) or "question",
    }
    try:
        values["body"] = await with_uploaded_images(request, member, form, values["body"])
        question = await questions.ask(
            request.app[DB], member, base_url=request.app[CONFIG].base_url, language=i18n.current_language(), **values
        )
    except ServiceError as exc:
        return form_error(request, "ask.html", exc, values)
    await flash(request, i18n.gettext(N_("Your post is published.")))
    raise web.HTTPSeeOther(f"/questions/{question.id}")


async def _page_context(request: web.Request, question_id: int, answer_page: int = 1) -> dict:
    page = await questions.question_page(
        request.app[DB], question_id, request.get(MEMBER), answer_page, threads=request.app[THREADS]
    )
    return {"page": page, "q": page.question}


async def answer_location(request: web.Request, answer) -> str:
    """Where an answer is shown: its question's page that holds it, at its anchor."""
    number = await questions.answer_page_number(request.app[DB], answer)
    return f"/questions/{answer.question_id}" + (f"?page={number}" if number > 1 else "") + f"#answer-{answer.id}"


async def comment_location(request: web.Request, comment) -> str:
    """Where a comment is shown: under its question, or under its answer on the page that holds it."""
    if comment.answer_id is None:
        return f"/questions/{comment.question_id}#comment-{comment.id}"
    answer = await answers.get_answer(request.app[DB], comment.answer_id)
    return (await answer_location(request, answer)).split("#")[0] + f"#comment-{comment.id}"


@routes.get("/questions/{id}")
async def question_page(request: web.Request) -> web.Response:
    question_id = _id(request)
    if wants_activity_json(request):
        return as2_response(await documents.question(request.app[FEDERATION], question_id))
    context = await _page_context(request, question_id, page_number(request.query))
    if context["page"].answer_page > context["page"].answer_pages:  # answers were deleted since the link was made
        last = context["page"].answer_pages
        raise web.HTTPSeeOther(f"/questions/{question_id}" + (f"?page={last}#answers" if last > 1 else ""))
    show_deleted_authors(context["page"])
    viewer = request.get(MEMBER)
    if context["q"].deleted_at is None and (viewer is None or viewer.id != context["q"].author_id):
        request.app[VIEWS].count(question_id)
    if context["q"].deleted_at is None:
        context.update(await _answer_requests_context(request, context["page"]))
        context.update(await _curation_context(request, context["page"]))
    _for_visitors(request, context)
    return render(request, "question.html", context, status=410 if context["q"].deleted_at else 200)


@routes.get("/questions/{id}/answers")
async def more_answers(request: web.Request) -> web.Response:
    """A page of answers alone, for "Show more answers" to add in place (the link itself opens the whole page)."""
    context = await _page_context(request, _id(request), page_number(request.query))
    if context["q"].deleted_at is not None:
        raise Gone(N_("This question was deleted."))
    show_deleted_authors(context["page"])
    _for_visitors(request, context)
    return render(request, "answers_more.html", context)


def _for_visitors(request: web.Request, context: dict) -> None:
    """A visitor's answers come rendered once for what they show (fragments.py); a member's carry their votes."""
    if request.get(MEMBER) is None:
        context["visitor_answer"] = partial(request.app[VISITOR_ANSWERS].html, question=context["q"])


async def _curation_context(request: web.Request, page) -> dict:
    """The original of a question closed as a duplicate; whether the viewer keeps it in their bookmarks."""
    return {"original": await curation.original_of(request.app[DB], page.question), "bookmarked": page.bookmarked}


@routes.post("/questions/{id}/close")
async def close_question(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    original = text(form, "original", 500)
    try:
        target = await curation.close_as_duplicate(request.app[DB], member, _id(request), original)
    except ServiceError as exc:
        context = await _page_context(request, _id(request))
        context.update(await _curation_context(request, context["page"]))
        return form_error(request, "question.html", exc, {**context, "original_reference": original})
    await flash(request, i18n.gettext(N_("Closed as a duplicate of “{title}”.")).format(title=target.title))
    raise web.HTTPSeeOther(f"/questions/{_id(request)}")


@routes.post("/questions/{id}/reopen")
async def reopen_question(request: web.Request) -> web.Response:
    member = require_member(request)
    await curation.reopen(request.app[DB], member, _id(request))
    await flash(request, i18n.gettext(N_("The question is open again.")))
    raise web.HTTPSeeOther(f"/questions/{_id(request)}")


@routes.post("/questions/{id}/bookmark")
async def bookmark(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    keep = form.get("keep") == "yes"
    await curation.set_bookmark(request.app[DB], member, _id(request), keep)
    message = N_("Added to your bookmarks.") if keep else N_("Removed from your bookmarks.")
    await flash(request, i18n.gettext(message))
    raise web.HTTPSeeOther(f"/questions/{_id(request)}")


@routes.get("/bookmarks")
async def bookmarks_page(request: web.Request) -> web.Response:
    member = require_member(request)
    page = page_number(request.query)
    found = await curation.bookmarks(request.app[DB], member.id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return render(
        request,
        "bookmarks.html",
        {"questions": found[:PAGE_SIZE], "page": page, "has_next": len(found) > PAGE_SIZE},
    )


async def _answer_requests_context(request: web.Request, page) -> dict:
    """Who was asked to answer; for a signed-in member, the people they might invite."""
    db, viewer, question = request.app[DB], request.get(MEMBER), page.question
    return {
        "answer_requests": await answer_requests.requests_on(db, question.id) if page.requested else [],
        "suggested": await answer_requests.suggested_experts(db, question, viewer.id) if viewer else [],
    }


def show_deleted_authors(page) -> None:
    """Posts kept by a member who deleted their account stay, under "deleted member" instead of a name."""
    authors = [a.author for a in page.answers]
    authors += [c.author for c in page.comments] + [c.author for a in page.answers for c in a.comments]
    if not page.author.deleted and not any(author.deleted for author in authors):
        return
    label = i18n.gettext(N_("deleted member"))

    def anonymous(author):
        if not author.deleted:
            return author
        return questions.Author(author.id, author.username, label, "", 0, author.domain, True)

    page.author = anonymous(page.author)
    for answer in page.answers:
        answer.author = anonymous(answer.author)
        for comment in answer.comments:
            comment.author = anonymous(comment.author)
    for comment in page.comments:
        comment.author = anonymous(comment.author)


@routes.get("/questions/{id}/edit")
async def edit_question_form(request: web.Request) -> web.Response:
    member = require_member(request)
    context = await _page_context(request, _id(request))
    q = context["q"]
    questions.check_can_edit(member, q)
    return render(
        request,
        "ask.html",
        {
            "editing": q,
            "title": q.title,
            "body": q.body_md,
            "kind": q.kind,
            "tags": " ".join(t.name for t in context["page"].tags),
        },
    )


@routes.post("/questions/{id}/edit")
async def edit_question(request: web.Request) -> web.Response:
    member = require_member(request)
    question_id = _id(request)
    form = await request.post()
    values = {name: service_checked(form, name) for name in ("title", "body", "tags")}
    try:
        values["body"] = await with_uploaded_images(request, member, form, values["body"])
        await questions.edit_question(
            request.app[DB], member, question_id, base_url=request.app[CONFIG].base_url, **values
        )
    except ServiceError as exc:
        context = await _page_context(request, question_id)
        return form_error(request, "ask.html", exc, {"editing": context["q"], "kind": context["q"].kind, **values})
    await flash(request, i18n.gettext(N_("Your changes are saved.")))
    raise web.HTTPSeeOther(f"/questions/{question_id}")


DELETION_PROMPTS = {  # what deleting does, the button that does it, where Cancel goes
    "question": (
        N_("Delete this question? Its answers and comments go with it, here and on the servers that received it."),
        N_("Delete the question"),
        "/questions/{id}",
    ),
    "answer": (N_("Delete this answer? Its comments go with it."), N_("Delete the answer"), "/answers/{id}"),
    "comment": (N_("Delete this comment?"), N_("Delete the comment"), "/comments/{id}"),
}


async def _ask_before_deleting(request: web.Request, member, kind: str) -> web.Response | None:
    """The confirmation page of a deletion not confirmed yet (asked only of who may delete), else None."""
    form = await request.post()
    if confirm.is_confirmed(form):
        return None
    await questions.check_can_delete(request.app[DB], member, kind, _id(request))
    question, button, back = DELETION_PROMPTS[kind]
    return confirm.ask(request, form, i18n.gettext(question), i18n.gettext(button), back.format(id=_id(request)))


@routes.post("/questions/{id}/delete")
async def delete_question(request: web.Request) -> web.Response:
    member = require_member(request)
    if (asking := await _ask_before_deleting(request, member, "question")) is not None:
        return asking
    await questions.delete_question(request.app[DB], member, _id(request))
    await flash(request, i18n.gettext(N_("The question was deleted.")))
    raise web.HTTPSeeOther(f"/questions/{_id(request)}")


@routes.get("/questions/{id}/revisions")
async def question_revisions(request: web.Request) -> web.Response:
    question, history = await questions.revisions(request.app[DB], _id(request))
    # Each version beside the one before it (the history is newest first; the first version has none).
    changes = [
        {
            "title": side_by_side(older.title, rev.title),
            "body": side_by_side(older.body_md, rev.body_md),
            "tags": side_by_side(older.tags, rev.tags),
        }
        if older is not None
        else None
        for (rev, _), (older, _) in zip(history, [*history[1:], (None, None)], strict=True)
    ]
    return render(request, "revisions.html", {"q": question, "history": list(zip(history, changes, strict=True))})


@routes.post("/questions/{id}/answers")
async def post_answer(request: web.Request) -> web.Response:
    member = require_member(request)
    question_id = _id(request)
    form = await request.post()
    body = service_checked(form, "body")
    try:
        body = await with_uploaded_images(request, member, form, body)
        answer = await answers.post_answer(request.app[DB], member, question_id, body, request.app[CONFIG].base_url)
    except ServiceError as exc:
        return form_error(
            request, "question.html", exc, {**await _page_context(request, question_id), "answer_body": body}
        )
    await flash(request, i18n.gettext(N_("Your answer is posted.")))
    raise web.HTTPSeeOther(await answer_location(request, answer))


@routes.post("/questions/{id}/comments")
@routes.post("/answers/{answer_id}/comments")
async def add_comment(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    body = service_checked(form, "body")
    answer_id = _id(request, "answer_id") if "answer_id" in request.match_info else None
    question_id = None if answer_id else _id(request)
    try:
        comment = await comments.add_comment(
            request.app[DB],
            member,
            question_id=question_id,
            answer_id=answer_id,
            body=body,
            base_url=request.app[CONFIG].base_url,
        )
    except ServiceError as exc:
        on_question, on_page = _id(request), 1
        if answer_id is not None:  # shown again on the page that holds the answer, with its form open
            answer = await answers.get_answer(request.app[DB], answer_id)
            on_question, on_page = answer.question_id, await questions.answer_page_number(request.app[DB], answer)
        return form_error(
            request,
            "question.html",
            exc,
            {**await _page_context(request, on_question, on_page), "comment_body": body, "comment_target": answer_id},
        )
    await flash(request, i18n.gettext(N_("Your comment is posted.")))
    raise web.HTTPSeeOther(await comment_location(request, comment))


VOTE_VALUES = {"up": 1, "down": -1, "none": 0}


@routes.post("/questions/{id}/vote")
@routes.post("/answers/{id}/vote")
async def vote(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    target_type = "answer" if request.path.startswith("/answers/") else "question"
    value = VOTE_VALUES.get(text(form, "value", 10))
    if value is None:
        raise web.HTTPBadRequest(text="value must be up, down or none")
    target_id = _id(request)
    await votes.set_vote(request.app[DB], member, target_type, target_id, value)
    if target_type == "answer":
        raise web.HTTPSeeOther(await answer_location(request, await answers.get_answer(request.app[DB], target_id)))
    raise web.HTTPSeeOther(f"/questions/{target_id}")


@routes.get("/answers/{id}")
async def answer_link(request: web.Request) -> web.Response:
    if wants_activity_json(request):
        return as2_response(await documents.answer(request.app[FEDERATION], _id(request)))
    answer = await answers.get_answer(request.app[DB], _id(request))
    if answer.deleted_at is not None:
        raise Gone(N_("This answer was deleted."))
    raise web.HTTPSeeOther(await answer_location(request, answer))


@routes.get("/answers/{id}/edit")
async def edit_answer_form(request: web.Request) -> web.Response:
    member = require_member(request)
    answer = await answers.get_answer(request.app[DB], _id(request))
    questions.check_can_edit(member, answer)
    return render(request, "answer_edit.html", {"answer": answer, "body": answer.body_md})


@routes.post("/answers/{id}/edit")
async def edit_answer(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    body = service_checked(form, "body")
    try:
        body = await with_uploaded_images(request, member, form, body)
        answer = await answers.edit_answer(request.app[DB], member, _id(request), body, request.app[CONFIG].base_url)
    except ServiceError as exc:
        answer = await answers.get_answer(request.app[DB], _id(request))
        return form_error(request, "answer_edit.html", exc, {"answer": answer, "body": body})
    await flash(request, i18n.gettext(N_("Your changes are saved.")))
    raise web.HTTPSeeOther(await answer_location(request, answer))


@routes.post("/answers/{id}/delete")
async def delete_answer(request: web.Request) -> web.Response:
    member = require_member(request)
    if (asking := await _ask_before_deleting(request, member, "answer")) is not None:
        return asking
    question_id = await answers.delete_answer(request.app[DB], member, _id(request))
    await flash(request, i18n.gettext(N_("The answer was deleted.")))
    raise web.HTTPSeeOther(f"/questions/{question_id}")


@routes.post("/answers/{id}/accept")
async def accept_answer(request: web.Request) -> web.Response:
    member = require_member(request)
    question = await answers.accept_answer(request.app[DB], member, _id(request))
    accepted = question.accepted_answer_id == _id(request)
    await flash(request, i18n.gettext(N_("Answer accepted.") if accepted else N_("Answer no longer accepted.")))
    raise web.HTTPSeeOther(await answer_location(request, await answers.get_answer(request.app[DB], _id(request))))


@routes.get("/comments/{id}")
async def comment_link(request: web.Request) -> web.Response:
    if wants_activity_json(request):
        return as2_response(await documents.comment(request.app[FEDERATION], _id(request)))
    comment = await comments.get_comment(request.app[DB], _id(request))
    if comment.deleted_at is not None:
        raise Gone(N_("This comment was deleted."))
    raise web.HTTPSeeOther(await comment_location(request, comment))


@routes.post("/comments/{id}/delete")
async def delete_comment(request: web.Request) -> web.Response:
    member = require_member(request)
    if (asking := await _ask_before_deleting(request, member, "comment")) is not None:
        return asking
    question_id = await comments.delete_comment(request.app[DB], member, _id(request))
    await flash(request, i18n.gettext(N_("The comment was deleted.")))
    raise web.HTTPSeeOther(f"/questions/{question_id}")
