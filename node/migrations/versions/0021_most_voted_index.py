"""most voted: the questions not deleted indexed by score, so the "most voted" tab reads its page in order

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

NOT_DELETED = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.create_index('ix_question_score', 'question', ['score', 'id'], unique=False,
                    sqlite_where=NOT_DELETED, postgresql_where=NOT_DELETED)


def downgrade() -> None:
    op.drop_index('ix_question_score', table_name='question')
