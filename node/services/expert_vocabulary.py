"""The words people type when looking for an expert, mapped to what they can match: skill names (here and in
partners' directories), places, trades and organizations. Held in memory, rebuilt when the data it reads changes.

Matching goes by French and English stems with accents folded, so "menuiseries", "Ménuiserie" and "menuiserie"
meet, and a name matches word by word ("joinery" finds "cabinet-joinery").
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..models import DirectoryEntry, DirectorySkill, Instance, Member, Skill, SkillAlias
from .search import WORD_RE, _fold, word_stems

# Words that say how a question is put, not what it is about ("who knows cabinet joinery in Lyon").
STOP_WORDS = frozenset(
    _fold(word)
    for word in (
        "who whom knows know knowing can could does do is are someone somebody anyone anybody expert experts "
        "find looking look for with of in at on near around the a an and or to about good best people person "
        "qui que quoi connaît connait connaissent sait savent peut peuvent cherche recherche trouver un une des "
        "les le la l d de du en à a au aux dans sur près pres vers et ou pour avec quelqu quelqu'un quelqu’un "
        "personne spécialiste specialiste expert experte"
    ).split()
)
# A word right after one of these names a place when it can ("… in Lyon", "… à Lyon").
PLACE_MARKERS = frozenset(_fold(w) for w in "in at near around à a au en dans près pres vers".split())
REFRESH_AFTER = 30.0  # seconds: a profile's new place or trade is matched within this time


def content_words(text: str) -> list[tuple[str, bool]]:
    """The words of a query that are not stop-words, each with "follows a place marker"."""
    found, after_marker = [], False
    for word in WORD_RE.findall(text.lower())[:12]:
        folded = _fold(word)
        if folded in STOP_WORDS or len(folded) < 2:
            after_marker = folded in PLACE_MARKERS
            continue
        found.append((word, after_marker))
        after_marker = False
    return found


def _stems_of(value: str) -> set[str]:
    return {
        stem for word in WORD_RE.findall(value.lower()) if _fold(word) not in STOP_WORDS for stem in word_stems(word)
    }


@dataclass
class Vocabulary:
    skill_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # stem → names
    name_parts: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # name → stems of each word
    skill_of: dict[str, int] = field(default_factory=dict)  # a local skill's name or alias → its id
    names_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))  # skill id → every name
    places: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # stem → location values
    trades: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    organizations: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add_skill_name(self, name: str) -> None:
        if name in self.name_parts:
            return
        parts = [word_stems(word) for word in WORD_RE.findall(name) if _fold(word) not in STOP_WORDS]
        self.name_parts[name] = [p for p in parts if p]
        for stems in self.name_parts[name]:
            for stem in stems:
                self.skill_names[stem].add(name)

    @staticmethod
    def add_value(index: dict[str, set[str]], value: str) -> None:
        for stem in _stems_of(value):
            index[stem].add(value)

    def skills_for(self, words: list[str]) -> set[str]:
        """Skill names the words stand for: names all of whose words were typed, else those most covered."""
        typed = [set(word_stems(w)) for w in words]
        candidates = {name for stems in typed for stem in stems for name in self.skill_names.get(stem, ())}
        coverage = {
            name: sum(any(set(part) & stems for stems in typed) for part in self.name_parts[name])
            / max(1, len(self.name_parts[name]))
            for name in candidates
        }
        best = max(coverage.values(), default=0)
        return {name for name, share in coverage.items() if share == best} if best else set()

    @staticmethod
    def values_for(index: dict[str, set[str]], word: str) -> set[str]:
        return {value for stem in word_stems(word) for value in index.get(stem, ())}


class VocabularyCache:
    """One process's vocabulary for one database. Each search compares a cheap fingerprint of the data (skills,
    aliases, directory entries, partners' syncs, members); when it moved on, or REFRESH_AFTER passed (a profile's
    place or trade changed), the vocabulary is rebuilt in the background while searches use the one they have.
    Only the very first search waits for it."""

    def __init__(self) -> None:
        self.vocabulary: Vocabulary | None = None
        self.fingerprint: tuple | None = None
        self.built_at = 0.0
        self.stale = False
        self.rebuilding: asyncio.Task | None = None
        self._first = threading.Lock()  # searches run in threads: the first build happens once

    def current(self, session) -> Vocabulary:
        fingerprint = _fingerprint(session)
        if self.vocabulary is None:
            with self._first:
                if self.vocabulary is None:
                    self.rebuild(session)
        elif fingerprint != self.fingerprint or time.monotonic() - self.built_at > REFRESH_AFTER:
            self.stale = True
        assert self.vocabulary is not None
        return self.vocabulary

    def rebuild(self, session) -> None:
        fingerprint = _fingerprint(session)
        self.vocabulary, self.fingerprint, self.built_at = build(session), fingerprint, time.monotonic()

    def refresh_if_stale(self, db) -> None:
        """On the event loop, after a search: start the rebuild the search found due (one at a time)."""
        if self.stale and (self.rebuilding is None or self.rebuilding.done()):
            self.stale = False
            self.rebuilding = asyncio.ensure_future(db.run_read(self.rebuild))


def _fingerprint(session) -> tuple:
    return tuple(
        session.execute(
            select(
                select(func.max(Skill.id)).scalar_subquery(),
                select(func.count()).select_from(SkillAlias).scalar_subquery(),
                select(func.max(DirectoryEntry.id)).scalar_subquery(),
                select(func.max(Instance.directory_synced_at)).scalar_subquery(),
                select(func.max(Member.id)).scalar_subquery(),
            )
        ).one()
    )


def build(session) -> Vocabulary:
    vocabulary = Vocabulary()
    for skill_id, name in session.execute(select(Skill.id, Skill.name)):
        vocabulary.skill_of[name] = skill_id
        vocabulary.names_of[skill_id].add(name)
        vocabulary.add_skill_name(name)
    for skill_id, name in session.execute(select(SkillAlias.skill_id, SkillAlias.name)):
        vocabulary.skill_of[name] = skill_id
        vocabulary.names_of[skill_id].add(name)
        vocabulary.add_skill_name(name)
    for name in session.scalars(select(DirectorySkill.skill).distinct()):
        vocabulary.add_skill_name(name)
    for index, entry_column, member_column in (
        (vocabulary.places, DirectoryEntry.location, Member.location),
        (vocabulary.trades, DirectoryEntry.trade, Member.headline),
        (vocabulary.organizations, DirectoryEntry.organization, Member.organization),
    ):
        for column in (entry_column, member_column):
            for value in session.scalars(select(column).where(column != "").distinct()):
                vocabulary.add_value(index, value)
    return vocabulary
