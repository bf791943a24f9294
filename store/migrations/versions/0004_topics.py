"""topics tables: topics, memberships, lineage, analyst curation, runs, early warnings, reply quality.

Revision ID: 0004_topics
Revises: 0003_routing
"""
from alembic import op
import sqlalchemy as sa

from store.models.base import JSONType

revision = "0004_topics"
down_revision = "0003_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('topic_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('topics', sa.Integer(), nullable=False),
    sa.Column('kept', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Integer(), nullable=False),
    sa.Column('params', JSONType, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_runs'))
    )
    op.create_table('reply_quality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('flags', JSONType, nullable=False),
    sa.Column('reply_chars', sa.Integer(), nullable=False),
    sa.Column('question_chars', sa.Integer(), nullable=False),
    sa.Column('substantive_chars', sa.Integer(), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=200), nullable=True),
    sa.Column('reply_hash', sa.String(length=40), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_reply_quality_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_quality')),
    sa.UniqueConstraint('message_id', name=op.f('uq_reply_quality_message_id'))
    )
    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('label_locked', sa.Boolean(), nullable=False),
    sa.Column('keywords', JSONType, nullable=False),
    sa.Column('places', JSONType, nullable=False),
    sa.Column('units', JSONType, nullable=False),
    sa.Column('categories', JSONType, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('distinct_submitters', sa.Integer(), nullable=False),
    sa.Column('representative_message_id', sa.Integer(), nullable=True),
    sa.Column('first_message_at', sa.DateTime(), nullable=True),
    sa.Column('last_message_at', sa.DateTime(), nullable=True),
    sa.Column('created_run_id', sa.Integer(), nullable=True),
    sa.Column('updated_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_run_id'], ['topic_runs.id'], name=op.f('fk_topics_created_run_id_topic_runs')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['topics.id'], name=op.f('fk_topics_merged_into_id_topics')),
    sa.ForeignKeyConstraint(['representative_message_id'], ['messages.id'], name=op.f('fk_topics_representative_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_run_id'], ['topic_runs.id'], name=op.f('fk_topics_updated_run_id_topic_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics'))
    )
    op.create_table('topic_curations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('payload', JSONType, nullable=False),
    sa.Column('author', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_curations_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_curations'))
    )
    op.create_index(op.f('ix_topic_curations_topic_id'), 'topic_curations', ['topic_id'], unique=False)
    op.create_table('topic_lineage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_topic_id', sa.Integer(), nullable=False),
    sa.Column('to_topic_id', sa.Integer(), nullable=False),
    sa.Column('shared_messages', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['from_topic_id'], ['topics.id'], name=op.f('fk_topic_lineage_from_topic_id_topics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['topic_runs.id'], name=op.f('fk_topic_lineage_run_id_topic_runs')),
    sa.ForeignKeyConstraint(['to_topic_id'], ['topics.id'], name=op.f('fk_topic_lineage_to_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_lineage'))
    )
    op.create_index(op.f('ix_topic_lineage_from_topic_id'), 'topic_lineage', ['from_topic_id'], unique=False)
    op.create_index(op.f('ix_topic_lineage_run_id'), 'topic_lineage', ['run_id'], unique=False)
    op.create_index(op.f('ix_topic_lineage_to_topic_id'), 'topic_lineage', ['to_topic_id'], unique=False)
    op.create_table('topic_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('model_topic_id', sa.Integer(), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('duplicate_group', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_topic_memberships_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_topic_id'], ['topics.id'], name=op.f('fk_topic_memberships_model_topic_id_topics'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_memberships_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_memberships')),
    sa.UniqueConstraint('message_id', name=op.f('uq_topic_memberships_message_id'))
    )
    op.create_index('ix_topic_memberships_topic_id', 'topic_memberships', ['topic_id'], unique=False)
    op.create_table('warning_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('observed', sa.Float(), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('evidence', JSONType, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_warning_events_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_events')),
    sa.UniqueConstraint('topic_id', 'kind', 'day', name='uq_warning_events_topic_kind_day')
    )
    op.create_index(op.f('ix_warning_events_topic_id'), 'warning_events', ['topic_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_warning_events_topic_id'), table_name='warning_events')
    op.drop_table('warning_events')
    op.drop_index('ix_topic_memberships_topic_id', table_name='topic_memberships')
    op.drop_table('topic_memberships')
    op.drop_index(op.f('ix_topic_lineage_to_topic_id'), table_name='topic_lineage')
    op.drop_index(op.f('ix_topic_lineage_run_id'), table_name='topic_lineage')
    op.drop_index(op.f('ix_topic_lineage_from_topic_id'), table_name='topic_lineage')
    op.drop_table('topic_lineage')
    op.drop_index(op.f('ix_topic_curations_topic_id'), table_name='topic_curations')
    op.drop_table('topic_curations')
    op.drop_table('topics')
    op.drop_table('reply_quality')
    op.drop_table('topic_runs')
