"""What pages open in browsers should hear as it happens: a member's new notifications, a question's new answers.

Services announce it in their transaction (db.announce); the web's live streams (node/web/live.py) hear it in
every process once it commits. A topic is a short string: who or what it is about, and what changed.
"""

from __future__ import annotations

from typing import NamedTuple

from ..db import announce


class Topic(NamedTuple):
    """What a stream subscribes to (`member:<id>`, `question:<id>`) and, for an answer, its id."""

    key: str
    answer_id: int | None = None


def notifications_changed(session, member_id: int) -> None:
    """The member's unread notifications changed (one more, or all read)."""
    announce(session, f"member:{member_id}")


def answer_posted(session, question_id: int, answer_id: int) -> None:
    announce(session, f"question:{question_id}:{answer_id}")


def member_key(member_id: int) -> str:
    return f"member:{member_id}"


def question_key(question_id: int) -> str:
    return f"question:{question_id}"


def parse(topic: str) -> Topic | None:
    """The topic announced, or None for a string that is not one (the channel is open to any connection)."""
    kind, _, rest = topic.partition(":")
    if kind == "member" and rest.isdigit():
        return Topic(topic)
    if kind == "question":
        question, _, answer = rest.partition(":")
        if question.isdigit() and answer.isdigit():
            return Topic(question_key(int(question)), int(answer))
    return None
