"""search's newest documents, by parts: PostgreSQL's `search_fts` partitioned by ranges of 50,000 document ids

A search ranks the newest 1,000 documents that match, looked for among the newest document ids (see
search._newest_matches). The GIN index still read every match in the table to build its bitmap (13-16 ms for two
common words at a million documents, whatever the span), and ANDing it with the BRIN range made the bitmap lossy
(every row of the range's pages checked again). Each range of ids now has its table and its own GIN index: a search
reads the indexes of the ranges its span covers only, and its bitmap is exact. A range's table is made by the
trigger that writes its first document. `search_fts` also keeps the document's question and answer ids, which a
search read by joining `search_document` a thousand times. The BRIN index goes.

Revision ID: 0029
Revises: 0028
"""
from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

IDS_PER_PART = 50_000  # node/services/search.py: IDS_PER_PART
# The same vector 0011's held.
VECTOR = ("setweight(to_tsvector('simple', {row}title_terms), 'A') || "
          "setweight(to_tsvector('simple', {row}body_terms), 'B')")
# A range's table, made (once: writers of the same range wait on each other) before its first document is written.
MAKE_PART = f"""
    IF to_regclass('search_fts_' || (new.id / {IDS_PER_PART})) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('search_fts'), new.id / {IDS_PER_PART});
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF search_fts FOR VALUES FROM (%s) TO (%s)',
                       'search_fts_' || (new.id / {IDS_PER_PART}), new.id / {IDS_PER_PART} * {IDS_PER_PART},
                       (new.id / {IDS_PER_PART} + 1) * {IDS_PER_PART});
    END IF;"""


def _replace(partitioned: bool) -> None:
    """search_fts made again from search_document, partitioned with the ids or as before, and its trigger."""
    op.execute("DROP TRIGGER search_fts_write ON search_document")
    op.execute("DROP FUNCTION search_fts_write()")
    op.execute("DROP TABLE search_fts")
    extra = ("question_id", "answer_id") if partitioned else ()
    op.execute("CREATE TABLE search_fts (rowid integer PRIMARY KEY REFERENCES search_document (id) ON DELETE CASCADE, "
               + ("question_id integer NOT NULL, answer_id integer, " if partitioned else "")
               + "vector tsvector NOT NULL)" + (" PARTITION BY RANGE (rowid)" if partitioned else ""))
    columns = ", ".join(("rowid", *extra, "vector"))
    values = ", ".join(("new.id", *(f"new.{c}" for c in extra), VECTOR.format(row="new.")))
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*extra, "vector"))
    op.execute("CREATE FUNCTION search_fts_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               + (MAKE_PART if partitioned else "")
               + f" INSERT INTO search_fts ({columns}) VALUES ({values}) "
               f"ON CONFLICT (rowid) DO UPDATE SET {updates}; RETURN NULL; END $$")
    if partitioned:
        top = op.get_bind().exec_driver_sql("SELECT coalesce(max(id), 0) FROM search_document").scalar()
        for part in range(top // IDS_PER_PART + 1):
            op.execute(f"CREATE TABLE search_fts_{part} PARTITION OF search_fts "
                       f"FOR VALUES FROM ({part * IDS_PER_PART}) TO ({(part + 1) * IDS_PER_PART})")
    op.execute(f"INSERT INTO search_fts ({columns}) "
               f"SELECT {', '.join(('id', *extra, VECTOR.format(row='')))} FROM search_document")
    op.execute("CREATE INDEX search_fts_vector ON search_fts USING gin (vector)")  # after the rows: built at once
    op.execute("CREATE TRIGGER search_fts_write AFTER INSERT OR UPDATE ON search_document "
               "FOR EACH ROW EXECUTE FUNCTION search_fts_write()")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _replace(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _replace(partitioned=False)
        op.execute('CREATE INDEX search_fts_rowid_range ON search_fts USING brin (rowid) '
                   'WITH (pages_per_range = 16, autosummarize = on)')
