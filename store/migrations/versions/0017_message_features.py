"""Features once (issue 16): message_features (topic features per content hash), topic_aggregates (running
totals per topic for incremental descriptions), keyword_verdicts (keyword eligibility per word, judged once).

Revision ID: 0017_message_features
Revises: 0019_alert_current
"""
import sqlalchemy as sa
from alembic import op

from store.models.base import JSONType

revision = "0017_message_features"
down_revision = "0019_alert_current"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keyword_verdicts",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_keyword_verdicts")),
    )
    op.create_table(
        "message_features",
        sa.Column("content_hash", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("parts", sa.Text(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_message_features")),
    )
    op.create_table(
        "topic_aggregates",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("model_stamp", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("terms", sa.LargeBinary(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("places", JSONType, nullable=False),
        sa.Column("units", JSONType, nullable=False),
        sa.Column("categories", JSONType, nullable=False),
        sa.Column("first_message_at", sa.DateTime(), nullable=True),
        sa.Column("last_message_at", sa.DateTime(), nullable=True),
        sa.Column("representative_id", sa.Integer(), nullable=True),
        sa.Column("representative_similarity", sa.Float(), nullable=False),
        sa.Column("representative_titled", sa.Boolean(), nullable=False),
        sa.Column("label_place", sa.Text(), nullable=True),
        sa.Column("base_label", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], name=op.f("fk_topic_aggregates_topic_id_topics"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("topic_id", name=op.f("pk_topic_aggregates")),
    )


def downgrade() -> None:
    op.drop_table("topic_aggregates")
    op.drop_table("message_features")
    op.drop_table("keyword_verdicts")
