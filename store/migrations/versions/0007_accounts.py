"""accounts tables (filled in by the accounts work).

Revision ID: 0007_accounts
Revises: 0006_publications
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from store.models.base import JSONType  # noqa: F401

revision = "0007_accounts"
down_revision = "0006_publications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
