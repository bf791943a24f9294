"""sources.region: the partition a source's messages are clustered in (topics span the sources and channels of
one region, a city; a province's cities are analysed as independent partitions). NULL is the default region.

Revision ID: 0020_source_region
Revises: 0016_crawl_health
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_source_region"
down_revision = "0016_crawl_health"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite adds and drops an unindexed column in place, 3.35+): a batch copy
# of ``sources`` would drop a table the messages point at.
def upgrade() -> None:
    op.add_column("sources", sa.Column("region", sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column("sources", "region")
