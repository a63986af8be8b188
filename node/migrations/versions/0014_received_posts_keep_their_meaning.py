"""received posts keep their meaning: content warnings on posts and messages, failed NodeInfo lookups remembered

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

WARNED = ('question', 'answer', 'comment', 'notification')


def upgrade() -> None:
    for table in WARNED:
        op.add_column(table, sa.Column('content_warning', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.add_column('instance', sa.Column('nodeinfo_failed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): these columns carry no index or constraint.
    op.drop_column('instance', 'nodeinfo_failed_at')
    for table in reversed(WARNED):
        op.drop_column(table, 'content_warning')
