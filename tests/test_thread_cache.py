"""The question page reuses a thread it has read until the thread changes (node/services/questions.py ThreadCache):
whatever writes the change, this process's services or another process's plain SQL, the next view shows it."""

from sqlalchemy import text

from node.services import answers, questions
from node.web.keys import THREADS

from .support import make_member

BASE = "http://127.0.0.1:8080"


async def written_elsewhere(database, sql: str, **params) -> None:
    """A statement run as another process would, on its own connection, past every service of this one."""
    async with database.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_a_thread_changed_by_another_process_shows_at_once(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    asked = await questions.ask(
        database, alice, title="Which glue for oak?", body="Indoor furniture.", tags="bois", base_url=BASE
    )
    first = await answers.post_answer(database, bob, asked.id, "PVA glue, type II.", BASE)
    second = await answers.post_answer(database, alice, asked.id, "Hide glue, reversible.", BASE)
    path = f"/questions/{asked.id}"

    async def page() -> str:
        response = await client.get(path)
        assert response.status == 200
        return await response.text()

    shown = await page()
    assert shown.index("PVA glue") < shown.index("Hide glue")  # equal scores: the older first
    assert await page() == shown
    assert len(client.app[THREADS].threads) == 1  # read once, then reused

    await written_elsewhere(
        database, "UPDATE answer SET body_html = '<p>Epoxy for gaps.</p>' WHERE id = :id", id=first.id
    )
    assert "Epoxy for gaps." in await page()

    await written_elsewhere(database, "UPDATE answer SET score = 5 WHERE id = :id", id=second.id)
    shown = await page()
    assert shown.index("Hide glue") < shown.index("Epoxy for gaps.")  # the better answer first

    await written_elsewhere(
        database,
        "INSERT INTO comment (question_id, answer_id, author_id, body, body_html, created_at) "
        "VALUES (:q, :a, :m, 'Tried it: holds.', '<p>Tried it: holds.</p>', CURRENT_TIMESTAMP)",
        q=asked.id,
        a=first.id,
        m=alice.id,
    )
    assert "Tried it: holds." in await page()

    await written_elsewhere(
        database, "UPDATE question SET accepted_answer_id = :a WHERE id = :q", a=first.id, q=asked.id
    )
    shown = await page()
    assert shown.index("Epoxy for gaps.") < shown.index("Hide glue")  # the accepted answer first

    await written_elsewhere(database, "UPDATE skill SET label = 'Menuiserie bois' WHERE name = 'bois'")
    assert "Menuiserie bois" in await page()

    await written_elsewhere(database, "UPDATE member SET display_name = 'Robert' WHERE id = :m", m=bob.id)
    assert "Robert" in await page()  # authors are read with every view

    await written_elsewhere(database, "DELETE FROM comment WHERE question_id = :q", q=asked.id)
    await written_elsewhere(database, "DELETE FROM answer WHERE id = :id", id=second.id)
    shown = await page()
    assert "Hide glue" not in shown and "Tried it: holds." not in shown and "Epoxy for gaps." in shown


def test_kept_threads_stay_within_their_budget():
    """A process keeps at most its budget of thread text, dropping the least recently shown first."""

    class Row:
        def __init__(self, html: str):
            self.body_html = html

    def thread(chars: int) -> questions.Thread:
        return questions.Thread([], 1, 1, [Row("x" * chars)], [], False)

    cache = questions.ThreadCache(budget=10_000)
    for question_id in range(1, 6):
        cache.put((question_id, 1, None), (0, None), thread(3_000))
        cache.get((1, 1, None), (0, None))  # the first question is read often: kept
    assert cache.size <= 10_000
    assert cache.get((1, 1, None), (0, None)) is not None and cache.get((5, 1, None), (0, None)) is not None
    assert cache.get((2, 1, None), (0, None)) is None  # the least recently shown went first
    assert cache.get((1, 1, None), (1, None)) is None  # another version is not the kept thread
