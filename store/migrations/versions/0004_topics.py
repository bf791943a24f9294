"""topics tables (filled in by the topics work).

Revision ID: 0004_topics
Revises: 0003_routing
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from store.models.base import JSONType  # noqa: F401

revision = "0004_topics"
down_revision = "0003_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
