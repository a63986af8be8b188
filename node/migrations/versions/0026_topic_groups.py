"""topic groups: each skill is also a Group actor (FEP-1b12) with its own key; remote people follow it

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'group_key',
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('private_key_pem', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('public_key_pem', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('skill_id'),
    )
    op.add_column(
        'tag_follow',
        sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''),
    )
    op.add_column('delivery', sa.Column('sender_group_id', sa.Integer(), nullable=True))
    op.add_column('question', sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column('question', 'audience')
    op.drop_column('delivery', 'sender_group_id')
    op.drop_column('tag_follow', 'activity_id')
    op.drop_table('group_key')
