"""messages.unit_id index: the messages of one directory unit, whatever their spelling.

The analysis step `units` fills ``messages.unit_id`` from the unit directory; the message list filters a
directory unit by it (``unit_id = :id OR unit = :name``), which without an index walks every message when the
unit has few (406 ms → 4 ms at 200,000 messages on PostgreSQL for a unit with none).

Revision ID: 0011_messages_unit_id
Revises: 0010_perf_indexes
"""
from alembic import op

revision = "0011_messages_unit_id"
down_revision = "0010_perf_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_unit_id", "messages", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_messages_unit_id", table_name="messages")
