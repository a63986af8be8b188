"""Questions and discussion posts: ask, edit with history, delete, list, and the question page."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import and_, bindparam, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session

from ..db import Database
from ..models import (
    KINDS,
    Answer,
    AnswerRequest,
    Bookmark,
    Comment,
    Member,
    MemberBadge,
    MemberFollow,
    Question,
    QuestionTag,
    Revision,
    Skill,
    TagFollow,
    Vote,
    utcnow,
)
from . import badges, events, images, reputation, search
from .content import check_body, check_title, remote_body, remote_title, remote_warning, render_with_mentions
from .errors import N_, Forbidden, InvalidInput, NotFound
from .mentions import members_at
from .notifications import notify
from .resubmission import earlier_copy
from .skills import get_or_create_skill, normalize_skill
from .visibility import visible_to

MAX_TAGS = 5


def parse_tags(raw: str | list[str]) -> list[str]:
    labels = raw if isinstance(raw, list) else raw.replace(",", " ").split()
    names: list[str] = []
    for label in dict.fromkeys(labels):
        try:
            name = normalize_skill(label)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field="tags", **exc.params) from None
        if name not in names:
            names.append(name)
        if len(names) > MAX_TAGS:  # said as soon as it is known: a pasted page is not normalized word by word
            raise InvalidInput(N_("Use at most {n} tags."), field="tags", n=MAX_TAGS)
    return names


def remote_tags(labels: list[str]) -> list[str]:
    """The skills a post from elsewhere is tagged with: its hashtags that make valid skill names (the others are
    dropped, not the post), at most MAX_TAGS."""
    names: list[str] = []
    for label in labels:
        try:
            name = normalize_skill(label)
        except InvalidInput:
            continue
        if name not in names:
            names.append(name)
    return names[:MAX_TAGS]


async def _set_tags(session, question_id: int, names: list[str]) -> None:
    await session.execute(QuestionTag.__table__.delete().where(QuestionTag.question_id == question_id))
    for name in names:
        skill = await get_or_create_skill(session, name)
        session.add(QuestionTag(question_id=question_id, skill_id=skill.id))


async def ask(
    db: Database,
    author: Member,
    *,
    title: str,
    body: str,
    tags: str | list[str],
    base_url: str,
    kind: str = "question",
    language: str = "",
    html: str | None = None,
    ap_id: str | None = None,
    mentions: Iterable[str] = (),
    told_otherwise: Collection[int] = (),
    content_warning: str | None = None,
    context_url: str | None = None,
    audience: str | None = None,
) -> Question:
    """Post a question (or a discussion post); its tags are skills, created when new.

    A post received from another server comes as sanitized-on-the-way-in `html` with its `ap_id`, and
    `mentions`: the actor URLs its Mention tags designate (its text is not read for @names), and its
    `content_warning` as received (see remote_warning), and the Group it was posted to (`audience`). Members in
    `told_otherwise` get no mention notification: the caller tells them in its own words."""
    if kind not in KINDS:
        raise InvalidInput(N_("Unknown kind of post."), field="kind")
    warning = remote_warning(content_warning) if html is not None else None
    if html is not None:
        body, body_html = remote_body(html, base_url)
        title = remote_title(title, body, warning)
        names = remote_tags(tags if isinstance(tags, list) else tags.split())
    else:
        title, body = check_title(title), check_body(body)
        names = parse_tags(tags)
        if kind == "question" and not names:
            raise InvalidInput(N_("Add at least one tag: the skill your question is about."), field="tags")
    async with db.write() as session:
        author = await session.merge(author, load=False)  # as read by the caller: the hooks find it here
        if html is None:
            copy = await earlier_copy(session, Question, author.id, kind=kind, title=title, body_md=body)
            if copy is not None:
                return copy
            body_html, mentioned = await render_with_mentions(session, body, base_url)
        else:
            mentioned = await members_at(session, mentions, base_url)
        question = Question(
            kind=kind,
            author_id=author.id,
            title=title,
            body_md=body,
            body_html=body_html,
            language=language or author.language,
            content_warning=warning,
            ap_id=ap_id,
            context_url=context_url if ap_id else None,
            audience=audience if ap_id else None,
        )
        session.add(question)
        await session.flush()
        await _set_tags(session, question.id, names)
        await images.attach_from_html(session, body_html, base_url, question_id=question.id, new=True)
        session.add(
            Revision(question_id=question.id, editor_id=author.id, title=title, body_md=body, tags=" ".join(names))
        )
        for member in (m for m in mentioned if m.local and m.id not in told_otherwise):  # others: by their server
            notify(session, member.id, "mention", author.id, question_id=question.id)
        await search.index_question(session, question)
        await badges.award(session, [author.id], ["questions"])
        events.record(session, "question_created", question_id=question.id, actor_id=author.id)
        return question


def check_can_edit(actor: Member, post) -> None:
    """The author, or a moderator, may change a post that still exists."""
    if post.deleted_at is not None:
        raise NotFound(N_("This question does not exist or was deleted."))
    if post.author_id != actor.id and actor.role not in ("admin", "moderator"):
        raise Forbidden(N_("Only the author can change this."))


async def check_can_delete(db: Database, actor: Member, kind: str, post_id: int) -> None:
    """Raises unless `actor` may delete the post: asked before the confirmation, so that nobody is asked to
    confirm what they cannot do. The author, or a moderator."""
    gone = {
        "question": N_("This question does not exist or was deleted."),
        "answer": N_("This answer does not exist or was deleted."),
        "comment": N_("This comment does not exist or was deleted."),
    }[kind]
    model = {"question": Question, "answer": Answer, "comment": Comment}[kind]
    async with db.read() as session:
        found = (await session.execute(select(model.author_id, model.deleted_at).where(model.id == post_id))).first()
    if found is None or found.deleted_at is not None:
        raise NotFound(gone)
    if found.author_id != actor.id and actor.role not in ("admin", "moderator"):
        raise Forbidden(N_("Only the author can change this."))


async def _editable_question(session, actor: Member, question_id: int) -> Question:
    question = await session.get(Question, question_id)
    if question is None:
        raise NotFound(N_("This question does not exist or was deleted."))
    check_can_edit(actor, question)
    return question


async def edit_question(
    db: Database,
    editor: Member,
    question_id: int,
    *,
    title: str,
    body: str,
    tags: str | list[str],
    base_url: str,
    html: str | None = None,
    content_warning: str | None = None,
) -> Question:
    """Change a question; one from elsewhere comes as `html` with its `content_warning` (as in `ask`)."""
    if html is not None:
        body, body_html = remote_body(html, base_url)
        title = remote_title(title, body, remote_warning(content_warning))
        names = remote_tags(tags if isinstance(tags, list) else tags.split())
    else:
        title, body = check_title(title), check_body(body)
        names = parse_tags(tags)
    async with db.write() as session:
        question = await _editable_question(session, editor, question_id)
        if question.kind == "question" and not names and html is None:
            raise InvalidInput(N_("Add at least one tag: the skill your question is about."), field="tags")
        if html is None:
            body_html, _ = await render_with_mentions(session, body, base_url)
        question.body_html = body_html
        if html is not None:  # an edit elsewhere may add or lift the warning; local posts have none
            question.content_warning = remote_warning(content_warning)
        question.title, question.body_md = title, body
        question.edited_at = question.last_activity_at = utcnow()
        session.add(question)
        await _set_tags(session, question.id, names)
        await images.attach_from_html(session, body_html, base_url, question_id=question.id, new=True)
        session.add(
            Revision(question_id=question.id, editor_id=editor.id, title=title, body_md=body, tags=" ".join(names))
        )
        await search.index_question(session, question)
        events.record(session, "question_updated", question_id=question.id, actor_id=editor.id)
        return question


async def delete_question(db: Database, actor: Member, question_id: int) -> None:
    """Soft delete: the page then says it was deleted; its votes stop counting for reputation."""
    async with db.write() as session:
        question = await _editable_question(session, actor, question_id)
        question.deleted_at = utcnow()
        votes = (
            (
                await session.execute(
                    select(Vote.value).where(Vote.target_type == "question", Vote.target_id == question.id)
                )
            )
            .scalars()
            .all()
        )
        await reputation.add(session, question.author_id, -sum(reputation.vote_points("question", v) for v in votes))
        if question.accepted_answer_id:
            await session.refresh(question)
            answer = await session.get(Answer, question.accepted_answer_id)
            if answer:
                await reputation.apply_acceptance(session, answer.author_id, question.author_id, -1)
            question.accepted_answer_id = None
        session.add(question)
        await search.unindex(session, question.id)
        events.record(session, "question_deleted", question_id=question.id, actor_id=actor.id)


@dataclass
class CommentView:
    comment: Comment  # a row with the columns of COMMENT_ROW
    author: Author


@dataclass
class AnswerView:
    answer: Answer  # a row with the columns of ANSWER_ROW
    author: Author
    accepted: bool
    my_vote: int = 0
    comments: list[CommentView] = field(default_factory=list)
    medal: tuple[str, str] | None = None  # (medal, skill label): the author's best badge in the question's skills


ANSWERS_PER_PAGE = 30  # a long thread shows its answers a page at a time, in the page's order


@dataclass
class QuestionPage:
    question: Question
    author: Author
    tags: list[Skill]
    answers: list[AnswerView]  # those of `answer_page`
    comments: list[CommentView]
    my_vote: int = 0
    answer_total: int = 0
    answer_page: int = 1
    last_answer_id: int = 0  # the newest answer of the question, on whichever page: pages hear of those after it
    author_medal: tuple[str, str] | None = None  # the asker's best badge in the question's skills (see AnswerView)
    requested: bool = False  # someone was asked to answer it (answer_requests.requests_on tells who)
    bookmarked: bool = False  # the viewer keeps it in their bookmarks

    @property
    def answer_pages(self) -> int:
        return max(1, -(-self.answer_total // ANSWERS_PER_PAGE))

    @property
    def first_answer_number(self) -> int:
        return (self.answer_page - 1) * ANSWERS_PER_PAGE + 1


async def question_page(
    db: Database,
    question_id: int,
    viewer: Member | None,
    answer_page: int = 1,
    threads: ThreadCache | None = None,
) -> QuestionPage:
    """Everything the question page shows, with the answers of `answer_page` (accepted answer first, then score,
    then date). With `threads`, what was read of the question's thread is reused while its thread version is
    unchanged."""
    return await db.run_read(
        lambda session: _load_question_page(session, question_id, viewer, answer_page, None, threads)
    )


async def answer_page_number(db: Database, answer: Answer) -> int:
    """The page of its question's answers that shows `answer` (links to an answer go there)."""

    def read(session) -> int:
        ids = list(session.scalars(PAGE_ANSWER_IDS_AS_SHOWN, {"question": answer.question_id}))
        return ids.index(answer.id) // ANSWERS_PER_PAGE + 1 if answer.id in ids else 1

    return await db.run_read(read)


async def answers_after(
    db: Database,
    question_id: int,
    after: int,
    viewer: Member,
    shown: Collection[int] = (),
    limit: int = 20,
    threads: ThreadCache | None = None,
) -> tuple[list[int], QuestionPage | None, int]:
    """What a page showing the question up to answer `after` has not shown yet, read in one trip: the ids of the
    answers posted after it (oldest first, at most `limit`), the question page as it shows those of them not in
    `shown` to `viewer` (None when there are none), and how many answers the question has."""

    def read(session) -> tuple[list[int], QuestionPage | None, int]:
        new = list(session.scalars(PAGE_ANSWERS_AFTER, {"question": question_id, "after": after, "limit": limit}))
        if not (unseen := tuple(answer_id for answer_id in new if answer_id not in shown)):
            return new, None, session.scalar(PAGE_ANSWER_COUNT, {"question": question_id}) or 0
        page = _load_question_page(session, question_id, viewer, 1, unseen, threads)
        return new, page, page.answer_total

    return await db.run_read(read)


class Author(NamedTuple):
    """What a page shows of a post's author (a tuple: a long thread builds a hundred of them per view)."""

    id: int
    username: str
    display_name: str
    avatar: str
    reputation: int
    domain: str
    deleted: bool = False  # a deleted account, whose kept posts show "deleted member"

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.domain}" if self.domain else self.username


AUTHOR = (  # in Author's order: a row's first seven values make one
    Member.id.label("author_id"),
    Member.username,
    Member.display_name,
    Member.avatar,
    Member.reputation,
    Member.domain,
    Member.deleted_at.is_not(None).label("deleted"),
)


# Answers and comments are read as plain rows: building ORM objects for a long thread cost half the page.
ANSWER_ROW = (
    Answer.id,
    Answer.question_id,
    Answer.author_id,
    Answer.body_html,
    Answer.content_warning,
    Answer.score,
    Answer.created_at,
    Answer.edited_at,
)
COMMENT_ROW = (
    Comment.id,
    Comment.answer_id,
    Comment.author_id,
    Comment.body_html,
    Comment.content_warning,
    Comment.created_at,
)


# The page's statements, built once with parameters: building them again for each view cost a third of its reads.
PAGE_QUESTION = select(Question).where(Question.id == bindparam("question"))
PAGE_TAGS = select(Skill).join(QuestionTag).where(QuestionTag.question_id == bindparam("question")).order_by(Skill.name)
ANSWER_ORDER = ((Answer.id == bindparam("accepted")).desc(), Answer.score.desc(), Answer.created_at, Answer.id)
ON_PAGE = and_(Answer.question_id == bindparam("question"), Answer.deleted_at.is_(None))
PAGE_ANSWERS = (
    select(*ANSWER_ROW).where(ON_PAGE).order_by(*ANSWER_ORDER).limit(bindparam("limit")).offset(bindparam("offset"))
)
SOME_ANSWERS = select(*ANSWER_ROW).where(ON_PAGE, Answer.id.in_(bindparam("ids", expanding=True))).order_by(Answer.id)
PAGE_ANSWER_COUNT = select(func.count()).select_from(Answer).where(ON_PAGE)
PAGE_ANSWERS_AFTER = (
    select(Answer.id).where(ON_PAGE, Answer.id > bindparam("after")).order_by(Answer.id).limit(bindparam("limit"))
)
# The answers' ids in the page's order, the accepted one read in the same statement (where a new answer lands).
PAGE_ANSWER_IDS_AS_SHOWN = (
    select(Answer.id)
    .where(ON_PAGE)
    .order_by(
        (
            Answer.id
            == select(Question.accepted_answer_id).where(Question.id == bindparam("question")).scalar_subquery()
        ).desc(),
        *ANSWER_ORDER[1:],
    )
)
PAGE_ANSWER_COUNT_AND_LAST = select(func.count(), func.max(Answer.id)).select_from(Answer).where(ON_PAGE)
PAGE_COMMENTS = (
    select(*COMMENT_ROW)
    .where(
        Comment.question_id == bindparam("question"),
        Comment.deleted_at.is_(None),
        or_(Comment.answer_id.is_(None), Comment.answer_id.in_(bindparam("answers", expanding=True))),
    )
    .order_by(Comment.created_at, Comment.id)
)
PAGE_REQUESTED = select(exists().where(AnswerRequest.question_id == bindparam("question")))
PAGE_VOTES = select(Vote.target_type, Vote.target_id, Vote.value).where(  # the viewer's, on what the page shows
    Vote.member_id == bindparam("viewer"),
    or_(
        and_(Vote.target_type == "question", Vote.target_id == bindparam("question")),
        and_(Vote.target_type == "answer", Vote.target_id.in_(bindparam("answers", expanding=True))),
    ),
)
# Authors and their badges in the question's skills are read with every view (one row per badge held, or one
# without): a name, a reputation or a medal changes without the thread.
PAGE_PEOPLE = (
    select(*AUTHOR, MemberBadge.skill_id, MemberBadge.badge)
    .outerjoin(
        MemberBadge,
        and_(MemberBadge.member_id == Member.id, MemberBadge.skill_id.in_(bindparam("skills", expanding=True))),
    )
    .where(Member.id.in_(bindparam("ids", expanding=True)))
)


@dataclass(frozen=True)
class Thread:
    """What the page shows under a question that changes only with its thread version (or its accepted answer):
    its tags, its answers and comments as rows (their authors are read with each view), how many answers it has."""

    tags: list[Skill]
    answer_total: int
    last_answer_id: int
    answers: list
    comments: list
    requested: bool  # whether someone was asked to answer it (read then, with their names)

    @cached_property
    def size(self) -> int:
        """About how much text it holds (its answers' and comments' HTML)."""
        return sum(len(row.body_html) for row in self.answers) + sum(len(row.body_html) for row in self.comments)


class ThreadCache:
    """Threads read lately, by question, page and version: a view of an unchanged thread reads only the question,
    its authors and their badges. The version is raised by database triggers in the writing transaction (migration
    0027), so every process sees a change at once and a kept thread is never shown after it changed. Kept within
    `budget` characters of text, the least recently shown dropped first."""

    def __init__(self, budget: int = 16_000_000) -> None:
        self.budget = budget
        self.size = 0
        self.threads: OrderedDict[tuple, tuple[tuple, Thread]] = OrderedDict()

    def get(self, key: tuple, version: tuple) -> Thread | None:
        found = self.threads.get(key)
        if found is None or found[0] != version:
            return None
        self.threads.move_to_end(key)
        return found[1]

    def put(self, key: tuple, version: tuple, thread: Thread) -> None:
        if (replaced := self.threads.pop(key, None)) is not None:
            self.size -= replaced[1].size
        self.threads[key] = (version, thread)
        self.size += thread.size
        while self.size > self.budget and len(self.threads) > 1:
            self.size -= self.threads.popitem(last=False)[1][1].size


def _read_thread(session, question: Question, answer_page: int, only_answers: tuple[int, ...] | None) -> Thread:
    question_id = question.id
    tags = list(session.scalars(PAGE_TAGS, {"question": question_id}))
    total, last = session.execute(PAGE_ANSWER_COUNT_AND_LAST, {"question": question_id}).one()
    if only_answers is not None:
        answers = session.execute(SOME_ANSWERS, {"question": question_id, "ids": list(only_answers)}).all()
    else:
        answers = session.execute(
            PAGE_ANSWERS,
            {
                "question": question_id,
                "accepted": question.accepted_answer_id or -1,  # the accepted answer first
                "limit": ANSWERS_PER_PAGE,
                "offset": (answer_page - 1) * ANSWERS_PER_PAGE,
            },
        ).all()
    comments = session.execute(PAGE_COMMENTS, {"question": question_id, "answers": [a.id for a in answers]}).all()
    requested = bool(session.scalar(PAGE_REQUESTED, {"question": question_id}))
    return Thread(tags, total, last or 0, answers, comments, requested)


def _load_question_page(
    session,
    question_id: int,
    viewer: Member | None,
    answer_page: int,
    only_answers: tuple[int, ...] | None,
    threads: ThreadCache | None,
) -> QuestionPage:
    question = session.scalar(PAGE_QUESTION, {"question": question_id})
    if question is None:
        raise NotFound(N_("This question does not exist."))
    key, version = (question_id, answer_page, only_answers), (question.thread_version, question.accepted_answer_id)
    thread = threads.get(key, version) if threads is not None else None
    if thread is None:
        thread = _read_thread(session, question, answer_page, only_answers)
        if threads is not None:
            threads.put(key, version, thread)
    answers, comments = thread.answers, thread.comments
    people = {question.author_id} | {a.author_id for a in answers} | {c.author_id for c in comments}
    authors, medals = _people(session, people, thread.tags)
    votes: dict[tuple[str, int], int] = {}
    bookmarked = False
    if viewer is not None:
        bookmarked = session.get(Bookmark, (viewer.id, question_id)) is not None
        shown = {"viewer": viewer.id, "question": question_id, "answers": [a.id for a in answers]}
        votes = {(t, i): v for t, i, v in session.execute(PAGE_VOTES, shown).all()}
    by_answer: dict[int | None, list[CommentView]] = {}
    for comment in comments:
        by_answer.setdefault(comment.answer_id, []).append(CommentView(comment, authors[comment.author_id]))
    return QuestionPage(
        question,
        authors[question.author_id],
        thread.tags,
        [
            AnswerView(
                a,
                authors[a.author_id],
                a.id == question.accepted_answer_id,
                votes.get(("answer", a.id), 0),
                by_answer.get(a.id, []),
                medals.get(a.author_id),
            )
            for a in answers
        ],
        by_answer.get(None, []),
        votes.get(("question", question_id), 0),
        thread.answer_total,
        answer_page,
        thread.last_answer_id,
        medals.get(question.author_id),
        thread.requested,
        bookmarked,
    )


def _people(session, ids: set[int], tags: list[Skill]) -> tuple[dict[int, Author], dict[int, tuple[str, str]]]:
    """These members as authors, and each one's best medal in one of `tags` (as (medal, skill label))."""
    labels = {skill.id: skill.label for skill in tags}
    authors: dict[int, Author] = {}
    medals: dict[int, tuple[str, str]] = {}
    # A Core statement (its rows are plain values, no ORM state to set up): half the cost of the ORM's for a long
    # thread's sixty authors.
    for row in session.connection().execute(PAGE_PEOPLE, {"ids": sorted(ids), "skills": sorted(labels)}):
        if row.author_id not in authors:
            authors[row.author_id] = Author._make(row[:7])
        rank = badges.MEDAL_RANK.get(row.badge, 0)  # 0: no badge in these skills, or not a medal
        held = medals.get(row.author_id)
        if rank > (badges.MEDAL_RANK[held[0]] if held else 0):
            medals[row.author_id] = (row.badge, labels[row.skill_id])
    return authors, medals


async def record_views(db: Database, counts: dict[int, int]) -> None:
    """Add buffered page views in one transaction (views are counted in memory between flushes)."""
    if not counts:
        return
    async with db.write() as session:
        for question_id, n in counts.items():
            await session.execute(
                update(Question).where(Question.id == question_id).values(view_count=Question.view_count + n)
            )


async def revisions(db: Database, question_id: int) -> tuple[Question, list[tuple[Revision, Member]]]:
    async with db.read() as session:
        question = await session.get(Question, question_id)
        if question is None or question.deleted_at is not None:
            raise NotFound(N_("This question does not exist or was deleted."))
        rows = (
            await session.execute(
                select(Revision, Member)
                .join(Member, Member.id == Revision.editor_id)
                .where(Revision.question_id == question_id)
                .order_by(Revision.created_at.desc(), Revision.id.desc())
            )
        ).all()
    return question, [(r, m) for r, m in rows]


@dataclass
class QuestionSummary:
    question: Question
    author: Member
    tags: list[Skill]


async def _with_tags(session, rows) -> list[QuestionSummary]:
    return await session.run_sync(lambda sync_session: _summaries(sync_session, rows))


def _summaries(session: Session, rows) -> list[QuestionSummary]:
    """The (question, author) rows with each question's tags, read in one query."""
    ids = [q.id for q, _ in rows]
    tag_rows = (
        session.execute(
            select(QuestionTag.question_id, Skill)
            .join(Skill)
            .where(QuestionTag.question_id.in_(ids))
            .order_by(Skill.name)
        ).all()
        if ids
        else []
    )
    by_question: dict[int, list[Skill]] = {}
    for qid, skill in tag_rows:
        by_question.setdefault(qid, []).append(skill)
    return [QuestionSummary(q, m, by_question.get(q.id, [])) for q, m in rows]


COUNT_CAP = 10_000  # lists count their questions up to here ("more than 10,000"): an exact count reads them all


async def list_questions(
    db: Database,
    *,
    tab: str = "newest",
    tag: str = "",
    author_id: int | None = None,
    offset: int = 0,
    limit: int = 20,
    viewer_id: int | None = None,
) -> tuple[list[QuestionSummary], int]:
    """Newest, active, most voted or unanswered questions, optionally for one tag or one author, and how many
    there are (COUNT_CAP + 1 when more than COUNT_CAP).

    The author's checks are an EXISTS, not a join: the databases then read the questions in the tab's order
    from its index and stop at the page, instead of joining every question to its author and sorting them
    all (4-8 s a page at a million questions)."""
    author_ok = exists().where(Member.id == Question.author_id, Member.suspended.is_(False))
    if author_id is None:
        author_ok = author_ok.where(await visible_to(db, viewer_id))
    conditions = [Question.deleted_at.is_(None), author_ok]
    counted_conditions = list(conditions)
    if tag:
        # The page walks the newest questions and tests each one's tags (it stops at the page: 0.1 ms for a
        # common tag, 0.1 s for a rare one at a million questions); the count starts from the tag's questions
        # instead (walking every question to count a rare tag's took 2 s).
        conditions.append(
            exists().where(QuestionTag.question_id == Question.id, QuestionTag.skill_id == Skill.id, Skill.name == tag)
        )
        counted_conditions.append(Question.id.in_(select(QuestionTag.question_id).join(Skill).where(Skill.name == tag)))
    if author_id is not None:
        conditions.append(Question.author_id == author_id)
        counted_conditions.append(Question.author_id == author_id)
    if tab == "unanswered":
        conditions += [Question.kind == "question", Question.answer_count == 0]
        counted_conditions += [Question.kind == "question", Question.answer_count == 0]
    order = {"active": Question.last_activity_at.desc(), "votes": Question.score.desc()}.get(
        tab, Question.created_at.desc()
    )

    def read(session: Session) -> tuple[list[QuestionSummary], int]:
        counted = select(Question.id).where(*counted_conditions).limit(COUNT_CAP + 1).subquery()
        total = session.scalar(select(func.count()).select_from(counted)) or 0
        page = list(
            session.scalars(
                select(Question).where(*conditions).order_by(order, Question.id.desc()).offset(offset).limit(limit)
            )
        )
        authors = (
            {m.id: m for m in session.scalars(select(Member).where(Member.id.in_({q.author_id for q in page})))}
            if page
            else {}
        )
        return _summaries(session, [(q, authors[q.author_id]) for q in page]), total

    return await db.run_read(read)


FEED_DEPTH = 200  # the home feed shows the 200 most recently active questions it finds (ten pages)
FEED_WINDOW = 2_000  # looked for first among the 2,000 most recently active questions


async def home_feed(
    db: Database, member: Member, offset: int = 0, limit: int = 20
) -> tuple[list[QuestionSummary], int]:
    """Questions by the members and in the tags a member follows, most recently active first.

    The feed is first looked for among the most recently active questions only (read newest first from
    ix_question_activity): when they hold FEED_DEPTH of them, those are the feed, found in a time that
    does not grow with the number of questions. Otherwise every question is looked at."""
    visible = await visible_to(db, member.id)
    return await db.run_read(lambda session: _home_feed(session, member.id, visible, offset, limit))


def _home_feed(session: Session, member_id: int, visible, offset: int, limit: int) -> tuple[list[QuestionSummary], int]:
    # Followed ids read first and given as lists: as subqueries, PostgreSQL hashed every question of the
    # followed tags before looking at the first question.
    followed_authors = list(
        session.scalars(select(MemberFollow.followed_id).where(MemberFollow.follower_id == member_id))
    )
    followed_tags = list(session.scalars(select(TagFollow.skill_id).where(TagFollow.member_id == member_id)))
    if not followed_authors and not followed_tags:
        return [], 0
    # The window is a subquery with its own LIMIT: both databases read it first, newest first from the index, and
    # look at its questions' tags and authors by primary key. One statement: reading the window's 2,000 rows
    # and their tags into Python to filter them there cost most of the feed.
    window = (
        select(Question.id, Question.author_id, Question.last_activity_at)
        .where(Question.deleted_at.is_(None))
        .order_by(Question.last_activity_at.desc(), Question.id.desc())
        # Written into the SQL: told only "LIMIT ?", SQLite expects many rows and builds a filter over every
        # member first (a Bloom filter), which doubled the query.
        .limit(literal(FEED_WINDOW, literal_execute=True))
        .subquery()
    )
    # Each window question's tags and author are looked up by primary key, as scalar subqueries: as a join and
    # an EXISTS, PostgreSQL hashed every member and every question of the followed tags first (100-300 ms).
    in_followed_tag = (
        select(literal(1))
        .where(QuestionTag.question_id == window.c.id, QuestionTag.skill_id.in_(followed_tags))
        .limit(1)
        .scalar_subquery()
    )
    author_shown = select(and_(Member.suspended.is_(False), visible)).where(Member.id == window.c.author_id)
    found = list(
        session.scalars(
            select(window.c.id)
            .where(
                or_(window.c.author_id.in_(followed_authors), in_followed_tag.is_not(None)),
                author_shown.scalar_subquery(),
            )
            .order_by(window.c.last_activity_at.desc(), window.c.id.desc())
            .limit(FEED_DEPTH)
        )
    )
    if len(found) < FEED_DEPTH:
        found = list(
            session.scalars(
                select(Question.id)
                .join(Member, Member.id == Question.author_id)
                .where(
                    Question.deleted_at.is_(None),
                    Member.suspended.is_(False),
                    _followed(Question.id, Question.author_id, followed_authors, followed_tags),
                    visible,
                )
                .order_by(Question.last_activity_at.desc(), Question.id.desc())
                .limit(FEED_DEPTH)
            )
        )
    page_ids = found[offset : offset + limit]
    rows = (
        session.execute(
            select(Question, Member).join(Member, Member.id == Question.author_id).where(Question.id.in_(page_ids))
        ).all()
        if page_ids
        else []
    )
    rows.sort(key=lambda r: page_ids.index(r[0].id))
    return _summaries(session, rows), len(found)


def _followed(question_id, author_id, followed_authors: list[int], followed_tags: list[int]):
    """SQL: the question is by a followed member or in a followed tag."""
    return or_(
        author_id.in_(followed_authors),
        exists().where(QuestionTag.question_id == question_id, QuestionTag.skill_id.in_(followed_tags)),
    )


async def answers_by(db: Database, author_id: int, limit: int = 10) -> list[tuple[Answer, Question]]:
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Answer, Question)
                .join(Question, Question.id == Answer.question_id)
                .where(Answer.author_id == author_id, Answer.deleted_at.is_(None), Question.deleted_at.is_(None))
                .order_by(Answer.score.desc(), Answer.created_at.desc())
                .limit(limit)
            )
        ).all()
    return [(a, q) for a, q in rows]
