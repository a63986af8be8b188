"""owned claims on queue rows (claim token and holder), server-side member sessions

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

QUEUES = ('delivery', 'inbox_item')


def upgrade() -> None:
    for table in QUEUES:
        op.add_column(table, sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                       server_default=''))
        op.add_column(table, sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                       server_default=''))
    op.create_table(
        'member_session',
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index(op.f('ix_member_session_member_id'), 'member_session', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_member_session_member_id'), table_name='member_session')
    op.drop_table('member_session')
    for table in QUEUES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('claimed_by')
            batch_op.drop_column('claim_token')
