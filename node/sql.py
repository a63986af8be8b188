"""SQL that SQLite and PostgreSQL spell differently, as constructs a statement built once can hold."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, String, Table, TypeDecorator, Update, bindparam, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine


def table_of(model: Any) -> Table:
    """A model's table, for Core statements: a queue's statements run for many rows at a time, and the ORM's
    bookkeeping for each row they touch (loading returned rows, synchronizing the session) costs more than they do."""
    table: Table = model.__table__
    return table


def claim_by_ids(model: Any) -> Update:
    """A work queue's claim of the rows whose ids are bound as `ids`: their next attempt moves to `lease` (a dead
    worker's rows come back then), one more attempt is counted, and they carry `token` and `worker` (the claim's
    owner). The caller adds what it returns."""
    columns = table_of(model).c
    return (
        update(table_of(model))
        .where(one_of(columns.id, "ids"))
        .values(
            next_attempt_at=bindparam("lease"),
            attempts=columns.attempts + 1,
            claim_token=bindparam("token"),
            claimed_by=bindparam("worker"),
        )
    )


class ValueList(TypeDecorator):
    """A list bound as one parameter: an array on PostgreSQL, a JSON array on SQLite."""

    impl = String
    cache_ok = True

    def __init__(self, item: TypeEngine) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect) -> TypeEngine:
        return dialect.type_descriptor(ARRAY(self.item) if dialect.name == "postgresql" else String())

    def process_bind_param(self, value: Any, dialect) -> Any:
        values = list(value)
        return values if dialect.name == "postgresql" else json.dumps(values)


class _OneOf(FunctionElement):
    type = Boolean()
    inherit_cache = True
    name = "one_of"
    _is_implicitly_boolean = True  # a predicate: never "… = 1" on SQLite, which would hide the index from the planner


def one_of(column: ColumnElement, name: str | None, values: Any = None) -> ColumnElement[bool]:
    """`column` IN the list bound as `name` (any iterable; or `values`, bound anonymously), in SQL that stays the
    same whatever the list's length: `= ANY(array)` on PostgreSQL, `IN (SELECT value FROM json_each(…))` on
    SQLite. An expanding IN is rendered again, element by element, at every execution (5 µs an element on
    asyncpg, the whole cost of a batch's bookkeeping) and is a new statement for PostgreSQL to prepare at each
    length. SQLite's planner, which knows nothing of the list's length, may then prefer another index of the
    statement's other conditions: check the plan (EXPLAIN QUERY PLAN) where there is one."""
    item = Integer() if column.type.python_type is int else String()
    return _OneOf(column, bindparam(name, values, type_=ValueList(item)))


@compiles(_OneOf)
def _in_json_array(element: _OneOf, compiler, **kw) -> str:
    column, values = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({column} IN (SELECT value FROM json_each({values})))"


@compiles(_OneOf, "postgresql")
def _any_of_array(element: _OneOf, compiler, **kw) -> str:
    column, values = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({column} = ANY({values}))"
