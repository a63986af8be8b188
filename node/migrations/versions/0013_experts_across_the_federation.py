"""experts across the federation: the published directory, partners' directories, questions put to a person

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def instance_columns() -> tuple[sa.Column, ...]:
    return (
        sa.Column('directory_partner', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('directory_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''),
        sa.Column('directory_cursor', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default=''),
        sa.Column('directory_synced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('directory_entries', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('directory_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=''),
    )


def upgrade() -> None:
    op.add_column('member', sa.Column('directory_listed', sa.Boolean(), nullable=True))
    op.add_column('notification', sa.Column('excerpt', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                            server_default=''))
    op.add_column('notification', sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                            server_default=''))
    for column in instance_columns():
        op.add_column('instance', column)
    op.create_table(
        'directory_listing',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('entry', sa.JSON(), nullable=False),
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('listed', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_directory_listing_member_id_member'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('member_id', name=op.f('pk_directory_listing')),
    )
    op.create_index('ix_directory_listing_updated', 'directory_listing', ['updated_at', 'member_id'], unique=False)
    op.create_table(
        'directory_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('actor_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('trade', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('organization', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('synced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_entry')),
        sa.UniqueConstraint('actor_url', name=op.f('uq_directory_entry_actor_url')),
    )
    op.create_index(op.f('ix_directory_entry_domain'), 'directory_entry', ['domain'], unique=False)
    for column in ('location', 'trade', 'organization'):
        op.create_index(f'ix_directory_entry_{column}', 'directory_entry', [column], unique=False)
    op.create_table(
        'directory_skill',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('skill', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('endorsements', sa.Integer(), nullable=False),
        sa.Column('accepted_answers', sa.Integer(), nullable=False),
        sa.Column('recent_answers', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['directory_entry.id'], name=op.f('fk_directory_skill_entry_id_directory_entry'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('entry_id', 'skill', name=op.f('pk_directory_skill')),
    )
    op.create_index(op.f('ix_directory_skill_skill'), 'directory_skill', ['skill'], unique=False)
    op.create_index(
        'ix_directory_skill_rank',
        'directory_skill',
        ['skill', sa.text('(endorsements + 3 * accepted_answers + recent_answers)'), 'level', 'years', 'entry_id'],
        unique=False,
    )
    op.create_table(
        'answer_request',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_answer_request_question_id_question'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_answer_request_member_id_member'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['member.id'],
                                name=op.f('fk_answer_request_requested_by_id_member'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', 'member_id', name=op.f('pk_answer_request')),
    )
    op.create_index(op.f('ix_answer_request_member_id'), 'answer_request', ['member_id'], unique=False)
    op.create_index('ix_answer_request_by_time', 'answer_request', ['requested_by_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('answer_request')
    op.drop_table('directory_skill')
    op.drop_table('directory_entry')
    op.drop_table('directory_listing')
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): these columns carry no index or constraint, and rebuilding
    # the member table would touch every table that refers to it.
    for column in reversed(instance_columns()):
        op.drop_column('instance', column.name)
    op.drop_column('member', 'directory_listed')
    op.drop_column('notification', 'url')
    op.drop_column('notification', 'excerpt')
