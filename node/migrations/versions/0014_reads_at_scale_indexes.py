"""reads at scale: the feed's window of recent questions read from the index alone; remote accounts whose avatar
is due found without reading every member

`ix_question_activity` also holds each question's id and author: the home feed's 2,000 most recently active
questions were 2,000 reads of whole question rows. `ix_member_avatar_due` holds only the accounts whose avatar
changed since it was fetched: the workers look for them every second, and read every member row to find none.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

AVATAR_DUE = sa.text("avatar_source != avatar_fetched_from")


def upgrade() -> None:
    op.drop_index('ix_question_activity', table_name='question')
    op.create_index('ix_question_activity', 'question', ['deleted_at', 'last_activity_at', 'id', 'author_id'],
                    unique=False)
    op.create_index('ix_member_avatar_due', 'member', ['id'], unique=False,
                    sqlite_where=AVATAR_DUE, postgresql_where=AVATAR_DUE)


def downgrade() -> None:
    op.drop_index('ix_member_avatar_due', table_name='member')
    op.drop_index('ix_question_activity', table_name='question')
    op.create_index('ix_question_activity', 'question', ['deleted_at', 'last_activity_at'], unique=False)
