"""alerts tables (filled in by the alerts work).

Revision ID: 0005_alerts
Revises: 0004_topics
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from store.models.base import JSONType  # noqa: F401

revision = "0005_alerts"
down_revision = "0004_topics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
