"""Load the demo community through the same services members use, so every page is consistent."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import func, select

from activitypub.keys import KeyPair, generate_key_pair

from ..db import Database
from ..models import Member, Question
from ..services import accounts, answers, comments, follows, profiles, questions, skills, votes
from ..services.errors import Conflict, InvalidInput, ServiceError
from ..services.passwords import hash_password_async
from .content import PEOPLE, Post
from .questions_en import POSTS as POSTS_EN
from .questions_fr import POSTS as POSTS_FR

DEMO_PASSWORD = "demo-password-2026"
QUESTIONS = [post for post in POSTS_FR + POSTS_EN if post.kind == "question"]
DISCUSSIONS = [post for post in POSTS_FR + POSTS_EN if post.kind == "discussion"]
SKILLS_OF = {username: skill_names for username, *_rest, skill_names in PEOPLE}


async def load_demo(db: Database, base_url: str, question_count: int | None = None, seed: int = 2026) -> dict[str, int]:
    """Create the demo members, questions, answers, comments, votes and endorsements; returns the counts.

    Each written question is posted once: all of them by default, or a sample of `question_count`.
    All of it is one transaction: a failure leaves nothing behind, and running it again starts afresh.
    """
    if question_count is None:
        question_count = len(QUESTIONS)
    if not 0 <= question_count <= len(QUESTIONS):
        raise InvalidInput(
            "the demo has {written} written questions: ask for 0 to {written} "
            "(bench/scale_data.py makes large synthetic sets)",
            written=len(QUESTIONS),
        )
    await _refuse_if_loaded(db)  # before the work below, which would be thrown away
    # The slow part of creating a member (Argon2, an RSA key pair) is done before the transaction: on SQLite
    # the server's own writes wait for as long as it lasts. The members share a password, so one hash serves.
    password_hash = await hash_password_async(DEMO_PASSWORD)
    keys = await asyncio.to_thread(lambda: [generate_key_pair() for _ in PEOPLE])
    return await db.in_one_transaction(
        lambda tx: _load(tx, base_url, question_count, random.Random(seed), password_hash, keys)
    )


async def _refuse_if_loaded(db: Database) -> None:
    async with db.read() as session:
        if await session.scalar(select(func.count()).select_from(Member).where(Member.username_key == PEOPLE[0][0])):
            raise Conflict("The demo community is already loaded.")


async def _add_member(
    db: Database, username: str, name: str, language: str, password_hash: str, keys: KeyPair
) -> Member:
    """What accounts.create_member stores, with the password hash and keys made beforehand."""
    async with db.write() as session:
        member = Member(
            username=username,
            username_key=accounts.username_key(username),
            password_hash=password_hash,
            language=language,
            display_name=name,
            private_key_pem=keys.private_pem,
            public_key_pem=keys.public_pem,
        )
        session.add(member)
        await session.flush()
        return member


async def _load(
    db: Database, base_url: str, question_count: int, rng: random.Random, password_hash: str, keys: list[KeyPair]
) -> dict[str, int]:
    await _refuse_if_loaded(db)  # again inside the transaction: two demos started together load once
    members: dict[str, Member] = {}
    for (username, name, headline, org, city, language, skill_names), key_pair in zip(PEOPLE, keys, strict=True):
        member = await _add_member(db, username, name, language, password_hash, key_pair)
        bio = (
            f"{headline} à {city}. J'aime partager ce que j'ai appris sur le terrain."
            if language == "fr"
            else f"{headline} in {city}. Happy to share what I learned on the job."
        )
        await profiles.update_profile(
            db, member.id, display_name=name, headline=headline, organization=org, location=city, bio=bio, links=[]
        )
        for skill in skill_names:
            await skills.add_skill(db, member.id, skill.replace("-", " "), rng.randint(2, 4), rng.randint(1, 20))
        members[username] = member
    people = list(members.values())

    for member in people:  # peer endorsements
        for username, *_rest, skill_names in rng.sample(PEOPLE, 4):
            other = members[username]
            if other.id != member.id:
                try:
                    await skills.endorse(db, member, other.id, rng.choice(skill_names))
                except ServiceError:
                    pass
        for other in rng.sample(people, 3):
            if other.id != member.id:
                await follows.follow_member(db, member, other)

    # A sample in a shuffled order, so the newest questions are not all from one trade.
    for post in rng.sample(QUESTIONS, question_count) + DISCUSSIONS:
        await _post(db, base_url, rng, post, members)
    async with db.read() as session:
        total = await session.scalar(select(func.count()).select_from(Question))
    return {"members": len(people), "questions": total or 0}


async def _post(db: Database, base_url: str, rng: random.Random, post: Post, members: dict[str, Member]) -> None:
    """Ask one written question, post its written answers and their comments, then votes and acceptance."""
    people = list(members.values())
    if post.by:
        asker = members[post.by]
    else:  # someone who needs the skill rather than someone who has it
        speakers = [m for m in people if m.language == post.language]
        asker = rng.choice([m for m in speakers if post.skill not in SKILLS_OF[m.username]] or speakers)
    question = await questions.ask(
        db,
        asker,
        kind=post.kind,
        title=post.title,
        body=post.body,
        tags=list(post.tags) or [post.skill],
        base_url=base_url,
        language=post.language,
    )
    named = {reply.by for reply in post.replies if reply.by}
    candidates = [m for m in _answerers(rng, post, people) if m.username not in named]
    posted = []
    for reply in post.replies:
        answerer = members[reply.by] if reply.by else next(m for m in candidates if m.id != asker.id)
        candidates = [m for m in candidates if m.id != answerer.id]
        written = await answers.post_answer(db, answerer, question.id, reply.body, base_url)
        posted.append(written)
        for turn, text in enumerate(reply.comments):  # the asker asks or thanks, the answerer replies
            author, other = (asker, answerer) if turn % 2 == 0 else (answerer, asker)
            body = f"@{other.username} {text}" if other.id != author.id else text
            await comments.add_comment(db, author, answer_id=written.id, body=body, base_url=base_url)
    for voter in rng.sample(people, rng.randint(0, 6)):
        for target_type, target_id, author_id in [("question", question.id, asker.id)] + [
            ("answer", a.id, a.author_id) for a in posted
        ]:
            if voter.id != author_id and rng.random() < 0.5:
                await votes.set_vote(db, voter, target_type, target_id, 1 if rng.random() < 0.85 else -1)
    if post.kind == "question" and posted and rng.random() < 0.65:
        await answers.accept_answer(db, asker, posted[0].id)  # the first written answer is the one that solves it


def _answerers(rng: random.Random, post: Post, people: list[Member]) -> list[Member]:
    """Who may answer, best first: people with the skill who speak the question's language; for an English
    question, then the French speakers with the skill (the community is bilingual); then anyone speaking it."""

    def shuffled(group: list[Member]) -> list[Member]:
        return rng.sample(group, len(group))

    def expert(member: Member) -> bool:
        return post.skill in SKILLS_OF[member.username]

    speaking = [m for m in people if m.language == post.language]
    ordered = shuffled([m for m in speaking if expert(m)])
    if post.language == "en":
        ordered += [m for m in people if expert(m) and m.language != post.language]
    return ordered + shuffled([m for m in speaking if not expert(m)])
