"""duplicates and bookmarks: a question closed as a duplicate of another; questions kept for later

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('question', sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
    op.add_column('question', sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        'bookmark',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('member_id', 'question_id'),
    )
    op.create_index('ix_bookmark_member_created', 'bookmark', ['member_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bookmark_member_created', table_name='bookmark')
    op.drop_table('bookmark')
    op.drop_column('question', 'closed_at')
    op.drop_column('question', 'duplicate_of_id')
