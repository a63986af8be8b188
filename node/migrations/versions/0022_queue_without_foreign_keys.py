"""the delivery queue without foreign keys, and fan-outs queued by the workers

A delivery row names its activity and sender unchecked: checking both keys cost PostgreSQL a trigger and a lock
of the same parent row for each of a fan-out's rows (0.7 s of 100,000). Nothing needs them: housekeeping removes
an outgoing activity only once no delivery or fan-out names it, and local members, the only senders, are never
removed. A large audience's followers are queued by the workers from `delivery_fanout`, reading a member's
followers in id order from where they stopped.

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery') as batch_op:
        batch_op.drop_constraint('fk_delivery_activity_ref_outgoing_activity', type_='foreignkey')
        batch_op.drop_constraint('fk_delivery_sender_id_member', type_='foreignkey')
    op.create_table(
        'delivery_fanout',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_ref', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=True),
        sa.Column('followers_of', sa.Integer(), nullable=False),
        sa.Column('after_follower', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_fanout')),
    )
    op.create_index('ix_member_follow_followers', 'member_follow', ['followed_id', 'follower_id'])
    op.drop_index('ix_member_follow_followed_id', table_name='member_follow')


def downgrade() -> None:
    op.create_index('ix_member_follow_followed_id', 'member_follow', ['followed_id'])
    op.drop_index('ix_member_follow_followers', table_name='member_follow')
    op.drop_table('delivery_fanout')
    with op.batch_alter_table('delivery') as batch_op:
        batch_op.create_foreign_key('fk_delivery_activity_ref_outgoing_activity', 'outgoing_activity',
                                    ['activity_ref'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key('fk_delivery_sender_id_member', 'member', ['sender_id'], ['id'],
                                    ondelete='CASCADE')
