"""routing tables (filled in by the routing work).

Revision ID: 0003_routing
Revises: 0002_deadlines
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from store.models.base import JSONType  # noqa: F401

revision = "0003_routing"
down_revision = "0002_deadlines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
