"""deadlines tables (filled in by the deadlines work).

Revision ID: 0002_deadlines
Revises: 0001_core
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from store.models.base import JSONType  # noqa: F401

revision = "0002_deadlines"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
