"""publications tables: the biweekly summary, its items (with message ids), editors' edits, review events.

Revision ID: 0006_publications
Revises: 0005_alerts
"""
from alembic import op
import sqlalchemy as sa

from store.models.base import JSONType

revision = "0006_publications"
down_revision = "0005_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', JSONType, nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=200), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('published_by', sa.String(length=200), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_dir', sa.String(length=1000), nullable=True),
    sa.Column('published_content', JSONType, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('period_start', 'period_end', name=op.f('uq_publications_period_start'))
    )
    op.create_table('publication_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('old_text', sa.Text(), nullable=True),
    sa.Column('new_text', sa.Text(), nullable=False),
    sa.Column('editor', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_edits_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_edits'))
    )
    with op.batch_alter_table('publication_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_edits_publication_id'), ['publication_id'], unique=False)

    op.create_table('publication_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_events_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_events'))
    )
    with op.batch_alter_table('publication_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_events_publication_id'), ['publication_id'], unique=False)

    op.create_table('publication_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('unit', sa.String(length=200), nullable=True),
    sa.Column('asked_count', sa.Integer(), nullable=False),
    sa.Column('answer_message_id', sa.Integer(), nullable=True),
    sa.Column('message_ids', JSONType, nullable=False),
    sa.Column('dropped', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['answer_message_id'], ['messages.id'], name=op.f('fk_publication_items_answer_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_items_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_items')),
    sa.UniqueConstraint('publication_id', 'key', name=op.f('uq_publication_items_publication_id'))
    )
    with op.batch_alter_table('publication_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_items_publication_id'), ['publication_id'], unique=False)


def downgrade() -> None:
    for table in ("publication_items", "publication_events", "publication_edits"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_publication_id"))
        op.drop_table(table)
    op.drop_table("publications")
