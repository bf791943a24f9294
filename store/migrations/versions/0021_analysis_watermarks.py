"""analysis_watermarks: how far each analysis step has read (message id, revision id, its rules' version), so
that ``analyze`` handles only new and changed letters.

Revision ID: 0021_analysis_watermarks
Revises: 0020_source_region
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_analysis_watermarks"
down_revision = "0020_source_region"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_watermarks",
        sa.Column("step", sa.String(length=40), primary_key=True),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("last_revision_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("analysis_watermarks")
