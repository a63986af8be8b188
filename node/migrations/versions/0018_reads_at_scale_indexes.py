"""reads at scale: recently active questions indexed without the deleted ones, with their authors; remote accounts
whose avatar is due found without reading every member

`ix_question_activity` becomes (last_activity_at, id, author_id) over the questions not deleted, and takes the place
of `ix_question_last_activity`: the home feed's window of the 2,000 most recently active questions is read from the
index alone (it was 2,000 reads of whole question rows), in order, on both databases. Without `deleted_at` as its
first column, SQLite no longer mistakes `deleted_at IS NULL` for a selective condition: without statistics (no
ANALYZE), it read every question through that index for a search's 300 candidates, and sorted all of them for the
newest questions.

`ix_member_avatar_due` holds only the accounts whose avatar changed since it was fetched: the workers look for them
every second, and read every member row to find none.

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

NOT_DELETED = sa.text("deleted_at IS NULL")
AVATAR_DUE = sa.text("avatar_source != avatar_fetched_from")


def upgrade() -> None:
    op.drop_index('ix_question_activity', table_name='question')
    op.drop_index('ix_question_last_activity', table_name='question')
    op.create_index('ix_question_activity', 'question', ['last_activity_at', 'id', 'author_id'], unique=False,
                    sqlite_where=NOT_DELETED, postgresql_where=NOT_DELETED)
    op.create_index('ix_member_avatar_due', 'member', ['id'], unique=False,
                    sqlite_where=AVATAR_DUE, postgresql_where=AVATAR_DUE)


def downgrade() -> None:
    op.drop_index('ix_member_avatar_due', table_name='member')
    op.drop_index('ix_question_activity', table_name='question')
    op.create_index('ix_question_last_activity', 'question', ['last_activity_at', 'id'], unique=False)
    op.create_index('ix_question_activity', 'question', ['deleted_at', 'last_activity_at'], unique=False)
