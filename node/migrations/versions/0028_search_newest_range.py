"""search's newest documents: a BRIN index over `search_fts.rowid` on PostgreSQL

A search ranks the newest 1,000 documents that match; PostgreSQL now looks for them among the newest document ids
first (see search._newest_matches). Documents are appended in id order, so a BRIN index (a few pages for a million
rows) hands the heap pages of such a span to the full-text index's bitmap at no cost; the primary key's B-tree read
every id of the span (10-20 ms for 100,000). SQLite's FTS5 reads its matches newest first and needs nothing.

Revision ID: 0028
Revises: 0027
"""
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE INDEX search_fts_rowid_range ON search_fts USING brin (rowid) '
                   'WITH (pages_per_range = 16, autosummarize = on)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX search_fts_rowid_range')
