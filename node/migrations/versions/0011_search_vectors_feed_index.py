"""reads at scale: PostgreSQL keeps each search document's vector in `search_fts` (as SQLite's FTS5 table
does); questions indexed by last activity for the home feed

Ranking read vectors recomputed from the terms for every match: at a million documents a common word took
seconds. The stored vector is ranked as read, and `search_fts.rowid` (the document id) lets the newest
matches be found by walking the primary key backwards when a word is common.

Revision ID: 0011
Revises: 0010
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The same vector the 0002 expression index held (see node/services/search.py).
def _vector(row: str = "") -> str:
    return (f"setweight(to_tsvector('simple', {row}title_terms), 'A') || "
            f"setweight(to_tsvector('simple', {row}body_terms), 'B')")


def upgrade() -> None:
    op.create_index('ix_question_last_activity', 'question', ['last_activity_at', 'id'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("CREATE TABLE search_fts (rowid integer PRIMARY KEY "
               "REFERENCES search_document (id) ON DELETE CASCADE, vector tsvector NOT NULL)")
    op.execute(f"INSERT INTO search_fts (rowid, vector) SELECT id, {_vector()} "
               "FROM search_document")
    op.execute("CREATE INDEX search_fts_vector ON search_fts USING gin (vector)")
    op.execute("CREATE FUNCTION search_fts_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "INSERT INTO search_fts (rowid, vector) VALUES (new.id, " + _vector('new.') + ") "
               "ON CONFLICT (rowid) DO UPDATE SET vector = excluded.vector; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER search_fts_write AFTER INSERT OR UPDATE ON search_document "
               "FOR EACH ROW EXECUTE FUNCTION search_fts_write()")
    op.execute("DROP INDEX search_document_fts")


def downgrade() -> None:
    op.drop_index('ix_question_last_activity', table_name='question')
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP TRIGGER search_fts_write ON search_document")
    op.execute("DROP FUNCTION search_fts_write()")
    op.execute("DROP TABLE search_fts")
    op.execute(f"CREATE INDEX search_document_fts ON search_document USING gin (({_vector()}))")
