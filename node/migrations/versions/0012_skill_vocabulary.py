"""skills as one vocabulary: names folded for matching (case, accents, spacing), synonyms and merged names

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from node.models import utcnow
from node.services.errors import InvalidInput
from node.services.skills import normalize_skill
from node.services.vocabulary import merge_statements

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'skill_alias',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_skill_alias_skill_id_skill'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_skill_alias')),
    )
    op.create_index(op.f('ix_skill_alias_skill_id'), 'skill_alias', ['skill_id'], unique=False)
    _fold_existing_names()


def _fold_existing_names() -> None:
    """Skills typed before folding ("sécurité", "securite") become one, the oldest, named in the folded form.

    Their old spellings need no alias: every lookup folds what it is given, so old URLs find the skill and redirect.
    """
    bind = op.get_bind()
    groups: dict[str, list[tuple[int, str]]] = {}
    for skill_id, name in bind.execute(sa.text('SELECT id, name FROM skill ORDER BY id')):
        try:
            key = normalize_skill(name)
        except InvalidInput:  # a name the new rules refuse keeps its row as it is
            continue
        groups.setdefault(key, []).append((skill_id, name))
    for key, members in groups.items():
        (keep, keep_name), others = members[0], members[1:]
        for source, _ in others:
            for statement in merge_statements():
                bind.execute(statement, {'src': source, 'dst': keep, 'now': utcnow()})
        if keep_name != key:
            bind.execute(sa.text('UPDATE skill SET name = :key WHERE id = :id'), {'key': key, 'id': keep})
    # The merges above recorded the old spellings as other names; folding makes them redundant.
    bind.execute(sa.text('DELETE FROM skill_alias'))


def downgrade() -> None:
    # Folded skills stay folded: the merge cannot be told apart afterwards. Only the other names go.
    op.drop_index(op.f('ix_skill_alias_skill_id'), table_name='skill_alias')
    op.drop_table('skill_alias')
