"""modern signatures: which signature scheme each server reads, and members' Ed25519 keys

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        'instance',
        sa.Column('signature_scheme', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=''),
    )
    op.add_column(
        'member', sa.Column('ed25519_private_pem', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='')
    )
    op.add_column(
        'member', sa.Column('multikey_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default='')
    )
    op.add_column(
        'member', sa.Column('multikey', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default='')
    )


def downgrade() -> None:
    op.drop_column('member', 'multikey')
    op.drop_column('member', 'multikey_id')
    op.drop_column('member', 'ed25519_private_pem')
    op.drop_column('instance', 'signature_scheme')
