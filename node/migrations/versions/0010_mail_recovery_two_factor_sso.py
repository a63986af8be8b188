"""running it in a company: mail outbox, account tokens (password reset, e-mail verification), two-factor
recovery codes, single sign-on identities; members' e-mail verification, TOTP secret and mail preferences;
invitations addressed to an e-mail

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _text(length):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite does it in place (see 0003 about rebuilding `member`).
    op.add_column('member', sa.Column('email_verified', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('member', sa.Column('totp_secret', _text(64), nullable=False, server_default=''))
    op.add_column('member', sa.Column('mail_prefs', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('member', sa.Column('digest', _text(8), nullable=False, server_default=''))
    op.add_column('member', sa.Column('digest_sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('invitation', sa.Column('email', _text(254), nullable=False, server_default=''))

    op.create_table(
        'mail_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('to_address', _text(254), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('kind', _text(32), nullable=False),
        sa.Column('subject', _text(300), nullable=False),
        sa.Column('body_text', _text(None), nullable=False),
        sa.Column('body_html', _text(None), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('state', _text(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_error', _text(500), nullable=False),
        sa.Column('claim_token', _text(40), nullable=False),
        sa.Column('claimed_by', _text(100), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_mail_message_due', 'mail_message', ['state', 'next_attempt_at'], unique=False)

    op.create_table(
        'account_token',
        sa.Column('token_hash', _text(64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('purpose', _text(32), nullable=False),
        sa.Column('email', _text(254), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index(op.f('ix_account_token_member_id'), 'account_token', ['member_id'], unique=False)

    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', _text(64), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_recovery_code_member_id'), 'recovery_code', ['member_id'], unique=False)

    op.create_table(
        'sso_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider', _text(64), nullable=False),
        sa.Column('subject', _text(255), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('email', _text(254), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider', 'subject', name='uq_sso_identity_subject'),
    )
    op.create_index(op.f('ix_sso_identity_member_id'), 'sso_identity', ['member_id'], unique=False)


def downgrade() -> None:
    for table in ('sso_identity', 'recovery_code', 'account_token'):
        op.drop_index(op.f(f'ix_{table}_member_id'), table_name=table)
        op.drop_table(table)
    op.drop_index('ix_mail_message_due', table_name='mail_message')
    op.drop_table('mail_message')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('member', schema=None) as batch_op:
        for column in ('digest_sent_at', 'digest', 'mail_prefs', 'totp_secret', 'email_verified'):
            batch_op.drop_column(column)
