"""outgoing activities stored once, deliveries refer to them

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outgoing_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_activity')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_outgoing_activity_activity_id'))
    )
    # Deliveries already queued keep their activity: one row per distinct activity id.
    op.execute("INSERT INTO outgoing_activity (activity_id, payload, created_at) "
               "SELECT activity_id, MIN(payload), MIN(created_at) FROM delivery GROUP BY activity_id")
    op.add_column('delivery', sa.Column('activity_ref', sa.Integer(), nullable=True))
    op.execute("UPDATE delivery SET activity_ref = (SELECT o.id FROM outgoing_activity o "
               "WHERE o.activity_id = delivery.activity_id)")
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('uq_delivery_once', type_='unique')
        batch_op.drop_column('payload')
        batch_op.drop_column('activity_id')
        batch_op.alter_column('activity_ref', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_delivery_activity_ref_outgoing_activity'), 'outgoing_activity',
                                    ['activity_ref'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_delivery_once', ['activity_ref', 'inbox_url'])


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute("UPDATE delivery SET activity_id = (SELECT o.activity_id FROM outgoing_activity o "
               "WHERE o.id = delivery.activity_ref), payload = (SELECT o.payload FROM outgoing_activity o "
               "WHERE o.id = delivery.activity_ref)")
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('uq_delivery_once', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_delivery_activity_ref_outgoing_activity'), type_='foreignkey')
        batch_op.drop_column('activity_ref')
        batch_op.alter_column('activity_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=500),
                              nullable=False)
        batch_op.alter_column('payload', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.create_unique_constraint('uq_delivery_once', ['activity_id', 'inbox_url'])
    op.drop_table('outgoing_activity')
