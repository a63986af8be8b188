"""moving accounts: the accounts a member is also known as, and the account they moved to

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('member', sa.Column('also_known_as', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column(
        'member', sa.Column('moved_to', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default='')
    )


def downgrade() -> None:
    op.drop_column('member', 'moved_to')
    op.drop_column('member', 'also_known_as')
