"""crawl_runs: honest counts and crawl health (fetched vs known, how a run ended, off-site redirects, timeouts,
the page cap, open cases past the revisit window, the process that ran it so a killed run can be closed).

Revision ID: 0016_crawl_health
Revises: 0015_web_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_crawl_health"
down_revision = "0015_web_accounts"
branch_labels = None
depends_on = None

_COUNTS = ("known", "list_pages", "offsite_redirects", "timeouts", "open_past_window")


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        for name in _COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("stop_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("page_cap_hit", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("open_past_window_oldest", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revisit_window_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("host", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        for name in ("host", "pid", "revisit_window_days", "open_past_window_oldest", "page_cap_hit",
                     "stop_reason", *reversed(_COUNTS)):
            batch.drop_column(name)
