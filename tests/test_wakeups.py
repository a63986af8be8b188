"""Workers wake when work is queued in their process: a question reaches a follower's server, and is applied there,
without waiting for the next poll (here a minute away)."""

import asyncio
import time

from sqlalchemy import select

from node.models import Member, MemberFollow, Question
from node.services import questions
from node.workers import run_forever

from .support import log_in, make_member, one, post_form
from .testrig import Browser, drain


async def test_a_question_is_delivered_and_applied_at_once_not_at_the_next_poll(nodes):
    a, b = nodes
    alice = await make_member(a.db, "alice")
    await make_member(b.db, "bob")
    browser = Browser(b.base)
    workers = []
    try:
        await log_in(browser, "bob")
        assert (await post_form(browser, "/follow", {"handle": f"@alice@{a.domain}"})).status == 303
        await drain(nodes)
        bob_on_a = await one(a.db, select(Member.id).where(Member.username == "bob", Member.domain == b.domain))
        assert await one(a.db, select(MemberFollow.state).where(MemberFollow.follower_id == bob_on_a)) == "accepted"

        # Both nodes' real worker loops, polling only once a minute when idle.
        workers = [asyncio.create_task(run_forever(node.fed, idle_sleep=60)) for node in nodes]
        await asyncio.sleep(0.5)  # each loop has looked once and is now waiting
        question = await questions.ask(
            a.db,
            alice,
            title="Which finish for a walnut desk?",
            body="Oil or hard wax?",
            tags="woodwork",
            base_url=a.base,
        )
        ap_id = f"{a.base}/questions/{question.id}"
        deadline = time.monotonic() + 15  # far less than the minute a poll would take
        while time.monotonic() < deadline:
            if await one(b.db, select(Question.id).where(Question.ap_id == ap_id)) is not None:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the question waited for a poll instead of waking the workers")
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await browser.close()
