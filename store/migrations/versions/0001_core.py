"""core: sources, messages, revisions, units, crawl runs

Revision ID: 0001_core
Revises: 
"""
from alembic import op
import sqlalchemy as sa
from store.models.base import JSONType  # noqa: F401

revision = '0001_core'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=True),
    sa.Column('cms_family', sa.String(length=50), nullable=True),
    sa.Column('freshness_objective_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_sources_name'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('aliases', JSONType, nullable=False),
    sa.Column('contacts', JSONType, nullable=False),
    sa.Column('is_supervision_office', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['units.id'], name=op.f('fk_units_supervisor_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('name', name=op.f('uq_units_name'))
    )
    op.create_table('crawl_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('spider', sa.String(length=100), nullable=True),
    sa.Column('location', sa.String(length=1000), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('finish_reason', sa.String(length=100), nullable=True),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('http_status', JSONType, nullable=False),
    sa.Column('field_coverage', JSONType, nullable=False),
    sa.Column('errors', JSONType, nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_crawl_runs_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_runs'))
    )
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_runs_source_id'), ['source_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('natural_key', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('submitter', sa.String(length=200), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('kind', sa.String(length=50), nullable=True),
    sa.Column('category', sa.String(length=200), nullable=True),
    sa.Column('unit', sa.String(length=200), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=50), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('reply_unit', sa.String(length=200), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('votes_up', sa.Integer(), nullable=True),
    sa.Column('votes_down', sa.Integer(), nullable=True),
    sa.Column('extra', JSONType, nullable=False),
    sa.Column('content_hash', sa.String(length=40), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_messages_source_id_sources')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_messages_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('source_id', 'natural_key', name='uq_messages_source_natural_key')
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_channel_submitted', ['channel', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index('ix_messages_submitted_at', ['submitted_at'], unique=False)
        batch_op.create_index('ix_messages_unit', ['unit'], unique=False)

    op.create_table('message_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_revisions_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], name=op.f('fk_message_revisions_run_id_crawl_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_revisions'))
    )
    with op.batch_alter_table('message_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_revisions_message_id'), ['message_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('message_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_revisions_message_id'))

    op.drop_table('message_revisions')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_unit')
        batch_op.drop_index('ix_messages_submitted_at')
        batch_op.drop_index(batch_op.f('ix_messages_content_hash'))
        batch_op.drop_index('ix_messages_channel_submitted')

    op.drop_table('messages')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_runs_source_id'))

    op.drop_table('crawl_runs')
    op.drop_table('units')
    op.drop_table('sources')

