"""deadlines: due dates, extensions, pauses, the calendar-change log and moved due dates

Revision ID: 0002_deadlines
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

from store.models.base import JSONType

revision = "0002_deadlines"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('previous_fingerprint', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('year_sources', JSONType, nullable=False),
    sa.Column('first_used_at', sa.DateTime(), nullable=False),
    sa.Column('deadlines_recomputed', sa.Integer(), nullable=False),
    sa.Column('deadlines_changed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_versions'))
    )
    with op.batch_alter_table('calendar_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_versions_fingerprint'), ['fingerprint'], unique=False)

    op.create_table('deadline_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('old_due_on', sa.Date(), nullable=True),
    sa.Column('new_due_on', sa.Date(), nullable=True),
    sa.Column('old_calendar_fingerprint', sa.String(length=32), nullable=True),
    sa.Column('new_calendar_fingerprint', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_deadline_changes_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_changes'))
    )
    with op.batch_alter_table('deadline_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_changes_message_id'), ['message_id'], unique=False)

    op.create_table('deadline_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('new_due_on', sa.Date(), nullable=True),
    sa.Column('extra_working_days', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_deadline_extensions_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_extensions'))
    )
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_extensions_message_id'), ['message_id'], unique=False)

    op.create_table('deadline_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_deadline_pauses_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_pauses'))
    )
    with op.batch_alter_table('deadline_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_pauses_message_id'), ['message_id'], unique=False)

    op.create_table('deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=100), nullable=False),
    sa.Column('rule_source', sa.Text(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('day_unit', sa.String(length=10), nullable=False),
    sa.Column('convention', sa.String(length=30), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('deemed_received_on', sa.Date(), nullable=False),
    sa.Column('base_due_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('explanation_zh', sa.Text(), nullable=False),
    sa.Column('calendar_fingerprint', sa.String(length=32), nullable=False),
    sa.Column('rules_fingerprint', sa.String(length=32), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_deadlines_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadlines')),
    sa.UniqueConstraint('message_id', name=op.f('uq_deadlines_message_id'))
    )
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_due_on', ['due_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_due_on')

    op.drop_table('deadlines')
    with op.batch_alter_table('deadline_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_pauses_message_id'))

    op.drop_table('deadline_pauses')
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_extensions_message_id'))

    op.drop_table('deadline_extensions')
    with op.batch_alter_table('deadline_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_changes_message_id'))

    op.drop_table('deadline_changes')
    with op.batch_alter_table('calendar_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_versions_fingerprint'))

    op.drop_table('calendar_versions')
