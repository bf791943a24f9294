"""routing: trained router models and routing predictions

Revision ID: 0003_routing
Revises: 0002_deadlines
"""
from alembic import op
import sqlalchemy as sa

from store.models.base import JSONType

revision = "0003_routing"
down_revision = "0002_deadlines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('routing_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('trained_at', sa.DateTime(), nullable=False),
    sa.Column('n_rows', sa.Integer(), nullable=False),
    sa.Column('classes', JSONType, nullable=False),
    sa.Column('cv_scores', JSONType, nullable=False),
    sa.Column('min_confidence', sa.Float(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_models')),
    sa.UniqueConstraint('field', 'version', name='uq_routing_models_field_version')
    )
    op.create_table('routing_predictions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('predicted', sa.String(length=200), nullable=True),
    sa.Column('best_guess', sa.String(length=200), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('needs_manual', sa.Boolean(), nullable=False),
    sa.Column('alternatives', JSONType, nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.Column('routed_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_routing_predictions_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_predictions')),
    sa.UniqueConstraint('message_id', 'field', name='uq_routing_predictions_message_field')
    )
    with op.batch_alter_table('routing_predictions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_predictions_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('routing_predictions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_predictions_message_id'))

    op.drop_table('routing_predictions')
    op.drop_table('routing_models')
