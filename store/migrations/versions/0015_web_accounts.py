"""Web accounts done right: a password that must be changed, the UI language per user, the audit log and an
index for throttling by (login, client address).

Revision ID: 0015_web_accounts
Revises: 0013_asked_count_complainants
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_web_accounts"
down_revision = "0013_asked_count_complainants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
    op.create_index("ix_login_attempts_login_client_at", "login_attempts", ["login", "client", "attempted_at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"])
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_index("ix_audit_events_action_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_login_attempts_login_client_at", table_name="login_attempts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
        batch.drop_column("must_change_password")
