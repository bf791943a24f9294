"""messages.admissibility and admissibility_reason: which letters can make a hot-list entry or a common question.

Filled by the analysis step 'admissibility'; NULL until a run classifies the letter.

Revision ID: 0012_admissibility
Revises: 0011_messages_unit_id
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_admissibility"
down_revision = "0011_messages_unit_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("admissibility", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("admissibility_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("admissibility_reason")
        batch.drop_column("admissibility")
