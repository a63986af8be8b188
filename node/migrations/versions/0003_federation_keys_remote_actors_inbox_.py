"""federation: keys, remote actors, inbox, deliveries, instances

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 07:31:49.367508
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('activity_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('signer', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('processed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_item')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_inbox_item_activity_id'))
    )
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_item_due', ['state', 'next_attempt_at'], unique=False)

    op.create_table('instance',
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('software', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_success_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_failure_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('failure_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('domain', name=op.f('pk_instance'))
    )
    op.create_table('setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('tombstone',
    sa.Column('ap_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('ap_id', name=op.f('pk_tombstone'))
    )
    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('inbox_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['sender_id'], ['member.id'], name=op.f('fk_delivery_sender_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('activity_id', 'inbox_url', name='uq_delivery_once')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_domain'), ['domain'], unique=False)
        batch_op.create_index('ix_delivery_due', ['state', 'next_attempt_at'], unique=False)

    # Plain ADD COLUMN and CREATE INDEX: SQLite does both in place (a batch rebuild of `member`
    # would have to drop a table that every other table references).
    op.add_column('member', sa.Column('private_key_pem', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
    op.add_column('member', sa.Column('public_key_pem', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
    op.add_column('member', sa.Column('approve_followers', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('member', sa.Column('actor_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.add_column('member', sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
    op.add_column('member', sa.Column('profile_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
    op.add_column('member', sa.Column('inbox_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
    op.add_column('member', sa.Column('shared_inbox_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
    op.add_column('member', sa.Column('followers_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
    op.add_column('member', sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_index('ix_member_actor_url', 'member', ['actor_url'], unique=True)
    op.create_index('ix_member_key_id', 'member', ['key_id'], unique=False)

    op.add_column('member_follow', sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='accepted'))
    op.add_column('member_follow', sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('member_follow', schema=None) as batch_op:
        batch_op.drop_column('activity_id')
        batch_op.drop_column('state')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_key_id'))
        batch_op.drop_index(batch_op.f('ix_member_actor_url'))
        batch_op.drop_column('fetched_at')
        batch_op.drop_column('followers_url')
        batch_op.drop_column('shared_inbox_url')
        batch_op.drop_column('inbox_url')
        batch_op.drop_column('profile_url')
        batch_op.drop_column('key_id')
        batch_op.drop_column('actor_url')
        batch_op.drop_column('approve_followers')
        batch_op.drop_column('public_key_pem')
        batch_op.drop_column('private_key_pem')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_due')
        batch_op.drop_index(batch_op.f('ix_delivery_domain'))

    op.drop_table('delivery')
    op.drop_table('tombstone')
    op.drop_table('setting')
    op.drop_table('instance')
    with op.batch_alter_table('inbox_item', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_item_due')

    op.drop_table('inbox_item')
