"""Full-text search over questions and answers, on SQLite FTS5 or PostgreSQL full-text search.

Words are stemmed here, in French and in English (Snowball), and accents folded, so both databases
index the same terms: "développeurs" finds "développement", "chaussure" finds "chaussures".
"""

from __future__ import annotations

import heapq
import html
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from re import Match
from typing import Any
from weakref import WeakKeyDictionary

import snowballstemmer
from sqlalchemy import Row, bindparam, column, delete, func, select, table, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from ..db import Database
from ..models import Answer, Member, Question, QuestionTag, SearchDocument, Skill
from ..sanitize import plain_text
from ..sql import one_of
from .visibility import visible_to

WORD_RE = re.compile(r"\w+", re.UNICODE)
_stemmers = {lang: snowballstemmer.stemmer(lang) for lang in ("french", "english")}
MAX_QUERY_WORDS = 12
MAX_CANDIDATES = 300  # results are the best 300 matching documents
RANKED_WINDOW = 1000  # ranked among the newest 1,000 matching documents (see _ranked_documents)
# The full-text tables the migrations create: FTS5 on SQLite, stored vectors on PostgreSQL.
SEARCH_FTS = table("search_fts", column("rowid"))
PG_FTS = table("search_fts", column("rowid"), column("question_id"), column("answer_id"), column("vector"))


def _fold(word: str) -> str:
    if word.isascii():  # most words: nothing to fold, and decomposing them was most of a snippet's cost
        return word
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


async def index_answer(session, answer: Answer, *, new: bool = False) -> None:
    """Index an answer's text; a `new` answer has no document yet to look up."""
    await _upsert(session, answer.question_id, answer.id, "", terms(plain_text(answer.body_html)), new=new)


async def _upsert(
    session, question_id: int, answer_id: int | None, title_terms: str, body_terms: str, *, new: bool = False
) -> None:
    document = (
        None
        if new
        else await session.scalar(
            select(SearchDocument).where(
                SearchDocument.question_id == question_id,
                SearchDocument.answer_id.is_(None) if answer_id is None else SearchDocument.answer_id == answer_id,
            )
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
    `any_word`, those matching any of its words."""
    groups = query_groups(query)
    if not groups:
        return [], 0
    found = Found(groups, query.strip().lower(), tag, answered, await visible_to(db, viewer_id), any_word)
    rows, answers, total = await db.run_read(lambda session: _find(session, db.is_sqlite, found, offset, limit))
    hits = []
    for question, author, aid in rows:
        source, warning = plain_text(question.body_html), question.content_warning
        if aid and aid in answers and not _contains(question.title + " " + source, groups):
            source, warning = plain_text(answers[aid].body_html), answers[aid].content_warning
        excerpt = snippet(source, groups) if warning is None else ""
        hits.append(SearchHit(question, author, excerpt, aid, warning))
    return hits, total


@dataclass
class Found:
    """What a search asks for: the query's stem groups, its exact text, filters, who may appear (SQL)."""

    groups: list[tuple[str, ...]]
    exact: str
    tag: str
    answered: str
    visible: Any
    any_word: bool = False


def _find(session: Session, is_sqlite: bool, found: Found, offset: int, limit: int):
    """The page's (question, author, answer id) rows, their answers by id, and how many questions match."""
    # The best documents first; each question keeps its best one (its title and body, or an answer).
    best: dict[int, tuple[int, int | None]] = {}
    for qid, aid in _ranked_documents(session, is_sqlite, found.groups, found.any_word):
        best.setdefault(qid, (len(best), aid))
    if not best:
        return [], {}, 0
    conditions = [
        _among(Question.id, list(best), is_sqlite),
        Question.deleted_at.is_(None),
        Member.suspended.is_(False),
        found.visible,
    ]
    if found.tag:
        conditions.append(Question.id.in_(select(QuestionTag.question_id).join(Skill).where(Skill.name == found.tag)))
    if found.answered == "yes":
        conditions.append(Question.answer_count > 0)
    elif found.answered == "no":
        conditions.append(Question.answer_count == 0)
    survivors = session.execute(
        select(Question.id, Question.title, Question.score)
        .join(Member, Member.id == Question.author_id)
        .where(*conditions)
    ).all()
    exact = found.exact
    survivors.sort(key=lambda r: (r[1].lower() != exact, best[r[0]][0], -r[2], -r[0]))
    page_ids = [qid for qid, _, _ in survivors[offset : offset + limit]]
    if not page_ids:
        return [], {}, len(survivors)
    loaded = {q.id: (q, m) for q, m in session.execute(PAGE, {"ids": page_ids})}
    rows = [(*loaded[qid], best[qid][1]) for qid in page_ids]
    answer_ids = [aid for _, _, aid in rows if aid]
    answers = {a.id: a for a in session.scalars(HIT_ANSWERS, {"ids": answer_ids})} if answer_ids else {}
    return rows, answers, len(survivors)


# A page of results, and the answers their snippets may come from: built once (ids bound as one list).
PAGE = select(Question, Member).join(Member, Member.id == Question.author_id).where(one_of(Question.id, "ids"))
HIT_ANSWERS = select(Answer).where(one_of(Answer.id, "ids"))


async def similar_questions(db: Database, title: str, viewer_id: int | None = None, limit: int = 5) -> list[Question]:
    """Questions that may already ask what a title being written asks: those sharing its longer words, those
    with them in their title first (a title's "how", "do", "the" say little, and a new title rarely has all of
    an old one's words)."""
    words = " ".join(word for word in WORD_RE.findall(title) if len(word) > 3)
    hits, _ = await search(db, words, limit=limit, viewer_id=viewer_id, any_word=True)
    return [hit.question for hit in hits]


def _ranked_documents(
    session: Session, is_sqlite: bool, groups, any_word: bool = False
) -> list[tuple[int, int | None]]:
    """(question id, answer id) of the best matching documents, best first: among the newest RANKED_WINDOW
    matching documents, those with every word in their title first, then the others, newest first in each.

    A common word matches a third of a million documents: FTS5's bm25 reads the whole index of every word of
    the query to weigh it (however few rows it ranks), which made a search as slow as the words were common.
    The newest matches are read from the end of the index alone, and the title test is FTS5's column filter
    over those same rows. PostgreSQL ranks the window by the stored vectors' weights (title above body), the
    newest first among equals."""
    if is_sqlite:
        expression = (" OR " if any_word else " AND ").join(
            "(" + " OR ".join(f'"{s}"' for s in group) + ")" for group in groups
        )
        newest = list(
            session.scalars(
                select(SEARCH_FTS.c.rowid)
                .where(text("search_fts MATCH :match").bindparams(match=expression))
                .order_by(SEARCH_FTS.c.rowid.desc())
                .limit(RANKED_WINDOW)
            )
        )
        if not newest:
            return []
        in_title = set(
            session.scalars(
                select(SEARCH_FTS.c.rowid).where(
                    text("search_fts MATCH :match").bindparams(match=f"title_terms : ({expression})"),
                    SEARCH_FTS.c.rowid >= newest[-1],
                )
            )
        )
        return _documents(session, sorted(newest, key=lambda doc_id: doc_id not in in_title))  # stable: newest first
    # PostgreSQL keeps each document's weighted vector and ids in search_fts (kept by a trigger, see migration 0029).
    query = (" | " if any_word else " & ").join("(" + " | ".join(g) + ")" for g in groups)
    return [(qid, aid) for _, _, qid, aid, _ in _newest_matches(session, groups, any_word, query)]


def _among(id_column, ids: list[int], is_sqlite: bool):
    """`id_column IN ids`: on PostgreSQL one_of (one statement, prepared once, whatever the count); on SQLite a
    list of values, whose length its planner weighs against the search's other conditions."""
    return id_column.in_(ids) if is_sqlite else one_of(id_column, None, ids)


def _documents(session: Session, ranked_ids: list[int]) -> list[tuple[int, int | None]]:
    """(question id, answer id) of the best MAX_CANDIDATES of these search documents, in their order."""
    position = {doc_id: i for i, doc_id in enumerate(ranked_ids[:MAX_CANDIDATES])}
    docs = session.execute(
        select(SearchDocument.id, SearchDocument.question_id, SearchDocument.answer_id).where(
            SearchDocument.id.in_(list(position))
        )
    ).all()
    return [(qid, aid) for _, qid, aid in sorted(docs, key=lambda d: position[d.id])]


IDS_PER_PART = 50_000  # PostgreSQL's search_fts keeps each range of this many document ids in a part (migration 0029)
PART_AHEAD = IDS_PER_PART // 10  # ids left in the newest part when housekeeping makes the next (make_next_part)
FIRST_SPAN = 100_000  # without statistics, PostgreSQL looks among the newest 100,000 documents first
PART_FOR_STATISTICS = 10_000
STATISTICS_AGE = 600.0  # seconds PostgreSQL's statistics of the stems are kept in each process
# By the Database's pool: two databases (or schemas) at one URL keep theirs apart.
_statistics: WeakKeyDictionary[Pool, tuple[float, dict[str, float]]] = WeakKeyDictionary()


async def make_next_part(db: Database) -> bool:
    """On PostgreSQL, the part of search_fts for the next range of document ids, made ahead (by housekeeping) once
    the newest range is nearly full; whether one was made. The first writer of a range makes its part otherwise,
    which takes a lock on all of search_fts in the middle of its transaction: two transactions writing
    documents on both sides of the boundary could then deadlock."""
    if db.is_sqlite:
        return False

    def make(session: Session) -> bool:
        top = session.scalar(TOP) or 0
        part = (top + PART_AHEAD) // IDS_PER_PART
        if session.scalar(text("SELECT to_regclass(:name)"), {"name": f"search_fts_{part}"}) is not None:
            return False
        session.execute(text("SET LOCAL lock_timeout = '5s'"))  # searches wait behind it: not for long
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('search_fts'), :part)"), {"part": part})
        session.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS search_fts_{part} PARTITION OF search_fts "
                f"FOR VALUES FROM ({part * IDS_PER_PART}) TO ({(part + 1) * IDS_PER_PART})"
            )
        )
        return True

    return await db.run_write(make)


_RANK_ORDER = itemgetter(1, 0)  # rank, then the newest first: ORDER BY rank DESC, rowid DESC
TOP = select(func.max(SearchDocument.id))
CUSTOM_PLANS = text("SET plan_cache_mode = force_custom_plan")
PLANS_AS_USUAL = text("RESET plan_cache_mode")


def _look_statement():
    """The matches of a span (`low` < id <= `high`) of a tsquery (`query`), its newest `wanted` ranked, the best
    `candidates` of them returned with how many the span holds."""
    tsquery = func.to_tsquery("simple", bindparam("query"))
    matches = (
        select(
            PG_FTS.c.rowid,
            func.ts_rank(PG_FTS.c.vector, tsquery).label("rank"),
            PG_FTS.c.question_id,
            PG_FTS.c.answer_id,
        )
        .where(
            PG_FTS.c.vector.op("@@")(tsquery), PG_FTS.c.rowid > bindparam("low"), PG_FTS.c.rowid <= bindparam("high")
        )
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    newest = select(matches).order_by(matches.c.rowid.desc()).limit(bindparam("wanted")).subquery("newest")
    return (
        select(
            newest.c.rowid,
            newest.c.rank,
            newest.c.question_id,
            newest.c.answer_id,
            select(func.count()).select_from(matches).scalar_subquery().label("matched"),
        )
        .order_by(newest.c.rank.desc(), newest.c.rowid.desc())
        .limit(bindparam("candidates"))
    )


LOOK = _look_statement()


def _newest_matches(session: Session, groups, any_word: bool, query: str) -> list[Row]:
    """(rowid, rank, question id, answer id) of the best MAX_CANDIDATES among the newest RANKED_WINDOW documents
    matching a tsquery, on PostgreSQL, best first.

    Reading every match to keep the newest cost a page read per match (7,000 pages, 100 ms and more from disk,
    for a word in one document of 200). They are looked for among the newest documents only: in a span of
    document ids that ANALYZE's share of documents holding each stem says should hold a quarter more than
    RANKED_WINDOW of them, widened (from the share of it that matched) until it holds them or is all. A wider
    look reads the older ids alone: each part of search_fts, with its own GIN index, is read once."""
    # The same top as search_fts's, from one B-tree (the parts' max would be read from each part's).
    top = session.scalar(TOP) or 0
    share = _expected_share(session, groups, any_word)
    span = int(RANKED_WINDOW * 1.25 / share) if share else FIRST_SPAN
    # A prepared statement's generic plan (PostgreSQL's choice after five runs), knowing no span, read every part's
    # primary key for the range (80 ms for rare words): each look is planned for its values. Reads are in autocommit,
    # so the setting is the connection's until reset.
    session.execute(CUSTOM_PLANS)
    try:
        rows = _looks(session, query, top, span)
    finally:
        session.execute(PLANS_AS_USUAL)
    return sorted(rows, key=_RANK_ORDER, reverse=True)[:MAX_CANDIDATES]


def _looks(session: Session, query: str, top: int, span: int) -> list[Row]:
    """The best of the newest matches of the span, then of as many older spans as needed, each wider by what the
    last found.

    Each look ranks its share of the window itself and returns the best MAX_CANDIDATES of it only (its share: all its
    matches while the window needs more than they are, else as many of its newest as the window still needs): the
    best of the window are among the best of each share.
    The matches are gathered unordered first (a materialized CTE): with ORDER BY and LIMIT on the table, PostgreSQL
    may walk the primary key backwards testing each row (110 ms where a bitmap of the span's matches takes 10)."""
    rows: list[Row] = []
    taken, high = 0, top
    while True:
        low = max(top - span, 0)
        wanted = RANKED_WINDOW - taken
        found = session.execute(
            LOOK, {"query": query, "low": low, "high": high, "wanted": wanted, "candidates": MAX_CANDIDATES}
        ).all()
        rows += found
        taken += min(found[0].matched, wanted) if found else 0
        if taken >= RANKED_WINDOW or low == 0:
            return rows
        high = low
        span = span * RANKED_WINDOW * 5 // (4 * max(taken, 1))


def _expected_share(session: Session, groups, any_word: bool) -> float | None:
    """The share of documents expected to match, from the stems' shares ANALYZE found (as the planner reckons
    it: words independent; a stem it did not list at most as common as the rarest it did, so that the span is too
    narrow rather than too wide: a second look costs less than reading thousands of matches); None without them."""
    shares = _stem_shares(session)
    if not shares:
        return None
    unlisted = min(shares.values())

    def share_of_any(stems) -> float:
        missed = 1.0
        for stem in stems:
            missed *= 1 - shares.get(stem, unlisted)
        return 1 - missed

    if any_word:
        return share_of_any([s for group in groups for s in group])
    product = 1.0
    for group in groups:
        product *= share_of_any(group)
    return product


def _stem_shares(session: Session) -> dict[str, float]:
    """The share of documents holding each common stem, read again every STATISTICS_AGE: from the newest part of
    search_fts that ANALYZE has seen with at least PART_FOR_STATISTICS documents (autovacuum analyzes the parts, not
    the partitioned table; and the newest documents are those a search looks among)."""
    key = session.get_bind().pool
    now = time.monotonic()
    if key not in _statistics or now - _statistics[key][0] > STATISTICS_AGE:
        row = session.execute(
            text(
                "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs FROM pg_stats s "
                "JOIN pg_class c ON c.oid = to_regclass(quote_ident(s.schemaname) || '.' || quote_ident(s.tablename)) "
                "WHERE s.schemaname = current_schema() AND s.tablename ~ '^search_fts_[0-9]+$' "
                "AND s.attname = 'vector' AND c.reltuples >= :least "
                "ORDER BY substr(s.tablename, 12)::integer DESC LIMIT 1"
            ).bindparams(least=PART_FOR_STATISTICS)
        ).first()
        # The frequencies end with their minimum and maximum.
        _statistics[key] = (now, dict(zip(row[0], row[1], strict=False)) if row and row[0] else {})
    return _statistics[key][1]


class Wanted:
    """The stems a query looks for, and where words of a text are one of them.

    Stemming a word costs a fifth of a millisecond (Snowball in Python, four times over): a snippet stemmed each
    word of twenty results, seconds of work for a page of rare words. Snowball changes at most the last two
    letters of what it keeps of a word (checked on the 64,807 words of Snowball's English and French test
    vocabularies), so a word that does not begin with one of the stems' beginnings cannot match and is not
    stemmed at all. The words that begin so are found by one regular expression over the text; those holding a
    letter beyond ASCII, whose beginning folding may change (sécurité, ﬁchier), are tested one by one."""

    def __init__(self, groups) -> None:
        self.stems = {s for group in groups for s in group}
        self.beginnings = tuple(sorted({s[: max(1, len(s) - 2)] for s in self.stems}, key=len, reverse=True))
        # A beginning folded from signs (½ is 1⁄2) begins no word as written: only the words tested one by one have it.
        written = [re.escape(b) for b in self.beginnings if WORD_RE.fullmatch(b)] or ["(?!)"]
        self._beginning = re.compile(r"\b(?:" + "|".join(written) + r")\w*", re.IGNORECASE)

    def words_in(self, text_: str) -> Iterator[re.Match[str]]:
        """The words of `text_` that are one of the stems, in order."""
        candidates: Iterator[re.Match[str]] = self._beginning.finditer(text_)
        if not text_.isascii():
            folded = (w for w in NON_ASCII_WORD.finditer(text_) if _fold(w.group().lower()).startswith(self.beginnings))
            candidates = _one_by_start(heapq.merge(candidates, folded, key=Match.start))
        for found in candidates:
            if not self.stems.isdisjoint(word_stems(found.group())):
                yield found


NON_ASCII_WORD = re.compile(r"\b(?=\w*[^\W\x00-\x7f])\w+")  # a word holding a letter beyond ASCII


def _one_by_start(words: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    """Words in order of where they start, each once (a word both expressions found comes twice in a row)."""
    last = -1
    for word in words:
        if word.start() != last:
            last = word.start()
            yield word


@lru_cache(maxsize=64)
def _wanted(groups: tuple[tuple[str, ...], ...]) -> Wanted:
    return Wanted(groups)


def _contains(text_: str, groups) -> bool:
    return next(_wanted(tuple(groups)).words_in(text_), None) is not None


def snippet(source: str, groups: list[tuple[str, ...]], width: int = 220) -> str:
    """An escaped excerpt around the first matching word, matching words wrapped in <mark>."""
    wanted = _wanted(tuple(groups))
    first = next(wanted.words_in(source), None)
    start = max(0, (first.start() if first else 0) - width // 3)
    if start:
        start = source.find(" ", start) + 1 or start
    excerpt = source[start : start + width]
    out, last = [], 0
    for word in wanted.words_in(excerpt):
        out.append(html.escape(excerpt[last : word.start()]))
        out.append(f"<mark>{html.escape(excerpt[word.start() : word.end()])}</mark>")
        last = word.end()
    out.append(html.escape(excerpt[last:]))
    text_ = " ".join("".join(out).split())
    return ("… " if start else "") + text_ + (" …" if start + width < len(source) else "")
