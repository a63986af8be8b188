"""thread version: a question's counter that every change to its answers, comments, tags or answer requests raises

Kept by triggers, so that every writer (the web, the inbox, the API, bulk loaders, administration commands) raises
it in the same transaction: the question page reuses a thread it has read while the counter is unchanged.

Revision ID: 0027
Revises: 0026
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# The tables whose rows the question page shows under a question, each with its question_id column.
THREAD_TABLES = ('answer', 'comment', 'question_tag', 'answer_request')
BUMP = 'UPDATE question SET thread_version = thread_version + 1 WHERE id = {row}.question_id'
BUMP_TAGGED = (
    'UPDATE question SET thread_version = thread_version + 1 '
    'WHERE id IN (SELECT question_id FROM question_tag WHERE skill_id = NEW.id)'
)


def upgrade() -> None:
    op.add_column('question', sa.Column('thread_version', sa.Integer(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION bump_thread_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN {BUMP.format(row='OLD')}; RETURN OLD; END IF; "
            f"{BUMP.format(row='NEW')}; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE FUNCTION bump_tagged_thread_versions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{BUMP_TAGGED}; RETURN NEW; END $$"
        )
        for table in THREAD_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_thread_version AFTER INSERT OR UPDATE OR DELETE ON {table} '
                'FOR EACH ROW EXECUTE FUNCTION bump_thread_version()'
            )
        op.execute(
            'CREATE TRIGGER skill_thread_version AFTER UPDATE OF label, name ON skill '
            'FOR EACH ROW EXECUTE FUNCTION bump_tagged_thread_versions()'
        )
        return
    for table in THREAD_TABLES:
        for event, row in (('INSERT', 'NEW'), ('UPDATE', 'NEW'), ('DELETE', 'OLD')):
            op.execute(
                f'CREATE TRIGGER {table}_thread_version_{event.lower()} AFTER {event} ON {table} '
                f'BEGIN {BUMP.format(row=row)}; END'
            )
    op.execute(f'CREATE TRIGGER skill_thread_version AFTER UPDATE OF label, name ON skill BEGIN {BUMP_TAGGED}; END')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in THREAD_TABLES:
            op.execute(f'DROP TRIGGER {table}_thread_version ON {table}')
        op.execute('DROP TRIGGER skill_thread_version ON skill')
        op.execute('DROP FUNCTION bump_thread_version()')
        op.execute('DROP FUNCTION bump_tagged_thread_versions()')
    else:
        for table in THREAD_TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER {table}_thread_version_{event}')
        op.execute('DROP TRIGGER skill_thread_version')
    op.drop_column('question', 'thread_version')
