"""message_sightings: when a message was last seen moves out of the wide ``messages`` row into a narrow table.

An import or crawl that finds a message unchanged wrote ``messages.last_seen_at``, i.e. rewrote the whole letter
row and its index entries (on PostgreSQL the search index too): a re-import of an unchanged file rewrote every
letter. Now a message has a sighting row once it has been seen again after it was stored; ``Message.last_seen_at``
reads that, else ``first_seen_at``. Every stored value is kept: a row whose last_seen_at differs from its
first_seen_at gets a sighting with that value.

Revision ID: 0018_message_sightings
Revises: 0021_analysis_watermarks
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_message_sightings"
down_revision = "0021_analysis_watermarks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_sightings",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.execute("INSERT INTO message_sightings (message_id, last_seen_at) "
               "SELECT id, last_seen_at FROM messages WHERE last_seen_at <> first_seen_at")
    # SQLite drops an unindexed column in place (3.35+); no table copy on either database.
    op.drop_column("messages", "last_seen_at")


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE messages SET last_seen_at = coalesce((SELECT last_seen_at FROM message_sightings "
               "WHERE message_sightings.message_id = messages.id), first_seen_at)")
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)
    op.drop_table("message_sightings")
