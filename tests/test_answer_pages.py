"""A long thread shows its answers 30 at a time, accepted first, with a "Show more answers" link that works as a
plain link; an answer's address (notifications, search, profiles) leads to the page that holds it."""

from __future__ import annotations

import re

from node.services import answers, comments, questions

from .support import log_in, make_member

ANSWER_IDS = re.compile(r'<article class="post answer[^"]*" id="answer-(\d+)"')


async def long_thread(database, count: int = 70):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    question = await questions.ask(
        database,
        alice,
        title="Your best tip for sharpening chisels?",
        body="One tip per answer, please.",
        tags="woodwork",
        base_url="http://127.0.0.1:8080",
    )
    posted = [
        await answers.post_answer(database, bob, question.id, f"Tip number {n}: keep the bevel flat.", "http://x")
        for n in range(1, count + 1)
    ]
    return alice, question, posted


def shown(page: str) -> list[int]:
    return [int(found) for found in ANSWER_IDS.findall(page)]


async def test_seventy_answers_come_thirty_a_page_accepted_first(client, database):
    alice, question, posted = await long_thread(database)
    await answers.accept_answer(database, alice, posted[49].id)  # the fiftieth, accepted: first on page 1

    first = await (await client.get(f"/questions/{question.id}")).text()
    assert shown(first) == [posted[49].id] + [a.id for a in posted[:29]]
    assert "70 answers" in first
    more = re.search(r'<p class="more-answers" id="more-answers"><a class="button" href="([^"]+)"', first)
    assert more.group(1) == f"/questions/{question.id}?page=2#answers"

    second = await (await client.get(more.group(1))).text()
    assert shown(second) == [a.id for a in posted[29:49] + posted[50:60]]
    assert "Answers 31 to 60 of 70" in second
    third = await (await client.get(f"/questions/{question.id}?page=3")).text()
    assert shown(third) == [a.id for a in posted[60:]]
    assert 'id="more-answers"' not in third  # the last page
    gone = await client.get(f"/questions/{question.id}?page=9", allow_redirects=False)  # a link older than deletions
    assert gone.headers["Location"] == f"/questions/{question.id}?page=3#answers"

    # "Show more answers" in place reads the same page of answers alone.
    alone = await (await client.get(f"/questions/{question.id}/answers?page=2")).text()
    assert shown(alone) == shown(second) and "<html" not in alone


async def test_an_answer_address_leads_to_the_page_that_holds_it(client, database):
    alice, question, posted = await long_thread(database)
    late = posted[64]
    response = await client.get(f"/answers/{late.id}", allow_redirects=False)
    assert response.headers["Location"] == f"/questions/{question.id}?page=3#answer-{late.id}"
    page = await (await client.get(response.headers["Location"].split("#")[0])).text()
    assert late.id in shown(page)
    early = await client.get(f"/answers/{posted[0].id}", allow_redirects=False)
    assert early.headers["Location"] == f"/questions/{question.id}#answer-{posted[0].id}"

    comment = await comments.add_comment(database, alice, answer_id=late.id, body="Which angle?", base_url="http://x")
    response = await client.get(f"/comments/{comment.id}", allow_redirects=False)
    assert response.headers["Location"] == f"/questions/{question.id}?page=3#comment-{comment.id}"

    # Alice's notification of that answer points there too.
    await log_in(client, "alice")
    notifications = await (await client.get("/notifications")).text()
    assert f'href="/answers/{late.id}"' in notifications
