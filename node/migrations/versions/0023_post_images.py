"""post images: pictures in questions and answers, stored once by content hash, and the posts that show them

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'media_file',
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('uploader_id', sa.Integer(), nullable=True),
        sa.Column('remote_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['uploader_id'], ['member.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('sha256'),
    )
    op.create_index('ix_media_file_uploader_created', 'media_file', ['uploader_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_media_file_remote_url'), 'media_file', ['remote_url'], unique=False)
    op.create_table(
        'post_image',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('answer_id', sa.Integer(), nullable=True),
        sa.Column('alt', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['sha256'], ['media_file.sha256'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_post_image_sha256'), 'post_image', ['sha256'], unique=False)
    op.create_index(op.f('ix_post_image_question_id'), 'post_image', ['question_id'], unique=False)
    op.create_index(op.f('ix_post_image_answer_id'), 'post_image', ['answer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_post_image_answer_id'), table_name='post_image')
    op.drop_index(op.f('ix_post_image_question_id'), table_name='post_image')
    op.drop_index(op.f('ix_post_image_sha256'), table_name='post_image')
    op.drop_table('post_image')
    op.drop_index(op.f('ix_media_file_remote_url'), table_name='media_file')
    op.drop_index('ix_media_file_uploader_created', table_name='media_file')
    op.drop_table('media_file')
