"""Full-text search over questions and answers, on SQLite FTS5 or PostgreSQL full-text search.

Words are stemmed here, in French and in English (Snowball), and accents folded, so both databases
index the same terms: "développeurs" finds "développement", "chaussure" finds "chaussures".
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from sqlalchemy import column, delete, func, select, table, text

from ..db import Database
from ..models import Answer, Member, Question, QuestionTag, SearchDocument, Skill
from ..sanitize import plain_text
from .visibility import visible_to

WORD_RE = re.compile(r"\w+", re.UNICODE)
_stemmers = {lang: snowballstemmer.stemmer(lang) for lang in ("french", "english")}
MAX_QUERY_WORDS = 12
MAX_CANDIDATES = 300  # results are the best 300 matching documents, ranked by the database
RANKED_WINDOW = 1000  # ranked among the newest 1,000 matching documents (see _ranked_documents)
# The full-text tables the migrations create: FTS5 on SQLite, stored vectors on PostgreSQL.
SEARCH_FTS = table("search_fts", column("rowid"))
PG_FTS = table("search_fts", column("rowid"), column("vector"))


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def word_stems(word: str) -> tuple[str, ...]:
    """The French and English stems of a word, as written and without accents, accents folded.

    Stemming both spellings makes "securite" typed without accents meet "sécurité" in a document."""
    word = word.lower()
    stems = {_fold(stemmer.stemWord(form)) for stemmer in _stemmers.values() for form in {word, _fold(word)}}
    return tuple(sorted(s for s in stems if s))


def terms(text_: str) -> str:
    seen: list[str] = []
    for word in WORD_RE.findall(text_):
        seen.extend(word_stems(word))
    return " ".join(seen)


async def index_question(session, question: Question) -> None:
    await _upsert(session, question.id, None, terms(question.title), terms(plain_text(question.body_html)))


async def index_answer(session, answer: Answer) -> None:
    await _upsert(session, answer.question_id, answer.id, "", terms(plain_text(answer.body_html)))


async def _upsert(session, question_id: int, answer_id: int | None, title_terms: str, body_terms: str) -> None:
    document = await session.scalar(
        select(SearchDocument).where(
            SearchDocument.question_id == question_id,
            SearchDocument.answer_id.is_(None) if answer_id is None else SearchDocument.answer_id == answer_id,
        )
    )
    if document is None:
        document = SearchDocument(question_id=question_id, answer_id=answer_id)
    document.title_terms, document.body_terms = title_terms, body_terms
    session.add(document)


async def unindex(session, question_id: int, answer_id: int | None = None) -> None:
    """Remove a deleted answer, or a deleted question with all its answers, from the index."""
    conditions = [SearchDocument.question_id == question_id]
    if answer_id is not None:
        conditions.append(SearchDocument.answer_id == answer_id)
    await session.execute(delete(SearchDocument).where(*conditions))


def query_groups(query: str) -> list[tuple[str, ...]]:
    """Each query word as the group of its stems; a document must match one stem of every group."""
    groups = []
    for word in WORD_RE.findall(query)[:MAX_QUERY_WORDS]:
        stems = word_stems(word)
        if stems and stems not in groups:
            groups.append(stems)
    return groups


@dataclass
class SearchHit:
    question: Question
    author: Member
    snippet: str  # escaped HTML with <mark> around matching words ("" for a post behind a content warning)
    answer_id: int | None
    # The content warning of the post the snippet would come from: shown instead of its text (see Question's).
    content_warning: str | None = None


async def search(
    db: Database,
    query: str,
    *,
    tag: str = "",
    answered: str = "",
    offset: int = 0,
    limit: int = 20,
    viewer_id: int | None = None,
    any_word: bool = False,
) -> tuple[list[SearchHit], int]:
    """Questions matching `query` (in their title, body or answers), best first, with a snippet each; with
    `any_word`, those matching any of its words, the ones that match more ranked first by the database."""
    groups = query_groups(query)
    if not groups:
        return [], 0
    async with db.read() as session:
        # The best documents first; each question keeps its best one (its title and body, or an answer).
        best: dict[int, tuple[int, int | None]] = {}
        for qid, aid in await _ranked_documents(session, db.is_sqlite, groups, any_word):
            best.setdefault(qid, (len(best), aid))
        conditions = [
            Question.id.in_(list(best)),
            Question.deleted_at.is_(None),
            Member.suspended.is_(False),
            await visible_to(db, viewer_id),
        ]
        if tag:
            conditions.append(Question.id.in_(select(QuestionTag.question_id).join(Skill).where(Skill.name == tag)))
        if answered == "yes":
            conditions.append(Question.answer_count > 0)
        elif answered == "no":
            conditions.append(Question.answer_count == 0)
        survivors = (
            (
                await session.execute(
                    select(Question.id, Question.title, Question.score)
                    .join(Member, Member.id == Question.author_id)
                    .where(*conditions)
                )
            ).all()
            if best
            else []
        )
        exact = query.strip().lower()
        survivors.sort(key=lambda r: (r.title.lower() != exact, best[r.id][0], -r.score, -r.id))
        total = len(survivors)
        page_ids = [r.id for r in survivors[offset : offset + limit]]
        loaded = (
            {
                q.id: (q, m)
                for q, m in (
                    await session.execute(
                        select(Question, Member)
                        .join(Member, Member.id == Question.author_id)
                        .where(Question.id.in_(page_ids))
                    )
                ).all()
            }
            if page_ids
            else {}
        )
        rows = [(*loaded[qid], best[qid][1]) for qid in page_ids]
        answers = (
            {
                a.id: a
                for a in await session.scalars(select(Answer).where(Answer.id.in_([aid for _, _, aid in rows if aid])))
            }
            if page_ids
            else {}
        )
    hits = []
    for question, author, aid in rows:
        source, warning = plain_text(question.body_html), question.content_warning
        if aid and aid in answers and not _contains(question.title + " " + source, groups):
            source, warning = plain_text(answers[aid].body_html), answers[aid].content_warning
        excerpt = snippet(source, groups) if warning is None else ""
        hits.append(SearchHit(question, author, excerpt, aid, warning))
    return hits, total


async def similar_questions(db: Database, title: str, viewer_id: int | None = None, limit: int = 5) -> list[Question]:
    """Questions that may already ask what a title being written asks: those sharing its longer words, the best
    matches first (a title's "how", "do", "the" say little, and a new title rarely has all of an old one's words)."""
    words = " ".join(word for word in WORD_RE.findall(title) if len(word) > 3)
    hits, _ = await search(db, words, limit=limit, viewer_id=viewer_id, any_word=True)
    return [hit.question for hit in hits]


async def _ranked_documents(session, is_sqlite: bool, groups, any_word: bool = False) -> list[tuple[int, int | None]]:
    """(question id, answer id) of the best matching documents, best first.

    Relevance is ranked among the newest RANKED_WINDOW matching documents: a common word matches a third of
    a million documents, and ranking them all took far longer than a search may (past the window, newer
    wins). Both databases find the window from the index alone, newest document id first."""
    if is_sqlite:
        match = text("search_fts MATCH :match").bindparams(
            match=(" OR " if any_word else " AND ").join(
                "(" + " OR ".join(f'"{s}"' for s in group) + ")" for group in groups
            )
        )
        floor = await session.scalar(
            select(SEARCH_FTS.c.rowid)
            .where(match)
            .order_by(SEARCH_FTS.c.rowid.desc())
            .offset(RANKED_WINDOW - 1)
            .limit(1)
        )
        # Rank inside FTS5 alone (bm25 is lower for better matches; the title weighs ten times the body).
        ranked = select(SEARCH_FTS.c.rowid).where(match)
        if floor is not None:
            ranked = ranked.where(SEARCH_FTS.c.rowid >= floor)
        ids = list(await session.scalars(ranked.order_by(text("bm25(search_fts, 10.0, 1.0)")).limit(MAX_CANDIDATES)))
        position = {doc_id: i for i, doc_id in enumerate(ids)}
        docs = (
            (
                await session.execute(
                    select(SearchDocument.id, SearchDocument.question_id, SearchDocument.answer_id).where(
                        SearchDocument.id.in_(ids)
                    )
                )
            ).all()
            if ids
            else []
        )
        return [(qid, aid) for _, qid, aid in sorted(docs, key=lambda d: position[d.id])]
    # PostgreSQL keeps each document's weighted vector in search_fts (kept by a trigger, see migration 0011).
    tsquery = func.to_tsquery("simple", (" | " if any_word else " & ").join("(" + " | ".join(g) + ")" for g in groups))
    newest = (
        select(PG_FTS.c.rowid, PG_FTS.c.vector)
        .where(PG_FTS.c.vector.op("@@")(tsquery))
        .order_by(PG_FTS.c.rowid.desc())
        .limit(RANKED_WINDOW)
        .subquery()
    )
    return [
        (qid, aid)
        for qid, aid in (
            await session.execute(
                select(SearchDocument.question_id, SearchDocument.answer_id)
                .join(newest, newest.c.rowid == SearchDocument.id)
                .order_by(func.ts_rank(newest.c.vector, tsquery).desc(), SearchDocument.id)
                .limit(MAX_CANDIDATES)
            )
        ).all()
    ]


def _contains(text_: str, groups) -> bool:
    stems = {s for word in WORD_RE.findall(text_) for s in word_stems(word)}
    return any(set(group) & stems for group in groups)


def snippet(source: str, groups: list[tuple[str, ...]], width: int = 220) -> str:
    """An escaped excerpt around the first matching word, matching words wrapped in <mark>."""
    wanted = {s for group in groups for s in group}
    words = list(WORD_RE.finditer(source))
    first = next((w for w in words if set(word_stems(w.group())) & wanted), None)
    start = max(0, (first.start() if first else 0) - width // 3)
    if start:
        start = source.find(" ", start) + 1 or start
    excerpt = source[start : start + width]
    out, last = [], 0
    for word in WORD_RE.finditer(excerpt):
        if set(word_stems(word.group())) & wanted:
            out.append(html.escape(excerpt[last : word.start()]))
            out.append(f"<mark>{html.escape(word.group())}</mark>")
            last = word.end()
    out.append(html.escape(excerpt[last:]))
    text_ = " ".join("".join(out).split())
    return ("… " if start else "") + text_ + (" …" if start + width < len(source) else "")
