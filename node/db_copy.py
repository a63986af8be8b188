"""`skiller db copy --to URL`: move an instance to another database (SQLite → PostgreSQL as it grows)."""

from __future__ import annotations

import random

from sqlalchemy import func, select, text

from .db import create_engine, upgrade_database
from .models import Member, metadata

CHUNK = 1000
SAMPLE = 25
# Columns the target's triggers write as the copy inserts other rows, so they need not match the source's:
# a thread's version counter only has to change with the thread (migration 0027).
KEPT_BY_TRIGGERS = {"question": {"thread_version"}}


class CopyError(Exception):
    """The copy cannot start or did not verify; the message says why."""


async def copy_database(source_url: str, target_url: str, report=print) -> dict[str, int]:
    """Copy every row, table by table in dependency order, then check counts and a sample of rows."""
    await upgrade_database(target_url)
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        async with target.connect() as conn:
            if await conn.scalar(select(func.count()).select_from(Member)):
                raise CopyError("the target database already has members: copy only into an empty instance")
        counts: dict[str, int] = {}
        for table in metadata.sorted_tables:
            copied = 0
            async with source.connect() as reader, target.begin() as writer:
                result = await reader.stream(select(table).order_by(*table.primary_key.columns))
                async for chunk in result.mappings().partitions(CHUNK):
                    await writer.execute(table.insert(), [dict(row) for row in chunk])
                    copied += len(chunk)
            counts[table.name] = copied
            report(f"  {table.name}: {copied}")
        if target.dialect.name == "postgresql":
            async with target.begin() as conn:
                for table in metadata.sorted_tables:
                    if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                        await conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                                f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
                            )
                        )
        await _verify(source, target, counts)
        return counts
    finally:
        await source.dispose()
        await target.dispose()


async def _verify(source, target, counts: dict[str, int]) -> None:
    rng = random.Random(0)
    async with source.connect() as a, target.connect() as b:
        for table in metadata.sorted_tables:
            there = await b.scalar(select(func.count()).select_from(table))
            if there != counts[table.name]:
                raise CopyError(f"{table.name}: {counts[table.name]} rows read but {there} in the target")
            keys = list(table.primary_key.columns)
            ids = (await a.execute(select(*keys))).all()
            for key in rng.sample(ids, min(SAMPLE, len(ids))):
                condition = [column == value for column, value in zip(keys, key, strict=True)]
                left = (await a.execute(select(table).where(*condition))).mappings().one()
                right = (await b.execute(select(table).where(*condition))).mappings().one()
                derived = KEPT_BY_TRIGGERS.get(table.name, set())
                if {k: v for k, v in left.items() if k not in derived} != {
                    k: v for k, v in right.items() if k not in derived
                }:
                    raise CopyError(f"{table.name} row {tuple(key)} differs after the copy")
