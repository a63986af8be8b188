"""Load the demo community through the same services members use, so every page is consistent."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import func, select

from activitypub.keys import KeyPair, generate_key_pair

from ..db import Database
from ..models import Member, Question
from ..services import accounts, answers, comments, follows, profiles, questions, skills, votes
from ..services.errors import Conflict, ServiceError
from ..services.passwords import hash_password_async
from .content import ANSWERS, COMMENTS, DISCUSSIONS, PEOPLE, QUESTIONS, VARIANTS

DEMO_PASSWORD = "demo-password-2026"


async def load_demo(db: Database, base_url: str, question_count: int = 200, seed: int = 2026) -> dict[str, int]:
    """Create the demo members, questions, answers, comments, votes and endorsements; returns the counts.

    All of it is one transaction: a failure leaves nothing behind, and running it again starts afresh.
    """
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
    experts_by_skill = {s: [members[p[0]] for p in PEOPLE if s in p[6]] for s in {s for p in PEOPLE for s in p[6]}}

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

    pool = [(skill, item) for skill, items in QUESTIONS.items() for item in items]
    for number in range(question_count):
        skill, (language, title, body) = pool[number % len(pool)]
        variant = VARIANTS[language][(number // len(pool)) % len(VARIANTS[language])]
        askers = [m for m in people if (m.language or "fr") == language] or people
        asker = rng.choice(askers)
        # A second tag from the skills people in this trade also have (menuiserie → finitions-bois).
        related = sorted({s for p in PEOPLE if skill in p[6] for s in p[6] if s != skill})
        tags = [skill, rng.choice(related)] if related else [skill]
        question = await questions.ask(
            db, asker, title=title + variant, body=body, tags=tags, base_url=base_url, language=language
        )
        answerers = {m.id: m for m in experts_by_skill.get(skill, []) + rng.sample(people, 3) if m.id != asker.id}
        posted = []
        for answerer in list(answerers.values())[: rng.randint(0, 4)]:
            text = rng.choice(ANSWERS[language])
            posted.append(await answers.post_answer(db, answerer, question.id, text, base_url))
        for voter in rng.sample(people, rng.randint(0, 6)):
            for target_type, target_id, author_id in [("question", question.id, asker.id)] + [
                ("answer", a.id, a.author_id) for a in posted
            ]:
                if voter.id != author_id and rng.random() < 0.5:
                    await votes.set_vote(db, voter, target_type, target_id, 1 if rng.random() < 0.85 else -1)
        if posted and rng.random() < 0.6:
            await answers.accept_answer(db, asker, rng.choice(posted).id)
        if posted and rng.random() < 0.5:
            commenter = rng.choice(people)
            await comments.add_comment(
                db,
                commenter,
                answer_id=posted[0].id,
                body=f"@{asker.username} " + rng.choice(COMMENTS[language]),
                base_url=base_url,
            )
    for language, title, body, tags in DISCUSSIONS:
        author = members["camille"] if language == "fr" else members["sarah"]
        await questions.ask(
            db, author, kind="discussion", title=title, body=body, tags=tags, base_url=base_url, language=language
        )
    async with db.read() as session:
        total = await session.scalar(select(func.count()).select_from(Question))
    return {"members": len(people), "questions": total or 0}
