"""remote accounts' avatars: the icon named by their actor and the one fetched

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite does it in place (see 0003 about rebuilding `member`).
    op.add_column('member', sa.Column('avatar_source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=''))
    op.add_column('member', sa.Column('avatar_fetched_from', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('avatar_fetched_from')
        batch_op.drop_column('avatar_source')
