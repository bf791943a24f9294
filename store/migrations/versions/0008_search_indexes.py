"""search indexes: the web UI's read indexes on messages, and the pg_trgm index for substring search.

On every database: newest message per source (``ix_messages_source_submitted``) and the unanswered messages
(partial ``ix_messages_unanswered``). On PostgreSQL only: the ``pg_trgm`` extension (it ships with PostgreSQL's
contrib package; creating it needs a role allowed to, e.g. the database owner on PostgreSQL 13+) and a GIN
trigram index over title + content (``ix_messages_search_trgm``). SQLite searches by scanning.

Before this revision ``hotline-monitor serve`` created similar indexes itself; they are replaced here.

Revision ID: 0008_search_indexes
Revises: 0007_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_search_indexes"
down_revision = "0007_accounts"
branch_labels = None
depends_on = None

# Same text as store.models.core (PostgreSQL's own rendering of the expression, so autogenerate compares equal).
SEARCH_TEXT_SQL = "((coalesce(title, '') || ' ') || content)"
UNANSWERED_SQL = "replied_at IS NULL AND reply_text IS NULL"
SERVE_CREATED = ("ix_messages_content_trgm", "ix_messages_title_trgm", "ix_messages_unanswered",
                 "ix_messages_source_submitted")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgresql():
        for name in SERVE_CREATED:  # left by `serve` of earlier versions, with other definitions
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.create_index("ix_messages_source_submitted", "messages", ["source_id", "submitted_at"], unique=False)
    op.create_index("ix_messages_unanswered", "messages", ["unit", "id"], unique=False,
                    postgresql_where=sa.text(UNANSWERED_SQL), sqlite_where=sa.text(UNANSWERED_SQL))
    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX ix_messages_search_trgm ON messages USING gin ({SEARCH_TEXT_SQL} gin_trgm_ops)")


def downgrade() -> None:
    if _postgresql():
        op.execute("DROP INDEX IF EXISTS ix_messages_search_trgm")  # the extension stays: others may use it
    op.drop_index("ix_messages_unanswered", table_name="messages")
    op.drop_index("ix_messages_source_submitted", table_name="messages")
