"""api tokens: personal access tokens for the REST API (stored as hashes), and the applications that may ask members
for one (OAuth 2 authorization code with PKCE)

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def text(length):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def when():
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        'oauth_client',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', text(64), nullable=False),
        sa.Column('name', text(100), nullable=False),
        sa.Column('redirect_uri', text(500), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', when(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_id'),
    )
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('name', text(100), nullable=False),
        sa.Column('token_hash', text(64), nullable=False),
        sa.Column('prefix', text(16), nullable=False),
        sa.Column('scopes', text(32), nullable=False),
        sa.Column('created_at', when(), nullable=False),
        sa.Column('last_used_at', when(), nullable=True),
        sa.Column('expires_at', when(), nullable=True),
        sa.Column('revoked_at', when(), nullable=True),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['client_id'], ['oauth_client.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_api_token_member_id'), 'api_token', ['member_id'], unique=False)
    op.create_index(op.f('ix_api_token_client_id'), 'api_token', ['client_id'], unique=False)
    op.create_table(
        'oauth_code',
        sa.Column('code_hash', text(64), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('redirect_uri', text(500), nullable=False),
        sa.Column('scopes', text(32), nullable=False),
        sa.Column('code_challenge', text(128), nullable=False),
        sa.Column('created_at', when(), nullable=False),
        sa.Column('expires_at', when(), nullable=False),
        sa.Column('used_at', when(), nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['oauth_client.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('code_hash'),
    )
    op.create_index(op.f('ix_oauth_code_client_id'), 'oauth_code', ['client_id'], unique=False)
    op.create_index(op.f('ix_oauth_code_member_id'), 'oauth_code', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_oauth_code_member_id'), table_name='oauth_code')
    op.drop_index(op.f('ix_oauth_code_client_id'), table_name='oauth_code')
    op.drop_table('oauth_code')
    op.drop_index(op.f('ix_api_token_client_id'), table_name='api_token')
    op.drop_index(op.f('ix_api_token_member_id'), table_name='api_token')
    op.drop_table('api_token')
    op.drop_table('oauth_client')
