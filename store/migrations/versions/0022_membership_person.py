"""topic_memberships.person: each member's complainant key within its topic, so that a topic that only gains
letters counts its people from the stored keys and the new letters (``analysis.topics.people``). NULL until the
topic's people are next counted in full.

Revision ID: 0022_membership_person
Revises: 0017_message_features
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_membership_person"
down_revision = "0017_message_features"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite adds and drops an unindexed column in place, 3.35+).
def upgrade() -> None:
    op.add_column("topic_memberships", sa.Column("person", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("topic_memberships", "person")
