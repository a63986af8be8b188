"""badges: medals in a skill and community badges, awarded once; a notification says which badge

Badges are not computed here: `skiller reputation rebuild` awards them for existing data.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'member_badge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('badge', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'badge', 'skill_id', name='uq_member_badge_once'),
    )
    op.create_index(op.f('ix_member_badge_member_id'), 'member_badge', ['member_id'], unique=False)
    op.create_index(op.f('ix_member_badge_skill_id'), 'member_badge', ['skill_id'], unique=False)
    op.add_column(
        'notification', sa.Column('badge', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False, server_default='')
    )


def downgrade() -> None:
    op.drop_column('notification', 'badge')
    op.drop_index(op.f('ix_member_badge_skill_id'), table_name='member_badge')
    op.drop_index(op.f('ix_member_badge_member_id'), table_name='member_badge')
    op.drop_table('member_badge')
