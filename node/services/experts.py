"""Finding an expert across the federation: members here, remote people we know (skills from their profile) and the
people partners list in their directories, by skill or by a sentence ("who knows cabinet joinery in Lyon").

Ranking, the same for the three: endorsements of the skill + 3 × answers accepted in questions tagged with it +
answers given in such questions in the last 90 days; ties go to the higher level, then to more years. Evidence of
answers accepted weighs most, as in `skills.experts`; recent answers favour people who are active now. A person
matching several of the skills asked for ranks by the best of them.

Each source is read in that order up to the page asked for, then merged: partners' directories through an index
on each skill's ranking (a few index steps whatever their size), members as member_expertise finds the best. A
person a partner lists and whom we also know as a remote member appears once, with the directory's figures (the
partner's latest word on them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, literal_column, or_, select, true

from activitypub.origins import authority_of

from ..db import Database
from ..models import (
    DirectoryEntry,
    DirectorySkill,
    Member,
    MemberSkill,
    Skill,
    SkillAlias,
)
from . import badges
from .errors import InvalidInput
from .expert_vocabulary import Vocabulary, VocabularyCache, content_words
from .federation_policy import on_domain, snapshot
from .member_expertise import AnswerCounts, Figures, best_members
from .skills import ACCEPTED_ANSWER_WEIGHT, normalize_skill
from .visibility import visible_to

PAGE_SIZE = 20
MAX_PAGE = 50  # deeper pages cost more index walks and nobody reads them
MAX_VALUES = 1000  # places, trades or organizations one word may stand for
# Written with a literal 3 so that the databases use the index on this very expression (ix_directory_skill_rank).
DIRECTORY_SCORE: ColumnElement = (
    DirectorySkill.endorsements
    + literal_column(str(ACCEPTED_ANSWER_WEIGHT)) * DirectorySkill.accepted_answers
    + DirectorySkill.recent_answers
)
_WEB = ("https://", "http://")


@dataclass
class SkillFigures:
    name: str
    label: str
    level: int
    years: int
    endorsements: int
    accepted_answers: int
    recent_answers: int
    medal: str = ""  # the best badge held in the skill here: "gold", "silver", "bronze" or ""

    @property
    def score(self) -> int:
        return self.endorsements + ACCEPTED_ANSWER_WEIGHT * self.accepted_answers + self.recent_answers

    @property
    def rank(self) -> tuple[int, int, int]:
        return (self.score, self.level, self.years)


@dataclass
class ExpertResult:
    origin: str  # "local" (a member here), "remote" (an account we know), "directory" (a partner lists them)
    key: int  # member id, or directory entry id
    name: str
    handle: str  # "username" here, "username@domain" for a remote member, "" for a directory entry
    actor_url: str
    profile_url: str  # a directory entry's own page (members link to their profile here)
    domain: str  # where they live: "" for this instance
    trade: str
    organization: str
    location: str
    skills: list[SkillFigures] = field(default_factory=list)
    reported_by: str = ""  # the instance whose figures these are ("" when counted here)
    member: Member | None = None  # the account, when we have one (avatar, asking them)
    known_here: bool = False  # a directory entry for an account we also know: its figures replace the profile's

    @property
    def rank(self) -> tuple[int, int, int]:
        return max((s.rank for s in self.skills), default=(0, 0, 0))

    @property
    def score(self) -> int:
        return self.rank[0]

    def sort_key(self) -> tuple:
        # The order each source is read in (members by id, directory entries by id), members first.
        return (*(-n for n in self.rank), self.origin == "directory", -self.key)


@dataclass
class ExpertSearch:
    query: str
    skill: Skill | None = None  # the query named this skill (any spelling or synonym)
    skill_names: list[str] = field(default_factory=list)  # every name searched, canonical first
    places: list[str] = field(default_factory=list)  # words taken as places
    results: list[ExpertResult] = field(default_factory=list)
    page: int = 1
    has_more: bool = False


@dataclass
class _Terms:
    """What a query asks for: skills (by local id and by name), trades or organizations, places."""

    skill_ids: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    trades: set[str] = field(default_factory=set)
    organizations: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.names or self.trades or self.organizations or self.places)


def vocabulary_cache(db: Database) -> VocabularyCache:
    """The process-wide vocabulary of this database (one per Database object)."""
    if not hasattr(db, "expert_vocabulary"):
        db.expert_vocabulary = VocabularyCache()
    return db.expert_vocabulary


def answer_counts(db: Database) -> AnswerCounts:
    """The process-wide answer counts per skill of this database."""
    if not hasattr(db, "expert_answer_counts"):
        db.expert_answer_counts = AnswerCounts()
    return db.expert_answer_counts


async def search_experts(
    db: Database,
    query: str = "",
    *,
    skill: str = "",
    page: int = 1,
    limit: int = PAGE_SIZE,
    viewer_id: int | None = None,
    listed_only: bool = False,
    listed_by_default: bool = False,
) -> ExpertSearch:
    """People who know a skill (`skill`, or a `query` naming one) or match a sentence, best first.

    `listed_only` is for readers on other instances: local members appear only if they chose to be listed
    (`listed_by_default` when they did not say). Here every active member is searchable.
    """
    page = max(1, min(page, MAX_PAGE))
    window = page * limit + 1
    policy = snapshot(db)
    limited = await policy.limited_domains()  # loads the snapshot's rules, read below
    suspended = [d for d, action in policy.actions.items() if action == "suspend"]
    allowed = [d for d, action in policy.actions.items() if action == "allow"] if policy.mode == "allowlist" else None
    # Accounts of limited servers stay visible to their followers (visible_to); partners' entries never are.
    member_visible = await visible_to(db, viewer_id)
    cache = vocabulary_cache(db)
    answers = answer_counts(db)

    def run(session) -> ExpertSearch:
        found = ExpertSearch(query=(skill or query).strip()[:200], page=page)
        terms = _terms_for(session, cache, found, skill=skill.strip(), query=query.strip())
        if terms.empty:
            return found
        entry_ok = _domain_allowed(DirectoryEntry.domain, suspended + limited, allowed)
        member_ok = and_(
            Member.suspended.is_(False),
            Member.deleted_at.is_(None),
            member_visible,
            Member.local.is_(True) | _domain_allowed(Member.domain, suspended, allowed),
        )
        if listed_only:
            listed = Member.directory_listed.is_(True)
            if listed_by_default:
                listed = listed | Member.directory_listed.is_(None)
            member_ok = and_(member_ok, Member.local.is_(True), listed)
        candidates = _member_candidates(session, answers, terms, member_ok, entry_ok, window)
        if not listed_only:
            candidates += _directory_candidates(session, terms, entry_ok, window)
        candidates.sort(key=ExpertResult.sort_key)
        found.results = candidates[(page - 1) * limit : page * limit]
        found.has_more = len(candidates) > page * limit
        _complete(session, answers, terms, found.results)
        return found

    try:
        return await db.run_read(run)
    finally:
        cache.refresh_if_stale(db)


def _terms_for(session, cache: VocabularyCache, found: ExpertSearch, *, skill: str, query: str) -> _Terms:
    terms = _Terms()
    named = _named_skill(session, skill or query)
    if named is not None or skill:
        # A skill asked for by name: that skill under all its names, or a name only partners' directories use.
        if named is not None:
            found.skill = named
            terms.skill_ids.add(named.id)
            aliases = session.scalars(select(SkillAlias.name).where(SkillAlias.skill_id == named.id)).all()
            terms.names = {named.name, *aliases}
            found.skill_names = [named.name, *sorted(aliases)]
        else:
            try:
                terms.names = {normalize_skill(skill)}
            except InvalidInput:
                return terms
            found.skill_names = sorted(terms.names)
        return terms
    vocabulary = cache.current(session)
    words = content_words(query)
    skill_words = [w for w, _ in words if w not in _place_words(vocabulary, words)]
    place_words = [w for w, _ in words if w not in skill_words]
    for name in vocabulary.skills_for(skill_words):
        skill_id = vocabulary.skill_of.get(name)
        if skill_id is None:
            terms.names.add(name)
        else:  # a local skill: searched under every name it has
            terms.skill_ids.add(skill_id)
            terms.names |= vocabulary.names_of[skill_id]
    for word in skill_words:
        if not vocabulary.skills_for([word]):  # a trade or an employer rather than a skill: "plumber", "SNCF"
            terms.trades |= vocabulary.values_for(vocabulary.trades, word)
            terms.organizations |= vocabulary.values_for(vocabulary.organizations, word)
    for word in place_words:
        terms.places |= vocabulary.values_for(vocabulary.places, word)
    terms.trades = set(sorted(terms.trades)[:MAX_VALUES])
    terms.organizations = set(sorted(terms.organizations)[:MAX_VALUES])
    terms.places = set(sorted(terms.places)[:MAX_VALUES])
    found.skill_names = sorted(terms.names)
    found.places = place_words
    return terms


def _place_words(vocabulary: Vocabulary, words: list[tuple[str, bool]]) -> set[str]:
    """Words taken as places: a place after "in"/"à", or a place that is not also a skill."""
    return {
        word
        for word, after_marker in words
        if vocabulary.values_for(vocabulary.places, word) and (after_marker or not vocabulary.skills_for([word]))
    }


def _named_skill(session, text: str) -> Skill | None:
    """The skill `text` names as a whole, in any spelling, as a synonym or a merged name."""
    try:
        name = normalize_skill(text)
    except InvalidInput:
        return None
    return session.scalar(select(Skill).where(Skill.name == name)) or session.scalar(
        select(Skill).join(SkillAlias, SkillAlias.skill_id == Skill.id).where(SkillAlias.name == name)
    )


def _domain_allowed(column, refused: list[str], allowed: list[str] | None):
    """Not a suspended or limited domain; on an allow-list, one of the allowed."""
    condition = and_(true(), *(~on_domain(column, domain) for domain in refused))
    if allowed is not None:
        condition = and_(condition, or_(false(), *(on_domain(column, domain) for domain in allowed)))
    return condition


def _entry_matches(entry, terms: _Terms):
    """SQL: the directory entry `entry` (an aliased table or the model) matches the query."""
    what = []
    if terms.names:
        what.append(exists().where(DirectorySkill.entry_id == entry.id, DirectorySkill.skill.in_(sorted(terms.names))))
    if terms.trades:
        what.append(entry.trade.in_(sorted(terms.trades)))
    if terms.organizations:
        what.append(entry.organization.in_(sorted(terms.organizations)))
    condition = or_(*what) if what else true()
    if terms.places:
        condition = and_(condition, entry.location.in_(sorted(terms.places)))
    return condition


def _member_candidates(
    session, answers: AnswerCounts, terms: _Terms, member_ok, entry_ok, window: int
) -> list[ExpertResult]:
    """Members (here and remote) matching the query, best first, up to `window` people."""
    by_member: dict[int, ExpertResult] = {}
    # A remote account a partner lists for this query shows once, from the directory.
    listed_elsewhere = exists().where(
        DirectoryEntry.actor_url == Member.actor_url, entry_ok, _entry_matches(DirectoryEntry, terms)
    )
    member_ok = and_(member_ok, Member.local.is_(True) | ~listed_elsewhere)
    if terms.places:
        member_ok = and_(member_ok, Member.location.in_(sorted(terms.places)))
    # Each skill's best members; a person with several of the skills ranks by the best of them.
    for skill_id in sorted(terms.skill_ids):
        for member_id, local, figures in best_members(session, answers, skill_id, member_ok, window):
            result = by_member.setdefault(member_id, _member_result(member_id, local))
            result.skills.append(_skill_figures(figures))
    if len(terms.skill_ids) > 1:
        ranked = sorted(by_member.values(), key=ExpertResult.sort_key)
        by_member = {r.key: r for r in ranked[:window]}
    what = []
    if terms.trades:
        what.append(Member.headline.in_(sorted(terms.trades)))
    if terms.organizations:
        what.append(Member.organization.in_(sorted(terms.organizations)))
    if what or (terms.places and not terms.names):
        # Matched by trade, employer or place alone: no figures for a skill, after those who have them.
        for member_id, local in session.execute(
            select(Member.id, Member.local)
            .where(member_ok, or_(*what) if what else true())
            .order_by(Member.id.desc())
            .limit(window)
        ):
            by_member.setdefault(member_id, _member_result(member_id, local))
    return list(by_member.values())


def _skill_figures(figures: Figures) -> SkillFigures:
    """Unnamed: the page's people are completed with every skill asked for that they have (_complete)."""
    return SkillFigures(
        "",
        "",
        figures.level,
        figures.years,
        figures.endorsements,
        figures.accepted_answers,
        figures.recent_answers,
    )


def _member_result(member_id: int, local: bool) -> ExpertResult:
    return ExpertResult("local" if local else "remote", member_id, "", "", "", "", "", "", "", "")


def _directory_candidates(session, terms: _Terms, entry_ok, window: int) -> list[ExpertResult]:
    """Directory entries matching the query, best first, up to `window` people: one index walk per skill name."""
    best: dict[int, tuple] = {}
    place = DirectoryEntry.location.in_(sorted(terms.places)) if terms.places else true()
    for name in sorted(terms.names):
        rows = session.execute(
            select(
                DirectorySkill.entry_id,
                DirectorySkill.level,
                DirectorySkill.years,
                DirectorySkill.endorsements,
                DirectorySkill.accepted_answers,
                DirectorySkill.recent_answers,
            )
            .join(DirectoryEntry, DirectoryEntry.id == DirectorySkill.entry_id)
            .where(DirectorySkill.skill == name, entry_ok, place)
            .order_by(
                DIRECTORY_SCORE.desc(),
                DirectorySkill.level.desc(),
                DirectorySkill.years.desc(),
                DirectorySkill.entry_id.desc(),
            )
            .limit(window)
        ).all()
        for entry_id, *figures in rows:
            current = best.get(entry_id)
            if current is None or SkillFigures("", "", *figures).rank > SkillFigures("", "", *current).rank:
                best[entry_id] = tuple(figures)
    what = []
    if terms.trades:
        what.append(DirectoryEntry.trade.in_(sorted(terms.trades)))
    if terms.organizations:
        what.append(DirectoryEntry.organization.in_(sorted(terms.organizations)))
    if what or (terms.places and not terms.names):
        for entry_id in session.scalars(
            select(DirectoryEntry.id)
            .where(entry_ok, place, or_(*what) if what else true())
            .order_by(DirectoryEntry.id.desc())
            .limit(window)
        ):
            best.setdefault(entry_id, ())
    results = []
    for entry_id, figures in best.items():
        result = ExpertResult("directory", entry_id, "", "", "", "", "", "", "", "")
        if figures:
            result.skills.append(SkillFigures("", "", *figures))
        results.append(result)
    return results


def _complete(session, answers: AnswerCounts, terms: _Terms, results: list[ExpertResult]) -> None:
    """Fill the page's people in: their details and every skill of theirs the query matched (a few queries)."""
    entries = {r.key: r for r in results if r.origin == "directory"}
    members = {r.key: r for r in results if r.origin != "directory"}
    if entries:
        for entry in session.scalars(select(DirectoryEntry).where(DirectoryEntry.id.in_(list(entries)))):
            result = entries[entry.id]
            result.name, result.actor_url = entry.name or entry.actor_url, entry.actor_url
            # Only web links are shown: a partner's directory is not ours to trust with javascript: and the like.
            result.profile_url = next((u for u in (entry.url, entry.actor_url) if u.startswith(_WEB)), "")
            # Where they live is their account's server; whose figures these are, the partner listing them.
            result.domain, result.reported_by = authority_of(entry.actor_url) or entry.domain, entry.domain
            result.trade, result.organization, result.location = entry.trade, entry.organization, entry.location
            result.skills = []
        if terms.names:
            for row in session.scalars(
                select(DirectorySkill).where(
                    DirectorySkill.entry_id.in_(list(entries)), DirectorySkill.skill.in_(sorted(terms.names))
                )
            ):
                entries[row.entry_id].skills.append(
                    SkillFigures(
                        row.skill,
                        row.label or row.skill,
                        row.level,
                        row.years,
                        row.endorsements,
                        row.accepted_answers,
                        row.recent_answers,
                    )
                )
        by_actor = {r.actor_url: r for r in entries.values()}
        for member in session.scalars(select(Member).where(Member.actor_url.in_(list(by_actor)))):
            by_actor[member.actor_url].member = member
            by_actor[member.actor_url].known_here = True
    for member in session.scalars(select(Member).where(Member.id.in_(list(members)))) if members else ():
        result = members[member.id]
        result.member, result.name, result.handle = member, member.name, member.handle
        result.actor_url, result.profile_url = member.actor_url or "", member.profile_url
        result.domain = "" if member.local else member.domain
        result.trade, result.organization, result.location = member.headline, member.organization, member.location
        # A remote profile's level, years and endorsements are what its instance says.
        result.reported_by = "" if member.local else member.domain
    if members and terms.skill_ids:
        # Every skill asked for that they have, named (the search kept only the skills each was found by).
        named = {skill.id: skill for skill in session.scalars(select(Skill).where(Skill.id.in_(terms.skill_ids)))}
        for result in members.values():
            result.skills = []
        medals = badges.best_medal_rows(session.execute(badges.medals_query(members, named)).all())
        for skill_id, skill in named.items():
            counts, _ = answers.of(session, skill_id)
            owned = {
                member_id: (level, years, endorsements)
                for member_id, level, years, endorsements in session.execute(
                    select(
                        MemberSkill.member_id, MemberSkill.level, MemberSkill.years, MemberSkill.endorsement_count
                    ).where(MemberSkill.skill_id == skill_id, MemberSkill.member_id.in_(list(members)))
                )
            }
            for member_id, result in members.items():
                if member_id in owned or member_id in counts:
                    result.skills.append(
                        SkillFigures(
                            skill.name,
                            skill.label,
                            *owned.get(member_id, (0, 0, 0)),
                            *counts.get(member_id, (0, 0)),
                            medal=medals.get((member_id, skill_id), ""),
                        )
                    )
    for result in results:
        result.skills.sort(key=lambda s: s.rank, reverse=True)
