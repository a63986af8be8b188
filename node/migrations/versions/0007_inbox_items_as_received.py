"""inbox items keep the body as received (text, not a re-serialized JSON value)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.JSON(), type_=sqlmodel.sql.sqltypes.AutoString(),
                              existing_nullable=False, postgresql_using='payload::text')


def downgrade() -> None:
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sqlmodel.sql.sqltypes.AutoString(), type_=sa.JSON(),
                              existing_nullable=False, postgresql_using='payload::json')
