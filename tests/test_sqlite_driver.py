"""The SQLite driver (node/sqlite_driver.py): one trip per statement must still hand out every row, in order,
whether read all at once, one by one, or streamed in parts longer and shorter than what a trip fetches."""

from sqlalchemy import text

from node.db import Database
from node.sqlite_driver import PREFETCH


async def test_every_row_is_handed_out_however_it_is_read(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'rows.db'}")
    rows = 2 * PREFETCH + 500
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": i} for i in range(rows)])
        async with db.engine.connect() as conn:
            assert [x for (x,) in (await conn.execute(text("SELECT x FROM t ORDER BY x"))).all()] == list(range(rows))
            assert (await conn.execute(text("SELECT x FROM t ORDER BY x DESC"))).first() == (rows - 1,)
            for part in (7, PREFETCH, PREFETCH + 1):
                streamed = await conn.stream(text("SELECT x FROM t ORDER BY x"))
                seen = [x for chunk in [c async for c in streamed.partitions(part)] for (x,) in chunk]
                assert seen == list(range(rows)), part
        async with db.write() as session:  # inside a write transaction, statements run on the caller's side
            await session.execute(text("INSERT INTO t VALUES (-1)"))
            assert await session.scalar(text("SELECT count(*) FROM t")) == rows + 1
    finally:
        await db.close()
