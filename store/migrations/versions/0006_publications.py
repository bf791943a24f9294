"""publications tables (filled in by the publications work).

Revision ID: 0006_publications
Revises: 0005_alerts
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from store.models.base import JSONType  # noqa: F401

revision = "0006_publications"
down_revision = "0005_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
